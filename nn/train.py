"""The training loop (`fit`), the snapshots the replay page is made of, and `chainrule train`.

`fit` is the loop every PyTorch user knows, spelled out for a classifier:
forward a mini-batch, take the loss, `zero_grad()`, `backward()`, `step()`. After each
epoch it calls its callbacks with an `EpochEnd`; `Snapshots` is such a callback, keeping
copies of the parameters for `training_report` (nn/report.py) to replay.

A classifier's outputs mean different things under different losses, so each loss name
fixes how many outputs the model has and how an output becomes a class:
- "hinge" and "bce": one score per example, class 1 when it is > 0 (two classes only);
- "ce" and "mse": one output per class, the class is the largest ("mse" regresses
  one-hot targets).

The command trains an MLP on a toy data set, tests it on fresh points from the same
distribution, and writes model.json, loss_curve.png, decision_boundary.png (nn/plots.py)
and report.html (nn/report.py). tqdm is imported only for a progress bar on a terminal.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import engine
from engine import Value
from engine.messages import quote
from nn import datasets
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.module import ACTIVATIONS, MLP, Module

try:  # `init=` is new in nn.module; without it every MLP starts the one way it knows
    from nn.module import INITS as _INITS
except ImportError:
    _INITS = {}
from nn.optim import SGD, Adam, Optimizer
from nn.plots import grid_classes, plot_decision_boundary, plot_loss_curve
from nn.report import Report, training_report

__all__ = [
    "LOSSES",
    "EpochEnd",
    "Snapshot",
    "Snapshots",
    "fit",
    "predict",
    "accuracy",
    "outputs_for",
    "format_loss",
    "format_accuracy",
    "estimate_run_bytes",
    "training_report",
    "Report",
    "grid_classes",
    "add_train_parser",
    "run_train",
]

LOSSES = ("hinge", "bce", "ce", "mse")

EXIT_FAILED = 1
EXIT_USAGE = 2

# blobs for the command sit at fixed centers (120 degrees apart, radius 4): with random
# centers, fresh test points (another seed) would come from another distribution
BLOB_CENTERS = [(0.0, 4.0), (-3.4641, -2.0), (3.4641, -2.0)]

# per data set: the generator, the smallest sample count it accepts (one point per class),
# and the sizes the command uses unless told otherwise
DATASETS: dict[str, dict[str, Any]] = {
    "moons": {"make": datasets.make_moons, "min": 2, "n_samples": 100, "noise": 0.1, "epochs": 200},
    "circles": {
        "make": datasets.make_circles,
        "min": 2,
        "n_samples": 100,
        "noise": 0.05,
        "epochs": 200,
    },
    # 300 points per epoch: fewer epochs keep a run that never stops early near a minute
    "spirals": {
        "make": datasets.make_spirals,
        "min": 3,
        "n_samples": 300,
        "noise": 0.2,
        "epochs": 100,
    },
    "blobs": {
        "make": functools.partial(datasets.make_blobs, centers=BLOB_CENTERS),
        "min": 3,
        "n_samples": 150,
        "noise": 1.0,
        "epochs": 100,
    },
}

# The command's defaults (benchmarks/README.md, "Training replay and the main job"):
# Adam at lr 0.03 with batches of 32 learns moons' 100 points in 30 to 60 epochs; once
# every training point has been classified correctly for STOP_WHEN_LEARNED epochs in a
# row, more epochs only sharpen the margin, so the run stops there (--stop-when-learned 0
# runs all --epochs). The data set's "epochs" is the ceiling. The command's networks start
# from PyTorch's U(+-1/sqrt(fan-in)) (`--init`), with which these defaults were measured.
INIT = "pytorch"
ADAM_LR = 0.03
SGD_LR = 0.1
SGD_MOMENTUM = 0.9
BATCH_SIZE = 32
STOP_WHEN_LEARNED = 10

# A run is refused before any work when its estimated memory exceeds this. The figures
# per item were measured with tracemalloc on CPython 3.11 and rounded up: a parameter
# Value with its optimizer state ~250 bytes; each point of a batch keeps ~30 bytes per
# parameter alive in the graph until backward; a data point ~350 bytes.
MEMORY_LIMIT_BYTES = 4 * 1024**3
BYTES_PER_PARAMETER = 250
GRAPH_BYTES_PER_POINT_AND_PARAMETER = 30
BYTES_PER_DATA_POINT = 350


def outputs_for(loss: str, n_classes: int) -> int:
    """How many outputs the model's last layer needs for `loss` and `n_classes` classes."""
    _check_loss(loss, n_classes)
    return 1 if loss in ("hinge", "bce") else n_classes


