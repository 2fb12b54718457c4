"""The training loop (`fit`) and the `chainrule train` command.

`fit` is the loop every PyTorch user knows, spelled out for a classifier:
forward a mini-batch, take the loss, `zero_grad()`, `backward()`, `step()`.

A classifier's outputs mean different things under different losses, so each loss name
fixes how many outputs the model has and how an output becomes a class:
- "hinge" and "bce": one score per example, class 1 when it is > 0 (two classes only);
- "ce" and "mse": one output per class, the class is the largest ("mse" regresses
  one-hot targets).

The command trains an MLP on a toy data set, tests it on fresh points from the same
distribution, and writes model.json, loss_curve.png and decision_boundary.png.
matplotlib and tqdm are imported only here, only when used.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import engine
from engine import Value
from nn import datasets
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.module import ACTIVATIONS, MLP, Module
from nn.optim import SGD, Adam, Optimizer

__all__ = ["LOSSES", "fit", "predict", "accuracy", "outputs_for", "add_train_parser", "run_train"]

LOSSES = ("hinge", "bce", "ce", "mse")

# blobs for the command sit at fixed centers (120 degrees apart, radius 4): with random
# centers, fresh test points (another seed) would come from another distribution
BLOB_CENTERS = [(0.0, 4.0), (-3.4641, -2.0), (3.4641, -2.0)]

# per data set: the generator, and the sizes the command uses unless told otherwise
DATASETS: dict[str, dict[str, Any]] = {
    "moons": {"make": datasets.make_moons, "n_samples": 100, "noise": 0.1, "epochs": 200},
    "circles": {"make": datasets.make_circles, "n_samples": 100, "noise": 0.05, "epochs": 200},
    # 300 points per epoch: fewer epochs keep the run near a minute (99% train at 40)
    "spirals": {"make": datasets.make_spirals, "n_samples": 300, "noise": 0.2, "epochs": 100},
    "blobs": {
        "make": functools.partial(datasets.make_blobs, centers=BLOB_CENTERS),
        "n_samples": 150,
        "noise": 1.0,
        "epochs": 100,
    },
}


def outputs_for(loss: str, n_classes: int) -> int:
    """How many outputs the model's last layer needs for `loss` and `n_classes` classes."""
    _check_loss(loss, n_classes)
    return 1 if loss in ("hinge", "bce") else n_classes


def _check_loss(loss: str, n_classes: int) -> None:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    if loss in ("hinge", "bce") and n_classes != 2:
        raise ValueError(f"loss {loss!r} is for two classes; this data has {n_classes} (use ce)")


def batch_loss(loss: str, outputs: Sequence[Any], labels: Sequence[int], n_classes: int) -> Value:
    """The mean loss of a batch of model outputs against integer class labels."""
    if loss == "hinge":
        return hinge_loss(outputs, [2 * label - 1 for label in labels])
    if loss == "bce":
        return binary_cross_entropy(outputs, labels)
    if loss == "ce":
        return cross_entropy(outputs, labels)
    one_hot = [[1.0 if c == label else 0.0 for c in range(n_classes)] for label in labels]
    return mse_loss(outputs, one_hot)


def predict_class(loss: str, output: Any) -> int:
    """The class a model output stands for under `loss`."""
    if loss in ("hinge", "bce"):
        return int(output.data > 0.0)
    scores = [o.data for o in output]
    return max(range(len(scores)), key=scores.__getitem__)


def predict(model: Module, X: Sequence[Sequence[float]], loss: str) -> list[int]:
    """The predicted class of every point, without recording a graph."""
    with engine.no_grad():
        return [predict_class(loss, model(x)) for x in X]


def accuracy(model: Module, X: Sequence[Sequence[float]], y: Sequence[int], loss: str) -> float:
    """The fraction of points classified correctly."""
    if not X:
        return math.nan
    predictions = predict(model, X, loss)
    return sum(p == t for p, t in zip(predictions, y)) / len(y)


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    loss: str = "ce",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    seed: int | None = None,
    progress: bool = False,
    n_classes: int | None = None,
) -> dict[str, list[float]]:
    """Train `model` to classify `X` as `y`; returns the per-epoch history.

    `optimizer` defaults to Adam(lr=0.01); `batch_size=None` is the whole set per step.
    Each epoch visits the points in a fresh order drawn from `seed`. The history holds the
    mean training loss and the training accuracy of each epoch (measured on the fly, while
    the parameters change).
    """
    if len(X) != len(y) or not X:
        raise ValueError(f"fit needs as many labels as points, got {len(X)} and {len(y)}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    n_classes = n_classes or max(y) + 1
    _check_loss(loss, n_classes)
    optimizer = optimizer or Adam(model.parameters(), lr=0.01)
    batch_size = len(X) if batch_size is None else min(batch_size, len(X))
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    rng = random.Random(seed)
    order = list(range(len(X)))
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}

    epoch_range: Any = range(epochs)
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:  # the bar is a nicety; train without it
            tqdm = None
        if tqdm is not None:
            bar = epoch_range = tqdm(epoch_range, desc="train", unit="epoch", leave=True)

    for _ in epoch_range:
        rng.shuffle(order)
        total_loss = 0.0
        correct = 0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            labels = [y[i] for i in batch]
            outputs = [model(X[i]) for i in batch]
            loss_value = batch_loss(loss, outputs, labels, n_classes)
            optimizer.zero_grad()
            loss_value.backward()
            optimizer.step()
            total_loss += loss_value.data * len(batch)
            correct += sum(predict_class(loss, o) == t for o, t in zip(outputs, labels))
        history["loss"].append(total_loss / len(X))
        history["accuracy"].append(correct / len(X))
        if bar is not None:
            bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", acc=f"{correct / len(X):.1%}")
    if bar is not None:
        bar.close()
    return history


