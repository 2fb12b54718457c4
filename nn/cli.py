"""The `chainrule` command: `chainrule train ...` and `chainrule draw ...`.

Bad input gets one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

# one-line usage errors for every subcommand; engine.cli imports graphviz only to draw
from engine.cli import OneLineErrorParser, add_draw_parser

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    from nn.train import add_train_parser

    parser = OneLineErrorParser(
        prog="chainrule",
        description="chainrule: scalar autodiff and small neural networks, for learning "
        "backpropagation.",
    )
    # subparsers made from a OneLineErrorParser inherit its one-line errors
    subparsers = parser.add_subparsers(dest="command", metavar="{train,draw}")
    subparsers.required = True
    add_train_parser(subparsers)
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
