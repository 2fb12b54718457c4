"""Neural networks on chainrule's engine: modules, losses, optimizers and toy data sets.

import random
import nn

random.seed(1337)                              # makes the data and weights repeatable
X, y = nn.datasets.make_moons(100, noise=0.1)
model = nn.MLP(2, [16, 16, 1])                 # micrograd's init: w ~ U(-1, 1), b = 0
optimizer = nn.SGD(model.parameters(), lr=0.1)
"""

# one version for the distribution: engine reads it from the installed metadata
from engine import __version__
from nn import datasets
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.module import MLP, Layer, Module, Neuron
from nn.optim import SGD, Adam, Optimizer
from nn.report import Report, training_report
from nn.train import Snapshots, fit

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