# ---- pictures ------------------------------------------------------------------------


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, works without a display
    import matplotlib.pyplot as plt

    return plt


def plot_loss_curve(history: dict[str, list[float]], path: str) -> None:
    """Training loss (log scale) and accuracy per epoch, side by side."""
    plt = _pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    epochs = range(1, len(history["loss"]) + 1)
    ax_loss.plot(epochs, history["loss"])
    if all(v > 0.0 for v in history["loss"]):
        ax_loss.set_yscale("log")
    ax_loss.set(xlabel="epoch", ylabel="training loss", title="loss")
    ax_acc.plot(epochs, history["accuracy"], color="tab:green")
    ax_acc.set(xlabel="epoch", ylabel="training accuracy", title="accuracy", ylim=(0, 1.02))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def grid_classes(model: MLP, xs: Sequence[float], ys: Sequence[float]) -> Any:
    """The predicted class at every (x, y) of a grid, as a NumPy array (rows follow ys).

    A forward pass per grid point through Values would take seconds, so the same MLP is
    evaluated here with NumPy matrices read from its parameters (matplotlib needs NumPy
    anyway); `tests/test_nn_train.py` checks it agrees with `model(point)`.
    """
    import numpy as np

    gx, gy = np.meshgrid(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    h = np.stack([gx.ravel(), gy.ravel()], axis=1)
    activations = {
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


def plot_decision_boundary(
    model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], path: str, title: str
) -> None:
    """The plane coloured by predicted class, with the training points on top."""
    import numpy as np

    plt = _pyplot()
    points = np.asarray(X, dtype=float)
    (x_min, y_min), (x_max, y_max) = points.min(axis=0), points.max(axis=0)
    pad_x, pad_y = 0.1 * (x_max - x_min) + 0.1, 0.1 * (y_max - y_min) + 0.1
    xs = np.linspace(x_min - pad_x, x_max + pad_x, 250)
    ys = np.linspace(y_min - pad_y, y_max + pad_y, 250)
    classes = grid_classes(model, xs, ys)
    n_classes = max(int(classes.max()), max(y)) + 1
    fig, ax = plt.subplots(figsize=(5.5, 5))
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(xs, ys, classes, levels=levels, cmap="Spectral", alpha=0.35)
    ax.scatter(
        points[:, 0],
        points[:, 1],
        c=y,
        cmap="Spectral",
        vmin=0,
        vmax=n_classes - 1,
        s=18,
        edgecolors="k",
        linewidths=0.4,
    )
    ax.set(title=title, xlabel="x1", ylabel="x2")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ---- the command ---------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _finite_float(text: str, least: float, inclusive: bool) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(x) and (x >= least if inclusive else x > least)):
        bound = f"{'>=' if inclusive else '>'} {least:g}"
        raise argparse.ArgumentTypeError(f"expected a finite number {bound}, got {text!r}")
    return x


def _nonnegative_float(text: str) -> float:
    return _finite_float(text, 0.0, inclusive=True)


def _positive_float(text: str) -> float:
    return _finite_float(text, 0.0, inclusive=False)


