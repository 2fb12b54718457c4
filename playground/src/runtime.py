"""The Python side of the playground's Web Worker (it runs on Pyodide, never on the desktop).

worker.js unpacks the chainrule and graphviz wheels, then imports this module and calls
`setup(layout, emit)`: `layout(dot_source, fmt)` is Graphviz compiled to WebAssembly
(@viz-js/viz) and returns the picture as text; `emit(kind, text)` posts one item to the
page's output area ("html": a page shown in a sandboxed iframe, "svg", "text", "error").

`run(code)` runs the learner's code as a notebook cell would: the statements, then the
value of a last bare expression is displayed (a Player as its page, a drawn graph as
SVG, anything else as its repr). An error is shown as a traceback of the learner's own
lines only: the frames inside the playground, the engine or the standard library are
left out, since the learner cannot act on them.

`Trainer` is the training panel: one `nn.fit` call per epoch (so that the worker can
answer Pause between two calls), with an `nn.Snapshots` recorder that streams snapshots
of the parameters to the page as they are taken.
"""

from __future__ import annotations

import ast
import json
import linecache
import math
import sys
import traceback
from collections.abc import Callable
from typing import Any

FILENAME = "<editor>"  # how the learner's code is named in its tracebacks

_layout: Callable[[str, str], str] | None = None
_emit: Callable[[str, str], None] | None = None
_namespace: dict[str, Any] = {}


def setup(layout: Callable[[str, str], str], emit: Callable[[str, str], None]) -> None:
    """Connect the engine's drawing to Graphviz in the browser and the output to the page."""
    global _layout, _emit
    _layout, _emit = layout, emit

    import engine.draw

    def layout_bytes(dot_source: str, fmt: str) -> bytes:
        if fmt != "svg":
            raise ValueError(f"the playground draws SVG only, not {fmt!r}")
        return str(layout(dot_source, fmt)).encode("utf-8")

    # every drawing, draw_dot's display and engine.player lay graphs out through it
    engine.draw.set_layout_engine(layout_bytes)
    reset_namespace()


def reset_namespace() -> None:
    """A fresh namespace for the learner, with `display` as in Jupyter."""
    _namespace.clear()
    _namespace.update(
        {"__name__": "__main__", "__builtins__": __builtins__, "display": display, "input": _input}
    )


def _input(prompt: str = "") -> str:
    """The page has no console to type into."""
    raise RuntimeError("input() cannot read in the playground: write the value into the code")


def display(*objects: Any) -> None:
    """Show each object in the output area, as a notebook would."""
    for obj in objects:
        _show(obj)


def _show(obj: Any) -> None:
    assert _emit is not None and _layout is not None
    if obj is None:
        return
    page = getattr(obj, "html", None)
    if isinstance(page, str) and callable(getattr(obj, "_repr_html_", None)):
        _emit("html", page)  # engine.Player and nn.Report: a whole page of their own
    elif isinstance(getattr(obj, "source", None), str) and hasattr(obj, "pipe"):
        _emit("svg", str(_layout(obj.source, "svg")))  # a graphviz Digraph (draw_dot)
    elif callable(getattr(obj, "_repr_svg_", None)):
        _emit("svg", obj._repr_svg_())
    elif callable(getattr(obj, "_repr_html_", None)):
        _emit("html", obj._repr_html_())
    else:
        _emit("text", repr(obj))


def run(code: str) -> bool:
    """Run the learner's code in the playground's namespace; True when it raised nothing."""
    assert _emit is not None
    # the source goes into linecache so that tracebacks can quote the learner's lines
    lines = code.splitlines(keepends=True)
    linecache.cache[FILENAME] = (len(code), None, lines, FILENAME)
    try:
        tree = ast.parse(code, FILENAME)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, FILENAME, "exec"), _namespace)
        if last is not None:
            _show(eval(compile(last, FILENAME, "eval"), _namespace))
    except BaseException as error:  # noqa: BLE001 - every error of the learner's is shown
        _emit("error", learner_traceback(error))
        return False
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return True


