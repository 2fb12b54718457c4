"""Optimizers, simplest first: `SGD` (with momentum) and `Adam`.

Each updates `p.data` in place from `p.grad` with the same formulas, in the same order, as
`torch.optim` with its defaults (no dampening, no Nesterov, no AMSGrad), so a run here
and a run in PyTorch in float64 agree to rounding. The updates are plain float arithmetic:
they are not part of any graph.

As in PyTorch, `params` is either a list of Values or a list of parameter groups: dicts
with `"params"` and any hyperparameters that differ for that group,

    nn.SGD([{"params": model.layers[0].parameters(), "lr": 0.1},
            {"params": model.layers[1].parameters()}], lr=0.01, momentum=0.9)

and `optimizer.param_groups` holds one dict per group with every hyperparameter filled in.
A schedule sets the learning rate between steps: `optimizer.lr = ...` when there is one
group (micrograd's demo does this every step), or `group["lr"] = ...` for each group of
`optimizer.param_groups`, as in PyTorch.
"""

from __future__ import annotations

import math as _math
import numbers as _numbers
from collections.abc import Iterable, Mapping
from typing import Any

from engine import Value
from engine.messages import quote as _quote

__all__ = ["Optimizer", "SGD", "Adam", "ParamGroup"]

ParamGroup = dict[str, Any]
"""One parameter group: `"params"` (a list of Values) and the group's hyperparameters."""


def _check_hyper(name: str, x: object, upper: float | None = None) -> float:
    """A finite real number >= 0 (and < upper when given), as torch.optim checks."""
    if isinstance(x, (bool, Value)) or not isinstance(x, _numbers.Real):
        raise ValueError(f"{name} must be a finite real number, got {_quote(x)}")
    try:
        value = float(x)
    except OverflowError:
        value = _math.inf
    if not _math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {_quote(x)}")
    if value < 0.0 or (upper is not None and value >= upper):
        bounds = f"in [0, {upper})" if upper is not None else ">= 0"
        raise ValueError(f"{name} must be {bounds}, got {_quote(x)}")
    return value


def _check_betas(betas: object) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {_quote(betas)}")
    return (_check_hyper("beta1", betas[0], 1.0), _check_hyper("beta2", betas[1], 1.0))


def _group_params(params: object, where: str) -> list[Value]:
    """A group's parameters as a list of Values (a single Value is allowed, as in torch)."""
    if isinstance(params, Value):
        return [params]
    if isinstance(params, (set, frozenset)):
        # a set's order changes between runs, and the state is kept in parameter order
        raise TypeError(f"{where} must be a list of Values in a fixed order, not a set")
    if isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Iterable):
        raise TypeError(f"{where} must be a list of Values, got {type(params).__name__}")
    values = list(params)
    for i, p in enumerate(values):
        if not isinstance(p, Value):
            raise TypeError(f"{where}[{i}] must be a Value, got {type(p).__name__}")
    return values


