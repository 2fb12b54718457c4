"""The `chainrule` command: `chainrule train ...`, `chainrule draw ...`, `chainrule playground`,
`chainrule --version`; `train` (its parser, its argument checks and `run_train`) lives here.

Bad input gets one line on stderr and exit status 2, a run that fails gets one line and
exit status 1, never a traceback; a usage error of `train` ends by pointing at
`chainrule train --help`, and a misspelt name gets "did you mean". `python -m nn` runs
the same command (nn/__main__.py). Ctrl-C prints one line ("interrupted"), exit status 130.

Before anything else the command checks that the `engine` and `nn` it imports are
chainrule's: another PyPI project may install a top-level package of the same name, and
then pip says nothing while `nn.MLP` is gone (or, when that project is uninstalled, so is
chainrule's `nn/__init__.py`). The check says so in one line, with what to do.

`chainrule train` trains an MLP on a toy data set (nn.train's `fit`), tests it on fresh
points from the same distribution, and writes model.json, loss_curve.png,
decision_boundary.png (nn/plots.py) and report.html (nn/report.py). Every size it is given
is checked before any work: a run that would not fit in memory or would take minutes per
epoch is refused with the option to change.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import importlib
import importlib.metadata
import math
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from engine.messages import quote
from nn import datasets
from nn.module import ACTIVATIONS, MLP
from nn.optim import SGD, Adam, Optimizer
from nn.plots import plot_decision_boundary, plot_loss_curve
from nn.report import training_report
from nn.train import (
    LOSSES,
    EpochEnd,
    Snapshots,
    accuracy,
    fit,
    format_accuracy,
    format_loss,
    outputs_for,
)

try:  # `init=` is new in nn.module; without it every MLP starts the one way it knows
    from nn.module import INITS as _INITS
except ImportError:
    _INITS = {}

__all__ = [
    "main",
    "build_parser",
    "version",
    "check_packages",
    "DATASETS",
    "add_train_parser",
    "run_train",
    "estimate_run_bytes",
    "check_run",
]

DISTRIBUTION = "chainrule"
EXIT_FAILED = 1
EXIT_USAGE = 2

# names that chainrule's own packages define; a package of the same name from another
# project lacks them
MARKERS: dict[str, tuple[str, ...]] = {
    "engine": ("Value", "no_grad", "grad", "draw_dot"),
    "nn": ("MLP", "Module", "datasets"),
}
REINSTALL = f"pip install --force-reinstall --no-deps {DISTRIBUTION}"

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
# ... and when it would take too long: one pass of a point through a parameter (forward,
# backward, step) measured at ~4e-7 s for the default moons run, a forward pass without
# a graph at ~2e-7 s; one epoch, or the test, over MAX_EPOCH_SECONDS is refused. The
# page embeds every point, so each set is at most MAX_POINTS.
SECONDS_PER_POINT_AND_PARAMETER = 4e-7
TEST_SECONDS_PER_POINT_AND_PARAMETER = 2e-7
MAX_EPOCH_SECONDS = 10
MAX_POINTS = 100_000


def version() -> str:
    """The installed version of chainrule, from the installed metadata."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown (not installed)"


def check_packages() -> tuple[str | None, str | None]:
    """`(error, warning)`, each one line or None.

    error: the imported `engine` or `nn` is not chainrule's (it lacks chainrule's names, or
    it comes from another folder than this file's); the command cannot run.
    warning: ours is in place, but another installed distribution also ships a top-level
    `engine` or `nn`, whose install or uninstall would break chainrule.
    """
    home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name, markers in MARKERS.items():
        expected = os.path.join(home, name, "__init__.py")
        try:
            module = importlib.import_module(name)
        except Exception as error:  # a foreign package can fail in any way while importing
            return (
                f"cannot import chainrule's {name!r} package ({type(error).__name__}: "
                f"{error}); another project may have replaced it: {REINSTALL}",
                None,
            )
        where = getattr(module, "__file__", None)
        missing = [m for m in markers if not hasattr(module, m)]
        same_file = _same_file(where, expected)
        if missing or not same_file:
            found = where or "a folder without __init__.py"
            others = _other_distributions(name)
            culprit = f" (installed by {', '.join(others)})" if others else ""
            return (
                f"the {name!r} package imported from {found} is not chainrule's{culprit}; "
                f"another project installs a top-level {name!r} too: uninstall it, then "
                f"{REINSTALL}",
                None,
            )
    for name in MARKERS:
        others = _other_distributions(name)
        if others:
            return None, (
                f"{', '.join(others)} also installs a top-level {name!r} package, which can "
                f"replace or delete chainrule's; uninstall it, then {REINSTALL}"
            )
    return None, None


