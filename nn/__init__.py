"""Neural networks on chainrule's engine: modules, losses, optimizers and toy data sets.

import random
import nn

random.seed(1337)                              # makes the data and weights repeatable
X, y = nn.datasets.make_moons(100, noise=0.1)
model = nn.MLP(2, [16, 16, 1])                 # micrograd's init: w ~ U(-1, 1), b = 0
optimizer = nn.SGD(model.parameters(), lr=0.1)

The training loop and what it records are in nn.train (`fit`, `Snapshots`, `StepEnd`,
`evaluate`), the replay page in nn.report, the `chainrule` command in nn.cli.
"""

import os as _os
import sys as _sys

try:
    # one version for the distribution: engine reads it from the installed metadata
    from engine import __version__
    from nn import datasets
    from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
    from nn.module import MLP, Layer, Module, Neuron
    from nn.optim import SGD, Adam, Optimizer
    from nn.report import Report, training_report
    from nn.train import Snapshots, fit
except KeyboardInterrupt:
    # Ctrl-C while the `chainrule` command (or `python -m nn`) is still importing: one
    # line, as once it runs, instead of a traceback through the import machinery
    if _sys.argv[0] == "-m" or _os.path.basename(_sys.argv[0]).startswith("chainrule"):
        print("chainrule: interrupted", file=_sys.stderr)
        raise SystemExit(130) from None
    raise

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "Report",
    "Snapshots",
    "__version__",
    "binary_cross_entropy",
    "cross_entropy",
    "datasets",
    "fit",
    "hinge_loss",
    "mse_loss",
    "training_report",
]
