"""chainrule's autodiff core: scalar `Value` nodes and reverse-mode differentiation.

Needs only the standard library; `draw_dot` imports graphviz when it is called.
"""

from importlib import metadata as _metadata

from engine.autograd import backward, backward_steps, grad, topological_order
from engine.check import GradcheckError, gradcheck, gradgradcheck
from engine.draw import draw_dot, save_backward_frames, to_svg
from engine.functional import hessian, jacobian
from engine.mode import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from engine.player import Player, player
from engine.value import HookHandle, Value, dot, sum

try:
    __version__: str = _metadata.version("chainrule")
except _metadata.PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

# `sum` is listed like every public name (as torch.sum is): `from engine import *` then
# shadows the builtin, as `from torch import *` does
__all__ = [
    "AnomalyError",
    "GradcheckError",
    "HookHandle",
    "Player",
    "Value",
    "__version__",
    "backward",
    "backward_steps",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "is_grad_enabled",
    "jacobian",
    "no_grad",
    "player",
    "save_backward_frames",
    "sum",
    "to_svg",
    "topological_order",
]
