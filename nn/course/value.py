"""The course's reference `Value`: the engine a learner writes in notebook 03, complete.

A notebook whose exercise was skipped (or is not solved yet) goes on with these versions,
and says so, instead of a silently broken one. It is written as a learner writes it, in
micrograd's shape: each op computes `out`, defines a closure `_backward` that ADDS its
share to the parents' gradients (a node used twice gets a share from each use), and
attaches it. It is not chainrule's engine (`engine.Value`), which shares one rule per op.

One difference from the notebook's own class: results are made with `type(self)(...)`, not
`Value(...)`, so that these methods can be put on the learner's class (`Value.__add__ =
reference.Value.__add__`) and still make the learner's kind of node.

API: `Value(data, parents=(), op="", label="")` with `.data`, `.grad`, `.parents`, `.op`,
`.label`, `._backward`; `+ - * / **` (a number on either side is a constant; `**` takes a
number exponent), unary `-`, `exp()`, `log()`, `tanh()`, `relu()`, `backward()`; and
`topological_order(root)`, iterative.

The learner's own engine, carried from notebook 03 to 06 and 07:
`save_engine(cls, path="my_engine.py")` writes the learner's class, as it stands, to a
module of its own (atomically), imports that file afresh and checks it against
`engine.Value` (+, *, -, /, unary -, ** 3 and ** -1, exp, tanh, a number on either side,
backward() on a node used three times, a tanh neuron); it returns the path, or prints why
not and returns None. `load_engine(path="my_engine.py")` returns that file's `Value` when it
exists (relative to the working directory) and passes the same check, else this module's
`Value`, and prints one line saying which and why.
"""

from __future__ import annotations

import inspect
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from nn.course.saving import (
    SourceError,
    class_source,
    function_source,
    global_names,
    import_fresh,
    importable,
    installed_methods,
    write_module,
)

__all__ = ["Value", "load_engine", "save_engine", "topological_order"]


def _no_rule() -> None:
    """A leaf's rule: it has no parents to pass a gradient to."""


