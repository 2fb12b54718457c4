"""What a learner coming from micrograd or PyTorch types, on the engine: `item`, `detach`,
`pow`, formatting, hooks, `jacobian`/`hessian`, constants, and the public namespace.

Derivatives of the new ops (sin, cos, pow) are in conftest's OPS table, so they are
checked against hand-worked rules, central differences, second derivatives and PyTorch
with every other op.
"""

from __future__ import annotations

import math

import pytest
from conftest import torch_leaves

import engine
from engine import Value

# ---- small names ----------------------------------------------------------------------


def test_item_is_the_data_as_a_float() -> None:
    v = Value(3) * 2
    assert v.item() == 6.0 and type(v.item()) is float


def test_detach_is_a_new_leaf_with_the_same_data_cut_from_the_graph() -> None:
    x = Value(2.0)
    y = x * 3
    d = y.detach()
    assert (d.data, d.op, d.parents) == (6.0, "", ())
    (d * x).backward()
    assert x.grad == 6.0  # d is a constant as far as x is concerned
    assert y.grad == 0.0  # nothing flowed into y's graph


def test_pow_method_is_the_power_operator() -> None:
    x, e = Value(1.5), Value(2.5)
    assert x.pow(2).data == (x**2).data
    y = x.pow(e)
    y.backward()
    assert e.grad == pytest.approx(1.5**2.5 * math.log(1.5))


def test_sin_and_cos_of_infinity_are_nan_as_in_pytorch(torch) -> None:
    for name in ("sin", "cos"):
        ours = getattr(Value(math.inf), name)().data
        theirs = getattr(torch.tensor(math.inf, dtype=torch.float64), name)().item()
        assert math.isnan(ours) and math.isnan(theirs)


def test_formatting_rounding_and_int_act_on_the_data() -> None:
    v = Value(2.71828)
    assert f"{v:.3f}" == "2.718"
    assert f"{v:>8.2f}" == "    2.72"
    assert round(v, 2) == 2.72
    assert round(v) == 3
    assert int(Value(-2.9)) == -2
    assert float(v) == 2.71828
    assert f"{v}" == str(v) == repr(v)


def test_help_of_value_explains_its_attributes() -> None:
    doc = Value.__doc__ or ""
    for attribute in ("data", "grad", "label", "op", "parents"):
        assert f"`{attribute}`" in doc
    for method in ("tanh", "relu", "exp", "log", "sigmoid", "sin", "cos", "item", "detach"):
        assert getattr(Value, method).__doc__, method


# ---- constants: a number operand gets no gradient, in every op -------------------------


def test_a_number_in_dot_gets_no_gradient() -> None:
    w0, w1, b = Value(0.5), Value(-1.0), Value(0.1)
    out = engine.dot([w0, w1], [2.0, 3.0], b)
    out.backward()
    assert (w0.grad, w1.grad, b.grad) == (2.0, 3.0, 1.0)
    constants = [p for p in out.parents if p not in (w0, w1, b)]
    assert [c.data for c in constants] == [2.0, 3.0]
    assert [c.grad for c in constants] == [0.0, 0.0]


def test_a_number_in_sum_gets_no_gradient() -> None:
    x = Value(1.0)
    out = engine.sum([x, 4.0, x])
    out.backward()
    assert x.grad == 2.0
    assert [p.grad for p in out.parents if p is not x] == [0.0]


def test_the_constant_leaf_of_a_binary_op_gets_no_gradient() -> None:
    x = Value(1.5)
    y = x * 2
    y.backward()
    assert y.parents[1].data == 2.0 and y.parents[1].grad == 0.0
    assert x.grad == 2.0


def test_grad_still_differentiates_dot_with_respect_to_its_values() -> None:
    w = [Value(0.5), Value(-1.0)]
    (g0, g1) = engine.grad(engine.dot(w, [2.0, 3.0]), w)
    assert (g0, g1) == (2.0, 3.0)


# ---- hooks ----------------------------------------------------------------------------


def test_hook_sees_the_complete_gradient_of_a_reused_node_once() -> None:
    x = Value(3.0)
    h = x * 2  # used twice below
    seen = []
    h.register_hook(seen.append)
    y = h * h + h  # dy/dh = 2h + 1 = 13
    y.backward()
    assert seen == [13.0]
    assert x.grad == 26.0


def test_hook_return_value_replaces_the_gradient_passed_on(torch) -> None:
    x = Value(0.5)
    h = x.tanh()
    h.register_hook(lambda g: g * 10)
    (h * 3).backward()
    tx = torch_leaves(torch, [0.5])[0]
    th = tx.tanh()
    th.register_hook(lambda g: g * 10)
    (th * 3).backward()
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-12)
    assert h.grad == 30.0