def _check_loss(loss: str, n_classes: int) -> None:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {quote(loss)}")
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


def format_loss(x: float) -> str:
    """A loss as the training printout shows it: 4 decimals, scientific when very large or
    very small, `inf`/`nan` when it diverged (never hundreds of digits)."""
    if not math.isfinite(x):
        return str(x)
    if x != 0.0 and not 1e-4 <= abs(x) < 1e5:
        return f"{x:.3e}"
    return f"{x:.4f}"


def format_accuracy(x: float) -> str:
    """An accuracy (a fraction) as the training printout shows it: a percentage, 1 decimal."""
    return f"{x:.1%}"


# ---- the loop ------------------------------------------------------------------------


@dataclass(frozen=True)
class EpochEnd:
    """What `fit` tells its callbacks after each epoch.

    `loss` and `accuracy` are the epoch's mean training loss and training accuracy,
    measured on the fly (each point before its batch's step), as in the history.
    """

    epoch: int
    epochs: int
    loss: float
    accuracy: float
    model: Module


# a callback returns True to stop training after this epoch
Callback = Callable[[EpochEnd], "bool | None"]


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
    callbacks: Sequence[Callback] = (),
    stop_when_learned: int = 0,
) -> dict[str, list[float]]:
    """Train `model` to classify `X` as `y`; returns the per-epoch history.

    `optimizer` defaults to Adam(lr=0.01); `batch_size=None` is the whole set per step.
    Each epoch visits the points in a fresh order drawn from `seed`. The history holds the
    mean training loss and the training accuracy of each epoch (measured on the fly, while
    the parameters change), one entry per epoch run.

    After each epoch every callback is called with an `EpochEnd`; if any returns True,
    training stops. `stop_when_learned=k > 0` stops once every training point has been
    classified correctly for `k` epochs in a row. `progress=True` shows a tqdm bar when
    stderr is a terminal, else a plain line every tenth of the run.
    """
    if len(X) != len(y) or not X:
        raise ValueError(f"fit needs as many labels as points, got {len(X)} and {len(y)}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {quote(epochs)}")
    if isinstance(stop_when_learned, bool) or not isinstance(stop_when_learned, int):
        raise ValueError(f"stop_when_learned must be an integer, got {quote(stop_when_learned)}")
    n_classes = n_classes or max(y) + 1
    _check_loss(loss, n_classes)
    optimizer = optimizer or Adam(model.parameters(), lr=0.01)
    batch_size = len(X) if batch_size is None else min(batch_size, len(X))
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    rng = random.Random(seed)
    order = list(range(len(X)))
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    reporter = _Progress(epochs) if progress else None
    learned_streak = 0

    try:
        for epoch in range(1, epochs + 1):
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
            epoch_loss, epoch_accuracy = total_loss / len(X), correct / len(X)
            history["loss"].append(epoch_loss)
            history["accuracy"].append(epoch_accuracy)
            learned_streak = learned_streak + 1 if correct == len(X) else 0
            end = EpochEnd(epoch, epochs, epoch_loss, epoch_accuracy, model)
            # every callback runs (a recorder must see the last epoch), then any may stop
            stops = [bool(callback(end)) for callback in callbacks]
            stop = any(stops) or 0 < stop_when_learned <= learned_streak
            if reporter is not None:
                reporter.update(end, last=stop or epoch == epochs)
            if stop:
                break
    finally:
        if reporter is not None:
            reporter.close()
    return history


