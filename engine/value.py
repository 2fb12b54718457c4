"""`Value`: one scalar node of a computation graph, and every op with its derivative rule.

Each op has the same shape: compute the result, then the rule right below it that
pushes the output's gradient `g` to the parents with `+=`, one comment stating the math.

A rule is a plain function `rule(out, g)`, shared by every node the op makes, not a fresh
closure per node: a closure costs four objects per node that Python's cyclic garbage
collector keeps walking while the graph is alive. A rule never keeps its output alive, so
graphs hold no reference cycles and are freed by reference counting alone.

Rules are written with arithmetic that works on floats and on Values alike, so the same
rule also builds the differentiable graph of the backward pass for
`grad(..., create_graph=True)` (see `autograd.py`).
"""

from __future__ import annotations

import fractions as _fractions
import functools
import math
import numbers
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, Union, overload

from engine import mode as _mode_module
from engine.mode import RECORDING, AnomalyError, is_finite, user_line

__all__ = ["Value", "HookHandle", "Number", "dot", "sum"]

Number = int | float
Operand = Union["Value", int, float]
# A rule runs on a Value, or on a stand-in with the same slots whose data and gradient may
# be Values (`grad(create_graph=True)`, `local_derivatives`): duck-typed, so typed loosely.
Node = Any
Grad = Any  # a float, or a Value when the backward pass is recorded
Rule = Callable[[Node, Grad], None]

_mode = _mode_module.mode
_new = object.__new__


