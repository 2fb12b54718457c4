"""Tests for `engine.gradcheck` and `engine.gradgradcheck`: they pass on every op, and they
catch a deliberately broken rule, with a message listing analytic and numeric gradients.
"""

from __future__ import annotations

import math
import re

import pytest
from conftest import OP_POINTS

import engine
import engine.value
from engine import GradcheckError, Value


@pytest.mark.parametrize(("op", "point"), OP_POINTS)
def test_gradcheck_passes_on_every_op(op, point) -> None:
    assert engine.gradcheck(op.fn, point) is True


@pytest.mark.parametrize(("op", "point"), OP_POINTS)
def test_gradgradcheck_passes_on_every_op(op, point) -> None:
    assert engine.gradgradcheck(op.fn, point) is True


def test_gradcheck_passes_on_a_composite_function() -> None:
    def f(x, w, b):
        return (engine.dot([w], [x], b).tanh() * x.exp() + (w / b).softplus()) ** 2

    assert engine.gradcheck(f, [0.3, -0.8, 1.7])
    assert engine.gradgradcheck(f, [0.3, -0.8, 1.7])


def test_gradcheck_error_is_an_assertion_error() -> None:
    assert issubclass(GradcheckError, AssertionError)


def _wrong_tanh_backward(out: Value, g: float) -> None:
    (x,) = out.parents
    # deliberately wrong: d/dx tanh(x) is 1 - tanh(x)**2, not 1 - tanh(x)
    x.grad += (1.0 - out.data) * g


def test_gradcheck_catches_a_broken_rule_patched_into_the_module(monkeypatch) -> None:
    monkeypatch.setattr(engine.value, "_tanh_backward", _wrong_tanh_backward)
    with pytest.raises(GradcheckError):
        engine.gradcheck(lambda x, y: x.tanh() * y, [0.5, 2.0])


def test_gradcheck_catches_a_broken_rule_on_one_node_and_lists_both_gradients() -> None:
    def f(x, y):
        out = x.tanh()
        out._backward = _wrong_tanh_backward
        return out * y

    x, y = 0.5, 2.0
    with pytest.raises(GradcheckError) as info:
        engine.gradcheck(f, [x, y])
    message = str(info.value)
    wrong = (1.0 - math.tanh(x)) * y
    right = (1.0 - math.tanh(x) ** 2) * y
    # per input: the analytic and the numeric gradient; only input 0 is wrong
    row0 = re.search(r"input 0: analytic (\S+), numeric (\S+)", message)
    assert row0 is not None
    assert float(row0.group(1).rstrip(",")) == pytest.approx(wrong, rel=1e-12)
    assert float(row0.group(2)) == pytest.approx(right, rel=1e-6)
    row1 = re.search(r"input 1: analytic (\S+), numeric (\S+)", message)
    assert row1 is not None
    assert float(row1.group(1).rstrip(",")) == pytest.approx(math.tanh(x), rel=1e-12)


def _tanh_backward_not_differentiable(out: Value, g: float) -> None:
    (x,) = out.parents
    # right in value, but turns the output into a plain float, so the graph that
    # create_graph=True records loses d/dx of tanh's derivative
    t = getattr(out.data, "data", out.data)
    x.grad += (1.0 - t * t) * g


def test_gradgradcheck_catches_a_rule_that_is_right_only_to_first_order(monkeypatch) -> None:
    monkeypatch.setattr(engine.value, "_tanh_backward", _tanh_backward_not_differentiable)
    assert engine.gradcheck(lambda x: x.tanh(), [0.5])
    with pytest.raises(GradcheckError, match="analytic"):
        engine.gradgradcheck(lambda x: x.tanh(), [0.5])


def test_gradcheck_respects_its_tolerances() -> None:
    def f(x):
        out = x * 2
        out._backward = lambda out, g: setattr(out.parents[0], "grad", 2.001 * g)
        return out

    with pytest.raises(GradcheckError):
        engine.gradcheck(f, [1.0], rtol=1e-4, atol=0.0)
    assert engine.gradcheck(f, [1.0], rtol=1e-2, atol=0.0)


def test_gradcheck_records_even_inside_no_grad() -> None:
    with engine.no_grad():
        assert engine.gradcheck(lambda x, y: x * y.tanh(), [0.5, 2.0])
        assert engine.gradgradcheck(lambda x, y: x * y.tanh(), [0.5, 2.0])


def test_gradcheck_accepts_a_single_float() -> None:
    assert engine.gradcheck(lambda x: x.exp(), 0.3)  # type: ignore[arg-type]


def test_gradcheck_rejects_a_function_that_does_not_return_a_value() -> None:
    with pytest.raises(TypeError, match="Value"):
        engine.gradcheck(lambda x: 1.0, [0.5])


def test_gradcheck_counts_nan_against_nan_as_agreement() -> None:
    # d(x * nan)/dx is nan by the rule and by central differences: both say "no number"
    def f(x: Value) -> Value:
        return x * math.nan + x

    assert engine.gradcheck(f, [0.5])


def test_gradcheck_reports_nan_against_a_number() -> None:
    def f(x: Value) -> Value:
        # data finite and smooth, but the rule of sqrt at 0 sends 0 * inf = nan back
        return (x * 0.0).sqrt() * 0.0 + x

    with pytest.raises(GradcheckError, match="analytic nan, numeric 1.0") as caught:
        engine.gradcheck(f, [0.5])
    assert "differs" in str(caught.value)


def test_gradgradcheck_counts_nan_against_nan_as_agreement() -> None:
    def f(x: Value) -> Value:
        return x * x * math.nan

    assert engine.gradgradcheck(f, [0.5])
