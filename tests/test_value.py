"""Tests for `engine.Value`: construction, the graph each op records, forward values,
every op's first derivative (hand-worked, central differences, PyTorch), numerics at the
extremes and the domain errors the spec promises.
"""

from __future__ import annotations

import gc
import math
from fractions import Fraction

import pytest
from conftest import OP_POINTS, torch_leaves, values

import engine
from engine import Value

# ---- construction ----------------------------------------------------------------------


@pytest.mark.parametrize("data", [3, 2.5, True, Fraction(1, 4)])
def test_value_accepts_real_numbers_and_stores_float(data: object) -> None:
    v = Value(data)  # type: ignore[arg-type]
    assert type(v.data) is float
    assert v.data == float(data)  # type: ignore[arg-type]


def test_value_accepts_numpy_floats() -> None:
    np = pytest.importorskip("numpy")
    for x in (np.float64(1.5), np.float32(0.5), np.int64(3)):
        v = Value(x)
        assert type(v.data) is float and v.data == float(x)


def test_new_value_is_a_leaf_with_zero_grad() -> None:
    v = Value(2.0, label="x")
    assert (v.grad, v.label, v.op, v.parents) == (0.0, "x", "", ())


@pytest.mark.parametrize(
    ("data", "type_name"),
    [("a", "str"), (None, "NoneType"), (1 + 2j, "complex"), ([1.0], "list")],
)
def test_value_rejects_non_real_data_naming_the_type(data: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(data)  # type: ignore[arg-type]


def test_value_of_a_value_is_a_type_error_naming_value() -> None:
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1))  # type: ignore[arg-type]


def test_operator_with_a_foreign_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        Value(1.0) + "a"  # type: ignore[operator]
    with pytest.raises(TypeError):
        [1.0] * Value(2.0)  # type: ignore[operator]


# ---- the recorded graph ------------------------------------------------------------------


def test_reused_operand_is_listed_once_per_use() -> None:
    a = Value(3.0)
    assert (a * a).parents == (a, a)
    assert (a + a).parents == (a, a)


def test_number_operand_becomes_a_constant_leaf_in_operand_order() -> None:
    x = Value(3.0)
    y = x * 2
    assert y.op == "*"
    assert y.parents[0] is x
    constant = y.parents[1]
    assert (constant.data, constant.op, constant.parents) == (2.0, "", ())
    z = 2 - x  # reflected: the number is the first operand
    assert z.parents[1] is x and z.parents[0].data == 2.0


@pytest.mark.parametrize(
    "build, constant_first",
    [
        (lambda x: x + 2, False),
        (lambda x: 2 + x, True),
        (lambda x: x - 2, False),
        (lambda x: 2 - x, True),
        (lambda x: x * 2, False),
        (lambda x: 2 * x, True),
        (lambda x: x / 2, False),
        (lambda x: 2 / x, True),
        (lambda x: x**2, False),
        (lambda x: 2**x, True),
    ],
)
def test_a_number_operand_is_one_stable_leaf_that_gets_no_gradient(build, constant_first) -> None:
    x = Value(3.0)
    y = build(x)
    parents = y.parents
    constant = parents[0] if constant_first else parents[1]
    assert parents[1 if constant_first else 0] is x
    assert (constant.data, constant.op, constant.parents) == (2.0, "", ())
    assert y.parents == parents  # the same leaf each time it is asked for
    y.backward()
    assert x.grad != 0.0
    assert constant.grad == 0.0  # a number is a constant, as in PyTorch
    with engine.detect_anomaly():  # the anomaly wrapper keeps the order
        assert build(x).parents[1 if constant_first else 0] is x


@pytest.mark.parametrize(
    ("build", "op"),
    [
        (lambda a, b: a + b, "+"),
        (lambda a, b: a - b, "-"),
        (lambda a, b: a * b, "*"),
        (lambda a, b: a / b, "/"),
        (lambda a, b: a**b, "**"),
        (lambda a, b: -a, "neg"),
        (lambda a, b: a.exp(), "exp"),
        (lambda a, b: a.log(), "log"),
        (lambda a, b: a.tanh(), "tanh"),
        (lambda a, b: a.sigmoid(), "sigmoid"),
        (lambda a, b: a.relu(), "relu"),
        (lambda a, b: a.sqrt(), "sqrt"),
        (lambda a, b: abs(a), "abs"),
        (lambda a, b: a.leaky_relu(), "leaky_relu"),
        (lambda a, b: a.softplus(), "softplus"),
        (lambda a, b: engine.dot([a], [b], 1.0), "dot"),
        (lambda a, b: engine.sum([a, b]), "sum"),
    ],
)
def test_each_op_records_its_name(build, op: str) -> None:
    assert build(Value(2.0), Value(3.0)).op == op


