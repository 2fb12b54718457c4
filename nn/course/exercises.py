"""The checkers of notebooks 01, 02, 03, 05 and 10: derivatives, the chain rule by hand,
the learner's own `Value` and the notebooks that use it.

Each `check_*` function is what an exercise cell ends with: it takes what the cell defines
and prints one verdict line, "Correct: ..." or "Not yet: <hint>" (the machinery is
`nn.course.checking`). The answers are computed here, out of the notebooks' text, so a
learner reading a notebook does not read them.

- 01: `check_g_prime` (the derivative of x**3 - 2x), `check_partials` (of e = a*b*c).
- 02: `check_composition` (sin(x**2)), `check_k_gradients` ((u + v) * w by hand),
  `check_total_derivative` (multiply along each path, add the paths).
- 03: `check_add_mul`, `check_more_ops`, `check_reflected`, `check_topological_order`,
  `check_backward`: each takes the notebook's class `V` and the learner's functions. On
  success they become the class's methods; otherwise the reference versions
  (`nn.course.value`) do, and the hint says so, so the cells below still run.
- 05: `check_prediction` (x.grad of (x + w) * x, with `+=` and with `=`), `check_sigmoid`.
- 10: `check_count` (the op nodes of a longhand neuron), `check_dot_rule` (the fused node's
  rule).
"""

from __future__ import annotations

import ast
import inspect
import math
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

from nn.course.checking import (
    NotYet,
    Verdict,
    call,
    checker,
    close,
    correct,
    gradient_hint,
    is_number,
    not_yet,
    same_code,
)

__all__ = [
    "check_add_mul",
    "check_backward",
    "check_composition",
    "check_count",
    "check_dot_rule",
    "check_g_prime",
    "check_k_gradients",
    "check_more_ops",
    "check_partials",
    "check_prediction",
    "check_reflected",
    "check_sigmoid",
    "check_topological_order",
    "check_total_derivative",
]


# --- 01 and 02: derivatives and the chain rule by hand ----------------------------------


def _numbers(points: Iterable[float], fn: Callable[[float], Any], what: str) -> list[float]:
    results = []
    for x in points:
        y = call(fn, x, what=what)
        if not is_number(y):
            raise NotYet(f"{what} returns {y!r} at x = {x}: it should return a number.")
        results.append(float(y))
    return results


def _matches(got: list[float], model: Callable[[float], float], points: list[float]) -> bool:
    return all(close(g, model(x), 1e-6) for g, x in zip(got, points))