def test_hook_on_a_leaf_clips_what_it_keeps(torch) -> None:
    w = Value(2.0)
    w.register_hook(lambda g: max(-1.0, min(1.0, g)))
    (w * 5).backward()
    tw = torch_leaves(torch, [2.0])[0]
    tw.register_hook(lambda g: g.clamp(-1.0, 1.0))
    (tw * 5).backward()
    assert w.grad == tw.grad.item() == 1.0


def test_hook_runs_per_pass_on_that_pass_gradient_only() -> None:
    w = Value(2.0)
    seen = []
    w.register_hook(seen.append)
    (w * 5).backward()
    (w * 7).backward()
    assert seen == [5.0, 7.0]
    assert w.grad == 12.0  # accumulated as usual


def test_hooks_run_in_order_and_remove_takes_one_off() -> None:
    w = Value(1.0)
    calls = []
    first = w.register_hook(lambda g: calls.append("first") or g + 1)
    w.register_hook(lambda g: calls.append(("second", g)))
    (w * 3).backward()
    assert calls == ["first", ("second", 4.0)] and w.grad == 4.0
    first.remove()
    calls.clear()
    w.zero_grad()
    (w * 3).backward()
    assert calls == [("second", 3.0)] and w.grad == 3.0


def test_removing_every_hook_restores_the_rule() -> None:
    x = Value(1.0)
    y = x.exp()
    rule = y._backward
    y.register_hook(print).remove()
    assert y._backward is rule


def test_hooked_node_keeps_its_parents_in_operand_order() -> None:
    x = Value(2.0)
    y = 3 - x  # the constant comes first
    y.register_hook(lambda g: None)
    assert [p.data for p in y.parents] == [3.0, 2.0]


def test_hook_also_runs_in_grad_and_changes_its_result() -> None:
    x = Value(2.0)
    y = x * x
    y.register_hook(lambda g: g * 0.5)
    assert engine.grad(y * 1.0, [x]) == [2.0]


def test_hook_returning_a_non_number_is_a_clear_error() -> None:
    x = Value(1.0)
    x.register_hook(lambda g: "big")
    with pytest.raises(TypeError, match="must return a number or None"):
        (x * 2).backward()


def test_remove_is_by_handle_and_removing_twice_keeps_another_registration(torch) -> None:
    x = Value(1.0)
    calls: list[float] = []
    first = x.register_hook(calls.append)
    second = x.register_hook(calls.append)  # the same function, registered again
    first.remove()
    first.remove()  # a second remove does nothing: `second` stays
    (x * 3).backward()
    assert calls == [3.0]
    second.remove()
    second.remove()
    (x * 3).backward()
    assert calls == [3.0]
    # PyTorch: the same
    tx = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    seen: list[float] = []
    t_first = tx.register_hook(seen.append)
    tx.register_hook(seen.append)
    t_first.remove()
    t_first.remove()
    (tx * 3).backward()
    assert len(seen) == 1


def test_a_hook_returning_a_huge_int_gives_inf() -> None:
    x = Value(1.0)
    y = x * 2
    y.register_hook(lambda g: 10**400)
    y.backward()
    assert x.grad == math.inf
    y2 = x * 2
    y2.register_hook(lambda g: -(10**400))
    assert engine.grad(y2, [x]) == [-math.inf]


def test_backward_of_a_huge_int_seed_gives_inf() -> None:
    x = Value(1.0)
    (x * 2).backward(10**400)
    assert x.grad == math.inf
    x.zero_grad()
    (x * 2).backward(-(10**400))
    assert x.grad == -math.inf


def test_a_zero_value_is_false_as_a_zero_dim_tensor_is(torch) -> None:
    for data in (0.0, -0.0, 1.0, -2.5, math.inf, math.nan):
        assert bool(Value(data)) == bool(torch.tensor(data, dtype=torch.float64))
    assert not Value(0.0) and Value(0.5)


def test_unary_plus_returns_the_value_itself() -> None:
    x = Value(2.0)
    assert +x is x
    y = +(x * 3)
    y.backward()
    assert isinstance(y, Value) and x.grad == 3.0


def test_leaky_relu_slope_must_be_a_real_number() -> None:
    x = Value(-1.0)
    with pytest.raises(TypeError, match="negative_slope must be a real number, got str"):
        x.leaky_relu("0.5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got Value"):
        x.leaky_relu(Value(0.5))  # type: ignore[arg-type]
    assert x.leaky_relu(1).data == -1.0  # an int is fine