def _same_file(a: str | None, b: str) -> bool:
    """Whether `a` and `b` name the same existing file (symlinks and all)."""
    if not a:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:  # either is missing: not the same file
        return False


def _other_distributions(name: str) -> list[str]:
    """Installed distributions other than chainrule that provide top-level `name`."""
    providers = _providers().get(name, [])
    return sorted({p for p in providers if p.lower() != DISTRIBUTION})


@functools.lru_cache(maxsize=1)
def _providers() -> Mapping[str, list[str]]:
    """Top-level import name -> distributions, read once per process: reading every
    installed distribution's file list takes about 0.15 s."""
    try:
        return importlib.metadata.packages_distributions()
    except Exception:  # broken metadata of some other package must not stop the command
        return {}


def build_parser() -> argparse.ArgumentParser:
    """The `chainrule` parser with its `train`, `draw` and `playground` subcommands."""
    # one-line usage errors for every subcommand; engine.cli imports graphviz only to draw
    from engine.cli import OneLineErrorParser, add_draw_parser
    from nn.playground import add_playground_parser

    parser = OneLineErrorParser(
        prog="chainrule",
        description="chainrule: scalar autodiff and small neural networks, for learning "
        "backpropagation.",
    )
    parser.add_argument("--version", action="version", version=f"{DISTRIBUTION} {version()}")
    # subparsers made from a OneLineErrorParser inherit its one-line errors
    subparsers = parser.add_subparsers(dest="command", metavar="{train,draw,playground}")
    subparsers.required = True
    add_train_parser(subparsers)
    add_draw_parser(subparsers)
    add_playground_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`); returns the exit status:
    0 done, 1 a run that failed, 2 a usage error, 130 interrupted (Ctrl-C)."""
    try:
        return _main(argv)
    except KeyboardInterrupt:  # also while a subcommand's modules are still being imported
        print("chainrule: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    error, warning = check_packages()
    if error is not None:
        print(f"chainrule: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    if warning is not None:
        print(f"chainrule: warning: {warning}", file=sys.stderr)
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args, extras = parser.parse_known_args(arguments)
        if extras and args.command != "train":
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
    except SystemExit as stop:  # argparse exits on --help/--version (0) and usage errors (2)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    if args.command == "train":
        if extras:
            return _usage_error(_unrecognized(extras))
        return run_train(args, arguments[arguments.index("train") + 1 :])
    if args.command == "playground":
        from nn.playground import run_playground

        return run_playground(args)
    from engine.cli import run_draw

    return run_draw(args)


# ---- chainrule train ------------------------------------------------------------------


def _suggestion(word: str, known: Sequence[str]) -> str:
    """ "; did you mean 'x'?" for the closest of `known`, or "" when none is close."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean {quote(close[0])}?" if close else ""


def _choice(what: str, options: Sequence[str]) -> Callable[[str], str]:
    """An argparse type that accepts one of `options` and says "did you mean" otherwise."""

    def check(text: str) -> str:
        if text in options:
            return text
        hint = _suggestion(text.lower(), options) or _suggestion(text, options)
        raise argparse.ArgumentTypeError(
            f"unknown {what} {quote(text)}{hint} (choose from {', '.join(options)})"
        )

    return check


def _add_choice(
    parser: argparse.ArgumentParser,
    flag: str,
    what: str,
    options: Sequence[str],
    default: str | None,
    help: str,
) -> None:
    """Add option `flag` taking one of `options` (listed in the usage), checked by `_choice`."""
    parser.add_argument(
        flag,
        type=_choice(what, options),
        metavar="{" + ",".join(options) + "}",
        default=default,
        help=help,
    )


def _unrecognized(extras: Sequence[str]) -> str:
    """The usage error for arguments `chainrule train` does not know, with the nearest
    option for a misspelt one."""
    options = [o for a in _train_parser()._actions for o in a.option_strings]
    message = f"unrecognized arguments: {' '.join(extras)}"
    for extra in extras:
        if extra.startswith("-"):
            return message + _suggestion(extra.split("=", 1)[0], options)
    return message


def _train_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chainrule")
    return add_train_parser(parser.add_subparsers())


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
    _add_choice(
        parser, "--dataset", "data set", sorted(DATASETS), "moons", "data set (default: moons)"
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
    hidden_activations = [a for a in ACTIVATIONS if a != "linear"]
    _add_choice(
        parser,
        "--activation",
        "activation",
        hidden_activations,
        "relu",
        "activation of the hidden layers (default: relu)",
    )
    _add_choice(
        parser,
        "--loss",
        "loss",
        LOSSES,
        None,
        "default: bce for two classes, ce (cross-entropy) for more",
    )
    _add_choice(
        parser, "--optimizer", "optimizer", ("sgd", "adam"), "adam", "optimizer (default: adam)"
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
        _add_choice(
            parser, "--init", "init", sorted(_INITS), INIT, f"initial weights (default: {INIT})"
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
    parameters = _count_parameters(layer_sizes)
    batch = min(batch_size, n_samples)
    return (
        parameters * BYTES_PER_PARAMETER
        + batch * parameters * GRAPH_BYTES_PER_POINT_AND_PARAMETER
        + (n_samples + n_test) * BYTES_PER_DATA_POINT
    )


def _count_parameters(layer_sizes: Sequence[int]) -> int:
    # a layer of b neurons with a inputs each: a weights and a bias per neuron
    return sum((a + 1) * b for a, b in zip(layer_sizes, layer_sizes[1:]))


def check_run(
    dataset: str,
    n_samples: int,
    n_test: int,
    hidden: Sequence[int],
    batch_size: int,
    optimizer: str = "adam",
    momentum: float | None = None,
) -> str | None:
    """The usage error in a `chainrule train` run of these sizes, or None; nothing is made.

    Every size is checked: the data sets' smallest counts, the memory the run would hold
    (`estimate_run_bytes`), the points the page embeds (at most `MAX_POINTS` each), and
    the time one epoch (`MAX_EPOCH_SECONDS`) and the test would take, estimated from
    points times parameters.
    """
    minimum = DATASETS[dataset]["min"]
    if n_samples < minimum:
        return f"--n-samples must be at least {minimum} for {dataset}, got {n_samples}"
    if n_test < minimum:
        return f"--n-test must be at least {minimum} for {dataset}, got {n_test}"
    if momentum is not None and optimizer != "sgd":
        return f"--momentum is for --optimizer sgd; {optimizer} does not use it"
    # the widest output layer any loss needs (ce with one output per class)
    n_outputs = 3 if dataset in ("spirals", "blobs") else 2
    layer_sizes = [2, *hidden, n_outputs]
    needed = estimate_run_bytes(n_samples, n_test, layer_sizes, batch_size)
    if needed > MEMORY_LIMIT_BYTES:
        # name the options behind the largest part of the estimate
        data = estimate_run_bytes(n_samples, n_test, [2], batch_size)
        if data >= needed - data:
            culprits = "--n-samples" if n_samples >= n_test else "--n-test"
        else:
            culprits = "--hidden (or --batch-size)"
        return (
            f"this run would need about {_gigabytes(needed)} of memory, over the limit of "
            f"{_gigabytes(MEMORY_LIMIT_BYTES)}; use a smaller {culprits}"
        )
    for flag, count in (("--n-samples", n_samples), ("--n-test", n_test)):
        if count > MAX_POINTS:
            return (
                f"{flag} {count:,} is over the limit of {MAX_POINTS:,} points (the replay "
                f"page holds them all); use a smaller {flag}"
            )
    parameters = _count_parameters(layer_sizes)
    for flag, count, cost, what in (
        ("--n-samples", n_samples, SECONDS_PER_POINT_AND_PARAMETER, "one epoch"),
        ("--n-test", n_test, TEST_SECONDS_PER_POINT_AND_PARAMETER, "testing"),
    ):
        seconds = count * parameters * cost
        if seconds > MAX_EPOCH_SECONDS:
            culprit = (
                f"--hidden (or {flag})" if parameters > 10 * count else f"{flag} (or --hidden)"
            )
            return (
                f"{what} of {count:,} points on {parameters:,} parameters would take about "
                f"{seconds:,.1f} s, over the limit of {MAX_EPOCH_SECONDS} s; use a smaller "
                f"{culprit}"
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
    problem = check_run(
        args.dataset,
        n_samples,
        args.n_test,
        args.hidden,
        args.batch_size,
        args.optimizer,
        args.momentum,
    )
    if problem is not None:
        return _usage_error(problem)
    try:
        X, y = _make_data(args.dataset, n_samples, noise, args.seed)
        # fresh points from the same distribution: a different seed, the same generator
        X_test, y_test = _make_data(args.dataset, args.n_test, noise, args.seed + 1_000_003)
    except (ValueError, OverflowError) as error:
        return _usage_error(f"cannot make the {args.dataset} data: {error}")
    if not _finite_extent([*X, *X_test]):
        return _usage_error(
            f"--noise {noise:g} makes the data non-finite (points at infinity, or so far "
            "apart that their distance overflows); use a smaller --noise"
        )
    out_dir = args.out or os.path.join("runs", args.dataset)
    outputs = ("model.json", "loss_curve.png", "decision_boundary.png", "report.html")
    problem = _check_out_dir(out_dir, outputs)
    if problem is not None:
        return _usage_error(problem)
    paths = {name: os.path.join(out_dir, name) for name in outputs}

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
    snapshots = recorder.snapshots
    page = functools.partial(
        training_report,
        model,
        X,
        y,
        snapshots=snapshots,
        X_test=X_test,
        y_test=y_test,
        command=command,
        settings=settings,
        loss=loss,
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
            f"chainrule train: error: training diverged ({what}); try a lower --lr than "
            f"{lr:g}" + (" or less --noise" if noise > 100 * spec["noise"] else ""),
            file=sys.stderr,
        )
        last = snapshots[-1]
        # the page ends at the last finite snapshot, drawn with its weights
        for p, value in zip(model.parameters(), last.parameters):
            p.data = value
        whole_epochs = int(last.epoch)
        finite = {
            "loss": [end.loss for end in finite_ends[:whole_epochs]],
            "accuracy": [end.accuracy for end in finite_ends[:whole_epochs]],
        }
        final = {"train": last.train_accuracy}
        try:
            report = page(finite, title=f"{args.dataset} (diverged)", final_accuracy=final)
            report.save(paths["report.html"])
        except (OSError, ValueError) as error:
            print(
                f"chainrule train: error: cannot write {quote(paths['report.html'])}: "
                f"{getattr(error, 'strerror', None) or error}",
                file=sys.stderr,
            )
            return EXIT_FAILED
        print(f"wrote {paths['report.html']} (up to epoch {_epoch_text(last.epoch)})")
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
    failed = False
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
        except (ArithmeticError, ValueError) as error:  # huge data: matplotlib's limits
            print(f"chainrule train: error: cannot draw the pictures: {error}", file=sys.stderr)
            failed = True
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
    return EXIT_FAILED if failed else 0


def _finite_extent(points: Sequence[Sequence[float]]) -> bool:
    """Whether every coordinate, and the spread of the points along each axis, is finite:
    the plane the pictures and the page draw spans it."""
    for axis in range(2):
        values = [p[axis] for p in points]
        if not all(map(math.isfinite, values)) or not math.isfinite(max(values) - min(values)):
            return False
    return True


def _epoch_text(epoch: float) -> str:
    return f"{epoch:g}" if epoch == int(epoch) else f"{epoch:.2f}"


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
    print(f"chainrule train: error: {message} (see chainrule train --help)", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
