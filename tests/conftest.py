"""Shared test data for the engine tests: one table of every op with its hand-worked
derivative, the points to check it at and the PyTorch function it should agree with.

The test modules import the table (`from conftest import OPS`) so that adding an op here
checks it everywhere: first derivatives, gradcheck, gradgradcheck and higher orders.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

import engine
from engine import Value

LEAKY_SLOPE = 0.01


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class Op:
    """One op under test.

    `fn` takes Values and builds the op; `torch_fn` takes float64 tensors (defaults to
    `fn`, which works for operators and for methods the two libraries share);
    `derivative` gives the hand-worked partial derivatives at float inputs.
    """

    name: str
    fn: Callable[..., Any]
    derivative: Callable[..., Sequence[float]]
    points: Sequence[Sequence[float]]
    torch_fn: Callable[..., Any] | None = None

    @property
    def arity(self) -> int:
        return len(self.points[0])

    def on_torch(self, *tensors: Any) -> Any:
        return (self.torch_fn or self.fn)(*tensors)

    def __str__(self) -> str:
        return self.name


def _torch_leaky_relu(x: Any) -> Any:
    import torch.nn.functional as F

    return F.leaky_relu(x, LEAKY_SLOPE)


def _torch_softplus(x: Any) -> Any:
    import torch.nn.functional as F

    return F.softplus(x)


# Points avoid the kinks of relu, abs and leaky_relu, where one-sided derivatives differ.
OPS: list[Op] = [
    # ---- one Value ----
    Op("neg", lambda x: -x, lambda x: (-1.0,), [(0.7,), (-2.5,)]),
    Op("relu", lambda x: x.relu(), lambda x: (1.0 if x > 0 else 0.0,), [(1.3,), (-0.4,)]),
    Op("tanh", lambda x: x.tanh(), lambda x: (1.0 - math.tanh(x) ** 2,), [(0.5,), (-1.7,)]),
    Op(
        "sigmoid",
        lambda x: x.sigmoid(),
        lambda x: (_sigmoid(x) * (1.0 - _sigmoid(x)),),
        [(0.3,), (-2.2,)],
    ),
    Op("exp", lambda x: x.exp(), lambda x: (math.exp(x),), [(0.8,), (-1.1,)]),
    Op("sin", lambda x: x.sin(), lambda x: (math.cos(x),), [(0.8,), (-2.1,)]),
    Op("cos", lambda x: x.cos(), lambda x: (-math.sin(x),), [(0.8,), (-2.1,)]),
    Op("log", lambda x: x.log(), lambda x: (1.0 / x,), [(0.4,), (3.0,)]),
    Op("sqrt", lambda x: x.sqrt(), lambda x: (0.5 / math.sqrt(x),), [(0.25,), (2.0,)]),
    Op("abs", lambda x: abs(x), lambda x: (math.copysign(1.0, x),), [(1.5,), (-0.6,)]),
    Op(
        "leaky_relu",
        lambda x: x.leaky_relu(LEAKY_SLOPE),
        lambda x: (1.0 if x > 0 else LEAKY_SLOPE,),
        [(0.9,), (-1.4,)],
        torch_fn=_torch_leaky_relu,
    ),
    Op(
        "softplus",
        lambda x: x.softplus(),
        lambda x: (_sigmoid(x),),
        [(0.6,), (-3.0,)],
        torch_fn=_torch_softplus,
    ),
    # ---- a Value and a number, on either side ----
    Op("x + 3", lambda x: x + 3, lambda x: (1.0,), [(0.5,)]),
    Op("3 + x", lambda x: 3 + x, lambda x: (1.0,), [(0.5,)]),
    Op("x - 3", lambda x: x - 3, lambda x: (1.0,), [(0.5,)]),
    Op("3 - x", lambda x: 3 - x, lambda x: (-1.0,), [(0.5,)]),
    Op("x * 3", lambda x: x * 3, lambda x: (3.0,), [(0.5,)]),
    Op("3 * x", lambda x: 3 * x, lambda x: (3.0,), [(0.5,)]),
    Op("x / 3", lambda x: x / 3, lambda x: (1.0 / 3.0,), [(0.5,)]),
    Op("3 / x", lambda x: 3 / x, lambda x: (-3.0 / x**2,), [(0.5,), (-2.0,)]),
    Op("x ** 3", lambda x: x**3, lambda x: (3.0 * x**2,), [(0.5,), (-1.5,)]),
    Op("x ** -2", lambda x: x**-2, lambda x: (-2.0 * x**-3,), [(0.5,), (-1.5,)]),
    Op("x ** 0.5", lambda x: x**0.5, lambda x: (0.5 * x**-0.5,), [(0.5,), (4.0,)]),
    Op("2 ** x", lambda x: 2**x, lambda x: (2.0**x * math.log(2.0),), [(0.5,), (-1.5,)]),
    Op("x.pow(3)", lambda x: x.pow(3), lambda x: (3.0 * x**2,), [(0.5,), (-1.5,)]),
    # ---- two Values ----
    Op("a + b", lambda a, b: a + b, lambda a, b: (1.0, 1.0), [(0.5, -1.5)]),
    Op("a - b", lambda a, b: a - b, lambda a, b: (1.0, -1.0), [(0.5, -1.5)]),
    Op("a * b", lambda a, b: a * b, lambda a, b: (b, a), [(0.5, -1.5), (2.0, 3.0)]),
    Op("a / b", lambda a, b: a / b, lambda a, b: (1.0 / b, -a / b**2), [(0.5, -1.5), (2.0, 3.0)]),
    Op(
        "a ** b",
        lambda a, b: a**b,
        lambda a, b: (b * a ** (b - 1.0), a**b * math.log(a)),
        [(1.5, 2.5), (0.7, -1.3)],
    ),
    # ---- n-ary ----
    Op(
        "dot",
        lambda w1, w2, x1, x2, b: engine.dot([w1, w2], [x1, x2], b),
        lambda w1, w2, x1, x2, b: (x1, x2, w1, w2, 1.0),
        [(0.5, -1.5, 2.0, 0.3, 0.7)],
        torch_fn=lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
    ),
    Op(
        "sum",
        lambda a, b, c: engine.sum([a, b, c]),
        lambda a, b, c: (1.0, 1.0, 1.0),
        [(0.5, -1.5, 2.0)],
        torch_fn=lambda a, b, c: a + b + c,
    ),
]

# (op, point) pairs for parametrize, with readable ids such as "tanh@(0.5,)"
OP_POINTS = [pytest.param(op, point, id=f"{op.name}@{point}") for op in OPS for point in op.points]


@pytest.fixture
def torch() -> Any:
    """PyTorch in double precision, or skip the test where it is not installed."""
    module = pytest.importorskip("torch")
    return module


# Debian's Chromium without its background connections: this machine's network is closed
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Any:
    """Debian's Chromium driven by Playwright (never a downloaded browser), one per test
    module; skips only where chromium or playwright is missing (CI installs both)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def micrograd_readme_expression(a: Any, b: Any) -> Any:
    """The expression of micrograd's README (and of its "more ops" test), as a learner
    types it: for chainrule's Values, micrograd's, or PyTorch tensors alike."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def torch_leaves(torch: Any, point: Sequence[float]) -> list[Any]:
    """One float64 scalar tensor per coordinate, each requiring grad."""
    return [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in point]


def values(point: Sequence[float]) -> list[Value]:
    return [Value(x) for x in point]