def _layer_sizes(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        sizes = []
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive layer sizes such as 16,16, got {text!r}"
        )
    return sizes


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `train` subcommand to a `chainrule` parser's subparsers."""
    parser = subparsers.add_parser(
        "train",
        help="train an MLP on a toy 2-D data set",
        description="Train an MLP on a toy 2-D data set, test it on fresh points, and write "
        "model.json, loss_curve.png and decision_boundary.png into --out.",
    )
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="moons")
    parser.add_argument(
        "--n-samples",
        type=_positive_int,
        default=None,
        help="training points (default: 100; 300 for spirals, 150 for blobs)",
    )
    parser.add_argument(
        "--n-test",
        type=_positive_int,
        default=500,
        help="fresh test points from the same distribution (default: 500)",
    )
    parser.add_argument(
        "--noise",
        type=_nonnegative_float,
        default=None,
        help="data noise (default: moons 0.1, circles 0.05, spirals 0.2, blobs 1.0)",
    )
    parser.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=[16, 16],
        help="hidden layer sizes, comma-separated (default: 16,16)",
    )
    parser.add_argument(
        "--activation", choices=[a for a in ACTIVATIONS if a != "linear"], default="relu"
    )
    parser.add_argument(
        "--loss",
        choices=LOSSES,
        default=None,
        help="default: bce for two classes, ce (cross-entropy) for more",
    )
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="adam")
    parser.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="learning rate (default: 0.01 for adam, 0.1 for sgd)",
    )
    parser.add_argument(
        "--momentum", type=_nonnegative_float, default=0.9, help="SGD momentum (default: 0.9)"
    )
    parser.add_argument("--weight-decay", type=_nonnegative_float, default=0.0)
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="passes over the training set (default: 200; 100 for spirals and blobs)",
    )
    parser.add_argument("--batch-size", type=_positive_int, default=32)
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for the data, the initial weights and the batch order",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="output directory (default: runs/<dataset>/ under the current one)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _make_data(name: str, n_samples: int, noise: float, seed: int) -> datasets.Dataset:
    make: Callable[..., datasets.Dataset] = DATASETS[name]["make"]
    return make(n_samples, noise=noise, seed=seed)


def run_train(args: argparse.Namespace) -> int:
    """Run `chainrule train` with parsed options; returns the exit status."""
    spec = DATASETS[args.dataset]
    n_samples = args.n_samples or spec["n_samples"]
    noise = spec["noise"] if args.noise is None else args.noise
    epochs = args.epochs or spec["epochs"]
    X, y = _make_data(args.dataset, n_samples, noise, args.seed)
    # fresh points from the same distribution: a different seed, the same generator
    X_test, y_test = _make_data(args.dataset, args.n_test, noise, args.seed + 1_000_003)
    n_classes = max(max(y), max(y_test)) + 1
    loss = args.loss or ("bce" if n_classes == 2 else "ce")
    try:
        n_outputs = outputs_for(loss, n_classes)
    except ValueError as error:
        return _usage_error(str(error))

    model = MLP(2, [*args.hidden, n_outputs], activation=args.activation, seed=args.seed)
    if args.optimizer == "adam":
        optimizer: Optimizer = Adam(
            model.parameters(), lr=args.lr or 0.01, weight_decay=args.weight_decay
        )
    else:
        optimizer = SGD(
            model.parameters(),
            lr=args.lr or 0.1,
            momentum=args.momentum,
            weight_decay=args.weight_decay,
        )
    out_dir = args.out or os.path.join("runs", args.dataset)
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as error:
        return _usage_error(f"--out: cannot create {out_dir!r}: {error.strerror or error}")

    print(
        f"{args.dataset}: {len(X)} training points, {len(X_test)} test points, "
        f"{n_classes} classes; {model} with {len(model.parameters())} parameters; "
        f"loss {loss}, {optimizer}"
    )
    started = time.perf_counter()
    history = fit(
        model,
        X,
        y,
        loss=loss,
        optimizer=optimizer,
        epochs=epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        progress=not args.no_progress,
        n_classes=n_classes,
    )
    seconds = time.perf_counter() - started
    train_accuracy = accuracy(model, X, y, loss)
    test_accuracy = accuracy(model, X_test, y_test, loss)
    print(f"trained {epochs} epochs in {seconds:.1f} s; final loss {history['loss'][-1]:.4f}")
    print(
        f"train accuracy {train_accuracy:.1%}, test accuracy {test_accuracy:.1%} "
        f"({len(X_test)} fresh points)"
    )

    model_path = os.path.join(out_dir, "model.json")
    curve_path = os.path.join(out_dir, "loss_curve.png")
    boundary_path = os.path.join(out_dir, "decision_boundary.png")
    try:
        model.save(model_path)
        written = [model_path]
        try:
            plot_loss_curve(history, curve_path)
            title = f"{args.dataset}: train {train_accuracy:.1%}, test {test_accuracy:.1%}"
            plot_decision_boundary(model, X, y, boundary_path, title)
            written += [curve_path, boundary_path]
        except ImportError:
            print(
                "chainrule train: matplotlib is not installed, so no images were written "
                "(pip install 'chainrule[train]')",
                file=sys.stderr,
            )
    except (OSError, ValueError) as error:
        print(f"chainrule train: error: cannot write into {out_dir!r}: {error}", file=sys.stderr)
        return 1
    print("wrote " + ", ".join(written))
    return 0


def _usage_error(message: str) -> int:
    print(f"chainrule train: error: {message}", file=sys.stderr)
    return 2
