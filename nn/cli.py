"""The `chainrule` command: `chainrule train ...`, `chainrule draw ...`, `chainrule playground`,
`chainrule --version`.

Bad input gets one line on stderr and exit status 2, a run that fails gets one line and
exit status 1, never a traceback. `python -m nn` runs the same command (nn/__main__.py).

Before anything else the command checks that the `engine` and `nn` it imports are
chainrule's: another PyPI project may install a top-level package of the same name, and
then pip says nothing while `nn.MLP` is gone (or, when that project is uninstalled, so is
chainrule's `nn/__init__.py`). The check says so in one line, with what to do.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.metadata
import os
import sys
from collections.abc import Mapping, Sequence

__all__ = ["main", "build_parser", "version", "check_packages"]

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
    """The `chainrule` parser with its `train` and `draw` subcommands."""
    # one-line usage errors for every subcommand; engine.cli imports graphviz only to draw
    from engine.cli import OneLineErrorParser, add_draw_parser
    from nn.playground import add_playground_parser
    from nn.train import add_train_parser

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
    0 done, 1 a run that failed, 2 a usage error."""
    error, warning = check_packages()
    if error is not None:
        print(f"chainrule: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    if warning is not None:
        print(f"chainrule: warning: {warning}", file=sys.stderr)
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as stop:  # argparse exits on --help/--version (0) and usage errors (2)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    try:
        if args.command == "train":
            from nn.train import run_train

            return run_train(args, arguments[1:])
        if args.command == "playground":
            from nn.playground import run_playground

            return run_playground(args)
        from engine.cli import run_draw

        return run_draw(args)
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