class _Progress:
    """Progress of `fit` on stderr: tqdm's bar on a terminal, plain lines otherwise.

    A bar writes a carriage return per update, which fills a log file with kilobytes of
    noise, so off a terminal (or without tqdm) a line every tenth of the run is printed.
    """

    def __init__(self, epochs: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.every = max(1, epochs // 10)
        self.bar: Any = None
        if _is_terminal(self.stream):
            try:
                from tqdm.auto import tqdm
            except ImportError:  # no bar then: the plain lines below say the same
                pass
            else:
                self.bar = tqdm(total=epochs, desc="train", unit="epoch", file=self.stream)

    def update(self, end: EpochEnd, last: bool) -> None:
        loss, acc = format_loss(end.loss), format_accuracy(end.accuracy)
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=loss, acc=acc)
        elif last or end.epoch % self.every == 0:
            line = f"epoch {end.epoch}/{end.epochs}: loss {loss}, accuracy {acc}"
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or stream-like object without isatty
        return False


@dataclass(frozen=True)
class Snapshot:
    """The model's parameters at the end of `epoch` (0: before training), in the order of
    `model.parameters()`, with that epoch's training loss and accuracy."""

    epoch: int
    loss: float
    accuracy: float
    parameters: tuple[float, ...]


class Snapshots:
    """A `fit` callback that keeps copies of the parameters for the replay page.

    It records epoch 0 (before training; loss and accuracy over the whole training set)
    when made, then every epoch; when more than `max_snapshots` epochs are kept, it keeps
    every other one and records half as often from then on, so a run of any length ends
    with evenly spaced snapshots, every epoch for a short one. The last epoch that ran is
    always there. Epochs whose loss or parameters are not finite (a diverged run) are not
    recorded, so the replay ends at the last finite one.

        recorder = Snapshots(model, X, y, loss="bce")
        history = fit(model, X, y, loss="bce", epochs=200, callbacks=[recorder])
        training_report(model, X, y, history, snapshots=recorder.snapshots).save("r.html")
    """

    def __init__(
        self,
        model: Module,
        X: Sequence[Sequence[float]],
        y: Sequence[int],
        loss: str,
        max_snapshots: int = 100,
        n_classes: int | None = None,
    ) -> None:
        self.model = model
        self.max_snapshots: int = max(1, max_snapshots)
        self.every: int = 1
        self.recorded: list[Snapshot] = []
        self._latest: Snapshot | None = None
        n_classes = n_classes or max(y) + 1
        with engine.no_grad():
            outputs = [model(x) for x in X]
            start_loss = batch_loss(loss, outputs, y, n_classes).data
        correct = sum(predict_class(loss, o) == t for o, t in zip(outputs, y))
        parameters = tuple(p.data for p in model.parameters())
        self.recorded.append(Snapshot(0, start_loss, correct / len(y), parameters))

    def __call__(self, end: EpochEnd) -> bool:
        """Record the epoch that just ended (if it is one to keep); never stops training."""
        parameters = tuple(p.data for p in self.model.parameters())
        if not (math.isfinite(end.loss) and all(map(math.isfinite, parameters))):
            return False
        snapshot = Snapshot(end.epoch, end.loss, end.accuracy, parameters)
        if end.epoch % self.every == 0:
            self.recorded.append(snapshot)
            self._latest = None
            if len(self.recorded) > self.max_snapshots + 1:  # + 1: epoch 0
                # twice as far apart from now on; epoch 0 is a multiple of anything
                self.every *= 2
                self.recorded = [s for s in self.recorded if s.epoch % self.every == 0]
        else:
            self._latest = snapshot
        return False

    @property
    def snapshots(self) -> list[Snapshot]:
        """The recorded snapshots in epoch order, ending with the last finite epoch."""
        return self.recorded + ([self._latest] if self._latest is not None else [])


# ---- the command ---------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {quote(text)}")
    return n


def _nonnegative_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {quote(text)}")
    return n


def _finite_float(text: str, least: float, inclusive: bool) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {quote(text)}") from None
    if not (math.isfinite(x) and (x >= least if inclusive else x > least)):
        bound = f"{'>=' if inclusive else '>'} {least:g}"
        raise argparse.ArgumentTypeError(f"expected a finite number {bound}, got {quote(text)}")
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
            f"expected comma-separated positive layer sizes such as 16,16, got {quote(text)}"
        )
    return sizes


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `train` subcommand to a `chainrule` parser's subparsers; every option's help
    states its default."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "train",
        help="train an MLP on a toy 2-D data set",
        description="Train an MLP on a toy 2-D data set, test it on fresh points, and write "
        "model.json, loss_curve.png, decision_boundary.png and report.html (a replay of "
        "training to open in a browser) into --out.",
    )
    sizes = ", ".join(f"{name} {spec['n_samples']}" for name, spec in DATASETS.items())
    noises = ", ".join(f"{name} {spec['noise']}" for name, spec in DATASETS.items())
    parser.add_argument(
        "--dataset", choices=sorted(DATASETS), default="moons", help="data set (default: moons)"
    )
    parser.add_argument(
        "--n-samples", type=_positive_int, default=None, help=f"training points (default: {sizes})"
    )
    parser.add_argument(
        "--n-test",
        type=_positive_int,
        default=500,
        help="fresh test points from the same distribution (default: 500)",
    )
    parser.add_argument(
        "--noise", type=_nonnegative_float, default=None, help=f"data noise (default: {noises})"
    )
    parser.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=[16, 16],
        help="hidden layer sizes, comma-separated (default: 16,16)",
    )
    parser.add_argument(
        "--activation",
        choices=[a for a in ACTIVATIONS if a != "linear"],
        default="relu",
        help="activation of the hidden layers (default: relu)",
    )
    parser.add_argument(
        "--loss",
        choices=LOSSES,
        default=None,
        help="default: bce for two classes, ce (cross-entropy) for more",
    )
    parser.add_argument(
        "--optimizer", choices=("sgd", "adam"), default="adam", help="optimizer (default: adam)"
    )
    parser.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help=f"learning rate (default: {ADAM_LR} for adam, {SGD_LR} for sgd)",
    )
    parser.add_argument(
        "--momentum",
        type=_nonnegative_float,
        default=None,
        help=f"SGD momentum, for --optimizer sgd only (default: {SGD_MOMENTUM})",
    )
    parser.add_argument(
        "--weight-decay", type=_nonnegative_float, default=0.0, help="L2 penalty (default: 0)"
    )
    epochs = ", ".join(f"{name} {spec['epochs']}" for name, spec in DATASETS.items())
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help=f"the most passes over the training set (default: {epochs})",
    )
    if _INITS:
        parser.add_argument(
            "--init",
            choices=sorted(_INITS),
            default=INIT,
            help=f"initial weights (default: {INIT})",
        )
    parser.add_argument(
        "--stop-when-learned",
        type=_nonnegative_int,
        default=STOP_WHEN_LEARNED,
        metavar="K",
        help="stop once every training point has been classified correctly for K epochs "
        f"in a row; 0 runs all --epochs (default: {STOP_WHEN_LEARNED})",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=BATCH_SIZE,
        help=f"points per step (default: {BATCH_SIZE})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed for the data, the initial weights and the batch order (default: 0)",
    )
    parser.add_argument(
        "--out",
        default=None,
        help="output directory (default: runs/<dataset>/ under the current one)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar or progress lines (default: a bar on a terminal, else a line "
        "every tenth of the run)",
    )
    return parser