class Value:
    """One scalar in a computation graph: its data, its gradient and how it was made.

    - `data` (float): the number this node holds, computed in the forward pass.
    - `grad` (float): d(output)/d(this node), filled in by `output.backward()`. It starts
      at 0.0 and ACCUMULATES over passes, as in PyTorch: reset it with `zero_grad()`.
    - `label` (str): a name for drawings and messages (`Value(2.0, label="x")`).
    - `op` (str): the op that made this node (`"+"`, `"*"`, `"tanh"`, ...), `""` for a
      leaf (a number you made yourself, or a result made inside `no_grad()`).
    - `parents` (tuple): the nodes this one was made from, in operand order, one entry
      per use (`a * a` has parents `(a, a)`). A number operand shows up as a constant
      leaf: it gets no gradient.

    Operators `+ - * / **` and unary `-` take a Value or a real number on either side;
    methods such as `tanh()` and `exp()` make one new node each.
    """

    # The parents live in the node itself, not in a tuple of their own: one object fewer
    # per node for Python's cyclic garbage collector to walk. `_a` and `_b` hold the
    # first two (None where absent); an op of many inputs (dot, sum) keeps all of its
    # parents as one tuple in `_rest`. A number operand of a binary op stays a float in
    # `_k` (the Value operand is then `_a`): it is a constant, gets no gradient, and
    # becomes a leaf Value only when `.parents` is read. `.parents` puts them together.
    __slots__ = ("data", "grad", "label", "op", "_backward", "_pending", "_a", "_b", "_rest", "_k")

    data: float
    grad: float
    label: str
    op: str
    _backward: Rule | None
    _pending: int  # backward() only: uses of this node whose rule has not run yet
    _a: Value | None
    _b: Value | None
    _rest: tuple[Value, ...]
    _k: float | None

    def __init__(self, data: float, label: str = "") -> None:
        if type(data) is not float:
            if isinstance(data, Value) or not isinstance(data, numbers.Real):
                raise TypeError(
                    f"Value(data) needs a real number (int or float), got {type(data).__name__}"
                )
            data = _to_float(data)
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._backward = None
        self._pending = 0
        self._a = self._b = self._k = None
        self._rest = ()

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was made from, in operand order (one entry per use)."""
        return _parents(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        # as a 0-dim tensor: False for 0.0 and -0.0, True otherwise (nan too)
        return self.data != 0.0

    # formatting and rounding act on the number, as for a float (and a 0-dim tensor)
    def __format__(self, format_spec: str) -> str:
        if not format_spec:
            return str(self)
        return format(self.data, format_spec)

    def __int__(self) -> int:
        return int(self.data)

    @overload
    def __round__(self, ndigits: None = None) -> int: ...

    @overload
    def __round__(self, ndigits: int) -> float: ...

    def __round__(self, ndigits: int | None = None) -> float | int:
        return round(self.data, ndigits)

    def item(self) -> float:
        """The number this node holds, as a float (PyTorch's name for `.data`)."""
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut from this node's graph."""
        return Value(self.data, self.label)

    def register_hook(self, hook: Callable[[float], float | None]) -> HookHandle:
        """Call `hook(grad)` when this node's gradient for a pass is complete.

        If the hook returns a number, that number replaces the gradient: it is what this
        node keeps for the pass and what it passes on to its parents (PyTorch's rule).
        Hooks run in the order they were registered; `handle.remove()` takes this
        registration off (and only this one: the same function registered twice has two
        handles). Under `grad(..., create_graph=True)` a hook may return a Value: it stays
        part of the recorded graph. Only hooked nodes pay for hooks: the hook list wraps
        this node's rule.
        """
        if not callable(hook):
            raise TypeError(f"register_hook: needs a function, got {type(hook).__name__}")
        rule = self._backward
        if not isinstance(rule, _Hooks):
            rule = self._backward = _Hooks(rule)
        handle = HookHandle(self, hook)
        rule.hooks.append(handle)
        return handle

    # ordering compares data, as for numbers; == stays identity so Values can be dict keys
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    # ---- arithmetic -------------------------------------------------------------------

    # A number on either side is a constant: it stays a float in the node (`_k`) and its
    # rule gives it no gradient, as PyTorch does for a Python number. (A float is checked
    # for before calling `_number`: the common case, so it skips a call.)

    def __add__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _result(self.data + other.data, "+", _add_backward, self, other)
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        return _result(self.data + k, "+", _add_constant_backward, self, None, (), k)

    def __radd__(self, other: Operand) -> Value:  # other + self
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        return _result(k + self.data, "+", _radd_constant_backward, self, None, (), k)

    def __mul__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _result(self.data * other.data, "*", _mul_backward, self, other)
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        return _result(self.data * k, "*", _mul_constant_backward, self, None, (), k)

    def __rmul__(self, other: Operand) -> Value:  # other * self
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        return _result(k * self.data, "*", _rmul_constant_backward, self, None, (), k)

    def __sub__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _result(self.data - other.data, "-", _sub_backward, self, other)
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        return _result(self.data - k, "-", _sub_constant_backward, self, None, (), k)

    def __rsub__(self, other: Operand) -> Value:  # other - self
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        return _result(k - self.data, "-", _rsub_constant_backward, self, None, (), k)

    def __neg__(self) -> Value:
        return _result(-self.data, "neg", _neg_backward, self)

    def __pos__(self) -> Value:
        # +x is x itself, as torch's `+t` (torch.positive) returns its input: no new node
        return self

    def __truediv__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            _check_divisor(self.data, other.data)
            return _result(self.data / other.data, "/", _div_backward, self, other)
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        _check_divisor(self.data, k)
        return _result(self.data / k, "/", _div_constant_backward, self, None, (), k)

    def __rtruediv__(self, other: Operand) -> Value:  # other / self
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        _check_divisor(k, self.data)
        return _result(k / self.data, "/", _rdiv_constant_backward, self, None, (), k)

    def __pow__(self, other: Operand) -> Value:
        """self ** other; a negative base to a non-integer power raises ValueError."""
        if isinstance(other, Value):
            return _result(_power(self.data, other.data), "**", _pow_backward, self, other)
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        out = _power(self.data, k)
        return _result(out, "**", _pow_constant_exponent_backward, self, None, (), k)

    def __rpow__(self, other: Operand) -> Value:  # other ** self
        k = other if type(other) is float else _number(other)
        if k is None:
            return NotImplemented
        out = _power(k, self.data)
        return _result(out, "**", _pow_constant_base_backward, self, None, (), k)

    def pow(self, exponent: Operand) -> Value:
        """`self ** exponent` (PyTorch's name for it); the exponent may be a Value."""
        return self.__pow__(exponent)

    # ---- functions of one input -------------------------------------------------------

    def exp(self) -> Value:
        """e ** x; d/dx = e ** x. Overflow gives inf."""
        return _result(_exp(self.data), "exp", _exp_backward, self)

    def log(self) -> Value:
        """The natural logarithm; d/dx = 1/x. Raises ValueError for x <= 0."""
        x = self.data
        if x <= 0.0:  # NaN passes through, as in every other op
            raise ValueError(f"log: needs a positive input, got {x!r}")
        return _result(math.log(x), "log", _log_backward, self)

    def tanh(self) -> Value:
        """tanh(x), in (-1, 1); d/dx = 1 - tanh(x)**2. Never overflows."""
        return _result(math.tanh(self.data), "tanh", _tanh_backward, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), in (0, 1); d/dx = sigmoid(x) * (1 - sigmoid(x)). Never overflows."""
        return _result(_sigmoid(self.data), "sigmoid", _sigmoid_backward, self)

    def relu(self) -> Value:
        """max(x, 0); d/dx = 1 for x > 0, else 0 (0 at x = 0, as in PyTorch). NaN stays NaN."""
        x = self.data
        # written so that NaN, for which every comparison is false, passes through
        return _result(0.0 if x <= 0.0 else x, "relu", _relu_backward, self)

    def sin(self) -> Value:
        """sin(x); d/dx = cos(x). sin(inf) is nan, as in IEEE and PyTorch."""
        return _result(_sin(self.data), "sin", _sin_backward, self)

    def cos(self) -> Value:
        """cos(x); d/dx = -sin(x). cos(inf) is nan, as in IEEE and PyTorch."""
        return _result(_cos(self.data), "cos", _cos_backward, self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, else negative_slope * x; d/dx = 1 or negative_slope.

        `negative_slope` is a real number (a str or a Value raises TypeError).
        """
        if isinstance(negative_slope, Value) or not isinstance(negative_slope, numbers.Real):
            raise TypeError(
                "leaky_relu: negative_slope must be a real number, "
                f"got {type(negative_slope).__name__}"
            )
        slope = _to_float(negative_slope)
        x = self.data
        out = x if x > 0.0 else slope * x
        return _result(out, "leaky_relu", _leaky_relu_rule(slope), self)

    def sqrt(self) -> Value:
        """The square root; d/dx = 1 / (2 sqrt(x)). Raises ValueError for x < 0."""
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt: needs a non-negative input, got {x!r}")
        return _result(math.sqrt(x), "sqrt", _sqrt_backward, self)

    def __abs__(self) -> Value:
        return _result(abs(self.data), "abs", _abs_backward, self)

    def abs(self) -> Value:
        """|x|; d/dx = sign(x) (0 at x = 0, as in PyTorch)."""
        return self.__abs__()

    def softplus(self) -> Value:
        """log(1 + e**x), a smooth relu; d/dx = sigmoid(x). Never overflows."""
        x = self.data
        # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), which never overflows
        out = (x if x > 0.0 else 0.0) + math.log1p(math.exp(-abs(x)))
        return _result(out, "softplus", _softplus_backward, self)

    # ---- the backward pass (see autograd.py) -----------------------------------------

    def backward(self, grad_output: float = 1.0) -> None:
        """Accumulate d(self)/d(node) * grad_output into `.grad` of every node reached."""
        from engine.autograd import backward

        backward(self, grad_output)

    def backward_steps(self, grad_output: float = 1.0) -> Generator[Value, None, None]:
        """`backward()` one node at a time: yields each node once its rule has run."""
        from engine.autograd import backward_steps

        return backward_steps(self, grad_output)

    def zero_grad(self) -> None:
        """Set this node's `.grad` back to 0.0 (gradients accumulate otherwise)."""
        self.grad = 0.0


# ---- the rules -----------------------------------------------------------------------
# Each receives the output node and its gradient g, and adds g * d(out)/d(parent) to
# every parent's .grad. `out.data` and `p.data` are floats in backward() and Values when
# grad(..., create_graph=True) records the backward pass as a graph of its own.


def _add_backward(out: Node, g: Grad) -> None:
    a, b = out._a, out._b
    # d(a + b)/da = 1, d(a + b)/db = 1
    a.grad += g
    b.grad += g


def _mul_backward(out: Node, g: Grad) -> None:
    a, b = out._a, out._b
    # d(a * b)/da = b, d(a * b)/db = a
    a.grad += b.data * g
    b.grad += a.data * g


def _sub_backward(out: Node, g: Grad) -> None:
    a, b = out._a, out._b
    # d(a - b)/da = 1, d(a - b)/db = -1
    a.grad += g
    b.grad -= g


def _neg_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d(-x)/dx = -1
    x.grad -= g


def _div_backward(out: Node, g: Grad) -> None:
    a, b = out._a, out._b
    # d(a / b)/da = 1 / b, d(a / b)/db = -a / b**2 = -(a / b) / b
    a.grad += g / b.data
    b.grad -= g * out.data / b.data


def _pow_backward(out: Node, g: Grad) -> None:
    a, b = out._a, out._b
    # d(a**b)/da = b * a**(b - 1), d(a**b)/db = a**b * log(a)
    # a**0 = 1 for every a, so at b = 0 the first is 0, also where a**-1 is inf or nan
    # (a = 0, a subnormal, a = nan), as on the constant-exponent path and in PyTorch. A
    # recorded graph (create_graph) keeps the term where a**-1 and g are finite: its value
    # is 0, as backward()'s, but its derivative in b, a**-1 * g, is not (with an inf or nan
    # g its value would be 0 * inf = nan, where backward() gives 0)
    if _data(b.data) != 0.0 or (
        isinstance(b.data, Value) and _finite_reciprocal(a.data) and is_finite(g)
    ):
        a.grad += b.data * _power_or_inf(a.data, b.data - 1.0) * g
    b.grad += out.data * _log_or_nan(a.data) * g


# A number operand k is a float in `out._k`; the Value operand is `out._a`, on either side.


def _add_constant_backward(out: Node, g: Grad) -> None:
    # d(x + k)/dx = 1
    out._a.grad += g


def _radd_constant_backward(out: Node, g: Grad) -> None:
    # d(k + x)/dx = 1
    out._a.grad += g


def _mul_constant_backward(out: Node, g: Grad) -> None:
    # d(x * k)/dx = k
    out._a.grad += out._k * g


def _rmul_constant_backward(out: Node, g: Grad) -> None:
    # d(k * x)/dx = k
    out._a.grad += out._k * g


def _sub_constant_backward(out: Node, g: Grad) -> None:
    # d(x - k)/dx = 1
    out._a.grad += g


def _rsub_constant_backward(out: Node, g: Grad) -> None:
    # d(k - x)/dx = -1
    out._a.grad -= g


def _div_constant_backward(out: Node, g: Grad) -> None:
    # d(x / k)/dx = 1 / k
    out._a.grad += g / out._k


def _rdiv_constant_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d(k / x)/dx = -k / x**2 = -(k / x) / x
    x.grad -= g * out.data / x.data


def _pow_constant_exponent_backward(out: Node, g: Grad) -> None:
    a, k = out._a, out._k
    # d(a**k)/da = k * a**(k - 1); a**0 = 1 is constant, so 0 (not 0 * inf at a = 0)
    if k != 0.0:
        a.grad += k * _power_or_inf(a.data, k - 1.0) * g


def _pow_constant_base_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d(k**x)/dx = k**x * log(k)
    x.grad += out.data * _log_or_nan(out._k) * g


# The rules of the quotients made by `_divide_or_inf` (only inside recorded passes): the
# rules of `/`, with every division IEEE's.


def _div_ieee_backward(out: Node, g: Grad) -> None:
    a, b = out._a, out._b
    # d(a / b)/da = 1 / b, d(a / b)/db = -(a / b) / b
    a.grad += _divide_or_inf(g, b.data)
    b.grad -= g * _divide_or_inf(out.data, b.data)


def _rdiv_ieee_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d(k / x)/dx = -(k / x) / x
    x.grad -= g * _divide_or_inf(out.data, x.data)


def _div_ieee_backward_k(out: Node, g: Grad) -> None:
    # d(x / k)/dx = 1 / k
    out._a.grad += _divide_or_inf(g, out._k)


# the ops whose number operand comes first: `.parents` lists the constant before x
_CONSTANT_FIRST = frozenset(
    {
        _radd_constant_backward,
        _rmul_constant_backward,
        _rsub_constant_backward,
        _rdiv_constant_backward,
        _pow_constant_base_backward,
        _rdiv_ieee_backward,
    }
)


def _exp_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx exp(x) = exp(x)
    x.grad += out.data * g


def _log_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx log(x) = 1 / x
    x.grad += g / x.data


def _tanh_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx tanh(x) = 1 - tanh(x)**2
    x.grad += (1.0 - out.data * out.data) * g


def _sigmoid_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))
    x.grad += out.data * (1.0 - out.data) * g