class Value:
    """One number, the Values it was computed from, and how to pass its gradient back."""

    def __init__(
        self, data: float, parents: tuple[Value, ...] = (), op: str = "", label: str = ""
    ) -> None:
        self.data = data
        self.grad: float = 0.0
        self.parents = parents
        self.op = op
        self.label = label
        self._backward: Callable[[], None] = _no_rule

    def __repr__(self) -> str:
        return f"Value({self.label or self.op}: data={self.data:.4f}, grad={self.grad:.4f})"

    def __add__(self, other: Value | float) -> Value:
        if isinstance(other, (int, float)):
            other = type(self)(other)  # a constant: its gradient is computed, never read
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            # d(x + y)/dx = 1, d(x + y)/dy = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        if isinstance(other, (int, float)):
            other = type(self)(other)  # a constant
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            # d(x * y)/dx = y, d(x * y)/dy = x
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Value:
        if not isinstance(k, (int, float)):
            raise TypeError("this Value's ** takes a number exponent (x ** 2), not a Value")
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _backward() -> None:
            # d(x ** k)/dx = k * x ** (k - 1)
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            # d e^x/dx = e^x, which is out.data
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        out = type(self)(math.log(self.data), (self,), "log")

        def _backward() -> None:
            # d log(x)/dx = 1 / x
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:
            # d tanh(x)/dx = 1 - tanh(x)**2, and out.data is tanh(x)
            self.grad += (1 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = type(self)(max(0.0, self.data), (self,), "relu")

        def _backward() -> None:
            # d relu(x)/dx = 1 where x > 0, else 0
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    # the rest is made of the ops above, so it needs no rule of its own

    def __neg__(self) -> Value:  # -self
        return self * -1

    def __sub__(self, other: Value | float) -> Value:  # self - other
        return self + (-other)

    def __truediv__(self, other: Value | float) -> Value:  # self / other
        return self * other**-1

    # 2 * v: int's __mul__ does not know Value and returns NotImplemented, so Python asks
    # the right operand: v.__rmul__(2)

    def __radd__(self, other: float) -> Value:  # other + self
        return self + other

    def __rmul__(self, other: float) -> Value:  # other * self
        return self * other

    def __rsub__(self, other: float) -> Value:  # other - self
        return -self + other

    def __rtruediv__(self, other: float) -> Value:  # other / self
        return self**-1 * other

    def backward(self) -> None:
        """Seed d self/d self = 1, then run every node's rule, outputs before inputs."""
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node._backward()  # adds to its parents' .grad


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, itself included, each once, after all of its parents.

    Depth-first with a stack of our own instead of recursion, so a chain deeper than
    Python's recursion limit works: an entry (node, False) means "place its parents
    first", (node, True) means "its parents are placed: place it".
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack = [(root, False)]
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            for parent in reversed(node.parents):
                stack.append((parent, False))
    return order


# --- the learner's own engine, saved in 03 and used again in 06 and 07 ------------------
# save_engine writes the learner's class, as it stands at the end of notebook 03, into a
# module of its own (my_engine.py); load_engine brings it back in a later notebook, or the
# reference Value above when there is no such file or it does not pass the same check.

ENGINE_FILE = "my_engine.py"


class EngineSourceError(SourceError):
    """The learner's class could not be written out as a module (the message says why)."""


def save_engine(cls: type[Any], path: str | os.PathLike[str] = ENGINE_FILE) -> Path | None:
    """Write `cls` (the learner's `Value` from notebook 03) to `path` as a module whose
    `Value` is that class, methods installed later included; then import the file afresh,
    check it against `engine.Value` and return its path.

    The source is gathered from the notebook's cells (IPython keeps them in `linecache`):
    the class as written, each method put on it afterwards (a learner's own, or the
    reference's from this module when an exercise did not pass), and every function or
    module they use by global name (the learner's `topological_order`, `math`). When the
    class cannot be written out, or the written file fails the check, it prints why and
    that the course's `Value` will be used in its place, and returns None.
    """
    if not isinstance(cls, type):
        raise TypeError(f"save_engine takes your Value class, not {type(cls).__name__}")
    target = Path(path)
    name = target.name
    try:
        source = _engine_source(cls)
    except SourceError as error:
        print(
            f"Not saved: {error} {name} was not written, so notebooks 06 and 07 use the "
            "course's Value (nn.course.value) instead."
        )
        return None
    write_module(target, source)
    try:
        problem = _engine_problem(_import_engine(target).Value)
    except Exception as error:  # noqa: BLE001 (the learner's module: any error is a reason)
        problem = f"importing it raised {type(error).__name__}: {error}"
    if problem is not None:
        print(
            f"Saved to {name}, but it does not pass the check: {problem}. Until it does, "
            "notebooks 06 and 07 use the course's Value (nn.course.value) instead."
        )
        return None
    borrowed = [line.split(" = ")[0] for line in source.splitlines() if "_CourseValue." in line]
    if borrowed:
        print(
            f"Saved your Value to {name}: notebooks 06 and 07 build on it. Until you solve "
            f"this notebook's exercises for them, {len(borrowed)} of its methods are the course's "
            f"({', '.join(b.split('.', 1)[1] for b in borrowed)})."
        )
        return target
    print(f"Saved your Value to {name}: notebooks 06 and 07 build on it.")
    return target


def load_engine(path: str | os.PathLike[str] = ENGINE_FILE) -> type[Any]:
    """The learner's `Value` from `path` (relative to the working directory), imported
    afresh, when the file exists and passes the check of `save_engine`; otherwise this
    module's reference `Value`. Prints one line saying which, and why."""
    target = Path(path)
    name = target.name
    if not target.is_file():
        reason = f"there is no {name} here (notebook 03's last section saves it)"
    else:
        try:
            mine = _import_engine(target, register=True).Value
        except Exception as error:  # noqa: BLE001 (the learner's module: any error is a reason)
            reason = f"importing {name} raised {type(error).__name__}: {error}"
        else:
            problem = _engine_problem(mine)
            if problem is None:
                print(f"using your Value from {name}")
                return cast("type[Any]", mine)
            reason = f"your Value from {name} does not pass the check: {problem}"
    print(f"using the course's Value (nn.course.value): {reason}")
    return Value


def _import_engine(path: Path, register: bool = False) -> Any:
    """Run the file at `path` as a fresh module (never one cached from an earlier import).
    With `register`, it is put in sys.modules under its file's stem, so that tracebacks and
    `inspect` find it, unless that name is taken by another module."""
    module = import_fresh(path, "_chainrule_learner_engine", register=register)
    if not hasattr(module, "Value"):
        if sys.modules.get(module.__name__) is module:
            del sys.modules[module.__name__]
        raise ImportError(f"{path.name} defines no Value")
    return module


# The check a saved engine passes: each entry builds an expression from leaves of the class
# it is given (the same numbers for the learner's class and for engine.Value) and returns
# the output and the leaves; the two must agree on the output's data and, after
# backward(), on every leaf's gradient.
_CHECKS: list[tuple[str, Callable[[Any], tuple[Any, list[Any]]]]] = [
    ("a + b", lambda V: _two(V, lambda a, b: a + b)),
    ("a * b", lambda V: _two(V, lambda a, b: a * b)),
    ("a - b", lambda V: _two(V, lambda a, b: a - b)),
    ("a / b", lambda V: _two(V, lambda a, b: a / b)),
    ("-a", lambda V: _two(V, lambda a, b: -a * b)),
    ("a ** 3", lambda V: _two(V, lambda a, b: a**3 * b)),
    ("a ** -1", lambda V: _two(V, lambda a, b: a**-1 + b)),
    ("a.exp()", lambda V: _two(V, lambda a, b: a.exp() * b)),
    ("a.tanh()", lambda V: _two(V, lambda a, b: a.tanh() * b)),
    ("a + 2", lambda V: _two(V, lambda a, b: (a + 2) * b)),
    ("a * 2", lambda V: _two(V, lambda a, b: (a * 2) * b)),
    ("2 + a (reflected)", lambda V: _two(V, lambda a, b: (2 + a) * b)),
    ("2 * a (reflected)", lambda V: _two(V, lambda a, b: (2 * a) * b)),
    ("x * x + x (x used three times)", lambda V: _reused(V)),
    (
        "a neuron, tanh(w1*x1 + w2*x2 + b)",
        lambda V: _two(V, lambda a, b: (a * 0.5 + b * -1.5 + 0.25).tanh()),
    ),
]


def _two(V: Any, expression: Callable[[Any, Any], Any]) -> tuple[Any, list[Any]]:
    a, b = V(0.7), V(-1.3)
    return expression(a, b), [a, b]


def _reused(V: Any) -> tuple[Any, list[Any]]:
    x = V(3.0)
    return x * x + x, [x]


def _engine_problem(cls: Any) -> str | None:
    """None when `cls` computes and backpropagates like engine.Value on every expression
    of _CHECKS; otherwise which expression differs and how."""
    import engine  # noqa: PLC0415 (only when an engine is checked)

    if not isinstance(cls, type):
        return f"Value is a {type(cls).__name__}, not a class"
    for what, build in _CHECKS:
        try:
            out, leaves = build(cls)
            out.backward()
        except Exception as error:  # noqa: BLE001 (the learner's code: any error is a reason)
            return f"{what} raised {type(error).__name__}: {error}"
        right, right_leaves = build(engine.Value)
        right.backward()
        got = getattr(out, "data", None)
        if not isinstance(got, (int, float)) or not math.isclose(
            got, right.data, rel_tol=1e-9, abs_tol=1e-12
        ):
            return f"{what} gives data {got!r}, engine.Value gives {right.data!r}"
        for index, (leaf, expected) in enumerate(zip(leaves, right_leaves)):
            grad = getattr(leaf, "grad", None)
            if not isinstance(grad, (int, float)) or not math.isclose(
                grad, expected.grad, rel_tol=1e-9, abs_tol=1e-12
            ):
                name = "ab"[index] if len(leaves) > 1 else "x"
                return (
                    f"after backward() on {what}, {name}.grad is {grad!r}, engine.Value "
                    f"gives {expected.grad!r}"
                )
    return None


def _engine_source(cls: type[Any]) -> str:
    """The text of a module whose `Value` is `cls` as it stands (see save_engine)."""
    statement, class_code = class_source(cls, f"class {cls.__name__}")
    parts = [
        '"""Your Value from notebook 03, saved by nn.course.value.save_engine: the class as\n'
        "you wrote it, then the methods the exercises put on it, then what they use.\n"
        "Notebooks 06 and 07 load it with nn.course.value.load_engine.\n"
        '"""\n',
    ]
    imports: dict[str, str] = {}  # the import line of each global a function needs
    written: dict[str, Any] = {cls.__name__: cls}  # module globals defined so far
    pending: list[Any] = [f for f in vars(cls).values() if inspect.isfunction(f)]
    body = [statement]
    installed: list[str] = []
    for attribute, fn in installed_methods(cls, class_code):
        if fn.__module__ == __name__ and fn is getattr(Value, attribute, None):
            imports["_CourseValue"] = "from nn.course.value import Value as _CourseValue"
            installed.append(
                f"{cls.__name__}.{attribute} = _CourseValue.{attribute}  # the course's version"
            )
            continue
        def_name = _cell_function_name(fn, f"{cls.__name__}.{attribute}")
        if written.get(def_name, fn) is not fn:
            raise EngineSourceError(
                f"two different functions named {def_name} are on {cls.__name__}; rename one."
            )
        if def_name not in written:
            written[def_name] = fn
            body.append(function_source(fn))
        installed.append(f"{cls.__name__}.{attribute} = {def_name}")
    # what the functions use by global name: modules, the learner's other functions
    pending = [f for f in written.values() if inspect.isfunction(f)] + pending
    seen: set[int] = set()
    while pending:
        fn = pending.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        for name in global_names(fn.__code__):
            if name in written or name in imports or name not in fn.__globals__:
                continue  # defined here, or a builtin (or a name never bound: its error)
            obj = fn.__globals__[name]
            if inspect.ismodule(obj):
                module = obj.__name__
                imports[name] = f"import {module}" + (f" as {name}" if module != name else "")
            elif inspect.isfunction(obj) and _from_a_cell(obj):
                _cell_function_name(obj, name)
                written[name] = obj
                body.append(function_source(obj))
                pending.append(obj)
            elif importable(obj):
                imports[name] = f"from {obj.__module__} import {obj.__qualname__}" + (
                    f" as {name}" if obj.__qualname__ != name else ""
                )
            elif isinstance(obj, (int, float, str, bool)):
                imports[name] = f"{name} = {obj!r}"
            else:
                raise EngineSourceError(
                    f"{fn.__name__} uses {name}, a {type(obj).__name__} that cannot be saved "
                    "in a file; compute it inside the function."
                )
    header = sorted(line for line in imports.values() if line.startswith("import "))
    header += sorted(line for line in imports.values() if line.startswith("from "))
    constants = [line for line in imports.values() if not line.startswith(("import", "from"))]
    text = "\n".join(parts + header + [""] + constants) + "\n\n"
    text += "\n\n".join(source.rstrip() + "\n" for source in body)
    if installed:
        text += "\n\n# the methods the exercises put on the class\n" + "\n".join(installed)
        text += "\n"
    if cls.__name__ != "Value":
        text += f"\nValue = {cls.__name__}\n"
    return text


def _from_a_cell(fn: Any) -> bool:
    """Defined in a notebook cell (or a file that is not an installed module)."""
    module = sys.modules.get(fn.__module__)
    return module is None or not getattr(module, "__file__", None) or fn.__module__ == "__main__"


def _cell_function_name(fn: Any, where: str) -> str:
    if fn.__name__ == "<lambda>":
        raise EngineSourceError(f"{where} is a lambda; write it with def to save it.")
    if fn.__closure__:
        raise EngineSourceError(
            f"{where} ({fn.__name__}) is a closure made inside another function; define it at "
            "the top level of a cell to save it."
        )
    return str(fn.__name__)