def _make_data(name: str, n_samples: int, noise: float, seed: int) -> datasets.Dataset:
    make: Callable[..., datasets.Dataset] = DATASETS[name]["make"]
    return make(n_samples, noise=noise, seed=seed)


def estimate_run_bytes(
    n_samples: int, n_test: int, layer_sizes: Sequence[int], batch_size: int
) -> int:
    """About how many bytes a training run holds at its peak: the parameters with their
    optimizer state, one batch's graph, and the data. `layer_sizes` starts with the
    number of inputs and ends with the number of outputs."""
    parameters = sum((a + 1) * b for a, b in zip(layer_sizes, layer_sizes[1:]))
    batch = min(batch_size, n_samples)
    return (
        parameters * BYTES_PER_PARAMETER
        + batch * parameters * GRAPH_BYTES_PER_POINT_AND_PARAMETER
        + (n_samples + n_test) * BYTES_PER_DATA_POINT
    )


def _check_run(args: argparse.Namespace, n_samples: int) -> str | None:
    """The usage error in a parsed command line, or None; no data is made here."""
    minimum = DATASETS[args.dataset]["min"]
    if n_samples < minimum:
        return f"--n-samples must be at least {minimum} for {args.dataset}, got {n_samples}"
    if args.n_test < minimum:
        return f"--n-test must be at least {minimum} for {args.dataset}, got {args.n_test}"
    if args.momentum is not None and args.optimizer != "sgd":
        return f"--momentum is for --optimizer sgd; {args.optimizer} does not use it"
    # the widest output layer any loss needs (ce with one output per class)
    n_outputs = 3 if args.dataset in ("spirals", "blobs") else 2
    needed = estimate_run_bytes(
        n_samples, args.n_test, [2, *args.hidden, n_outputs], args.batch_size
    )
    if needed > MEMORY_LIMIT_BYTES:
        # name the options behind the largest part of the estimate
        data = estimate_run_bytes(n_samples, args.n_test, [2], args.batch_size)
        if data >= needed - data:
            culprits = "--n-samples" if n_samples >= args.n_test else "--n-test"
        else:
            culprits = "--hidden (or --batch-size)"
        return (
            f"this run would need about {_gigabytes(needed)} of memory, over the limit of "
            f"{_gigabytes(MEMORY_LIMIT_BYTES)}; use a smaller {culprits}"
        )
    return None


