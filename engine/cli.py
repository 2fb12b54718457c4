"""`chainrule draw`: draw the graph of an expression, with data and gradients, to a file.

    chainrule draw "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o graph.svg

The expression is parsed by `engine.expression` (a whitelist over Python's syntax tree,
never `eval`), computed on Values, differentiated with `backward()` and drawn with
`draw_dot`. Any bad input ends with one line on stderr, `chainrule draw: error: ...`,
and exit status 2, never a traceback.

The top-level `chainrule` command (nn/cli.py) registers this subcommand with
`add_draw_parser` and runs it with `run_draw`; `python -m engine.cli draw ...` works on
its own through `main`.
"""

from __future__ import annotations

import argparse
import keyword
import math
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from engine.draw import GraphvizNotFoundError, RenderTimeoutError, draw_dot, render
from engine.expression import FUNCTIONS, MAX_LENGTH, ExpressionError, build_graph

__all__ = ["OneLineErrorParser", "add_draw_parser", "run_draw", "main"]

PROG = "chainrule draw"
EXIT_USAGE = 2
# expressions are at most MAX_LENGTH characters, so their graphs are small: every
# character makes at most one Value
MAX_NODES = MAX_LENGTH + 1
OUTPUT_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}
# Graphviz lays out most graphs in well under a second, but some shapes (one variable
# used by every op of a long chain) take it minutes: give up rather than hang
RENDER_TIMEOUT_SECONDS = 30.0
EXAMPLE = 'chainrule draw "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o graph.svg'


class UsageError(Exception):
    """Bad command-line input; the message is the one line the user sees."""


class OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit status 2), like
    every other error of the command, instead of the usage text followed by the error.

    Subparsers made from it are of the same class, so `chainrule draw`'s own argument
    errors are one line too when the top-level parser is one of these.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_draw_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `draw` subcommand on an argparse subparsers object; returns its parser.

    The parser's defaults hold `run=run_draw`, so a dispatcher can call `args.run(args)`.
    """
    parser = subparsers.add_parser(
        "draw",
        help="draw the computation graph of an expression, with data and gradients",
        description=(
            "Compute an expression on Values, run backward() and draw the graph. "
            f"Allowed: numbers, variables, + - * / **, unary -, and {', '.join(FUNCTIONS)}."
        ),
        epilog=f"example: {EXAMPLE}",
    )
    # the expression is optional for argparse so that a missing one gets our one-line error
    parser.add_argument("expression", nargs="?", help='e.g. "tanh(x*w + b)"')
    parser.add_argument(
        "--set",
        dest="assignments",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="values of the variables, e.g. --set x=2 w=-3 b=6.88",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="file to write: .svg (default graph.svg), .png, .pdf, or .dot for DOT source",
    )
    parser.add_argument("--rankdir", default="LR", help="LR (left to right, default) or TB")
    parser.add_argument("--color-by", default=None, help="role or grad")
    parser.add_argument(
        "--edge-labels",
        action="store_true",
        help="label every edge with the local derivative d(out)/d(in)",
    )
    parser.set_defaults(run=run_draw)
    return parser


def run_draw(args: argparse.Namespace) -> int:
    """Run `chainrule draw` with parsed arguments; returns the exit status."""
    try:
        message = _draw(args)
    except (UsageError, ExpressionError, GraphvizNotFoundError, RenderTimeoutError) as error:
        return _fail(str(error))
    except subprocess.CalledProcessError as error:
        return _fail(f"Graphviz failed (exit status {error.returncode}): {error.stderr or ''}")
    except OSError as error:
        return _fail(f"cannot write {args.output}: {error.strerror or error}")
    print(message)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m engine.cli draw ...`: a parser with only the draw subcommand."""
    parser = OneLineErrorParser(prog="chainrule", description="chainrule's graph drawer")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_draw_parser(subparsers)
    args = parser.parse_args(argv)
    return run_draw(args)


def parse_assignments(assignments: Sequence[str]) -> dict[str, float]:
    """`["x=2", "w=-3"]` -> `{"x": 2.0, "w": -3.0}`; UsageError for anything else."""
    variables: dict[str, float] = {}
    for item in assignments:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals:
            raise UsageError(f"--set needs NAME=VALUE, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise UsageError(f"--set: {name!r} is not a valid variable name")
        if name in FUNCTIONS:
            raise UsageError(f"--set: {name!r} is a function name, not a variable")
        if name in variables:
            raise UsageError(f"--set: {name} is set twice")
        try:
            value = float(text)
        except ValueError:
            raise UsageError(f"--set: {name}={text!r} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"--set: {name}={text} is not a finite number")
        variables[name] = value
    return variables


def _draw(args: argparse.Namespace) -> str:
    if args.expression is None:
        raise UsageError(f"no expression given; e.g. {EXAMPLE}")
    variables = parse_assignments(args.assignments)
    rankdir = args.rankdir.upper()
    if rankdir not in ("LR", "TB"):
        raise UsageError(f"--rankdir must be LR or TB, got {args.rankdir!r}")
    if args.color_by not in (None, "role", "grad"):
        raise UsageError(f"--color-by must be role or grad, got {args.color_by!r}")
    output = Path(args.output)
    output_format = OUTPUT_FORMATS.get(output.suffix.lower())
    if output_format is None:
        known = ", ".join(OUTPUT_FORMATS)
        raise UsageError(f"cannot tell the format of {args.output!r}: end it in {known}")

    try:
        root, leaves = build_graph(args.expression, variables)
    except ExpressionError as error:
        if getattr(error, "names", None):
            hint = " ".join(f"{name}=VALUE" for name in error.names)  # type: ignore[attr-defined]
            raise UsageError(f"{error}; set with --set {hint}") from None
        raise
    root.backward()
    graph = draw_dot(
        root,
        rankdir=rankdir,
        color_by=args.color_by,
        edge_labels=args.edge_labels,
        max_nodes=MAX_NODES,
    )
    if output_format == "dot":
        content = graph.source.encode("utf-8")
    else:
        # rendered before the file is opened: a failure leaves no half-written file
        content = render(graph, output_format, timeout=RENDER_TIMEOUT_SECONDS)
    output.write_bytes(content)

    lines = [f"{args.expression.strip()} = {root.data:.6g}"]
    lines += [f"  d/d{name} = {leaf.grad:.6g}" for name, leaf in leaves.items()]
    lines.append(f"wrote {output}")
    return "\n".join(lines)


def _fail(message: str) -> int:
    one_line = " ".join(message.split())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
