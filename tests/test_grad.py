"""Tests for `engine.grad`: its contract (order, unused inputs, no `.grad` touched) and
higher-order derivatives through `create_graph=True`: second and third derivatives of every
op against PyTorch, mixed partials, Hessian symmetry, Hessian-vector products and a
Newton's-method minimisation driven by the Hessian.
"""

from __future__ import annotations

import math

import pytest
from conftest import OP_POINTS, torch_leaves, values

import engine
from engine import Value

# ---- the contract ------------------------------------------------------------------------


def test_grad_returns_one_gradient_per_input_in_the_given_order() -> None:
    x, y = Value(2.0), Value(5.0)
    f = x * x * y  # df/dx = 2xy = 20, df/dy = x**2 = 4
    assert engine.grad(f, [y, x]) == [4.0, 20.0]
    assert engine.grad(f, [x, y]) == [20.0, 4.0]


def test_grad_gives_floats_without_create_graph() -> None:
    x = Value(2.0)
    assert all(type(g) is float for g in engine.grad(x * 3 + x, [x, x]))


def test_grad_accepts_a_single_value_as_inputs() -> None:
    x = Value(2.0)
    assert engine.grad(x.exp(), x) == [pytest.approx(math.exp(2.0))]


def test_grad_of_unused_input_is_zero() -> None:
    x, unused = Value(2.0), Value(7.0)
    assert engine.grad(x * 3, [x, unused]) == [3.0, 0.0]


def test_grad_of_unused_input_with_create_graph_is_value_zero() -> None:
    x, unused = Value(2.0), Value(7.0)
    _, g = engine.grad(x * 3, [x, unused], create_graph=True)
    assert isinstance(g, Value) and g.data == 0.0


def test_grad_of_the_output_itself_is_one() -> None:
    x = Value(2.0)
    assert engine.grad(x, [x]) == [1.0]


def test_grad_touches_no_grad_attribute() -> None:
    x, w = Value(2.0), Value(-1.5)
    f = (x * w).tanh() * x + w**2
    engine.grad(f, [x, w])
    engine.grad(f, [x, w], create_graph=True)
    assert all(node.grad == 0.0 for node in engine.topological_order(f))


def test_grad_counts_a_reused_node_once_per_use() -> None:
    a = Value(3.0)
    assert engine.grad(a * a + a, [a]) == [7.0]  # 2a + 1


@pytest.mark.parametrize(
    ("output", "inputs"),
    [(1.0, None), ("x", None), (None, [1.0])],
)
def test_grad_rejects_non_values(output, inputs) -> None:
    x = Value(1.0)
    with pytest.raises(TypeError):
        engine.grad(x if output is None else output, [x] if inputs is None else inputs)


def test_grad_matches_backward_on_a_larger_graph() -> None:
    x, w, b = values([0.3, -1.2, 0.8])
    f = (engine.dot([w], [x], b).tanh() * x - (w * b).sigmoid()).exp() / (1 + x * x)
    analytic = engine.grad(f, [x, w, b])
    f.backward()
    assert analytic == pytest.approx([x.grad, w.grad, b.grad], rel=1e-14)


# ---- higher derivatives of every op --------------------------------------------------


def _chainrule_derivatives(fn, point, order: int) -> list[float]:
    """All partial derivatives of `order`, flattened (i, j, k, ...) row-major."""
    xs = values(point)
    level = [fn(*xs)]
    for _ in range(order):
        level = [g for f in level for g in engine.grad(f, xs, create_graph=True)]
    return [v.data for v in level]


def _torch_derivatives(torch, fn, point, order: int) -> list[float]:
    xs = torch_leaves(torch, point)
    level = [fn(*xs)]
    for _ in range(order):
        next_level = []
        for f in level:
            if not f.requires_grad:  # a constant: every derivative is zero
                next_level += [torch.zeros((), dtype=torch.float64) for _ in xs]
                continue
            grads = torch.autograd.grad(f, xs, create_graph=True, allow_unused=True)
            next_level += [torch.zeros((), dtype=torch.float64) if g is None else g for g in grads]
        level = next_level
    return [t.item() for t in level]


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize(("op", "point"), OP_POINTS)
def test_higher_derivatives_match_pytorch(op, point, order: int, torch) -> None:
    expected = _torch_derivatives(torch, op.on_torch, point, order)
    actual = _chainrule_derivatives(op.fn, point, order)
    assert actual == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_second_derivative_of_tanh_at_one() -> None:
    # d2/dx2 tanh(x) = -2 tanh(x) (1 - tanh(x)**2) = -0.63970 at x = 1
    x = Value(1.0)
    (first,) = engine.grad(x.tanh(), [x], create_graph=True)
    (second,) = engine.grad(first, [x])
    t = math.tanh(1.0)
    assert second == pytest.approx(-2.0 * t * (1.0 - t * t), rel=1e-14)
    assert round(second, 5) == -0.63970


