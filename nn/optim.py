"""Optimizers, simplest first: `SGD` (with momentum) and `Adam`.

Each updates `p.data` in place from `p.grad` with the same formulas, in the same order, as
`torch.optim` with its defaults (no dampening, no Nesterov, no AMSGrad), so a run here
and a run in PyTorch in float64 agree to rounding. The updates are plain float arithmetic:
they are not part of any graph.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from engine import Value

__all__ = ["Optimizer", "SGD", "Adam"]


def _check_hyper(name: str, x: object, upper: float | None = None) -> float:
    """A finite real number >= 0 (and < upper when given), as torch.optim checks."""
    if isinstance(x, (bool, Value)) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite real number, got {x!r}")
    if x < 0.0 or (upper is not None and x >= upper):
        bounds = f"in [0, {upper})" if upper is not None else ">= 0"
        raise ValueError(f"{name} must be {bounds}, got {x!r}")
    return float(x)


class Optimizer:
    """Holds the parameters; `zero_grad()` clears their gradients, `step()` updates them."""

    def __init__(self, params: Iterable[Value]) -> None:
        if isinstance(params, Value):
            raise TypeError(
                "params must be a list of Values (e.g. model.parameters()), got one Value"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("a parameter appears more than once; it would be updated twice")

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and L2 weight decay.

    g = grad + weight_decay * p
    buf = g on the first step, then momentum * buf + g      (only when momentum > 0)
    p = p - lr * buf
    `lr` may be changed between steps (a schedule), as in micrograd's demo.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = _check_hyper("lr", lr)
        self.momentum = _check_hyper("momentum", momentum)
        self.weight_decay = _check_hyper("weight_decay", weight_decay)
        self._buffers: list[float] | None = None

    def step(self) -> None:
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        first = self._buffers is None
        if momentum != 0.0 and first:
            self._buffers = [0.0] * len(self.params)
        for i, p in enumerate(self.params):
            g = p.grad
            if weight_decay != 0.0:
                g = g + weight_decay * p.data
            if momentum != 0.0:
                # torch starts the buffer at the first gradient itself, not at zero
                g = g if first else momentum * self._buffers[i] + g
                self._buffers[i] = g
            p.data -= lr * g

    def __repr__(self) -> str:
        return (
            f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay}, "
            f"{len(self.params)} parameters)"
        )


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction; `weight_decay` is added to the gradient
    (L2, as `torch.optim.Adam`, not AdamW's decoupled decay).

    m = beta1 * m + (1 - beta1) * g,  v = beta2 * v + (1 - beta2) * g**2
    p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr = _check_hyper("lr", lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check_hyper("beta1", betas[0], 1.0), _check_hyper("beta2", betas[1], 1.0))
        self.eps = _check_hyper("eps", eps)
        self.weight_decay = _check_hyper("weight_decay", weight_decay)
        self.t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        beta1, beta2 = self.betas
        lr, eps, weight_decay = self.lr, self.eps, self.weight_decay
        self.t += 1
        # the first moments start at 0, so early averages are too small by (1 - beta**t)
        bias_correction1 = 1.0 - beta1**self.t
        bias_correction2_sqrt = math.sqrt(1.0 - beta2**self.t)
        step_size = lr / bias_correction1
        m, v = self._m, self._v
        for i, p in enumerate(self.params):
            g = p.grad
            if weight_decay != 0.0:
                g = g + weight_decay * p.data
            # torch computes the first moment as a lerp: m + (1 - beta1) * (g - m)
            m[i] += (1.0 - beta1) * (g - m[i])
            v[i] = v[i] * beta2 + (1.0 - beta2) * g * g
            denominator = math.sqrt(v[i]) / bias_correction2_sqrt + eps
            p.data -= step_size * m[i] / denominator

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, "
            f"weight_decay={self.weight_decay}, {len(self.params)} parameters)"
        )