def test_dot_records_weights_then_inputs_then_bias() -> None:
    w1, w2, x1, x2, b = values([1.0, 2.0, 3.0, 4.0, 0.5])
    out = engine.dot([w1, w2], [x1, x2], b)
    assert out.parents == (w1, w2, x1, x2, b)
    assert out.data == 1.0 * 3.0 + 2.0 * 4.0 + 0.5


def test_parents_keep_operand_order_for_one_two_and_many_inputs() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    assert a.tanh().parents == (a,)
    assert (b - a).parents == (b, a)
    assert engine.sum([c]).parents == (c,)
    assert engine.sum([c, a, b]).parents == (c, a, b)
    assert engine.dot([a], [b], c).parents == (a, b, c)


def test_an_op_makes_one_object_for_the_garbage_collector() -> None:
    # the parents live in the node's own slots, not in a tuple beside it: every object the
    # cyclic collector tracks is walked again at each collection while the graph lives
    a, b = Value(1.0), Value(2.0)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        nodes = [a * b for _ in range(5_000)] + [a * 2.0 for _ in range(5_000)]
        made = len(gc.get_objects()) - before
    finally:
        if was_enabled:
            gc.enable()
    assert len(nodes) == 10_000
    # one per node, plus the lists and a little noise; the number 2.0 stays a float
    assert made <= 10_000 + 10


def test_dot_needs_as_many_weights_as_inputs() -> None:
    with pytest.raises(ValueError, match="dot"):
        engine.dot([Value(1.0)], [Value(1.0), Value(2.0)])


def test_sum_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="sum"):
        engine.sum([])


# ---- forward values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda x: x + 1.5, 3.5),
        (lambda x: 1.5 - x, -0.5),
        (lambda x: x * x, 4.0),
        (lambda x: 1 / x, 0.5),
        (lambda x: x**3, 8.0),
        (lambda x: 3**x, 9.0),
        (lambda x: x**x, 4.0),
        (lambda x: x.exp(), math.exp(2.0)),
        (lambda x: x.log(), math.log(2.0)),
        (lambda x: x.tanh(), math.tanh(2.0)),
        (lambda x: x.sigmoid(), 1 / (1 + math.exp(-2.0))),
        (lambda x: x.sqrt(), math.sqrt(2.0)),
        (lambda x: (-x).relu(), 0.0),
        (lambda x: (-x).leaky_relu(0.1), -0.2),
        (lambda x: abs(-x), 2.0),
        (lambda x: x.softplus(), math.log1p(math.exp(2.0))),
    ],
)
def test_forward_values_match_the_math_module(build, expected: float) -> None:
    assert build(Value(2.0)).data == pytest.approx(expected, rel=1e-15)


# ---- first derivatives of every op -----------------------------------------------------


@pytest.mark.parametrize(("op", "point"), OP_POINTS)
def test_derivative_matches_hand_worked_formula(op, point) -> None:
    inputs = values(point)
    op.fn(*inputs).backward()
    expected = op.derivative(*point)
    assert [v.grad for v in inputs] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("op", "point"), OP_POINTS)
def test_derivative_matches_central_differences(op, point) -> None:
    assert engine.gradcheck(op.fn, point)


@pytest.mark.parametrize(("op", "point"), OP_POINTS)
def test_value_and_derivative_match_pytorch(op, point, torch) -> None:
    inputs = values(point)
    out = op.fn(*inputs)
    out.backward()
    tensors = torch_leaves(torch, point)
    expected = op.on_torch(*tensors)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=1e-12)
    torch_grads = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    assert [v.grad for v in inputs] == pytest.approx(torch_grads, rel=1e-12, abs=1e-15)


def test_hand_worked_product_rule() -> None:
    # f = x*y + x  =>  df/dx = y + 1 = 5, df/dy = x = 3
    x, y = Value(3.0), Value(4.0)
    (x * y + x).backward()
    assert (x.grad, y.grad) == (5.0, 3.0)


def test_number_to_the_value_power_gives_the_exponent_its_gradient() -> None:
    # d/dx 2**x = 2**x ln 2
    x = Value(3.0)
    (2**x).backward()
    assert x.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)


def test_value_to_the_value_power_gives_both_gradients() -> None:
    # d/da a**b = b a**(b-1) = 3 * 4 = 12; d/db a**b = a**b ln a = 8 ln 2
    a, b = Value(2.0), Value(3.0)
    (a**b).backward()
    assert a.grad == pytest.approx(12.0, rel=1e-15)
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)


def test_zero_to_a_value_power_gives_the_exponent_zero_gradient_as_pytorch(torch) -> None:
    a, b = Value(0.0), Value(2.0)
    (a**b).backward()
    ta, tb = torch_leaves(torch, [0.0, 2.0])
    (ta**tb).backward()
    assert (a.grad, b.grad) == (ta.grad.item(), tb.grad.item())


