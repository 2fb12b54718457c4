"""chainrule's autodiff core: scalar `Value` nodes and reverse-mode differentiation.

Needs only the standard library; `draw_dot` imports graphviz when it is called.
"""

from engine.autograd import backward_steps, grad, topological_order
from engine.check import GradcheckError, gradcheck, gradgradcheck
from engine.draw import draw_dot, save_backward_frames, to_svg
from engine.mode import AnomalyError, detect_anomaly, enable_grad, is_grad_enabled, no_grad

# engine.sum is kept out of __all__: a star import would shadow the builtin sum
from engine.value import Value, dot
from engine.value import sum as sum

__all__ = [
    "AnomalyError",
    "GradcheckError",
    "Value",
    "backward_steps",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "save_backward_frames",
    "to_svg",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]
