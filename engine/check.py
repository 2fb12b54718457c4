"""Numerical checks of the derivative rules: `gradcheck` and `gradgradcheck`.

A rule that is wrong still runs; only comparing it with central differences,
(f(x + eps) - f(x - eps)) / (2 eps), catches it. HIPS autograd checks every primitive
this way, and so do chainrule's tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from engine.autograd import grad
from engine.mode import enable_grad
from engine.value import Value

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the numerical one."""


def _numeric_gradient(
    f: Callable[[list[float]], float], point: list[float], eps: float
) -> list[float]:
    grads = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += eps
        down[i] -= eps
        grads.append((f(up) - f(down)) / (2.0 * eps))
    return grads


def _compare(
    name: str, analytic: list[float], numeric: list[float], atol: float, rtol: float
) -> bool:
    bad = [i for i, (a, n) in enumerate(zip(analytic, numeric)) if not _agree(a, n, atol, rtol)]
    if bad:
        rows = "\n".join(
            f"  input {i}: analytic {a!r}, numeric {n!r}{'  <-- differs' if i in bad else ''}"
            for i, (a, n) in enumerate(zip(analytic, numeric))
        )
        raise GradcheckError(f"{name} does not match central differences:\n{rows}")
    return True


def _agree(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    """Close, or the same inf, or both nan: a nan from the rule and a nan from central
    differences say the same thing (no derivative there), so they agree."""
    if math.isnan(analytic) or math.isnan(numeric):
        return math.isnan(analytic) and math.isnan(numeric)
    return analytic == numeric or math.isclose(analytic, numeric, rel_tol=rtol, abs_tol=atol)


def _floats(inputs: Sequence[float]) -> list[float]:
    if isinstance(inputs, (int, float)):
        inputs = [inputs]
    return [float(x) for x in inputs]


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check `backward()` of `fn(*values)` against central differences at `inputs`.

    Returns True, or raises `GradcheckError` listing the analytic and numeric gradient of
    every input. An entry agrees when the two are close (`math.isclose`: they differ by at
    most `atol`, or by at most `rtol` times the larger of the two), the same inf, or both
    nan: a nan from the rule next to a nan from central differences means both find no
    derivative there, which is agreement, not a failure (as `torch.allclose(...,
    equal_nan=True)`); a nan on one side only is a difference.
    """
    point = _floats(inputs)
    values = [Value(x) for x in point]
    # record even when called inside no_grad(), else every analytic gradient would be 0
    with enable_grad():
        out = fn(*values)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
    out.backward()
    analytic = [v.grad for v in values]
    numeric = _numeric_gradient(lambda p: fn(*[Value(x) for x in p]).data, point, eps)
    return _compare("gradient", analytic, numeric, atol, rtol)


def gradgradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check second derivatives: the Hessian from `grad(create_graph=True)` applied twice
    against central differences of the first derivatives (agreement as in `gradcheck`).
    """
    point = _floats(inputs)
    with enable_grad():
        return _gradgradcheck(fn, point, eps, atol, rtol)


def _gradgradcheck(
    fn: Callable[..., Value], point: list[float], eps: float, atol: float, rtol: float
) -> bool:
    for j in range(len(point)):

        def first_derivative(*values: Value, j: int = j) -> Value:
            return grad(fn(*values), list(values), create_graph=True)[j]

        analytic_row = _hessian_row(first_derivative, point)

        def first_derivative_at(p: list[float], j: int = j) -> float:
            return _first_derivative_float(fn, p, j)

        numeric_row = _numeric_gradient(first_derivative_at, point, eps)
        _compare(f"second derivative d/dx_i (d f/d x_{j})", analytic_row, numeric_row, atol, rtol)
    return True


def _hessian_row(first_derivative: Callable[..., Value], point: list[float]) -> list[float]:
    values = [Value(x) for x in point]
    return [float(g) for g in grad(first_derivative(*values), values)]


def _first_derivative_float(fn: Callable[..., Value], point: list[float], j: int) -> float:
    values = [Value(x) for x in point]
    return float(grad(fn(*values), values)[j])