def _gigabytes(n: int) -> str:
    return f"{n / 1024**3:,.1f} GB"


def _check_out_dir(out_dir: str, names: Sequence[str]) -> str | None:
    """Make `out_dir` and prove a file can be written there; the problem, or None."""
    try:
        os.makedirs(out_dir, exist_ok=True)
        # write_atomic makes a temporary file next to its target: try exactly that
        fd, probe = tempfile.mkstemp(dir=out_dir, prefix=".", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        return f"--out: cannot write into {quote(out_dir)}: {error.strerror or error}"
    for name in names:
        if os.path.isdir(os.path.join(out_dir, name)):
            return f"--out: {quote(os.path.join(out_dir, name))} is a folder"
    return None


def run_train(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    """Run `chainrule train` with parsed options; returns the exit status (0 done, 1 a run
    that failed or diverged, 2 a usage error). `argv` is shown on the report page."""
    spec = DATASETS[args.dataset]
    n_samples = args.n_samples or spec["n_samples"]
    noise = spec["noise"] if args.noise is None else args.noise
    epochs = args.epochs or spec["epochs"]
    problem = _check_run(args, n_samples)
    if problem is not None:
        return _usage_error(problem)
    out_dir = args.out or os.path.join("runs", args.dataset)
    outputs = ("model.json", "loss_curve.png", "decision_boundary.png", "report.html")
    problem = _check_out_dir(out_dir, outputs)
    if problem is not None:
        return _usage_error(problem)
    paths = {name: os.path.join(out_dir, name) for name in outputs}

    X, y = _make_data(args.dataset, n_samples, noise, args.seed)
    # fresh points from the same distribution: a different seed, the same generator
    X_test, y_test = _make_data(args.dataset, args.n_test, noise, args.seed + 1_000_003)
    n_classes = max(max(y), max(y_test)) + 1
    loss = args.loss or ("bce" if n_classes == 2 else "ce")
    try:
        n_outputs = outputs_for(loss, n_classes)
    except ValueError as error:
        return _usage_error(str(error))

    init = {"init": args.init} if getattr(args, "init", None) else {}
    model = MLP(2, [*args.hidden, n_outputs], activation=args.activation, seed=args.seed, **init)
    lr = args.lr or (ADAM_LR if args.optimizer == "adam" else SGD_LR)
    if args.optimizer == "adam":
        optimizer: Optimizer = Adam(model.parameters(), lr=lr, weight_decay=args.weight_decay)
    else:
        momentum = SGD_MOMENTUM if args.momentum is None else args.momentum
        optimizer = SGD(
            model.parameters(), lr=lr, momentum=momentum, weight_decay=args.weight_decay
        )

    print(
        f"{args.dataset}: {len(X)} training points, {len(X_test)} test points, "
        f"{n_classes} classes; {model} with {len(model.parameters())} parameters; "
        f"loss {loss}, {optimizer}"
    )
    recorder = Snapshots(model, X, y, loss=loss, n_classes=n_classes)
    seen: list[EpochEnd] = []  # the history so far, also when a sum overflows mid-epoch

    def watch(end: EpochEnd) -> bool:
        seen.append(end)
        return not math.isfinite(end.loss)  # a nan or inf loss never comes back: stop

    started = time.perf_counter()
    overflow = None
    try:
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
            callbacks=[recorder, watch],
            stop_when_learned=args.stop_when_learned,
        )
    except (ArithmeticError, ValueError) as error:
        # parameters blown up to inf can make a sum fail instead of giving inf
        overflow = error
        history = {"loss": [], "accuracy": []}
    seconds = time.perf_counter() - started
    settings = _settings(args, n_samples, noise, epochs, loss, lr, optimizer)
    command = "chainrule train" + ("" if argv is None else " " + shlex.join(argv))
    page = functools.partial(
        training_report,
        model,
        X,
        y,
        snapshots=recorder.snapshots,
        X_test=X_test,
        y_test=y_test,
        command=command,
        settings=settings,
    )

    weights_finite = all(math.isfinite(p.data) for p in model.parameters())
    if overflow is not None or not math.isfinite(history["loss"][-1]) or not weights_finite:
        finite_ends = [end for end in seen if math.isfinite(end.loss)]
        if overflow is not None:
            what = f"the loss overflowed in epoch {len(finite_ends) + 1}"
        elif not math.isfinite(seen[-1].loss):
            what = f"the loss is {seen[-1].loss} in epoch {len(finite_ends) + 1}"
        else:
            what = f"the weights are no longer finite after epoch {len(seen)}"
        print(
            f"chainrule train: error: training diverged ({what}); try a lower --lr than {lr:g}",
            file=sys.stderr,
        )
        last = recorder.snapshots[-1]
        # the page ends at the last finite snapshot, with the accuracy of its weights
        for p, value in zip(model.parameters(), last.parameters):
            p.data = value
        finite = {
            "loss": [end.loss for end in finite_ends[: last.epoch]],
            "accuracy": [end.accuracy for end in finite_ends[: last.epoch]],
        }
        report = page(finite, title=f"{args.dataset} (diverged)")
        try:
            report.save(paths["report.html"])
        except OSError as error:
            print(
                f"chainrule train: error: cannot write {quote(paths['report.html'])}: "
                f"{error.strerror or error}",
                file=sys.stderr,
            )
            return EXIT_FAILED
        print(f"wrote {paths['report.html']} (up to epoch {last.epoch})")
        return EXIT_FAILED

    n_run = len(history["loss"])
    train_accuracy = accuracy(model, X, y, loss)
    test_accuracy = accuracy(model, X_test, y_test, loss)
    stopped = ""
    if n_run < epochs:
        stopped = f" (stopped early: training set learned for {args.stop_when_learned} epochs)"
    print(
        f"trained {n_run} epochs in {seconds:.1f} s{stopped}; "
        f"final loss {format_loss(history['loss'][-1])}"
    )
    print(
        f"train accuracy {format_accuracy(train_accuracy)}, test accuracy "
        f"{format_accuracy(test_accuracy)} ({len(X_test)} fresh points)"
    )

    written = []
    try:
        model.save(paths["model.json"])
        written.append(paths["model.json"])
        try:
            plot_loss_curve(history, paths["loss_curve.png"])
            title = (
                f"{args.dataset}: train {format_accuracy(train_accuracy)}, "
                f"test {format_accuracy(test_accuracy)}"
            )
            plot_decision_boundary(model, X, y, paths["decision_boundary.png"], title)
            written += [paths["loss_curve.png"], paths["decision_boundary.png"]]
        except ImportError:
            print(
                "chainrule train: matplotlib is not installed, so no images were written "
                "(pip install 'chainrule[train]')",
                file=sys.stderr,
            )
        final = {"train": train_accuracy, "test": test_accuracy}
        page(history, title=args.dataset, final_accuracy=final).save(paths["report.html"])
        written.append(paths["report.html"])
    except (OSError, ValueError) as error:
        print(
            f"chainrule train: error: cannot write into {quote(out_dir)}: "
            f"{getattr(error, 'strerror', None) or error}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print("wrote " + ", ".join(written))
    print(f"open {paths['report.html']} in a browser to watch the network learn")
    return 0


def _settings(
    args: argparse.Namespace,
    n_samples: int,
    noise: float,
    epochs: int,
    loss: str,
    lr: float,
    opt: Optimizer,
) -> dict[str, str]:
    """The settings a run used, every default filled in, for the report page."""
    settings = {
        "dataset": args.dataset,
        "training points": str(n_samples),
        "test points": str(args.n_test),
        "noise": f"{noise:g}",
        "layers": " → ".join(str(n) for n in [2, *args.hidden]) + " → output",
        "activation": args.activation,
        "loss": loss,
        "optimizer": args.optimizer,
        "learning rate": f"{lr:g}",
        "batch size": str(args.batch_size),
        "epochs (most)": str(epochs),
        "stop when learned for": f"{args.stop_when_learned} epochs"
        if args.stop_when_learned
        else "never (all epochs)",
        "weight decay": f"{args.weight_decay:g}",
        "seed": str(args.seed),
    }
    if getattr(args, "init", None):
        settings["initial weights"] = args.init
    if isinstance(opt, SGD):
        settings["momentum"] = f"{opt.momentum:g}"
    return settings


def _usage_error(message: str) -> int:
    print(f"chainrule train: error: {message}", file=sys.stderr)
    return EXIT_USAGE
