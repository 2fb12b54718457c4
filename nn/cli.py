"""The `chainrule` command: `chainrule train ...` and `chainrule draw ...`.

Bad input gets one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`chainrule train: error: ...`), status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from nn.train import add_train_parser

    parser = _Parser(
        prog="chainrule",
        description="chainrule: scalar autodiff and small neural networks, for learning "
        "backpropagation.",
    )
    # subparsers made from _Parser inherit the one-line errors
    subparsers = parser.add_subparsers(dest="command", metavar="{train,draw}")
    subparsers.required = True
    add_train_parser(subparsers)
    try:
        # the draw command lives with the engine; imported here so `train` never needs it
        from engine.cli import add_draw_parser
    except ModuleNotFoundError as error:
        if error.name != "engine.cli":  # a real bug inside engine.cli must not be hidden
            raise
    else:
        add_draw_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits on --help (0) and on usage errors (2)
        return stop.code if isinstance(stop.code, int) else 2
    try:
        if args.command == "train":
            from nn.train import run_train

            return run_train(args)
        from engine.cli import run_draw

        return run_draw(args)
    except KeyboardInterrupt:
        print("chainrule: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