def learner_traceback(error: BaseException) -> str:
    """The traceback of `error` with the learner's frames only, as Python prints it."""
    if isinstance(error, SyntaxError) and error.filename == FILENAME:
        return "".join(traceback.format_exception_only(type(error), error)).rstrip()
    frames = [
        frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == FILENAME
    ]
    text = "Traceback (most recent call last):\n" if frames else ""
    text += "".join(traceback.format_list(frames))
    text += "".join(traceback.format_exception_only(type(error), error))
    if isinstance(error, ModuleNotFoundError):
        text += (
            "(the playground has Python's standard library, chainrule's engine and nn, "
            "and graphviz; nothing else can be installed here)"
        )
    return text.rstrip()


# ---- the training panel --------------------------------------------------------------

OPTIMIZERS = ("adam", "sgd")
BATCH_SIZE = 32
EPOCHS_MAX = 10000  # the Epochs field's largest value (app.js)


def training_code(settings_json: str) -> str:
    """The Python code that trains as the panel does with `settings`, to copy and run: its
    loop runs the `epochs` of the settings (the panel's Epochs field)."""
    from nn.cli import BLOB_CENTERS, DATASETS

    settings = json.loads(settings_json)
    dataset, hidden, activation, lr, optimizer = _checked(settings)
    epochs = _checked_epochs(settings)
    spec = DATASETS[dataset]
    # the call `_data` makes, spelled out
    make = f"make_{dataset}({spec['n_samples']}, noise={spec['noise']!r}, seed=0"
    make += f", centers={BLOB_CENTERS!r})" if dataset == "blobs" else ")"
    loss, outputs = _loss_and_outputs(max(_data(dataset)[1]) + 1)
    sizes = ", ".join(str(n) for n in [*hidden, outputs])
    if optimizer == "adam":
        make_optimizer = f"nn.Adam(model.parameters(), lr={lr!r})"
    else:
        make_optimizer = f"nn.SGD(model.parameters(), lr={lr!r}, momentum=0.9)"
    return (
        "import nn\n"
        "\n"
        f"X, y = nn.datasets.{make}\n"
        f'model = nn.MLP(2, [{sizes}], activation="{activation}", seed=0,\n'
        '               init="pytorch")\n'
        f"optimizer = {make_optimizer}\n"
        "# one epoch per fit call, as the panel runs it\n"
        f"for epoch in range(1, {epochs + 1}):\n"
        f'    nn.fit(model, X, y, loss="{loss}", optimizer=optimizer,\n'
        f"           epochs=1, batch_size={BATCH_SIZE}, seed=epoch)\n"
        "# the loss and accuracy of the weights now, over the training set\n"
        f'loss, accuracy = nn.train.evaluate(model, X, y, "{loss}")\n'
        'print(f"epoch {epoch}: loss {loss:.4f}, accuracy {accuracy:.1%}")\n'
    )


def _data(dataset: str) -> tuple[list[list[float]], list[int]]:
    """The points and labels of `chainrule train`'s data set `dataset`, with its sizes and
    seed 0 (nn/cli.py's DATASETS)."""
    from nn.cli import DATASETS
    from nn.datasets import Dataset

    spec = DATASETS[dataset]
    data: Dataset = spec["make"](spec["n_samples"], noise=spec["noise"], seed=0)
    return data


def _loss_and_outputs(n_classes: int) -> tuple[str, int]:
    """The loss `chainrule train` uses for `n_classes` classes, and the outputs it needs."""
    from nn.train import outputs_for

    loss = "bce" if n_classes == 2 else "ce"
    return loss, outputs_for(loss, n_classes)