def test_leaky_relu_uses_the_given_slope() -> None:
    x = Value(-2.0)
    y = x.leaky_relu(0.2)
    y.backward()
    assert (y.data, x.grad) == (pytest.approx(-0.4), pytest.approx(0.2))


def test_leaky_relu_nodes_with_different_slopes_keep_their_own_slope() -> None:
    x = Value(-1.0)
    (x.leaky_relu(0.1) + x.leaky_relu(0.3) + x.leaky_relu(0.1)).backward()
    assert x.grad == pytest.approx(0.5, rel=1e-15)


def test_leaky_relu_derivative_at_zero_is_the_slope_as_pytorch(torch) -> None:
    import torch.nn.functional as F

    x = Value(0.0)
    x.leaky_relu(0.05).backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    F.leaky_relu(t, 0.05).backward()
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-15)


@pytest.mark.parametrize("build", [lambda x: x**0, lambda x: x ** Value(0.0)])
def test_zero_to_the_zero_has_zero_base_gradient_as_pytorch(build, torch) -> None:
    x = Value(0.0)
    y = build(x)
    y.backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (t**0.0).backward()
    assert y.data == 1.0
    assert x.grad == t.grad.item() == 0.0


def test_nan_passes_through_ops_without_an_exception() -> None:
    nan = Value(math.nan)
    for result in (nan.log(), nan.sqrt(), nan.exp(), nan * 2, nan**0.5):
        assert math.isnan(result.data)


# ---- numerics at the extremes ----------------------------------------------------------


def test_exp_overflow_is_inf_not_an_exception() -> None:
    assert Value(1000).exp().data == math.inf


def test_power_overflow_is_inf_not_an_exception() -> None:
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf


@pytest.mark.parametrize(
    ("method", "x", "limit"),
    [
        ("sigmoid", 1000.0, 1.0),
        ("sigmoid", -1000.0, 0.0),
        ("tanh", 1000.0, 1.0),
        ("tanh", -1000.0, -1.0),
    ],
)
def test_saturating_functions_reach_exact_limits_with_zero_gradient(method, x, limit) -> None:
    v = Value(x)
    out = getattr(v, method)()
    out.backward()
    assert out.data == limit
    assert v.grad == 0.0


def test_softplus_of_large_inputs_does_not_overflow() -> None:
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0


@pytest.mark.parametrize("method", ["relu", "abs"])
def test_kink_derivative_at_zero_is_zero_as_pytorch(method: str, torch) -> None:
    x = Value(0.0)
    getattr(x, method)().backward()
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    getattr(t, method)().backward()
    assert x.grad == t.grad.item() == 0.0


def test_relu_derivative_at_zero_is_zero() -> None:
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


# ---- domain errors ---------------------------------------------------------------------


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_non_positive_raises_value_error_naming_op_and_value(x: float) -> None:
    with pytest.raises(ValueError, match=rf"log.*{x!r}"):
        Value(x).log()


def test_sqrt_of_negative_raises_value_error() -> None:
    with pytest.raises(ValueError, match=r"sqrt.*-4\.0"):
        Value(-4.0).sqrt()


@pytest.mark.parametrize(
    "build",
    [lambda x: x / 0, lambda x: x / 0.0, lambda x: x / Value(0.0), lambda x: 1 / (x - x)],
)
def test_division_by_zero_raises_zero_division_error_naming_op(build) -> None:
    with pytest.raises(ZeroDivisionError, match="/"):
        build(Value(2.0))


def test_division_error_names_the_numerator() -> None:
    with pytest.raises(ZeroDivisionError, match=r"2\.5"):
        Value(2.5) / 0


@pytest.mark.parametrize("build", [lambda x: x**0.5, lambda x: x ** Value(1.5), lambda x: x**-0.25])
def test_negative_base_to_non_integer_power_raises_value_error(build) -> None:
    with pytest.raises(ValueError, match=r"\*\*.*-2\.0"):
        build(Value(-2.0))


def test_negative_base_to_integer_power_is_fine() -> None:
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_ordering_compares_data_and_equality_is_identity() -> None:
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > 1 and a <= 1.0 and b >= a
    assert a != Value(1.0)
    assert len({a, b, a}) == 2


def test_dot_and_sum_take_numbers_as_constant_leaves_and_name_a_bad_input() -> None:
    x = Value(3.0)
    out = engine.dot([2.0], [x], 1)
    assert [p.op for p in out.parents] == ["", "", ""]
    assert [p.data for p in out.parents] == [2.0, 3.0, 1.0]
    out.backward()
    assert x.grad == 2.0
    with pytest.raises(TypeError, match=r"sum: .*got str"):
        engine.sum([x, "1"])
    with pytest.raises(TypeError, match=r"dot: .*got NoneType"):
        engine.dot([x], [None])
