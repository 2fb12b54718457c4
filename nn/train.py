"""The training loop (`fit`) and what it records: per-epoch and per-step events and the
snapshots the replay page (nn/report.py) is made of.

`fit` is the loop every PyTorch user knows, spelled out for a classifier: forward a
mini-batch, take the loss, `zero_grad()`, `backward()`, `step()`. Two kinds of callback
watch it (names and fields here are stable; the browser playground and `chainrule train`
rely on them):

- after every optimizer step, each of `step_callbacks`, and the `on_step` method of any
  callback that has one, gets a `StepEnd` (`step`, fractional `epoch`, the batch's loss,
  the model);
- after every epoch, each of `callbacks` gets an `EpochEnd` (the epoch's running means).

The running means of an epoch are measured while the weights change, so they describe no
single set of weights. For the figures of the weights as they are now, over the whole
training set, call `evaluate(model, X, y, loss)`. `Snapshots`, a callback of both kinds,
keeps copies of the weights with exactly those figures: several per epoch early on
(where the learning happens), then one per epoch, thinned evenly on long runs;
`Snapshots(..., on_record=send)` streams each one as it is taken.

A classifier's outputs mean different things under different losses, so each loss name
fixes how many outputs the model has and how an output becomes a class:
- "hinge" and "bce": one score per example, class 1 when it is > 0 (two classes only);
- "ce" and "mse": one output per class, the class is the largest ("mse" regresses
  one-hot targets).

This module imports neither the page nor the command: nn/report.py and nn/cli.py import
it. tqdm is imported only for a progress bar on a terminal, NumPy (when installed) only
to evaluate snapshots quickly.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import engine
from engine import Value
from engine.messages import quote
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.module import Module
from nn.optim import Adam, Optimizer

__all__ = [
    "LOSSES",
    "DIGITS",
    "EpochEnd",
    "StepEnd",
    "rounded",
    "Snapshot",
    "Snapshots",
    "fit",
    "evaluate",
    "predict",
    "accuracy",
    "outputs_for",
    "batch_loss",
    "predict_class",
    "format_loss",
    "format_accuracy",
]

LOSSES = ("hinge", "bce", "ce", "mse")

# Snapshots keep parameters to 6 significant digits: ~10 characters each in the page
# instead of ~20, and a boundary that differs from the model's by far less than a pixel.
# The figures of a snapshot are computed from these rounded weights: the ones drawn.
DIGITS = 6


def outputs_for(loss: str, n_classes: int) -> int:
    """How many outputs the model's last layer needs for `loss` and `n_classes` classes."""
    _check_loss(loss, n_classes)
    return 1 if loss in ("hinge", "bce") else n_classes


def _check_loss(loss: str, n_classes: int) -> None:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {quote(loss)}")
    if loss in ("hinge", "bce") and n_classes != 2:
        raise ValueError(f"loss {loss!r} is for two classes; this data has {n_classes} (use ce)")


def _classes(
    who: str, X: Sequence[Sequence[float]], y: Sequence[int], loss: str, n_classes: int | None
) -> int:
    """The number of classes (`n_classes`, else the labels'), once `X`, `y` and `loss` are
    checked for `who` (fit, Snapshots): a ValueError says what is wrong."""
    if len(X) != len(y) or not X:
        raise ValueError(f"{who} needs as many labels as points, got {len(X)} and {len(y)}")
    n_classes = n_classes or max(y) + 1
    _check_loss(loss, n_classes)
    return n_classes


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


def evaluate(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    loss: str = "ce",
    n_classes: int | None = None,
) -> tuple[float, float]:
    """`(loss, accuracy)` of the model's weights as they are now over all of `X`, `y`
    (no graph is recorded, nothing changes). The accuracy is a fraction.

    These are the figures of one set of weights, unlike `EpochEnd`'s running means; call
    it from a step callback to show "the train accuracy of the weights drawn":

        def on_step(end: nn.train.StepEnd) -> None:
            loss, acc = nn.train.evaluate(end.model, X, y, "bce")
    """
    if not X:
        return math.nan, math.nan
    n_classes = n_classes or max(y) + 1
    with engine.no_grad():
        outputs = [model(x) for x in X]
        value = batch_loss(loss, outputs, y, n_classes).data
    correct = sum(predict_class(loss, o) == t for o, t in zip(outputs, y))
    return value, correct / len(y)


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


# ---- what the loop tells its callbacks -------------------------------------------------