@pytest.mark.parametrize("build", [lambda x: x.sqrt(), lambda x: x**0.5, lambda x: x ** Value(0.5)])
def test_infinite_derivative_is_inf_with_and_without_create_graph(build, torch) -> None:
    x = Value(0.0)
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad(t.sqrt(), [t])
    assert expected.item() == math.inf
    assert engine.grad(build(x), [x]) == [math.inf]
    (with_graph,) = engine.grad(build(x), [x], create_graph=True)
    assert with_graph.data == math.inf


def test_first_derivative_graph_can_be_backpropagated() -> None:
    # f = x**3: f'' = 6x = 12 at x = 2, reached with backward() on the recorded f'
    x = Value(2.0)
    (first,) = engine.grad(x**3, [x], create_graph=True)
    assert first.data == 12.0
    first.backward()
    assert x.grad == 12.0


def test_fourth_derivative_of_exp_is_exp() -> None:
    x = Value(0.7)
    f = x.exp()
    for _ in range(4):
        (f,) = engine.grad(f, [x], create_graph=True)
    assert f.data == pytest.approx(math.exp(0.7), rel=1e-14)


# ---- Hessians ------------------------------------------------------------------------


def _f(x, y, z):
    # a function with every kind of coupling between its inputs
    return x * x * y**3 + (x * z).tanh() + (y / z).exp() + (x - y).sigmoid() * z.log()


def _hessian(fn, point) -> list[list[float]]:
    xs = values(point)
    first = engine.grad(fn(*xs), xs, create_graph=True)
    return [engine.grad(g, xs) for g in first]


def test_mixed_partials_match_hand_worked_values() -> None:
    # f = x**2 y**3: f_xy = 6 x y**2, f_xx = 2 y**3, f_yy = 6 x**2 y
    x, y = 1.5, -0.5
    hessian = _hessian(lambda a, b: a**2 * b**3, [x, y])
    expected = [[2 * y**3, 6 * x * y**2], [6 * x * y**2, 6 * x**2 * y]]
    for row, expected_row in zip(hessian, expected):
        assert row == pytest.approx(expected_row, rel=1e-14)


def test_mixed_partial_of_power_at_zero_exponent_is_symmetric() -> None:
    # d2(a**b)/da db = a**(b - 1) (1 + b ln a) = 1/a at b = 0, from either side; PyTorch
    # masks d/da at b = 0 and would give 0 for one order
    hessian = _hessian(lambda a, b: a**b, [2.0, 0.0])
    assert hessian[0][1] == pytest.approx(0.5, rel=1e-14)
    assert hessian[1][0] == pytest.approx(0.5, rel=1e-14)
    assert engine.gradgradcheck(lambda a, b: a**b, [2.0, 0.0])


def test_hessian_is_symmetric() -> None:
    hessian = _hessian(_f, [0.4, -0.7, 1.3])
    for i in range(3):
        for j in range(3):
            assert hessian[i][j] == pytest.approx(hessian[j][i], rel=1e-12)


def test_hessian_matches_pytorch(torch) -> None:
    point = [0.4, -0.7, 1.3]
    expected = torch.autograd.functional.hessian(
        lambda t: _f(t[0], t[1], t[2]), torch.tensor(point, dtype=torch.float64)
    ).tolist()
    for row, expected_row in zip(_hessian(_f, point), expected):
        assert row == pytest.approx(expected_row, rel=1e-12)


def test_hessian_vector_product_matches_pytorch(torch) -> None:
    point, v = [0.4, -0.7, 1.3], [0.5, -2.0, 1.0]
    xs = values(point)
    first = engine.grad(_f(*xs), xs, create_graph=True)
    # H v = grad(grad(f) . v): one extra backward pass instead of the whole Hessian
    hvp = engine.grad(engine.dot(first, v), xs)
    _, expected = torch.autograd.functional.hvp(
        lambda t: _f(t[0], t[1], t[2]),
        torch.tensor(point, dtype=torch.float64),
        torch.tensor(v, dtype=torch.float64),
    )
    assert hvp == pytest.approx(expected.tolist(), rel=1e-12)