class Optimizer:
    """The base of every optimizer: parameter groups, `zero_grad()` and `step()`.

    `params` is a list of Values (e.g. `model.parameters()`) or a list of parameter groups
    (dicts with `"params"` and hyperparameter overrides); `defaults` gives every group the
    hyperparameters it does not set itself. A subclass checks each hyperparameter in
    `_check_group` and updates the parameters in `step`.
    """

    defaults: dict[str, Any]
    param_groups: list[ParamGroup]

    def __init__(
        self, params: Iterable[Value | Mapping[str, Any]], defaults: Mapping[str, Any]
    ) -> None:
        if isinstance(params, Value):
            raise TypeError(
                "params must be a list of Values (e.g. model.parameters()), got one Value"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError("params must be a list of Values in a fixed order, not a set")
        if isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Iterable):
            raise TypeError(
                f"params must be a list of Values or of parameter groups, got "
                f"{type(params).__name__}"
            )
        self.defaults = dict(defaults)
        self.param_groups = []
        entries = list(params)
        if not entries:
            raise ValueError("optimizer got an empty parameter list")
        if all(isinstance(entry, Mapping) for entry in entries):
            for group in entries:
                self.add_param_group(group)  # type: ignore[arg-type]
        elif any(isinstance(entry, Mapping) for entry in entries):
            raise TypeError("params must be all Values or all parameter groups (dicts), not both")
        else:
            self.add_param_group({"params": _group_params(entries, "params")})

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group (a dict with `"params"` and overrides), as `torch.optim` does.

        Hyperparameters the group leaves out take the optimizer's defaults. A parameter
        may belong to one group only.
        """
        if not isinstance(param_group, Mapping):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a parameter group needs a 'params' entry (a list of Values)")
        where = f"param_groups[{len(self.param_groups)}]['params']"
        group: ParamGroup = {"params": _group_params(param_group["params"], where)}
        for name, default in self.defaults.items():
            group[name] = param_group.get(name, default)
        # other keys (a group's "name", say) are kept, as torch keeps them
        for name, value in param_group.items():
            group.setdefault(name, value)
        self._check_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in group["params"]]
        if len(set(ids)) != len(ids):
            raise ValueError("a parameter appears more than once; it would be updated twice")
        if seen.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_group(self, group: ParamGroup) -> None:
        """Check (and normalise) the group's hyperparameters; raise ValueError if bad."""

    @property
    def params(self) -> list[Value]:
        """Every parameter this optimizer updates, group after group."""
        return [p for group in self.param_groups for p in group["params"]]

    def _single_group(self, name: str) -> ParamGroup:
        """The one group, for the shorthand attributes (`optimizer.lr`)."""
        if len(self.param_groups) != 1:
            raise AttributeError(
                f"this optimizer has {len(self.param_groups)} parameter groups, each with its "
                f"own {name}: use optimizer.param_groups[i][{name!r}]"
            )
        return self.param_groups[0]

    @property
    def lr(self) -> float:
        """The learning rate, when there is one parameter group; settable between steps.

        With several groups, use `param_groups[i]["lr"]` (reading or setting `lr` raises
        `AttributeError` then, rather than guess which group is meant).
        """
        return float(self._single_group("lr")["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        self._single_group("lr")["lr"] = _check_hyper("lr", value)

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0.0, ready for the next `backward()`.

        `backward()` adds to `.grad`, so without this each step would use the sum of all
        gradients so far. (PyTorch sets its gradients to None; a Value's grad is a float.)
        """
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its current `.grad`."""
        raise NotImplementedError(f"{type(self).__name__} does not define step()")

    def _describe(self) -> str:
        groups = len(self.param_groups)
        count = f"{len(self.params)} parameters"
        if groups == 1:
            settings = ", ".join(f"{k}={self.param_groups[0][k]!r}" for k in self.defaults)
            return f"{type(self).__name__}({settings}, {count})"
        return f"{type(self).__name__}({groups} parameter groups, {count})"

    def __repr__(self) -> str:
        return self._describe()


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and L2 weight decay.

    For each parameter p with gradient grad, in each group:

        g = grad + weight_decay * p
        buf = g on the first step, then momentum * buf + g      (only when momentum > 0)
        p = p - lr * buf

    `lr` defaults to 1e-3, as `torch.optim.SGD`. Change it between steps for a schedule
    (`optimizer.lr = ...` with one group, `param_groups[i]["lr"] = ...` with several).
    """

    def __init__(
        self,
        params: Iterable[Value | Mapping[str, Any]],
        lr: float = 1e-3,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {
            "lr": _check_hyper("lr", lr),
            "momentum": _check_hyper("momentum", momentum),
            "weight_decay": _check_hyper("weight_decay", weight_decay),
        }
        # one momentum buffer per parameter, by id: None until its first step
        self._momentum_buffers: dict[int, float] = {}
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        for name in ("lr", "momentum", "weight_decay"):
            group[name] = _check_hyper(name, group[name])

    @property
    def momentum(self) -> float:
        """The momentum, when there is one parameter group."""
        return float(self._single_group("momentum")["momentum"])

    @property
    def weight_decay(self) -> float:
        """The L2 weight decay, when there is one parameter group."""
        return float(self._single_group("weight_decay")["weight_decay"])

    def step(self) -> None:
        """Move every parameter against its gradient: `p -= lr * g` (see the class doc).

        The hyperparameters are read from each group at every step, so a schedule's new
        `lr` applies from the next step on.
        """
        buffers = self._momentum_buffers
        for group in self.param_groups:
            lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                g = p.grad
                if weight_decay != 0.0:
                    g = g + weight_decay * p.data
                if momentum != 0.0:
                    previous = buffers.get(id(p))
                    # torch starts the buffer at the first gradient itself, not at zero
                    g = g if previous is None else momentum * previous + g
                    buffers[id(p)] = g
                p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction; `weight_decay` is added to the gradient
    (L2, as `torch.optim.Adam`, not AdamW's decoupled decay).

    For each parameter, at its t-th step:

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g,  v = beta2 * v + (1 - beta2) * g**2
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Defaults are `torch.optim.Adam`'s: lr=1e-3, betas=(0.9, 0.999), eps=1e-8.
    """

    def __init__(
        self,
        params: Iterable[Value | Mapping[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {
            "lr": _check_hyper("lr", lr),
            "betas": _check_betas(betas),
            "eps": _check_hyper("eps", eps),
            "weight_decay": _check_hyper("weight_decay", weight_decay),
        }
        # per parameter, by id: [step count t, first moment m, second moment v]
        self._moments: dict[int, list[float]] = {}
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        group["lr"] = _check_hyper("lr", group["lr"])
        group["betas"] = _check_betas(group["betas"])
        group["eps"] = _check_hyper("eps", group["eps"])
        group["weight_decay"] = _check_hyper("weight_decay", group["weight_decay"])

    @property
    def betas(self) -> tuple[float, float]:
        """(beta1, beta2), when there is one parameter group."""
        beta1, beta2 = self._single_group("betas")["betas"]
        return (beta1, beta2)

    @property
    def eps(self) -> float:
        """The denominator's epsilon, when there is one parameter group."""
        return float(self._single_group("eps")["eps"])

    @property
    def weight_decay(self) -> float:
        """The L2 weight decay, when there is one parameter group."""
        return float(self._single_group("weight_decay")["weight_decay"])

    def step(self) -> None:
        """Move every parameter by its bias-corrected moment ratio (see the class doc).

        The hyperparameters are read from each group at every step, so a schedule's new
        `lr` applies from the next step on.
        """
        moments = self._moments
        for group in self.param_groups:
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                state = moments.get(id(p))
                if state is None:
                    state = moments[id(p)] = [0.0, 0.0, 0.0]
                state[0] += 1.0
                t, m, v = state
                g = p.grad
                if weight_decay != 0.0:
                    g = g + weight_decay * p.data
                # torch computes the first moment as a lerp: m + (1 - beta1) * (g - m)
                m += (1.0 - beta1) * (g - m)
                v = v * beta2 + (1.0 - beta2) * g * g
                state[1], state[2] = m, v
                # the moments start at 0, so early averages are too small by (1 - beta**t)
                bias_correction1 = 1.0 - beta1**t
                bias_correction2_sqrt = _math.sqrt(1.0 - beta2**t)
                step_size = lr / bias_correction1
                denominator = _math.sqrt(v) / bias_correction2_sqrt + eps
                step = step_size * m
                # with eps = 0 and v = 0 the denominator is 0: IEEE's 0/0 = nan, as in torch
                p.data -= step / denominator if denominator else _divide_by_zero(step)


def _divide_by_zero(numerator: float) -> float:
    """numerator / 0.0 as IEEE defines it (Python raises ZeroDivisionError instead)."""
    if numerator == 0.0 or numerator != numerator:
        return _math.nan
    return _math.copysign(_math.inf, numerator)


def __dir__() -> list[str]:
    return sorted(__all__)