def _relu_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx relu(x) = 1 if x > 0 else 0 (0 at x = 0, as in PyTorch; at x = nan the
    # gradient passes, as PyTorch's does, so a NaN is not hidden)
    if not out.data <= 0.0:
        x.grad += g


def _sin_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx sin(x) = cos(x)
    x.grad += _cos_of(x.data) * g


def _cos_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx cos(x) = -sin(x)
    x.grad -= _sin_of(x.data) * g


def _sqrt_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx sqrt(x) = 1 / (2 sqrt(x))
    x.grad += _divide_or_inf(g, 2.0 * out.data)


_leaky_relu_rules: dict[float, Rule] = {}


def _leaky_relu_rule(slope: float) -> Rule:
    """The leaky_relu rule for one slope, made once and shared by every node using it.

    The slope has no place on the node, so it lives in the rule; caching keeps this to one
    function per slope instead of a closure per node (at most 64 kept, for odd callers).
    """
    rule = _leaky_relu_rules.get(slope)
    if rule is None:

        def _leaky_relu_backward(out: Node, g: Grad) -> None:
            x = out._a
            # d/dx leaky_relu(x) = 1 if x > 0 else slope (slope at 0, as in PyTorch)
            x.grad += g if x.data > 0.0 else slope * g

        rule = _leaky_relu_backward
        if len(_leaky_relu_rules) < 64:
            _leaky_relu_rules[slope] = rule
    return rule


def _abs_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx |x| = sign(x) (0 at x = 0, as in PyTorch)
    if x.data > 0.0:
        x.grad += g
    elif x.data < 0.0:
        x.grad -= g


def _softplus_backward(out: Node, g: Grad) -> None:
    x = out._a
    # d/dx log(1 + e^x) = sigmoid(x)
    x.grad += _sigmoid_of(x.data) * g


def _dot_backward(out: Node, g: Grad) -> None:
    parents = out._rest
    n = len(parents) // 2
    # d(sum_i w_i x_i + b)/dw_i = x_i, d/dx_i = w_i, d/db = 1
    for w, x in zip(parents[:n], parents[n : 2 * n]):
        w.grad += x.data * g
        x.grad += w.data * g
    parents[-1].grad += g


def _sum_backward(out: Node, g: Grad) -> None:
    # d(sum_i v_i)/dv_i = 1
    for v in out._rest:
        v.grad += g


# ---- n-ary ops -----------------------------------------------------------------------


def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand = 0.0) -> Value:
    """`sum(w_i * x_i) + bias` as ONE node with parents (w_1..w_n, x_1..x_n, bias).

    A neuron's pre-activation as a single op: 1 node instead of micrograd's 2n, and one
    rule that loops over the pairs. A number among the operands is a constant, as in
    every op: it gets no gradient.

    Its value is the products `w_i * x_i` (each a float, rounded once as `*` rounds it)
    and the bias added with ONE rounding of their exact sum, also where a partial sum
    would overflow: the correctly rounded result, whatever the order of the terms.
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"dot: needs as many weights as inputs, got {len(weights)} and {len(inputs)}"
        )
    ws = [w if type(w) is Value else _checked_operand(w, "dot") for w in weights]
    xs = [x if type(x) is Value else _checked_operand(x, "dot") for x in inputs]
    b = bias if type(bias) is Value else _checked_operand(bias, "dot")
    terms = [w.data * x.data for w, x in zip(ws, xs)]
    terms.append(b.data)  # the bias joins the one rounding (fsum(products) + b rounds twice)
    return _result(_exact_sum(terms), "dot", _dot_backward, None, None, (*ws, *xs, b))


def sum(values: Iterable[Operand]) -> Value:  # noqa: A001 - engine.sum, as torch.sum
    """The sum of many values as ONE node (Python's `sum` makes one `+` node per term).

    Its value is the correctly rounded sum: one rounding of the exact sum of the terms,
    also where a partial sum would overflow (`[1e308, 1e308, -1e308]` gives 1e308).
    A number among the values is a constant: it gets no gradient.
    """
    vs = tuple(v if type(v) is Value else _checked_operand(v, "sum") for v in values)
    if not vs:
        raise ValueError("sum: needs at least one value")
    return _result(_exact_sum([v.data for v in vs]), "sum", _sum_backward, None, None, vs)


def _exact_sum(terms: list[float]) -> float:
    """One rounding of the exact sum of `terms`; IEEE's answer where a term is inf or nan.

    `math.fsum` is that for finite terms, fast, unless a partial sum overflows (it raises
    OverflowError for 1e308 + 1e308, although adding -1e308 brings the sum back). Then the
    exact sum is made of rationals and rounded once. A nan term, or inf with -inf, gives
    nan; else an infinite term gives its inf.
    """
    try:
        return math.fsum(terms)
    except (OverflowError, ValueError):
        pass
    special = 0.0
    finite = True
    for t in terms:
        if not math.isfinite(t):
            special += t  # inf + -inf is nan, and nan stays nan
            finite = False
    if not finite:
        return special
    exact = _fractions.Fraction(0)
    for t in terms:
        exact += _fractions.Fraction(t)  # a float is a rational: exact
    try:
        return float(exact)  # int / int in Python: correctly rounded
    except OverflowError:  # the exact sum itself is beyond the largest float
        return math.inf if exact > 0 else -math.inf


# ---- making nodes --------------------------------------------------------------------


def _result(
    data: float,
    op: str,
    rule: Rule,
    a: Value | None,
    b: Value | None = None,
    rest: tuple[Value, ...] = (),
    k: float | None = None,
) -> Value:
    """A new node made from parents `a`, `b` (many inputs: `rest`; a number operand: `k`);
    records its parents and rule unless no_grad() or anomaly mode is on."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._pending = 0
    out.op = op
    out._backward = rule
    out._a = a
    out._b = b
    out._rest = rest
    out._k = k
    if _mode.get() == RECORDING:
        return out
    return _special_result(out)


def _special_result(out: Value) -> Value:
    """`out` under anomaly mode (check it, wrap its rule) or no_grad() (make it a leaf)."""
    current = _mode.get()
    if current & _mode_module.ANOMALY:
        where = user_line()
        if not is_finite(out.data):
            parents = _parents(out)
            raise AnomalyError(_anomaly_message(out.op, parents, where, f"result {out.data!r}"))
        out._backward = _checked_rule(out._backward, out.op, where)  # type: ignore[arg-type]
    if not current & _mode_module.GRAD:
        out.op = ""
        out._backward = None
        out._a = out._b = out._k = None
        out._rest = ()
    return out


def _checked_rule(rule: Rule, op: str, where: str) -> Rule:
    """Wrap a rule so a NaN or infinite gradient raises, naming the op and the user's line."""

    @functools.wraps(rule)  # keeps the rule as __wrapped__, which `_parents` looks at
    def _anomaly_checked_backward(out: Node, g: Grad) -> None:
        rule(out, g)
        parents = _parents(out)
        for p in parents:
            if not is_finite(p.grad):
                raise AnomalyError(
                    _anomaly_message(op, parents, where, f"gradient {_data(p.grad)!r}")
                )

    return _anomaly_checked_backward


class _Hooks:
    """A hooked node's rule: runs the hooks on the node's complete gradient, keeps what
    they return, then runs the node's own rule (none for a leaf) with it."""

    __slots__ = ("__wrapped__", "hooks")

    def __init__(self, rule: Rule | None) -> None:
        self.__wrapped__ = rule
        self.hooks: list[HookHandle] = []  # one entry per registration, in order

    def __call__(self, out: Node, g: Grad) -> None:
        # a recorded pass (grad with create_graph=True) gives stand-ins whose data is a Value
        recording = isinstance(out.data, Value)
        for handle in list(self.hooks):
            replaced = handle._hook(g)
            if replaced is not None:
                g = _hook_result(replaced, recording, handle._hook)
        out.grad = g
        if self.__wrapped__ is not None:
            self.__wrapped__(out, g)


def _hook_result(replaced: object, recording: bool, hook: object) -> float | Value:
    """What a hook returned, as the node's new gradient: a Value stays one (with its graph)
    when the pass is recorded, whatever the incoming gradient was; else a float, an int
    too large for one being +-inf."""
    if isinstance(replaced, Value):
        return replaced if recording else replaced.data
    if isinstance(replaced, numbers.Real):
        return _to_float(replaced)
    name = getattr(hook, "__name__", type(hook).__name__)
    raise TypeError(
        f"hook {name} returned {type(replaced).__name__}; it must return a number or None"
    )


class HookHandle:
    """What `register_hook` returns: `remove()` takes this registration off the node.

    Removing is by handle and idempotent, as in PyTorch: a second `remove()` does nothing,
    even when the same function is registered again through another handle.
    """

    __slots__ = ("_node", "_hook")

    def __init__(self, node: Value, hook: Callable[[float], float | None]) -> None:
        self._node = node
        self._hook = hook

    def remove(self) -> None:
        """Take the hook off; once a node has no hooks left, its rule is as before."""
        rule = self._node._backward
        # a handle equals itself only (no __eq__), so `in` and `remove` find this one
        if not isinstance(rule, _Hooks) or self not in rule.hooks:
            return  # removed before: nothing of this handle's is left
        rule.hooks.remove(self)
        if not rule.hooks:
            self._node._backward = rule.__wrapped__


def _anomaly_message(op: str, parents: tuple[Value, ...], where: str, what: str) -> str:
    inputs = ", ".join(repr(_data(p.data)) for p in parents)
    return f"op '{op}' with inputs ({inputs}) gave {what}; the node was made at {where}"


class _Constant(Value):
    """A number operand as a leaf: it gets no gradient, whatever a rule adds to it.

    Only constants pay for this (a property instead of a slot); Values do not.
    """

    __slots__ = ()

    @property
    def grad(self) -> float:
        return 0.0

    @grad.setter
    def grad(self, value: float) -> None:  # pyright: ignore[reportIncompatibleVariableOverride]
        pass  # d(anything)/d(constant) is not asked for: nothing to keep


def _constant(x: float) -> Value:
    """A number operand as a constant leaf (fast path of Value(x))."""
    out = _new(_Constant)
    out.data = x
    out.label = ""
    out.op = ""
    out._backward = None
    out._pending = 0
    out._a = out._b = out._k = None
    out._rest = ()
    return out


def _number(x: object) -> float | None:
    """A number operand as a float, or None when `x` is not a real number."""
    if isinstance(x, numbers.Real):
        return _to_float(x)
    return None


def _to_float(x: numbers.Real) -> float:
    """float(x), with IEEE's answer for an int too large for a float: +-inf, not an error."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf  # type: ignore[operator]


def _check_divisor(numerator: float, divisor: float) -> None:
    if divisor == 0.0:
        raise ZeroDivisionError(f"'/': division by zero ({numerator!r} / {divisor!r})")


def _checked_operand(x: object, op: str) -> Value:
    """An input of dot or sum as a Value: a number becomes a constant leaf (a many-input
    node keeps its parents in one tuple, so there is no float slot for it)."""
    if isinstance(x, Value):
        return x
    k = _number(x)
    if k is None:
        raise TypeError(f"{op}: needs Values or real numbers, got {type(x).__name__}")
    return _constant(k)


def _parents(node: Value) -> tuple[Value, ...]:
    """The parents kept in a node's slots, as one tuple in operand order."""
    a = node._a
    if a is None:
        return node._rest  # a leaf's (), or every input of a many-input op
    if node._k is not None:
        # a number operand: its constant leaf is made once, when first asked for, and kept
        if not node._rest:
            node._rest = (_constant(node._k),)
        (constant,) = node._rest
        rule: Any = getattr(node, "_backward", None)  # a rule's stand-in has none
        while hasattr(rule, "__wrapped__"):  # under anomaly checks or hooks
            rule = rule.__wrapped__
        return (constant, a) if rule in _CONSTANT_FIRST else (a, constant)
    b = node._b
    return (a,) if b is None else (a, b)


def _copy_links(stand_in: object, node: Value, stand_in_of: Callable[[Value], object]) -> None:
    """Give a rule's stand-in for `node` the same slots, each parent Value replaced by
    `stand_in_of(parent)`: rules read `_a`, `_b`, `_rest` and `_k`, so stand-ins have them.
    """
    a, b = node._a, node._b
    stand_in._a = None if a is None else stand_in_of(a)  # type: ignore[attr-defined]
    stand_in._b = None if b is None else stand_in_of(b)  # type: ignore[attr-defined]
    stand_in._k = node._k  # type: ignore[attr-defined]
    # a node with `_a` keeps in `_rest` at most its constant's leaf, which no rule reads
    rest = node._rest if a is None else ()
    stand_in._rest = tuple(stand_in_of(p) for p in rest)  # type: ignore[attr-defined]


def _data(x: object) -> float:
    """The float inside a Value, or the number itself."""
    return x.data if isinstance(x, Value) else x  # type: ignore[return-value]


# ---- float helpers: IEEE results instead of Python's exceptions ----------------------


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _sigmoid(x: float) -> float:
    # 1 / (1 + e^-x), written so that e^(large) is never formed
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _power(a: float, k: float) -> float:
    """a ** k for the forward pass: domain errors raise, overflow gives inf."""
    if a < 0.0 and not float(k).is_integer() and math.isfinite(k):
        raise ValueError(
            f"'**': a negative base to a non-integer power has no real value ({a!r} ** {k!r})"
        )
    if a == 0.0 and k < 0.0:
        raise ZeroDivisionError(f"'**': zero to a negative power ({a!r} ** {k!r})")
    try:
        result: float = a**k
        return result
    except OverflowError:
        odd = a < 0.0 and float(k).is_integer() and k % 2 == 1
        return -math.inf if odd else math.inf


def _sin(x: float) -> float:
    try:
        return math.sin(x)
    except ValueError:  # sin(+-inf): IEEE's invalid operation
        return math.nan


def _cos(x: float) -> float:
    try:
        return math.cos(x)
    except ValueError:  # cos(+-inf)
        return math.nan


def _sin_of(x: float | Value) -> float | Value:
    """sin of a float, or the sin op of a Value (so a rule can build a graph)."""
    return x.sin() if isinstance(x, Value) else _sin(x)


def _cos_of(x: float | Value) -> float | Value:
    """cos of a float, or the cos op of a Value (so a rule can build a graph)."""
    return x.cos() if isinstance(x, Value) else _cos(x)


def _sigmoid_of(x: float | Value) -> float | Value:
    """sigmoid of a float, or the sigmoid op of a Value (so the rule can build a graph)."""
    return x.sigmoid() if isinstance(x, Value) else _sigmoid(x)


def _power_or_inf(a: float | Value, k: float | Value) -> float | Value:
    """a ** k inside a rule: where the float result is undefined, IEEE's inf or nan.

    With Values (create_graph) the power is a node of the recorded graph even where the
    op itself would raise (0 to a negative power): its value is then IEEE's inf or nan,
    and differentiating it again gives PyTorch's inf or nan, not the 0 of a constant.
    """
    if isinstance(a, Value) or isinstance(k, Value):
        try:
            return a**k
        except (ZeroDivisionError, ValueError):
            power = _ieee_power(_data(a), _data(k))
            if isinstance(a, Value) and isinstance(k, Value):
                return _result(power, "**", _pow_backward, a, k)
            if isinstance(a, Value):
                return _result(power, "**", _pow_constant_exponent_backward, a, None, (), _data(k))
            if isinstance(k, Value):
                return _result(power, "**", _pow_constant_base_backward, k, None, (), a)
    return _ieee_power(_data(a), _data(k))


def _ieee_power(a: float, k: float) -> float:
    """a ** k for floats, with IEEE's inf (0 to a negative power) or nan (a negative base
    to a fractional power) where the op raises."""
    try:
        return _power(a, k)
    except ZeroDivisionError:
        return math.inf
    except ValueError:
        return math.nan


def _finite_reciprocal(a: float | Value) -> bool:
    x = _data(a)
    return x != 0.0 and math.isfinite(x) and math.isfinite(1.0 / x)


def _log_or_nan(a: float | Value) -> float | Value:
    """log(a) inside the exponent's rule: nan for a < 0, and 0 for a = 0.

    At a = 0 the exponent's gradient a**b * log(a) is taken as 0, as PyTorch does.
    """
    if isinstance(a, Value):
        return a.log() if a.data > 0.0 else _log_or_nan(a.data)
    if a > 0.0:
        return math.log(a)
    return 0.0 if a == 0.0 else math.nan


def _divide_or_inf(num: float | Value, den: float | Value) -> float | Value:
    """num / den inside a rule, with IEEE's answer for a zero divisor: an inf signed as
    num / den (1 / -0.0 is -inf), or nan for 0 / 0.

    With Values (create_graph) the quotient is a node of the recorded graph whatever its
    value, so a derivative that is inf or nan here stays one when differentiated again
    (the op `/` itself raises for a zero divisor, so these nodes have rules of their own).
    """
    if isinstance(den, Value):
        if den.data != 0.0:
            return num / den
        if isinstance(num, Value):
            return _result(_float_divide(num.data, den.data), "/", _div_ieee_backward, num, den)
        return _result(_float_divide(num, den.data), "/", _rdiv_ieee_backward, den, None, (), num)
    if isinstance(num, Value):
        if den != 0.0:
            return num / den
        return _result(_float_divide(num.data, den), "/", _div_ieee_backward_k, num, None, (), den)
    return _float_divide(num, den)


def _float_divide(num: float, den: float) -> float:
    """num / den for floats, IEEE's way: a zero divisor gives a signed inf or nan."""
    if den != 0.0:
        return num / den
    if num != num or num == 0.0:  # nan / 0 and 0 / 0
        return math.nan
    return math.copysign(math.inf, num) * math.copysign(1.0, den)
