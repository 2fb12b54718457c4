"""Neural networks on chainrule's engine: modules, losses, optimizers and toy data sets.

import nn
model = nn.MLP(2, [16, 16, 1], seed=0)
X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
"""

from nn import datasets
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.module import MLP, Layer, Module, Neuron
from nn.optim import SGD, Adam, Optimizer

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "binary_cross_entropy",
    "cross_entropy",
    "datasets",
    "hinge_loss",
    "mse_loss",
]