def test_register_hook_needs_a_function() -> None:
    with pytest.raises(TypeError, match="register_hook"):
        Value(1.0).register_hook(3)  # type: ignore[arg-type]


# ---- jacobian and hessian --------------------------------------------------------------


def _f(x: Value, y: Value) -> list[Value]:
    return [x * y.sin(), (x * x + y).tanh(), x.exp() / (y * y + 1.0)]


def test_jacobian_matches_pytorch(torch) -> None:
    point = [0.7, -1.3]
    ours = engine.jacobian(_f, point)
    theirs = torch.autograd.functional.jacobian(
        lambda a, b: torch.stack(_f(a, b)),
        tuple(torch.tensor(p, dtype=torch.float64) for p in point),
    )
    expected = [[theirs[j][i].item() for j in range(2)] for i in range(3)]
    assert len(ours) == 3
    for row, expected_row in zip(ours, expected):
        assert row == pytest.approx(expected_row, rel=1e-12)


def test_jacobian_of_one_output_is_one_row_and_matches_central_differences() -> None:
    def g(x: Value, y: Value) -> Value:
        return (x * y).sin() + y.cos()

    row = engine.jacobian(g, [0.3, 0.9])
    eps = 1e-6
    for i in range(2):
        up, down = [0.3, 0.9], [0.3, 0.9]
        up[i] += eps
        down[i] -= eps
        numeric = (g(*map(Value, up)).data - g(*map(Value, down)).data) / (2 * eps)
        assert row[i] == pytest.approx(numeric, rel=1e-6)


def _h(x: Value, y: Value, z: Value) -> Value:
    return x * x * y + (y * z).sin() + z.exp() * x


def test_hessian_matches_pytorch_and_is_symmetric(torch) -> None:
    point = [0.4, -0.8, 1.1]
    ours = engine.hessian(_h, point)
    theirs = torch.autograd.functional.hessian(
        lambda a, b, c: _h(a, b, c), tuple(torch.tensor(p, dtype=torch.float64) for p in point)
    )
    for i in range(3):
        assert ours[i] == pytest.approx([theirs[i][j].item() for j in range(3)], rel=1e-12)
        for j in range(3):
            assert ours[i][j] == pytest.approx(ours[j][i], rel=1e-12)


def test_hessian_with_create_graph_can_be_differentiated_again() -> None:
    x = Value(0.5)
    ((h,),) = engine.hessian(lambda v: v.sin() * v, [x], create_graph=True)
    # d^2/dx^2 (x sin x) = 2 cos x - x sin x; its derivative is -3 sin x - x cos x
    assert h.data == pytest.approx(2 * math.cos(0.5) - 0.5 * math.sin(0.5))
    (third,) = engine.grad(h, [x])
    assert third == pytest.approx(-3 * math.sin(0.5) - 0.5 * math.cos(0.5))


def test_jacobian_of_an_output_that_ignores_an_input_has_zeros() -> None:
    rows = engine.jacobian(lambda x, y: [x * 2, Value(1.0), 3.0], [1.0, 2.0])
    assert rows == [[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]]


def test_jacobian_and_hessian_touch_no_grad() -> None:
    x = Value(1.0)
    engine.jacobian(lambda v: v * v, [x])
    engine.hessian(lambda v: v * v * v, [x])
    assert x.grad == 0.0


def test_jacobian_and_hessian_reject_bad_input() -> None:
    with pytest.raises(TypeError, match="inputs\\[1\\]"):
        engine.jacobian(lambda x, y: x, [1.0, "2"])
    with pytest.raises(TypeError, match="must return a Value"):
        engine.hessian(lambda x: [x], [1.0])


# ---- the public namespace --------------------------------------------------------------


def test_engine_backward_is_the_function() -> None:
    x = Value(2.0)
    engine.backward(x * x)
    assert x.grad == 4.0


def test_every_name_in_engine_all_is_public_and_importable() -> None:
    assert "sum" in engine.__all__ and "jacobian" in engine.__all__
    for name in engine.__all__:
        assert hasattr(engine, name), name


def test_engine_has_a_version() -> None:
    assert isinstance(engine.__version__, str) and engine.__version__[0].isdigit()


def test_drawing_a_hooked_graph_never_calls_the_hooks() -> None:
    from engine.draw import local_derivatives

    x = Value(2.0)
    y = x * 3
    calls = []
    x.register_hook(calls.append)
    y.register_hook(calls.append)
    assert local_derivatives(x) == []
    assert local_derivatives(y)[0] == 3.0  # d(x * 3)/dx, from the op's own rule
    engine.draw_dot(y, edge_labels=True)
    assert calls == []