def _measured_slope(fn: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    """Notebook 01's referee, the central difference (fn(x + h) - fn(x - h)) / 2h."""
    return (fn(x + h) - fn(x - h)) / (2 * h)


@checker
def check_g_prime(g_prime: Callable[[float], float]) -> str:
    """01: the derivative of g(x) = x**3 - 2x, compared with the measured slope."""
    points = [-2.0, -0.5, 0.0, 1.0, 3.0]
    got = _numbers(points, g_prime, "your g_prime")
    right = [_measured_slope(lambda x: x**3 - 2 * x, x) for x in points]
    if all(abs(g - r) < 1e-4 for g, r in zip(got, right)):
        return "g'(x) = 3x^2 - 2 matches the measured slope everywhere."
    mistakes: list[tuple[Callable[[float], float], str]] = [
        (lambda x: 3 * x**2, "right for the x**3 term, but the -2x term has a slope too."),
        (lambda x: 3 * x**2 + 2, "the slope of the -2x term has the wrong sign."),
        (
            lambda x: x**2 - 2,
            "the power rule brings the exponent down as a factor: d/dx x^n = n x^(n-1).",
        ),
        (
            lambda x: 3 * x**3 - 2,
            "the power rule lowers the exponent by one: d/dx x^n = n x^(n-1).",
        ),
    ]
    for model, hint in mistakes:
        if _matches(got, model, points):
            raise NotYet(hint)
    x, g = next((x, g) for x, g, r in zip(points, got, right) if abs(g - r) >= 1e-4)
    raise NotYet(
        f"at x = {x} you return {g:.6g}, but the curve's slope there is {3 * x**2 - 2:.4f}. "
        "Differentiate x**3 and -2*x separately and add."
    )


@checker
def check_partials(partials: Any) -> str:
    """01: the partial derivatives of e = a*b*c at a=2, b=-3, c=4."""
    a, b, c = 2.0, -3.0, 4.0
    right = [b * c, a * c, a * b]
    names = ["de/da", "de/db", "de/dc"]
    if not isinstance(partials, (list, tuple)) or len(partials) != 3:
        raise NotYet("enter a list of three numbers, one per input: [de/da, de/db, de/dc].")
    for name, mine, r in zip(names, partials, right):
        if close(mine, r):
            continue
        if close(mine, -r):
            raise NotYet(f"{name} has the right size and the wrong sign.")
        if close(mine, 0.0):
            raise NotYet(
                f"{name} is 0, but nudging that input does move e. Hold the other two inputs "
                "fixed: e is then a constant times this input; what is the constant?"
            )
        if close(mine, 1.0):
            raise NotYet(
                f"{name} is 1, the slope of a sum; e is a product. Hold the other two inputs "
                "fixed: e is then a constant times this input; what is the constant?"
            )
        if any(close(mine, v) for v in (a, b, c)):
            raise NotYet(
                f"{name} is one of the inputs' values; when the other two are held fixed, "
                "the slope is the product of the OTHER two."
            )
        raise NotYet(
            f"{name} is off. Hold the other two inputs fixed: e is then a constant times "
            "this input; that constant is the partial derivative."
        )
    return "each partial derivative is the product of the other two inputs."


@checker
def check_composition(dh_dx: Callable[[float], float]) -> str:
    """02: the derivative of h(x) = sin(x**2)."""
    points = [-1.3, -0.4, 0.3, 0.9, 1.7]
    got = _numbers(points, dh_dx, "your dh_dx")
    if _matches(got, lambda x: math.cos(x * x) * 2 * x, points):
        return (
            "dh/dx = cos(x^2) * 2x: the outer rate, taken at the inner value, times the inner rate."
        )
    mistakes: list[tuple[Callable[[float], float], str]] = [
        (
            lambda x: math.cos(x * x),
            "that is the outer function's rate (d sin(y)/dy at y = x^2) alone; the chain "
            "rule multiplies it by the inner function's rate, dy/dx.",
        ),
        (
            lambda x: math.cos(x) * 2 * x,
            "the outer derivative must be taken where the outer function is evaluated, at "
            "y = x^2, not at x.",
        ),
        (
            lambda x: -math.cos(x * x) * 2 * x,
            "the size is right, the sign is not: d sin(y)/dy = cos(y).",
        ),
        (
            lambda x: math.cos(2 * x),
            "the inner rate went inside the cosine; the two rates multiply instead.",
        ),
        (lambda x: 2 * x, "that is the inner rate alone; multiply by the outer rate too."),
    ]
    for model, hint in mistakes:
        if _matches(got, model, points):
            raise NotYet(hint)
    measured = _measured_slope(lambda x: math.sin(x * x), 1.7)
    raise NotYet(
        f"at x = 1.7 you return {got[-1]:.6g}, the slope measured by nudging is "
        f"{measured:.6g}. Write h as sin(y) with y = x^2 and multiply the two rates."
    )


@checker
def check_k_gradients(grads: Any) -> str:
    """02: k = (u + v) * w at u = 1, v = 2, w = -4, by hand."""
    u, v, w = 1.0, 2.0, -4.0
    s = u + v
    right = {"u": w, "v": w, "w": s}
    if not isinstance(grads, dict) or set(grads) != set(right):
        raise NotYet('fill in a dict with the three keys "u", "v" and "w".')
    mine = {name: grads[name] for name in right}
    for name in ("w", "u", "v"):
        got, r = mine[name], right[name]
        if close(got, r):
            continue
        if close(got, -r):
            raise NotYet(f"dk/d{name} has the right size and the wrong sign.")
        if name == "w" and (close(got, w) or close(got, 1.0)):
            raise NotYet("k = s * w with s = u + v: how fast does k change when only w moves?")
        if name != "w" and close(got, 1.0):
            raise NotYet(
                f"ds/d{name} = 1 is the local derivative of the sum; the chain rule multiplies "
                "it by dk/ds, the rate at which k follows s."
            )
        if name != "w" and close(got, (u if name == "v" else v) * w):
            raise NotYet(
                f"dk/d{name}: a sum's local derivative with respect to each input is 1, it "
                "does not depend on the other input."
            )
        raise NotYet(
            f"dk/d{name} is off: follow the path from k down to {name} and multiply the "
            "local derivatives on it."
        )
    return (
        "dk/du = dk/dv = w = -4 (the sum passes its gradient on unchanged) and dk/dw = u + v = 3."
    )


@checker
def check_total_derivative(total_derivative: Callable[[list[list[float]]], float]) -> str:
    """02: the total derivative from the local derivatives on each path."""
    cases = [
        [[2.0, 3.0]],
        [[0.5, -2.0, 3.0]],
        [[2.0, 3.0], [4.0]],
        [[0.5, -2.0, 3.0], [1.5, 4.0], [-1.0, 1.0]],
    ]
    for paths in cases:
        got = call(total_derivative, [list(p) for p in paths], what="your total_derivative")
        right = sum(math.prod(p) for p in paths)
        if close(got, right):
            continue
        where = f"for the paths {paths} you return {got!r}"
        if not is_number(got):
            raise NotYet(f"{where}: return one number.")
        if close(got, sum(sum(p) for p in paths)):
            raise NotYet(f"{where}: along a path the rates multiply; they do not add.")
        if close(got, math.prod(math.prod(p) for p in paths)):
            raise NotYet(
                f"{where}: multiply along each path, but the paths ADD: each carries its own share."
            )
        if close(got, math.prod(paths[0])) or close(got, math.prod(paths[-1])):
            raise NotYet(f"{where}: that is one path's share; every path counts.")
        if close(got, math.prod(sum(p) for p in paths)):
            raise NotYet(
                f"{where}: that adds within a path and multiplies across; it is the "
                "other way round."
            )
        raise NotYet(f"{where}; it should be {right:.6g}. Work one case by hand and compare.")
    return "multiply the local derivatives along each path, add the paths' products."


# --- 03: the learner's Value ---------------------------------------------------------
# Each check takes the notebook's class `V` and the learner's functions; on success they
# become the class's methods, otherwise the reference versions (nn.course.value) do, and the
# hint says so, so the cells below still run.


def _reference() -> Any:
    from nn.course import value  # noqa: PLC0415 (imported only when a course check runs)

    return value


def _install(V: Any, methods: dict[str, Any], mine: bool) -> str:
    reference = _reference().Value
    for name, fn in methods.items():
        setattr(V, name, fn if mine else getattr(reference, name))
    names = ", ".join(methods)
    if mine:
        return f" Value now uses your {names}."
    they = "they pass" if len(methods) > 1 else "it passes"
    return (
        f" (Until {they}, Value uses the reference {names} from nn.course.value, so the "
        "cells below run.)"
    )


def _installing(V: Any, methods: dict[str, Any], check: Callable[[], str]) -> Verdict:
    for name, fn in methods.items():  # checked as they will be used: through the operators
        setattr(V, name, fn)
    try:
        message = check()
    except NotYet as mistake:
        return not_yet(mistake.hint + _install(V, methods, mine=False))
    return correct(message + _install(V, methods, mine=True))


def _check_result(
    V: Any, out: Any, what: str, operands: tuple[Any, ...], data: float, op: str
) -> None:
    """`out` is a new node of class V with the right data, parents, op and an attached rule."""
    if out is None:
        raise NotYet(f"{what} returns None: it must return the new node it made.")
    if not isinstance(out, V):
        kind = "the number" if is_number(out) else "a"
        shown = repr(out) if is_number(out) else type(out).__name__
        raise NotYet(
            f"{what} returns {kind} {shown}, not a new Value: without a node there is no graph "
            "to walk back through."
        )
    if any(out is node for node in operands):
        raise NotYet(f"{what} returns one of its operands; it must make a new node.")
    if not close(out.data, data):
        raise NotYet(f"{what} gives data {out.data!r}; the result should be {data!r}.")
    parents = out.parents
    if not isinstance(parents, (tuple, list)):
        raise NotYet(
            f"{what}: parents is a {type(parents).__name__}; give a tuple of the operand nodes."
        )
    if any(not isinstance(p, V) for p in parents):
        raise NotYet(
            f"{what}: out.parents holds {tuple(parents)!r}. Parents are the Value nodes the "
            "result was computed from (whose .grad the rule fills in), not numbers."
        )
    if len(parents) != len(operands) or any(p is not q for p, q in zip(parents, operands)):
        raise NotYet(
            f"{what}: out.parents should be the {len(operands)} operand node(s), in order; "
            f"yours has {len(parents)} entr{'y' if len(parents) == 1 else 'ies'}."
        )
    if not (out.op == op or (op == "**" and str(out.op).startswith("**"))):
        raise NotYet(
            f"{what}: give the result the op {op!r} (drawings show it); it has {out.op!r}."
        )
    if same_code(out._backward, V(0.0)._backward):
        raise NotYet(
            f"{what}: out._backward is still the do-nothing rule every leaf starts with. "
            "Define the closure inside the method, then attach it to out before returning."
        )


def _run_rule(
    out: Any,
    what: str,
    nodes: list[tuple[str, Any, float]],
    upstream: float,
    known: dict[str, list[tuple[float, str]]],
) -> None:
    """Run out's rule with out.grad = upstream and nonzero grads before; check each node."""
    befores = [0.25, -0.5]
    for (_, node, _), before in zip(nodes, befores):
        node.grad = before
    datas = [node.data for _, node, _ in nodes]
    out.grad = upstream
    call(out._backward, what=f"the rule in {what}")
    for (name, node, _), data in zip(nodes, datas):
        if node.data != data:
            raise NotYet(
                f"the rule in {what} changed {name}.data: a rule writes gradients into .grad "
                "and leaves the numbers alone."
            )
    for (name, node, local), before in zip(nodes, befores):
        if node.grad == before and local * upstream != 0.0:
            if len(nodes) > 1:
                raise NotYet(
                    f"in {what}: the rule leaves {name}.grad as it was ({before}): one "
                    "operand's gradient is never updated. Each parent of out gets its own "
                    "share, a line for each."
                )
            raise NotYet(
                f"in {what}: the rule leaves {name}.grad as it was ({before}): the parent's "
                "gradient is never updated."
            )
        mistakes = [
            (
                before + local * out.data,
                (
                    "the rule multiplies by out.data, the node's value; the chain rule needs the "
                    "gradient that arrived at out, out.grad."
                ),
            )
        ] + known.get(name, [])
        hint = gradient_hint(
            name, node.grad, local=local, upstream=upstream, before=before, known=mistakes
        )
        if hint is not None:
            raise NotYet(f"in {what}: {hint}")


def _binary(
    V: Any, fn: Any, name: str, op: str, a_data: float, b_data: float, number: float
) -> None:
    what = f"your {name}"
    forward: Callable[[float, float], float] = (
        (lambda x, y: x + y) if op == "+" else (lambda x, y: x * y)
    )
    a, b = V(a_data, label="a"), V(b_data, label="b")
    out = call(fn, a, b, what=what)
    _check_result(V, out, what, (a, b), forward(a_data, b_data), op)
    locals_ = (1.0, 1.0) if op == "+" else (b_data, a_data)
    known: dict[str, list[tuple[float, str]]] = {}
    if op == "*":
        g = 1.5
        known = {
            "a": [
                (0.25 + a_data * g, "d(a*b)/da is not a: which number does a get multiplied by?")
            ],
            "b": [
                (-0.5 + b_data * g, "d(a*b)/db is not b: which number does b get multiplied by?")
            ],
        }
    _run_rule(out, what, [("a", a, locals_[0]), ("b", b, locals_[1])], 1.5, known)
    # a number on the right: a constant leaf
    c = V(a_data, label="c")
    try:
        out = call(fn, c, number, what=what)
    except NotYet as mistake:
        raise NotYet(f"c {op} {number} (a plain number on the right): {mistake.hint}") from None
    if not isinstance(out, V) or not close(out.data, forward(a_data, number)):
        raise NotYet(
            f"c {op} {number} should be a Value with data {forward(a_data, number)!r}: turn the "
            "number into a Value (a constant) first."
        )


def check_add_mul(V: Any, add: Any, mul: Any) -> Verdict:
    """03, exercise 1: __add__ and __mul__ with their rules."""

    def check() -> str:
        _binary(V, add, "__add__", "+", 2.0, -3.0, 4.0)
        _binary(V, mul, "__mul__", "*", 2.0, -3.0, 4.0)
        return "+ and * make the right node and pass out.grad back, adding to each parent's grad."

    return _installing(V, {"__add__": add, "__mul__": mul}, check)


def _unary(
    V: Any,
    fn: Any,
    what: str,
    op: str,
    x_data: float,
    data: float,
    local: float,
    known: list[tuple[float, str]],
    *args: float,
) -> None:
    x = V(x_data, label="x")
    out = call(fn, x, *args, what=what)
    _check_result(V, out, what, (x,), data, op)
    _run_rule(out, what, [("x", x, local)], 1.5, {"x": known})


def check_more_ops(V: Any, pow_: Any, exp: Any, tanh: Any) -> Verdict:
    """03, exercise 2: __pow__ (a number exponent), exp and tanh with their rules."""

    def check() -> str:
        x, k, g, before = 1.5, 3.0, 1.5, 0.25
        x_node = V(x, label="x")
        out = call(pow_, x_node, k, what="your __pow__")
        if isinstance(out, V) and any(is_number(p) for p in getattr(out, "parents", ())):
            raise NotYet(
                "your __pow__: the exponent is a plain number, a constant; parents holds only "
                "the Value nodes the result came from."
            )
        _unary(
            V,
            pow_,
            "your __pow__",
            "**",
            x,
            x**k,
            k * x ** (k - 1),
            [
                (before + k * x**k * g, "d x^k/dx = k x^(k-1): the exponent goes down by one."),
                (
                    before + x ** (k - 1) * g,
                    "d x^k/dx = k x^(k-1): the exponent k comes down as a factor too.",
                ),
            ],
            k,
        )
        out = call(pow_, V(2.0), -1.0, what="your __pow__")
        if not isinstance(out, V) or not close(out.data, 0.5):
            raise NotYet("your __pow__ with the exponent -1 should give 1/x (2 ** -1 = 0.5).")
        t = math.tanh(0.5)
        _unary(
            V,
            exp,
            "your exp",
            "exp",
            0.5,
            math.exp(0.5),
            math.exp(0.5),
            [
                (before + 0.5 * g, "your rule multiplies by x; what is the derivative of e^x?"),
                (
                    before + g,
                    "your rule passes out.grad on unchanged, as if the local derivative were 1.",
                ),
            ],
        )
        _unary(
            V,
            tanh,
            "your tanh",
            "tanh",
            0.5,
            t,
            1 - t * t,
            [
                (
                    before + (1 - 0.25) * g,
                    "your rule squares the input x; the derivative of tanh is written "
                    "with tanh(x), the output.",
                ),
                (before + t * t * g, "tanh'(x) is 1 minus tanh(x)**2, not tanh(x)**2 alone."),
                (
                    before + (1 + t * t) * g,
                    "a sign inside tanh's local derivative is flipped: tanh flattens out as "
                    "its output nears 1 or -1, so its slope must shrink as tanh(x)**2 grows, "
                    "never exceed 1.",
                ),
                (before + (1 - t) * g, "tanh'(x) is 1 minus tanh(x) SQUARED."),
            ],
        )
        return "**, exp and tanh: right values, each rule local derivative times out.grad, added."

    return _installing(V, {"__pow__": pow_, "exp": exp, "tanh": tanh}, check)


def _grads_after_backward(out: Any) -> None:
    """Run every rule of out's graph, outputs first, from zero gradients (reference order)."""
    order = _reference().topological_order(out)
    for node in order:
        node.grad = 0.0
    out.grad = 1.0
    for node in reversed(order):
        call(node._backward, what=f"the rule of a {node.op or 'leaf'} node")


def _recursion_hint(mistake: NotYet, what: str, number_left: bool) -> NotYet:
    if "RecursionError" not in mistake.hint:
        return mistake
    why = (
        "with a number on the left, Python asks the number first; the number does not know "
        "Value, so Python calls your reflected method again, and again."
        if number_left
        else "the method ends up calling itself."
    )
    return NotYet(f"{what} never finishes (RecursionError): {why} Which operand should go first?")


def check_reflected(V: Any, radd: Any, rmul: Any, sub: Any, truediv: Any) -> Verdict:
    """03, exercise 3: 2 + x, 2 * x (the reflected forms), x - y and x / y from other ops."""

    def one(
        fn: Any,
        what: str,
        left: Any,
        right: Any,
        data: float,
        grads: list[tuple[str, Any, float]],
        number_left: bool,
        swapped: float | None = None,
        wrong_op: float | None = None,
    ) -> None:
        try:
            out = call(fn, left, right, what=f"your {what}")
        except NotYet as mistake:
            raise _recursion_hint(mistake, f"your {what}", number_left) from None
        if out is None or not isinstance(out, V):
            shown = "None" if out is None else repr(out)
            raise NotYet(
                f"your {what} returns {shown}, not a Value: build the result from Value "
                "operations so that it has a graph."
            )
        if not close(out.data, data):
            if swapped is not None and close(out.data, swapped):
                raise NotYet(
                    f"your {what} gives {out.data!r}: the operands are the other way round."
                )
            if wrong_op is not None and close(out.data, wrong_op):
                raise NotYet(f"your {what} gives {out.data!r}: that is another operation's result.")
            raise NotYet(f"your {what} gives data {out.data!r}, it should be {data!r}.")
        _grads_after_backward(out)
        for name, node, right_grad in grads:
            if not close(node.grad, right_grad):
                raise NotYet(
                    f"after your {what}, backward gives {name}.grad = {node.grad!r}, expected "
                    f"{right_grad!r}: build the result from the Values, not from their .data."
                )

    def check() -> str:
        x = V(1.5, label="x")
        one(radd, "__radd__ (2 + x)", x, 2.0, 3.5, [("x", x, 1.0)], True)
        x = V(1.5, label="x")
        one(rmul, "__rmul__ (2 * x)", x, 2.0, 3.0, [("x", x, 2.0)], True, wrong_op=3.5)
        x, y = V(1.5, label="x"), V(0.5, label="y")
        one(
            sub,
            "__sub__ (x - y)",
            x,
            y,
            1.0,
            [("x", x, 1.0), ("y", y, -1.0)],
            False,
            swapped=-1.0,
            wrong_op=2.0,
        )
        x = V(1.5, label="x")
        one(sub, "__sub__ (x - 4)", x, 4.0, -2.5, [("x", x, 1.0)], False, swapped=2.5, wrong_op=5.5)
        x, y = V(1.5, label="x"), V(0.5, label="y")
        one(
            truediv,
            "__truediv__ (x / y)",
            x,
            y,
            3.0,
            [("x", x, 2.0), ("y", y, -6.0)],
            False,
            swapped=1 / 3,
            wrong_op=0.75,
        )
        x = V(1.5, label="x")
        one(
            truediv,
            "__truediv__ (x / 4)",
            x,
            4.0,
            0.375,
            [("x", x, 0.25)],
            False,
            swapped=4 / 1.5,
            wrong_op=6.0,
        )
        return (
            "2 + x, 2 * x, x - y and x / y work, numbers included, and their gradients flow back."
        )

    return _installing(
        V, {"__radd__": radd, "__rmul__": rmul, "__sub__": sub, "__truediv__": truediv}, check
    )


def _order_labels(order: list[Any]) -> str:
    return "[" + ", ".join(getattr(n, "label", "?") or "?" for n in order) + "]"


def check_topological_order(V: Any, topological_order: Any) -> Verdict:
    """03, exercise 4: an iterative topological order. Returns whether it is right (the
    notebook then uses the reference one if not)."""

    def check() -> str:
        # out = tanh(x * x) + x: x is used three times
        x = V(0.5, label="x")
        y = V(0.25, (x, x), "*", label="y")
        z = V(math.tanh(0.25), (y,), "tanh", label="z")
        out = V(z.data + 0.5, (z, x), "+", label="out")
        small: Any = None
        recursed = False
        try:
            small = call(topological_order, out, what="your topological_order")
        except NotYet as mistake:
            if "RecursionError" not in mistake.hint:
                raise
            recursed = True
        if not recursed:
            if small is None:
                raise NotYet(
                    "your topological_order returns None: it should return the order, a list."
                )
            if not isinstance(small, (list, tuple)):
                raise NotYet(
                    f"your topological_order returns a {type(small).__name__}; an order is a list "
                    "(a set or a dict has no order you can walk backwards)."
                )
            if any(not isinstance(n, V) for n in small):
                raise NotYet(
                    "your order holds things that are not nodes (numbers?): put the nodes "
                    "themselves in it, backward calls their rules."
                )
            labels = _order_labels(list(small))
            for node in (x, y, z, out):
                count = sum(1 for n in small if n is node)
                if count == 0:
                    raise NotYet(
                        f"on out = tanh(x * x) + x your order is {labels}: {node.label} is "
                        "missing. Every node that out depends on, out included, belongs in it."
                    )
                if count > 1:
                    raise NotYet(
                        f"on out = tanh(x * x) + x your order is {labels}: {node.label} is there "
                        f"{count} times; remember which nodes you have already visited."
                    )
            place = {id(n): k for k, n in enumerate(small)}
            for node in small:
                for parent in node.parents:
                    if place[id(parent)] > place[id(node)]:
                        raise NotYet(
                            f"your order is {labels}: {node.label} comes before its parent "
                            f"{parent.label}. A node may be placed only once all its parents are."
                        )
        deep = V(0.001, label="x0")
        for _ in range(20_000):
            deep = V(deep.data, (deep,), "tanh")
        try:
            length = len(call(topological_order, deep, what="your topological_order") or ())
        except NotYet as mistake:
            if "RecursionError" in mistake.hint:
                raise NotYet(
                    "RecursionError on a chain of 20,000 tanh"
                    + (" (the small graph was right)" if not recursed else "")
                    + ": your function calls itself, one stack frame per level. Keep a list of "
                    "the nodes still to visit and loop while it is not empty."
                ) from None
            raise
        if length != 20_001:
            raise NotYet(f"the chain has 20,001 nodes, your order has {length}.")
        return "every node once, after its parents, and no recursion: 20,001 nodes."

    try:
        message = check()
    except NotYet as mistake:
        return not_yet(
            mistake.hint + " (Until it passes, the cells below use topological_order from "
            "nn.course.value.)"
        )
    return correct(message)


def check_backward(V: Any, backward: Any) -> Verdict:
    """03, exercise 5: backward(root) on the learner's Value."""

    def build() -> tuple[list[Any], Any]:
        a, b, c, f = V(2.0, label="a"), V(-3.0, label="b"), V(10.0, label="c"), V(-2.0, label="f")
        e = a * b
        d = e + c
        return [a, b, c, f, e, d], d * f

    def check() -> str:
        nodes, out = build()
        right = [6.0, -4.0, -2.0, 4.0, -2.0, -2.0]
        ran = _watch_rules(nodes + [out], out)
        call(backward, out, what="your backward")
        got = [n.grad for n in nodes]
        if all(close(g, r) for g, r in zip(got, right)) and close(out.grad, 1.0):
            pass
        elif all(close(g, 0.0) for g in got):
            if close(out.grad, 0.0):
                raise NotYet(
                    "every gradient is still 0: the chain has to start somewhere. What is dL/dL?"
                )
            if ran:  # rules ran, but before the seed: each passed on out.grad = 0
                raise NotYet(
                    "the rules ran, but while L's gradient was still 0, so each passed on 0 "
                    "(only L's own gradient became 1, afterwards): the seed must be set "
                    "before the rules run."
                )
            if _names_rule_without_calling(backward):
                raise NotYet(
                    "no rule ran: your loop names each node's _backward without calling it. "
                    "A function runs only when it is called, with parentheses after its name."
                )
            raise NotYet(
                "only the output has a gradient: no node's rule was called. Walk the order "
                "and call each node's rule."
            )
        else:
            # the same rules run inputs first
            nodes2, out2 = build()
            order = _reference().topological_order(out2)
            out2.grad = 1.0
            for node in order:
                node._backward()
            if all(close(g, n.grad) for g, n in zip(got, nodes2)):
                raise NotYet(
                    "only L's own rule passed anything on (d and f have gradients, a, b, c "
                    "and e have none): when the other rules ran, their node's gradient was "
                    "still 0. A node may pass its gradient on only once it is complete, after "
                    "every node that uses it has run its rule."
                )
            labels = "abcfed"
            wrong = next(i for i, (g, r) in enumerate(zip(got, right)) if not close(g, r))
            raise NotYet(
                f"on L = (a*b + c) * f, {labels[wrong]}.grad is {got[wrong]!r}, expected "
                f"{right[wrong]!r}: seed the output, then run every node's rule once, in order."
            )
        deep = x = V(0.001, label="x")
        for _ in range(20_000):
            deep = deep.tanh()
        try:
            call(backward, deep, what="your backward")
        except NotYet as mistake:
            if "RecursionError" in mistake.hint:
                raise NotYet(
                    "on a chain of 20,000 tanh your backward hits Python's recursion limit: "
                    "walk the order with a loop."
                ) from None
            raise
        if not 0.97 < x.grad < 0.99:
            raise NotYet(
                f"on a chain of 20,000 tanh x.grad is {x.grad!r}, it should be about 0.98."
            )
        return "seed 1, every rule once, outputs first: the gradients of L and of the deep chain."

    return _installing(V, {"backward": backward}, check)


def _watch_rules(nodes: list[Any], out: Any) -> list[float]:
    """Wrap each node's rule so that it records, when it runs, out's gradient then (the
    returned list fills in as the rules run)."""
    ran: list[float] = []
    for node in nodes:
        rule = node._backward

        def watched(rule: Callable[[], None] = rule) -> None:
            ran.append(out.grad)
            rule()

        node._backward = watched
    return ran


def _names_rule_without_calling(fn: Any) -> bool:
    """`fn`'s source reads some `._backward` without calling it (`node._backward`)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return False
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return any(
        isinstance(n, ast.Attribute)
        and n.attr == "_backward"
        and isinstance(n.ctx, ast.Load)
        and id(n) not in called
        for n in ast.walk(tree)
    )


# --- 05: reused nodes, and tanh and sigmoid made of other ops ---------------------------


@checker
def check_prediction(prediction: Any) -> str:
    """05: predict x.grad for y = (x + w) * x at x = 2, w = 5, with += and with =.

    The notebook demonstrates the bug on x * x + x; this graph runs its rules in the other
    order: the product (the output) first, the sum last."""
    if not isinstance(prediction, dict) or set(prediction) != {"right", "buggy"}:
        raise NotYet('fill in a dict with the keys "right" and "buggy".')
    right, buggy = prediction["right"], prediction["buggy"]
    if not (is_number(right) and is_number(buggy)):
        raise NotYet("both predictions are numbers: x.grad with += and x.grad with =.")
    x, w = 2.0, 5.0
    s = x + w  # the sum node
    direct = s  # the product's rule sends x (its second factor) s.data * 1
    through_sum = x  # it sends the sum s x.data * 1; the sum's rule passes that on to x
    if not close(right, direct + through_sum):
        if close(right, direct):
            raise NotYet(
                "with +=, x is used twice: once by the product directly and once inside the "
                "sum. You counted only the direct use."
            )
        if close(right, through_sum):
            raise NotYet(
                "with +=, you counted only the share that comes through the sum; the product "
                "uses x directly too."
            )
        raise NotYet(
            "with +=, x.grad is the sum of the shares from each use of x: follow each path "
            "from y back to x and multiply the local derivatives along it."
        )
    if not close(buggy, through_sum):
        if close(buggy, direct):
            raise NotYet(
                "with =, only the last write to x.grad survives. Which rule runs last here? "
                "A node's rule runs only after the rules of every node that uses it."
            )
        if close(buggy, direct + through_sum):
            raise NotYet("with =, writes do not add up: each one replaces what was there.")
        raise NotYet(
            "with =, x.grad is whatever the last rule to write it wrote: find that rule, "
            "and the gradient its node held when it ran."
        )
    return (
        "9 with += (7 from the product directly, 2 through the sum); 2 with =, because the "
        "sum's rule runs last here and overwrites x.grad with its own gradient, 2."
    )


@checker
def check_sigmoid(sigmoid: Callable[[Any], Any]) -> str:
    """05: sigmoid from exp, + and / on engine Values."""
    import engine  # noqa: PLC0415 (nn imports engine; here only when the check runs)

    for x0 in [-3.0, -0.5, 0.0, 0.7, 2.5]:
        mine, theirs = engine.Value(x0), engine.Value(x0)
        out, reference = call(sigmoid, mine, what="your sigmoid"), theirs.sigmoid()
        if not isinstance(out, engine.Value) or out is mine:
            raise NotYet(
                "build the result from Value operations on x (exp, +, /) so that it has a "
                f"graph; yours returns {type(out).__name__ if out is not mine else 'x itself'}."
            )
        if not close(out.data, reference.data):
            if close(out.data, 1 / (1 + math.exp(x0))):
                raise NotYet(
                    f"at x = {x0} your curve is sigmoid mirrored: look at the exponent's sign."
                )
            raise NotYet(
                f"at x = {x0} your value is {out.data:.6f}, sigmoid is {reference.data:.6f}."
            )
        out.backward()
        reference.backward()
        if not close(mine.grad, theirs.grad):
            raise NotYet(
                f"at x = {x0} the value is right but x.grad is {mine.grad}: the gradient does "
                "not flow back to x. Build the result from x itself, never from x.data."
            )
    return "the same values and gradients as the one-op sigmoid at five points."


# --- 10: chainrule's internals against the learner's engine ------------------------------


def _longhand_op_nodes(n: int) -> int:
    import engine  # noqa: PLC0415

    w = [engine.Value(0.5) for _ in range(n)]
    x = [engine.Value(-0.5) for _ in range(n)]
    total = engine.Value(0.1)  # the bias
    for wi, xi in zip(w, x):
        total = wi * xi + total
    return sum(1 for node in engine.topological_order(total) if node.op)


@checker
def check_count(longhand_op_nodes: Callable[[int], int]) -> str:
    """10: the op nodes of a neuron's longhand weighted sum, as a formula in n."""
    sizes = range(1, 7)
    mine = [call(longhand_op_nodes, n, what="your longhand_op_nodes") for n in sizes]
    measured = [_longhand_op_nodes(n) for n in sizes]
    if mine != measured:
        patterns = [
            (
                [m - 1 for m in measured],
                "you are one short for every n: which addition brings in the bias?",
            ),
            (list(sizes), "you count the products; the additions are op nodes too."),
            (
                [m + 1 for m in measured],
                "you count one too many for every n: n products need n - 1 additions between "
                "them, plus one for the bias.",
            ),
        ]
        for wrong, hint in patterns:
            if mine == wrong:
                raise NotYet(hint)
        n, m, right = next((n, m, r) for n, m, r in zip(sizes, mine, measured) if m != r)
        raise NotYet(
            f"for n = {n} inputs you say {m!r}, the graph has {right} op nodes. "
            "Count the products, then the additions."
        )
    return "2n op nodes: n products and n additions (one of them for the bias)."


@checker
def check_dot_rule(dot_rule: Callable[..., Any]) -> str:
    """10: the fused dot node's rule with plain numbers."""
    import engine  # noqa: PLC0415

    w_numbers, x_numbers, b_number, g = [0.5, -1.0, 2.0], [3.0, 0.25, -2.0], 0.1, -1.5
    w = [engine.Value(v) for v in w_numbers]
    x = [engine.Value(v) for v in x_numbers]
    b = engine.Value(b_number)
    engine.dot(w, x, b).backward(g)
    result = call(dot_rule, list(w_numbers), list(x_numbers), b_number, g, what="your dot_rule")
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise NotYet("return three things: (gradients of the weights, of the inputs, of the bias).")
    dw, dx, db = result
    if (
        not isinstance(dw, (list, tuple))
        or not isinstance(dx, (list, tuple))
        or len(dw) != 3
        or len(dx) != 3
    ):
        raise NotYet("return one gradient per weight and one per input, as two lists of 3.")
    for name, mine, theirs, own in [
        ("weights", dw, [v.grad for v in w], w_numbers),
        ("inputs", dx, [v.grad for v in x], x_numbers),
    ]:
        for i, (m, t) in enumerate(zip(mine, theirs)):
            if close(m, t):
                continue
            if close(m, own[i] * g):
                raise NotYet(
                    f"{name}[{i}] is its own value times g: its factor in the product is "
                    "the other one."
                )
            if close(m, t / g):
                raise NotYet(f"{name}[{i}] lacks the upstream gradient g.")
            if close(m, -t):
                raise NotYet(f"{name}[{i}] has the wrong sign.")
            raise NotYet(
                f"the gradient of {name}[{i}] is {m!r}, expected {t!r} (with g = {g}): "
                f"how fast does the weighted sum change with {name}[{i}]?"
            )
    if not close(db, b.grad):
        raise NotYet(
            f"the bias's gradient is {db!r}, expected {b.grad!r}: how does the sum change with b?"
        )
    return "w_i gets x_i * g, x_i gets w_i * g, and the bias gets g."
