"""Property tests: random expression graphs, with reused nodes and diamonds, built from a
small program of ops; chainrule's gradients must agree with PyTorch and with central
differences on every one, and `grad`, `backward` and `backward_steps` with each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import engine
from engine import Value

N_INPUTS = 3


def _softplus(v: Any) -> Any:
    if isinstance(v, Value):
        return v.softplus()
    import torch.nn.functional as F

    return F.softplus(v)


def _dot(a: Any, b: Any) -> Any:
    if isinstance(a, Value):
        return engine.dot([a, b], [b, a], a)
    return a * b + b * a + a


def _sum(a: Any, b: Any) -> Any:
    if isinstance(a, Value):
        return engine.sum([a, b, a])
    return a + b + a


# Each op works on Values and on float64 tensors alike. The compound ones keep the input
# of log, sqrt, / and ** inside their domain for every real input. A Value exponent stays
# away from 0, where PyTorch's pow masks d/dbase and so its Hessian is not symmetric.
SMOOTH_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "number ops": lambda a, b: 0.5 * a - 1.5 + 2.0 / (b * b + 1.0),
    "a / (b*b + 1)": lambda a, b: a / (b * b + 1.0),
    "(a*a + 1) ** (sigmoid(b) + 0.5)": lambda a, b: (a * a + 1.0) ** (b.sigmoid() + 0.5),
    "2 ** tanh(a)": lambda a, b: 2.0 ** a.tanh(),
    "a ** 2": lambda a, b: a**2,
    "neg": lambda a, b: -a,
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "exp(tanh(a))": lambda a, b: a.tanh().exp(),
    "log(a*a + 1)": lambda a, b: (a * a + 1.0).log(),
    "sqrt(a*a + 1)": lambda a, b: (a * a + 1.0).sqrt(),
    "softplus": lambda a, b: _softplus(a),
    "sin(a) * cos(b)": lambda a, b: a.sin() * b.cos(),
    "dot": _dot,
    "sum": _sum,
}
# kinks: derivatives agree with PyTorch everywhere but central differences fail near 0
KINKED_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "relu": lambda a, b: a.relu(),
    "abs": lambda a, b: abs(a),
}
ALL_OPS = {**SMOOTH_OPS, **KINKED_OPS}

Program = list[tuple[str, int, int]]


@st.composite
def programs(draw: Any, ops: dict[str, Any], max_steps: int = 12) -> tuple[Program, list[float]]:
    """A straight-line program: step k applies an op to two earlier registers (inputs
    first), so registers get reused and graphs get diamonds; the last register is the
    output."""
    n_steps = draw(st.integers(1, max_steps))
    program = []
    for k in range(n_steps):
        registers = N_INPUTS + k
        name = draw(st.sampled_from(sorted(ops)))
        first = draw(st.integers(0, registers - 1))
        second = draw(st.integers(0, registers - 1))
        program.append((name, first, second))
    point = draw(
        st.lists(
            st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False),
            min_size=N_INPUTS,
            max_size=N_INPUTS,
        )
    )
    return program, point


def run(program: Program, inputs: list[Any], ops: dict[str, Any]) -> Any:
    registers = list(inputs)
    for name, i, j in program:
        registers.append(ops[name](registers[i], registers[j]))
    return registers[-1]


def _finite_and_moderate(out: Value, limit: float) -> bool:
    return math.isfinite(out.data) and abs(out.data) < limit


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(programs(ALL_OPS))
def test_backward_matches_pytorch_on_random_graphs(case) -> None:
    torch = pytest.importorskip("torch")
    program, point = case
    xs = [Value(x) for x in point]
    out = run(program, xs, ALL_OPS)
    assume(_finite_and_moderate(out, 1e8))
    out.backward()

    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    t_out = run(program, ts, ALL_OPS)
    assert out.data == pytest.approx(t_out.item(), rel=1e-9, abs=1e-12)
    if t_out.requires_grad:
        t_out.backward()
    expected = [0.0 if t.grad is None else t.grad.item() for t in ts]
    assert [x.grad for x in xs] == pytest.approx(expected, rel=1e-8, abs=1e-10)


@PROPERTY_SETTINGS
@given(programs(SMOOTH_OPS))
def test_backward_matches_central_differences_on_random_graphs(case) -> None:
    program, point = case
    out = run(program, [Value(x) for x in point], SMOOTH_OPS)
    assume(_finite_and_moderate(out, 1e3))
    assert engine.gradcheck(
        lambda *xs: run(program, list(xs), SMOOTH_OPS), point, eps=1e-6, atol=1e-4, rtol=1e-4
    )


@PROPERTY_SETTINGS
@given(programs(ALL_OPS))
def test_grad_backward_and_backward_steps_agree_on_random_graphs(case) -> None:
    program, point = case
    xs = [Value(x) for x in point]
    out = run(program, xs, ALL_OPS)
    assume(_finite_and_moderate(out, 1e8))
    from_grad = engine.grad(out, xs)
    assert all(x.grad == 0.0 for x in xs)
    stepped = list(out.backward_steps())
    assert stepped == list(reversed(engine.topological_order(out)))
    from_steps = [x.grad for x in xs]

    ys = [Value(x) for x in point]
    run(program, ys, ALL_OPS).backward()
    assert from_steps == [y.grad for y in ys]
    assert from_grad == pytest.approx(from_steps, rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(SMOOTH_OPS, max_steps=6))
def test_hessian_matches_pytorch_on_random_graphs(case) -> None:
    torch = pytest.importorskip("torch")
    program, point = case
    xs = [Value(x) for x in point]
    out = run(program, xs, SMOOTH_OPS)
    assume(_finite_and_moderate(out, 1e6))
    first = engine.grad(out, xs, create_graph=True)
    hessian = [engine.grad(g, xs) for g in first]

    expected = torch.autograd.functional.hessian(
        lambda t: run(program, [t[0], t[1], t[2]], SMOOTH_OPS),
        torch.tensor(point, dtype=torch.float64),
    ).tolist()
    for row, expected_row in zip(hessian, expected):
        assert row == pytest.approx(expected_row, rel=1e-7, abs=1e-9)


# ---- grad() and backward(): the same numbers, nan and inf included (issue 24) -----------

# Leaves where rules meet 0 * inf, inf - inf, overflow, subnormals and signed zeros
SPECIAL_LEAVES = st.sampled_from(
    [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.5, 0.5, 2.0, -1e308, 1e-300, 5e-324]
) | st.floats(-3.0, 3.0)


def _sqrt(a: Value) -> Value:
    # sqrt where it has a value (its derivative is inf at 0 and -inf at -0.0), else of -a
    return a.sqrt() if not a.data < 0.0 else (-a).sqrt()


# Ops that never raise on any input, nan and inf included (a branch on the data keeps the
# domain ops inside their domain); number operands make constants on every path
EVERYWHERE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b.data != 0.0 else a * 3.0,
    "neg": lambda a, b: -a,
    "relu": lambda a, b: a.relu(),
    "abs": lambda a, b: abs(a),
    "leaky_relu": lambda a, b: a.leaky_relu(0.1),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "softplus": lambda a, b: a.softplus(),
    "exp": lambda a, b: a.exp(),
    "sin": lambda a, b: a.sin(),
    "cos": lambda a, b: b.cos(),
    "log": lambda a, b: a.log() if not a.data <= 0.0 else 2.0 - a,
    "sqrt": lambda a, b: _sqrt(a),
    "sqrt(a*b)": lambda a, b: _sqrt(a * b),
    "a ** 2": lambda a, b: a**2,
    "a ** 0.5": lambda a, b: abs(a) ** 0.5,
    "a ** -1": lambda a, b: a**-1 if a.data != 0.0 else a,
    "2 ** a": lambda a, b: 2.0**a,
    "a ** b": lambda a, b: a**b if a.data > 0.0 else a**2.0,
    "dot": lambda a, b: engine.dot([a, b], [b, 2.0], a),
    "sum": lambda a, b: engine.sum([a, 1.0, b, a]),
}


@st.composite
def special_programs(draw: Any, max_steps: int = 10) -> tuple[Program, list[float]]:
    program, _ = draw(programs(EVERYWHERE_OPS, max_steps))
    point = draw(st.lists(SPECIAL_LEAVES, min_size=N_INPUTS, max_size=N_INPUTS))
    return program, point


def _same_number(a: float, b: float) -> bool:
    """The same float: nan where nan, the same inf, even the same sign of zero."""
    return repr(float(a)) == repr(float(b))


def _equal(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


SPECIAL_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@SPECIAL_SETTINGS
@given(special_programs())
def test_grad_and_backward_give_the_same_numbers_with_nan_inf_and_signed_zeros(case) -> None:
    program, point = case
    xs = [Value(x) for x in point]
    out = run(program, xs, EVERYWHERE_OPS)
    from_grad = engine.grad(out, xs)
    recorded = engine.grad(out, xs, create_graph=True)
    out.backward()
    from_backward = [x.grad for x in xs]
    assert all(_same_number(g, b) for g, b in zip(from_grad, from_backward)), (
        from_grad,
        from_backward,
    )
    assert all(_equal(r.data, b) for r, b in zip(recorded, from_backward))


@SPECIAL_SETTINGS
@given(special_programs())
def test_jacobian_is_backward_of_each_output_with_nan_and_inf(case) -> None:
    program, point = case

    def f(*xs: Value) -> list[Value]:
        registers = list(xs)
        for name, i, j in program:
            registers.append(EVERYWHERE_OPS[name](registers[i], registers[j]))
        return [registers[-1], registers[-2]]  # two outputs: two rows

    rows = engine.jacobian(f, point)
    for k in range(2):
        xs = [Value(x) for x in point]
        f(*xs)[k].backward()
        assert all(_same_number(j, x.grad) for j, x in zip(rows[k], xs)), (k, rows[k])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(special_programs(max_steps=6))
def test_hessian_is_backward_of_each_recorded_gradient_with_nan_and_inf(case) -> None:
    program, point = case
    hessian = engine.hessian(lambda *xs: run(program, list(xs), EVERYWHERE_OPS), point)
    for i in range(N_INPUTS):
        xs = [Value(x) for x in point]
        first = engine.grad(run(program, xs, EVERYWHERE_OPS), xs, create_graph=True)
        first[i].backward()
        assert all(_same_number(h, x.grad) for h, x in zip(hessian[i], xs)), (i, hessian[i])