def test_hessian_vector_product_matches_the_hessian_times_the_vector() -> None:
    point, v = [0.4, -0.7, 1.3], [0.5, -2.0, 1.0]
    xs = values(point)
    first = engine.grad(_f(*xs), xs, create_graph=True)
    hvp = engine.grad(engine.sum([g * vi for g, vi in zip(first, v)]), xs)
    hessian = _hessian(_f, point)
    expected = [math.fsum(h * vi for h, vi in zip(row, v)) for row in hessian]
    assert hvp == pytest.approx(expected, rel=1e-12)


def test_newtons_method_with_the_hessian_finds_the_minimum() -> None:
    # Rosenbrock (a=1, b=10): the minimum is at (1, 1); Newton's step solves H d = -g
    def rosenbrock(x, y):
        return (1 - x) ** 2 + 10 * (y - x**2) ** 2

    point = [-1.2, 1.0]
    for _ in range(20):
        xs = values(point)
        g = engine.grad(rosenbrock(*xs), xs, create_graph=True)
        (h11, h12), (h21, h22) = (engine.grad(gi, xs) for gi in g)
        g1, g2 = g[0].data, g[1].data
        det = h11 * h22 - h12 * h21
        # the 2x2 inverse: [[h22, -h12], [-h21, h11]] / det
        point = [
            point[0] - (h22 * g1 - h12 * g2) / det,
            point[1] - (-h21 * g1 + h11 * g2) / det,
        ]
        if max(abs(g1), abs(g2)) < 1e-12:
            break
    assert point == pytest.approx([1.0, 1.0], abs=1e-10)
    xs = values(point)
    assert engine.grad(rosenbrock(*xs), xs) == pytest.approx([0.0, 0.0], abs=1e-9)


# ---- one derivative, whichever way it is asked for (issue 24) -----------------------------


def _same(a: float, b: float) -> bool:
    """The same float: equal, or both nan."""
    return a == b or (math.isnan(a) and math.isnan(b))


def test_grad_runs_the_rule_of_a_node_that_no_use_passed_anything_to(torch) -> None:
    # relu(sqrt(0) - 1) passes back 0; sqrt's rule then gives 0 * d sqrt/dx = 0 * inf = nan
    x = Value(0.0)
    y = (x.sqrt() - 1).relu()
    (g,) = engine.grad(y, [x])
    y.backward()
    (tx,) = torch_leaves(torch, [0.0])
    (tx.sqrt() - 1).relu().backward()
    assert math.isnan(g) and math.isnan(x.grad) and math.isnan(tx.grad.item())


def test_jacobian_and_hessian_run_every_rule_too(torch) -> None:
    def f(x):
        return (x.sqrt() - 1).relu() + x * x

    assert math.isnan(engine.jacobian(f, [0.0])[0])
    (tx,) = torch_leaves(torch, [0.0])
    (expected,) = torch.autograd.grad(f(tx), [tx])
    assert math.isnan(expected.item())
    # the first derivative is nan at 0, so is the second
    assert math.isnan(engine.hessian(f, [0.0])[0][0])


def test_grad_with_create_graph_records_inside_no_grad(torch) -> None:
    x = Value(3.0)
    y = x**3
    with engine.no_grad():
        (dy,) = engine.grad(y, [x], create_graph=True)
    assert dy.op != ""  # a node of a graph, not a leaf
    (d2y,) = engine.grad(dy, [x])
    (tx,) = torch_leaves(torch, [3.0])
    ty = tx**3
    with torch.no_grad():
        (tdy,) = torch.autograd.grad(ty, [tx], create_graph=True)
    (td2y,) = torch.autograd.grad(tdy, [tx])
    assert d2y == td2y.item() == 18.0


def test_a_hook_returning_a_value_keeps_its_graph_when_the_incoming_gradient_is_a_float(
    torch,
) -> None:
    x, w = Value(2.0), Value(1.0)
    h = x * x
    h.register_hook(lambda g: g * w)  # g is the float 3.0 from `h * 3.0`
    (dx,) = engine.grad(h * 3.0, [x], create_graph=True)
    (dw,) = engine.grad(dx, [w])
    tx, tw = torch_leaves(torch, [2.0, 1.0])
    th = tx * tx
    th.register_hook(lambda g: g * tw)
    (tdx,) = torch.autograd.grad(th * 3.0, [tx], create_graph=True)
    (tdw,) = torch.autograd.grad(tdx, [tw])
    assert dw == tdw.item() == 12.0


def _first_and_second(f, point: float) -> tuple[float, float]:
    x = Value(point)
    (d1,) = engine.grad(f(x), [x], create_graph=True)
    (d2,) = engine.grad(d1, [x])
    return d1.data, d2