def _checked(settings: dict[str, Any]) -> tuple[str, list[int], str, float, str]:
    """The panel's settings, checked; a ValueError names the one that is wrong."""
    from nn.cli import DATASETS
    from nn.module import ACTIVATIONS

    dataset = str(settings.get("dataset"))
    if dataset not in DATASETS:
        raise ValueError(f"data set must be one of {', '.join(DATASETS)}, got {dataset!r}")
    text = str(settings.get("hidden", "")).replace(" ", "")
    try:
        hidden = [int(part) for part in text.split(",")] if text else []
    except ValueError:
        raise ValueError(
            f"hidden sizes must be numbers separated by commas, got {text!r}"
        ) from None
    if any(not 1 <= n <= 64 for n in hidden) or len(hidden) > 4:
        raise ValueError(f"hidden sizes: up to 4 layers of 1 to 64 neurons, got {text!r}")
    activation = str(settings.get("activation"))
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
    try:
        lr = float(settings.get("lr", "nan"))
    except (TypeError, ValueError):
        lr = math.nan
    if not (math.isfinite(lr) and 0 < lr <= 10):
        raise ValueError(f"learning rate must be a number in (0, 10], got {settings.get('lr')!r}")
    optimizer = str(settings.get("optimizer"))
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    return dataset, hidden, activation, lr, optimizer


def _checked_epochs(settings: dict[str, Any]) -> int:
    """The panel's Epochs, checked; a ValueError says what was wrong."""
    text = str(settings.get("epochs", "")).strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= EPOCHS_MAX):
        raise ValueError(
            f"epochs must be a whole number from 1 to {EPOCHS_MAX}, got {settings.get('epochs')!r}"
        )
    return int(text)


class Trainer:
    """The panel's run: the data, the model and its optimizer, trained one epoch a call.

    An `nn.Snapshots` recorder follows the whole run (it counts steps and epochs across
    the one-epoch `fit` calls) and streams each snapshot it takes to `sink` as JSON, while
    `fit` runs: several in each of the first epochs, when the boundary moves most, then
    one per epoch. A snapshot's loss and accuracy are those of its own weights over the
    whole training set.
    """

    def __init__(self, settings_json: str, sink: Callable[[str], object]) -> None:
        import nn

        settings = json.loads(settings_json)
        dataset, hidden, activation, lr, optimizer = _checked(settings)
        self.X, self.y = _data(dataset)
        self.n_classes = max(self.y) + 1
        self.loss, outputs = _loss_and_outputs(self.n_classes)
        self.sizes = [2, *hidden, outputs]
        self.activations = [activation] * len(hidden) + ["linear"]
        self.model = nn.MLP(2, self.sizes[1:], activation=activation, seed=0, init="pytorch")
        self.optimizer: Any
        if optimizer == "adam":
            self.optimizer = nn.Adam(self.model.parameters(), lr=lr)
        else:
            self.optimizer = nn.SGD(self.model.parameters(), lr=lr, momentum=0.9)
        self.epoch = 0
        self.sink = sink
        self.recorder = nn.Snapshots(
            self.model, self.X, self.y, loss=self.loss, n_classes=self.n_classes
        )
        self.latest = self.recorder.snapshots[0]  # epoch 0: before training
        self.recorder.on_record = self._stream

    def _stream(self, snapshot: Any) -> None:
        self.latest = snapshot
        self.sink(self.snapshot())

    def data(self) -> str:
        """The points, the layer sizes and activations, as JSON for the page."""
        return json.dumps(
            {
                "X": self.X,
                "y": self.y,
                "sizes": self.sizes,
                "activations": self.activations,
                "classes": self.n_classes,
            }
        )

    def train_epoch(self) -> None:
        """Run one epoch with `nn.fit`; its snapshots go to the sink as they are taken."""
        import nn

        self.epoch += 1
        nn.fit(
            self.model,
            self.X,
            self.y,
            loss=self.loss,
            optimizer=self.optimizer,
            epochs=1,
            batch_size=BATCH_SIZE,
            seed=self.epoch,
            n_classes=self.n_classes,
            callbacks=[self.recorder],
        )
        if not all(math.isfinite(p.data) for p in self.model.parameters()):
            raise ValueError(
                f"training diverged in epoch {self.epoch}: the weights are no longer "
                "finite; choose a lower learning rate, then Reset"
            )

    def snapshot(self) -> str:
        """The latest snapshot (epoch 0 before training) as JSON."""
        s = self.latest
        return json.dumps(
            {
                "step": s.step,
                "epoch": s.epoch,
                "loss": s.train_loss,
                "accuracy": s.train_accuracy,
                "weights": list(s.parameters),
            }
        )
