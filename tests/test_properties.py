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