@dataclass(frozen=True)
class EpochEnd:
    """What `fit` tells its `callbacks` after each epoch.

    `loss` and `accuracy` are the epoch's running means over the training set, measured
    on the fly (each point before its batch's step), as in the history; for the figures
    of the weights now, call `evaluate(model, X, y, loss)`.
    """

    epoch: int
    epochs: int
    loss: float
    accuracy: float
    model: Module


@dataclass(frozen=True)
class StepEnd:
    """What `fit` tells its step callbacks after each optimizer step.

    `step` counts optimizer steps since `fit` began (1 for the first); `epoch` is the
    training done so far in epochs, fractional within an epoch (points seen / training
    points: 0.25 after the first of four batches); `batch` is this step's batch within
    its epoch (1 to `batches`); `loss` is the batch's mean loss, taken before the step;
    `model` holds the weights just stepped to.
    """

    step: int
    epoch: float
    epochs: int
    batch: int
    batches: int
    loss: float
    model: Module


# a callback returns True to stop training after this epoch (EpochEnd) or step (StepEnd)
Callback = Callable[[EpochEnd], "bool | None"]
StepCallback = Callable[[StepEnd], "bool | None"]


# ---- the loop ------------------------------------------------------------------------


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
    step_callbacks: Sequence[StepCallback] = (),
) -> dict[str, list[float]]:
    """Train `model` to classify `X` as `y`; returns the per-epoch history.

    `optimizer` defaults to Adam(lr=0.01); `batch_size=None` is the whole set per step.
    Each epoch visits the points in a fresh order drawn from `seed`. The history holds the
    mean training loss and the training accuracy of each epoch (running means, measured
    while the parameters change), one entry per epoch run.

    After every optimizer step, each of `step_callbacks` is called with a `StepEnd`, and so
    is the `on_step` method of every object in `callbacks` that has one (a `Snapshots`
    recorder does). After each epoch every callback is called with an `EpochEnd`. If any
    returns True, training stops (after a step: there, unless it ended its epoch, that
    epoch is left out of the history). `stop_when_learned=k > 0` stops once every
    training point has been classified correctly for `k` epochs in a row. `progress=True`
    shows a tqdm bar when stderr is a terminal, else a plain line every tenth of the run.
    """
    n_classes = _classes("fit", X, y, loss, n_classes)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {quote(epochs)}")
    if isinstance(stop_when_learned, bool) or not isinstance(stop_when_learned, int):
        raise ValueError(f"stop_when_learned must be an integer, got {quote(stop_when_learned)}")
    optimizer = optimizer or Adam(model.parameters(), lr=0.01)
    batch_size = len(X) if batch_size is None else min(batch_size, len(X))
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    # objects with an on_step method hear every step too (Keras's callback objects)
    on_step: list[Callable[[StepEnd], object]] = [*step_callbacks]
    for callback in callbacks:
        hook = getattr(callback, "on_step", None)
        if callable(hook):
            on_step.append(hook)
    rng = random.Random(seed)
    order = list(range(len(X)))
    batches = -(-len(X) // batch_size)  # ceil: the last batch may be short
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    reporter = _Progress(epochs) if progress else None
    learned_streak = 0
    step = 0

    try:
        for epoch in range(1, epochs + 1):
            rng.shuffle(order)
            total_loss = 0.0
            correct = 0
            stop = False
            for batch_index, start in enumerate(range(0, len(order), batch_size), start=1):
                batch = order[start : start + batch_size]
                labels = [y[i] for i in batch]
                outputs = [model(X[i]) for i in batch]
                loss_value = batch_loss(loss, outputs, labels, n_classes)
                optimizer.zero_grad()
                loss_value.backward()
                optimizer.step()
                step += 1
                total_loss += loss_value.data * len(batch)
                correct += sum(predict_class(loss, o) == t for o, t in zip(outputs, labels))
                if on_step:
                    done = (epoch - 1) + (start + len(batch)) / len(X)
                    event = StepEnd(
                        step, done, epochs, batch_index, batches, loss_value.data, model
                    )
                    # every step callback runs (a recorder must see each step), then any may stop
                    stop = any([bool(callback(event)) for callback in on_step])
                    if stop and batch_index < batches:
                        return history  # mid-epoch: the epoch is not complete
            epoch_loss, epoch_accuracy = total_loss / len(X), correct / len(X)
            history["loss"].append(epoch_loss)
            history["accuracy"].append(epoch_accuracy)
            learned_streak = learned_streak + 1 if correct == len(X) else 0
            end = EpochEnd(epoch, epochs, epoch_loss, epoch_accuracy, model)
            # every callback runs (a recorder must see the last epoch), then any may stop
            stops = [bool(callback(end)) for callback in callbacks]
            stop = stop or any(stops) or 0 < stop_when_learned <= learned_streak
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


# ---- snapshots -------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The model's weights at one moment of training, with the figures of those weights.

    `step` is the number of optimizer steps taken (0: before training); `epoch` the
    training done in epochs, fractional within an epoch; `parameters` the weights in the
    order of `model.parameters()`, rounded to `DIGITS` significant digits (what the replay
    page stores and draws); `train_loss` and `train_accuracy` (a fraction) are those of
    exactly these weights over the whole training set. `running_loss` and
    `running_accuracy` are the epoch's running means (`EpochEnd`) for a snapshot taken
    at the end of an epoch, else None.
    """

    step: int
    epoch: float
    train_loss: float
    train_accuracy: float
    parameters: tuple[float, ...]
    running_loss: float | None = None
    running_accuracy: float | None = None


def rounded(parameters: Sequence[float]) -> tuple[float, ...]:
    """`parameters` to `DIGITS` significant digits, as a snapshot keeps them."""
    return tuple(float(f"{p:.{DIGITS}g}") for p in parameters)


class Snapshots:
    """A `fit` callback that keeps copies of the weights for the replay page.

    Pass it in `callbacks`: it hears every optimizer step (its `on_step`) and every epoch
    end (its `__call__`). It records step 0 (before training) when made; in the first
    `dense_epochs` epochs about `per_epoch` snapshots per epoch (every few optimizer
    steps), because that is when the boundary moves most; then one per epoch. When more
    than `max_snapshots` later epochs are kept, it keeps every other one and records half
    as often from then on, so a run of any length ends with evenly spaced snapshots. The
    last epoch that ran is always there. Weights that are not finite (a diverged run) are
    not recorded, so the replay ends at the last finite ones.

    Each `Snapshot`'s train loss and accuracy are those of its own weights over the whole
    training set (not the epoch's running means, which it keeps beside them). With
    `on_record`, every snapshot taken is also passed to it as it is taken (including
    ones later thinned out): a live view can stream them. The recorder counts steps and
    epochs itself, so it can follow a run made of several `fit` calls (one epoch each,
    for a view that pauses between epochs).

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
        dense_epochs: int = 3,
        per_epoch: int = 8,
        on_record: Callable[[Snapshot], object] | None = None,
    ) -> None:
        self.n_classes: int = _classes("Snapshots", X, y, loss, n_classes)
        self.model = model
        self.loss = loss
        self.max_snapshots: int = max(1, max_snapshots)
        self.dense_epochs: int = max(0, dense_epochs)
        self.per_epoch: int = max(1, per_epoch)
        self.on_record = on_record
        self.every: int = 1
        self.dense: list[Snapshot] = []  # the start and the early, dense ones: never thinned
        self.recorded: list[Snapshot] = []  # one per `every` epochs after the dense ones
        # the last epoch that ran when it is not one kept: its weights, or (once evaluated,
        # when streamed or asked for) its snapshot
        self._latest: Snapshot | tuple[int, float, tuple[float, ...], float, float] | None = None
        self.steps: int = 0  # optimizer steps heard so far
        self.epochs: int = 0  # epoch ends heard so far
        self._evaluate = _Evaluator(model, X, y, loss, self.n_classes)
        start = self._take(0, 0.0, None, None)
        if start is None:
            raise ValueError("Snapshots: the model's weights are not finite")
        self.dense.append(start)

    def on_step(self, end: StepEnd) -> bool:
        """Record this step if it is one of the early, dense ones; never stops training."""
        # steps and epochs are counted here, so that one recorder can follow several
        # `fit` calls (one epoch each, say) as one run
        self.steps += 1
        epoch_index = -(-end.step // end.batches)  # the epoch of this fit call it is in
        done = self.epochs + (end.epoch - (epoch_index - 1))
        every = -(-end.batches // self.per_epoch)
        # the last step of an epoch is recorded by the epoch's end, with its running means
        dense = self.epochs < self.dense_epochs
        if dense and end.batch < end.batches and end.batch % every == 0:
            snapshot = self._take(self.steps, done, None, None)
            if snapshot is not None:
                self.dense.append(snapshot)
        return False

    def __call__(self, end: EpochEnd) -> bool:
        """Record the epoch that just ended (if it is one to keep); never stops training."""
        self.epochs += 1
        epoch = self.epochs
        # without on_step (a custom loop calling this), a step per epoch is assumed
        if self.steps < epoch:
            self.steps = epoch
        if epoch <= self.dense_epochs:
            snapshot = self._take(self.steps, float(epoch), end.loss, end.accuracy)
            if snapshot is not None:
                self.dense.append(snapshot)
            return False
        if epoch % self.every == 0:
            snapshot = self._take(self.steps, float(epoch), end.loss, end.accuracy)
            if snapshot is not None:
                self.recorded.append(snapshot)
                self._latest = None
                if len(self.recorded) > self.max_snapshots:
                    # twice as far apart from now on
                    self.every *= 2
                    self.recorded = [s for s in self.recorded if s.epoch % self.every == 0]
            return False
        parameters = tuple(p.data for p in self.model.parameters())
        if all(map(math.isfinite, parameters)):
            # kept only until the next epoch: the last epoch that ran is always shown; it
            # is evaluated now only to be streamed, else when `snapshots` is read
            self._latest = (self.steps, float(epoch), parameters, end.loss, end.accuracy)
            if self.on_record is not None:
                self._latest = self._snapshot(*self._latest)
        return False

    def _take(
        self, step: int, epoch: float, running_loss: float | None, running_acc: float | None
    ) -> Snapshot | None:
        parameters = tuple(p.data for p in self.model.parameters())
        return self._snapshot(step, epoch, parameters, running_loss, running_acc)

    def _snapshot(
        self,
        step: int,
        epoch: float,
        parameters: tuple[float, ...],
        running_loss: float | None,
        running_acc: float | None,
        stream: bool = True,
    ) -> Snapshot | None:
        """The snapshot of these weights, or None when they (rounded) are not finite."""
        kept = rounded(parameters)
        # inf and nan stay so when rounded, and 1.8e308 rounds up to inf
        if not all(map(math.isfinite, kept)):
            return None
        train_loss, train_accuracy = self._evaluate(kept)
        if not math.isfinite(train_loss):
            return None
        snapshot = Snapshot(
            step, epoch, train_loss, train_accuracy, kept, running_loss, running_acc
        )
        if stream and self.on_record is not None:
            self.on_record(snapshot)
        return snapshot

    @property
    def snapshots(self) -> list[Snapshot]:
        """The recorded snapshots in training order, ending with the last finite epoch."""
        if isinstance(self._latest, tuple):  # evaluated once, when first asked for
            self._latest = self._snapshot(*self._latest, stream=False)
        latest = [] if self._latest is None else [self._latest]
        return self.dense + self.recorded + latest


class _Evaluator:
    """Loss and accuracy of a set of weights over fixed points, computed with plain floats
    (NumPy when installed) instead of Values: about 100 times faster than a forward pass
    through the engine, which matters when a snapshot is taken every few steps.

    The arithmetic is the model's and the loss functions' (nn/module.py, nn/losses.py):
    per neuron act(w . x + b), the last layer linear; the tests check it against
    `evaluate` on the engine. A model that is not an MLP is evaluated through the engine.
    """

    def __init__(
        self,
        model: Module,
        X: Sequence[Sequence[float]],
        y: Sequence[int],
        loss: str,
        n_classes: int,
    ) -> None:
        self.model, self.loss, self.n_classes = model, loss, n_classes
        self.X = [[float(v) for v in x] for x in X]
        self.y = [int(c) for c in y]
        layers = getattr(model, "layers", None)
        self.shapes: list[tuple[int, int, str]] | None = None
        if layers is not None and all(hasattr(layer, "neurons") for layer in layers):
            self.shapes = [
                (len(layer.neurons[0].w), len(layer.neurons), layer.activation) for layer in layers
            ]
        try:
            import numpy
        except ImportError:  # plain Python below: slower, same numbers
            self.np: Any = None
        else:
            self.np = numpy
            self.X_array = numpy.asarray(self.X, dtype=float).reshape(len(self.X), -1)
            self.y_array = numpy.asarray(self.y)

    def __call__(self, parameters: Sequence[float]) -> tuple[float, float]:
        try:
            if self.shapes is None:
                return self._through_the_engine(parameters)
            if self.np is not None:
                return self._with_numpy(parameters)
            return self._with_floats(parameters)
        except (ArithmeticError, ValueError):  # a sum that overflows: weights not worth keeping
            return math.inf, math.nan

    def _through_the_engine(self, parameters: Sequence[float]) -> tuple[float, float]:
        kept = [p.data for p in self.model.parameters()]
        for p, value in zip(self.model.parameters(), parameters):
            p.data = value
        try:
            return evaluate(self.model, self.X, self.y, self.loss, self.n_classes)
        finally:
            for p, value in zip(self.model.parameters(), kept):
                p.data = value

    def _layers(
        self, parameters: Sequence[float]
    ) -> list[tuple[list[list[float]], list[float], str]]:
        # parameters come layer by layer, neuron by neuron: nin weights, then the bias
        assert self.shapes is not None
        layers, k = [], 0
        for nin, nout, activation in self.shapes:
            weights, biases = [], []
            for _ in range(nout):
                weights.append(list(parameters[k : k + nin]))
                biases.append(parameters[k + nin])
                k += nin + 1
            layers.append((weights, biases, activation))
        return layers

    def _with_numpy(self, parameters: Sequence[float]) -> tuple[float, float]:
        np = self.np
        assert self.shapes is not None
        flat = np.asarray(parameters, dtype=float)
        h, k = self.X_array, 0
        with np.errstate(all="ignore"):  # overflow gives inf, as in the engine
            for nin, nout, activation in self.shapes:
                # nout rows of nin weights then the bias, as the parameters are ordered
                block = flat[k : k + nout * (nin + 1)].reshape(nout, nin + 1)
                k += nout * (nin + 1)
                h = h @ block[:, :nin].T + block[:, nin]
                if activation == "relu":
                    h = np.maximum(h, 0.0)
                elif activation == "tanh":
                    h = np.tanh(h)
                elif activation == "sigmoid":
                    h = 0.5 * (1.0 + np.tanh(0.5 * h))  # = 1 / (1 + e^-a), no overflow
            if not np.isfinite(h).all():
                return math.inf, math.nan
            y, n = self.y_array, len(self.y)
            if self.loss in ("hinge", "bce"):
                z = h[:, 0]
                correct = int(((z > 0.0).astype(int) == y).sum())
                if self.loss == "bce":
                    # softplus(z) - y z, softplus(z) = max(z, 0) + log(1 + e^-|z|)
                    softplus = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
                    terms = np.where(y == 1, softplus - z, softplus)
                else:
                    terms = np.maximum(0.0, 1.0 - (2 * y - 1) * z)  # relu(1 - y z)
            else:
                correct = int((h.argmax(axis=1) == y).sum())  # the first largest, as max()
                if self.loss == "ce":
                    # -log softmax(z)_t = m + log(sum exp(z - m)) - z_t
                    m = h.max(axis=1)
                    log_sum_exp = np.log(np.exp(h - m[:, None]).sum(axis=1)) + m
                    terms = log_sum_exp - h[np.arange(n), y]
                else:  # mse against one-hot targets: every output is a term of the mean
                    terms = (h - np.eye(h.shape[1])[y]) ** 2
        return math.fsum(terms.ravel().tolist()) / terms.size, correct / n

    def _with_floats(self, parameters: Sequence[float]) -> tuple[float, float]:
        layers = self._layers(parameters)
        act: dict[str, Callable[[float], float]] = {
            "relu": lambda a: a if a > 0.0 else 0.0,
            "tanh": math.tanh,
            "sigmoid": lambda a: 0.5 * (1.0 + math.tanh(0.5 * a)),
            "linear": lambda a: a,
        }
        outputs = []
        for x in self.X:
            h = x
            for weights, biases, activation in layers:
                f = act[activation]
                h = [
                    f(math.fsum([*(wi * hi for wi, hi in zip(w, h)), b]))
                    for w, b in zip(weights, biases)
                ]
            outputs.append(h)
        return self._figures(outputs)

    def _figures(self, outputs: list[list[float]]) -> tuple[float, float]:
        """The mean loss (as nn.losses defines it) and the accuracy of per-point outputs."""
        terms, correct = [], 0
        for out, label in zip(outputs, self.y):
            if not all(map(math.isfinite, out)):
                return math.inf, math.nan
            if self.loss in ("hinge", "bce"):
                z = out[0]
                correct += int(z > 0.0) == label
                if self.loss == "bce":
                    # softplus(z) - y z, softplus(z) = max(z, 0) + log(1 + e^-|z|)
                    softplus = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
                    terms.append(softplus - z if label == 1 else softplus)
                else:
                    terms.append(max(0.0, 1.0 - (2 * label - 1) * z))  # relu(1 - y z)
                continue
            best = max(range(len(out)), key=out.__getitem__)
            correct += best == label
            if self.loss == "ce":
                # -log softmax(z)_t = m + log(sum exp(z - m)) - z_t
                m = max(out)
                terms.append(math.log(math.fsum(math.exp(z - m) for z in out)) + m - out[label])
            else:  # mse against one-hot targets: every output is a term of the mean
                terms.extend((z - (1.0 if c == label else 0.0)) ** 2 for c, z in enumerate(out))
        return math.fsum(terms) / len(terms), correct / len(self.y)