def _torch_first_and_second(torch, f, point: float) -> tuple[float, float]:
    (tx,) = torch_leaves(torch, [point])
    (d1,) = torch.autograd.grad(f(tx), [tx], create_graph=True)
    (d2,) = torch.autograd.grad(d1, [tx])
    return d1.item(), d2.item()


SINGULAR = [
    pytest.param(lambda x: x.sqrt(), 0.0, (math.inf, -math.inf), id="sqrt at 0"),
    pytest.param(lambda x: (x * x).sqrt(), 0.0, (math.nan, math.nan), id="sqrt(x*x) at 0"),
    pytest.param(lambda x: x.sqrt(), -0.0, (-math.inf, math.inf), id="sqrt at -0.0"),
    pytest.param(lambda x: x**0.5, 0.0, (math.inf, -math.inf), id="x**0.5 at 0"),
    pytest.param(lambda x: x**1.5, 0.0, (0.0, math.inf), id="x**1.5 at 0"),
    pytest.param(lambda x: x.sqrt() * 3.0 + x, 0.0, (math.inf, -math.inf), id="3 sqrt(x) + x"),
    pytest.param(lambda x: (x.sqrt() + 1.0).log(), 0.0, (math.inf, -math.inf), id="log(1+sqrt)"),
]


@pytest.mark.parametrize(("f", "point", "expected"), SINGULAR)
def test_second_derivatives_at_singular_points_are_pytorchs(torch, f, point, expected) -> None:
    ours = _first_and_second(f, point)
    theirs = _torch_first_and_second(torch, f, point)
    assert all(_same(a, b) for a, b in zip(ours, theirs)), (ours, theirs)
    assert all(_same(a, b) for a, b in zip(ours, expected)), (ours, expected)


def test_an_infinite_local_derivative_stays_a_node_of_the_recorded_graph() -> None:
    x = Value(0.0)
    (d1,) = engine.grad(x.sqrt(), [x], create_graph=True)
    assert d1.data == math.inf and d1.op == "/"  # 1 / (2 sqrt(x)), not a constant inf
    assert x in engine.topological_order(d1)


def test_sqrt_of_minus_zero_has_derivative_minus_inf(torch) -> None:
    x = Value(-0.0)
    x.sqrt().backward()
    (tx,) = torch_leaves(torch, [-0.0])
    tx.sqrt().backward()
    assert x.grad == tx.grad.item() == -math.inf
    assert engine.grad(Value(-0.0).sqrt(), [Value(-0.0)]) == [0.0]  # another leaf: unused
    y = Value(-0.0)
    assert engine.grad(y.sqrt(), [y]) == [-math.inf]


def test_constants_get_no_gradient_by_any_path() -> None:
    w = Value(3.0)
    out = engine.dot([w], [2.0], 1.0)
    _, two, one = out.parents  # the constants 2.0 (an input) and 1.0 (the bias)
    assert engine.grad(out, [w, two, one]) == [2.0, 0.0, 0.0]
    assert [g.data for g in engine.grad(out, [w, two, one], create_graph=True)] == [2.0, 0, 0]
    out.backward()
    assert (w.grad, two.grad, one.grad) == (2.0, 0.0, 0.0)
    steps = list(out.backward_steps())
    assert two in steps and (two.grad, one.grad) == (0.0, 0.0)
    total = engine.sum([w, 5.0])
    five = total.parents[1]
    assert engine.grad(total, [w, five]) == [1.0, 0.0]
    product = w * 4.0
    four = product.parents[1]
    assert engine.grad(product, [w, four]) == [4.0, 0.0]


def test_recorded_gradient_of_a_power_at_exponent_zero_is_backwards_with_an_inf_gradient() -> None:
    # d(a**b)/da is 0 at b = 0 (a**0 = 1): backward() adds nothing, also when the incoming
    # gradient is inf; the recorded pass must not make that 0 * inf = nan
    a, b = Value(0.62), Value(0.0)
    y = (a**b) * math.inf
    (recorded,) = engine.grad(y, [a], create_graph=True)
    y.backward()
    assert recorded.data == engine.grad(y, [a])[0] == a.grad == 0.0
    # with a finite gradient the recorded term stays: its derivative in b is 1/a
    a2, b2 = Value(0.5), Value(0.0)
    (d_a,) = engine.grad(a2**b2 * 3.0, [a2], create_graph=True)
    assert d_a.data == 0.0 and engine.grad(d_a, [b2]) == [pytest.approx(3.0 / 0.5)]
