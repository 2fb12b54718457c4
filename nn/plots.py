"""The pictures `chainrule train` writes: the loss curve and the decision boundary, as PNG.

Each picture is drawn on its own `matplotlib.figure.Figure`, never through pyplot, so no
global state changes: a notebook that imports this keeps its own backend and its inline
plots. A figure is rendered into memory and written with `engine.files.write_atomic`, so
a failed write leaves the previous file as it was. matplotlib and NumPy are imported only
when a picture is made.

Classes have the colours of the replay page (nn/report.py uses `CLASS_COLORS` too):
Okabe and Ito's palette, whose first colours stay apart for protan and deutan eyes.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from engine.files import write_atomic
from nn.module import MLP

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CLASS_COLORS",
    "class_color",
    "grid_classes",
    "loss_curve_figure",
    "decision_boundary_figure",
    "save_figure",
    "plot_loss_curve",
    "plot_decision_boundary",
]


# Okabe and Ito's colour-blind safe palette; class c is CLASS_COLORS[c % len(CLASS_COLORS)]
CLASS_COLORS = ("#e69f00", "#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000")


def class_color(c: int) -> str:
    """The colour of class `c`, in the pictures and on the replay page."""
    return CLASS_COLORS[c % len(CLASS_COLORS)]


def loss_curve_figure(history: dict[str, list[float]]) -> Figure:
    """Training loss (log scale when every value is positive) and accuracy per epoch."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5))
    ax_loss, ax_acc = fig.subplots(1, 2)
    epochs = range(1, len(history["loss"]) + 1)
    ax_loss.plot(epochs, history["loss"])
    if history["loss"] and all(v > 0.0 for v in history["loss"]):
        ax_loss.set_yscale("log")
    ax_loss.set(xlabel="epoch", ylabel="training loss", title="loss")
    ax_acc.plot(epochs, history["accuracy"], color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="training accuracy", title="accuracy", ylim=(0, 1.02))
    fig.tight_layout()
    return fig


def grid_classes(model: MLP, xs: Sequence[float], ys: Sequence[float]) -> Any:
    """The predicted class at every (x, y) of a grid, as a NumPy array (rows follow ys).

    A forward pass per grid point through Values would take seconds, so the same MLP is
    evaluated here with NumPy matrices read from its parameters (matplotlib needs NumPy
    anyway); `tests/test_nn_train.py` checks it agrees with `model(point)`.
    """
    import numpy as np

    gx, gy = np.meshgrid(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    h = np.stack([gx.ravel(), gy.ravel()], axis=1)
    activations: dict[str, Callable[[Any], Any]] = {
        "relu": lambda a: np.maximum(a, 0.0),
        "tanh": np.tanh,
        "sigmoid": lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)),  # = 1 / (1 + e^-a), no overflow
        "linear": lambda a: a,
    }
    for layer in model.layers:
        w = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        h = activations[layer.activation](h @ w.T + b)
    # one output is a score (class 1 when > 0), several are per-class scores
    classes = (h[:, 0] > 0.0).astype(int) if h.shape[1] == 1 else h.argmax(axis=1)
    return classes.reshape(gx.shape)


def decision_boundary_figure(
    model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], title: str
) -> Figure:
    """The plane coloured by predicted class, with the training points on top."""
    import numpy as np
    from matplotlib.figure import Figure

    points = np.asarray(X, dtype=float)
    (x_min, y_min), (x_max, y_max) = points.min(axis=0), points.max(axis=0)
    pad_x, pad_y = 0.1 * (x_max - x_min) + 0.1, 0.1 * (y_max - y_min) + 0.1
    xs = np.linspace(x_min - pad_x, x_max + pad_x, 250)
    ys = np.linspace(y_min - pad_y, y_max + pad_y, 250)
    classes = grid_classes(model, xs.tolist(), ys.tolist())
    n_classes = max(int(classes.max()), max(y)) + 1
    from matplotlib.colors import ListedColormap

    fig = Figure(figsize=(5.5, 5))
    ax = fig.subplots()
    levels = np.arange(n_classes + 1) - 0.5
    cmap = ListedColormap([class_color(c) for c in range(n_classes)])
    ax.contourf(xs, ys, classes, levels=levels, cmap=cmap, alpha=0.35)
    ax.scatter(
        points[:, 0],
        points[:, 1],
        c=[class_color(int(c)) for c in y],
        s=18,
        edgecolors="k",
        linewidths=0.4,
    )
    ax.set(title=title, xlabel="x1", ylabel="x2")
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 100) -> None:
    """Render `fig` as PNG in memory, then write it atomically to `path`."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    write_atomic(path, buffer.getvalue())


def plot_loss_curve(history: dict[str, list[float]], path: str | os.PathLike[str]) -> None:
    """Write the loss and accuracy curves of `history` to the PNG file `path`."""
    save_figure(loss_curve_figure(history), path)


def plot_decision_boundary(
    model: MLP,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str | os.PathLike[str],
    title: str,
) -> None:
    """Write the decision boundary of `model` with the points `X`, `y` to the PNG `path`."""
    save_figure(decision_boundary_figure(model, X, y, title), path)
