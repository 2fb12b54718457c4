"""`chainrule draw`: draw the graph of an expression, with data and gradients, to a file.

    chainrule draw "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o graph.svg
    chainrule draw "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o page.html

The expression is parsed by `engine.expression` (a whitelist over Python's syntax tree,
never `eval`), computed on Values, differentiated with `backward()` and drawn with
`draw_dot`; `-o page.html` writes the `engine.player` page instead, which steps through
both passes. An expression may start with `-` (`"-x*w"`, also after `--`).

Errors are one line on stderr, `chainrule draw: error: ...`, never a traceback: exit
status 2 for a usage error (a bad expression or option), 1 for a run that failed
(Graphviz failed or is missing, the file cannot be written). Files are written atomically
(`engine.files.write_atomic`): a failed write leaves an existing file as it was.

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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from engine.draw import RANKDIRS, GraphvizNotFoundError, RenderTimeoutError, draw_dot, render
from engine.expression import (
    FUNCTIONS,
    MAX_LENGTH,
    ExpressionError,
    UnsetVariableError,
    build_graph,
    quote_names,
)
from engine.files import write_atomic
from engine.messages import QUOTE_LIMIT, quote

__all__ = [
    "OneLineErrorParser",
    "UsageError",
    "add_draw_parser",
    "main",
    "parse_assignments",
    "run_draw",
]

PROG = "chainrule draw"
EXIT_FAILURE = 1
EXIT_USAGE = 2
COLOR_BY_CHOICES = ("role", "grad")
# expressions are at most MAX_LENGTH characters, so their graphs are small: every
# character makes at most one Value
MAX_NODES = MAX_LENGTH + 1
OUTPUT_FORMATS = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": "dot",
    ".gv": "dot",
    ".html": "html",
    ".htm": "html",
}
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
    errors are one line too when the top-level parser is one of these. A parser whose
    `dash_positional` names a positional argument takes a value starting with `-` for it
    (see `add_draw_parser`).
    """

    # the dest of the positional argument that may start with "-" (None: argparse's rules)
    dash_positional: str | None = None

    def error(self, message: str) -> NoReturn:
        """Print `message` as one line (cut if huge: it may quote the user's input), exit 2."""
        message = " ".join(message.split())
        if len(message) > 2 * QUOTE_LIMIT:
            message = f"{message[: 2 * QUOTE_LIMIT]}... (cut)"
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        """argparse's parse, except that a `dash_positional` value may start with `-`."""
        if self.dash_positional is None:
            return super().parse_known_args(args, namespace)
        arguments = list(sys.argv[1:] if args is None else args)
        found = _dash_positional(arguments, self._option_values())
        if found is None:
            return super().parse_known_args(arguments, namespace)
        index, text = found
        # put first, and hidden from argparse's option test by a leading space; taken
        # out again below (the expression's parser strips spaces anyway)
        del arguments[index]
        if index > 0 and arguments[index - 1] == "--":
            del arguments[index - 1]
        parsed, extras = super().parse_known_args([" " + text, *arguments], namespace)
        if getattr(parsed, self.dash_positional, None) == " " + text:
            setattr(parsed, self.dash_positional, text)
        return parsed, extras

    def _option_values(self) -> dict[str, int | str | None]:
        """Each option string of this parser, with how many values it takes (nargs)."""
        return {
            option: action.nargs for action in self._actions for option in action.option_strings
        }


def _dash_positional(
    arguments: list[str], options: dict[str, int | str | None]
) -> tuple[int, str] | None:
    """Where the positional argument is, and its text, when argparse would misread it: the
    argument after the first `--`, or else the first one that starts with `-` and is
    neither an option of the parser (`-o`, `-ofile`, `--set`, `--output=...`) nor the
    value of one."""
    if "--" in arguments:
        index = arguments.index("--") + 1
        return (index, arguments[index]) if index < len(arguments) else None
    skip_next = False
    for index, argument in enumerate(arguments):
        if skip_next:
            skip_next = False
        elif argument.startswith("--") or argument[:2] in options:
            # an option; one of exactly one value (nargs None) takes the next argument
            skip_next = argument in options and options[argument] is None
        elif argument.startswith("-") and len(argument) > 1:
            return index, argument
    return None


def add_draw_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `draw` subcommand on an argparse subparsers object; returns its parser.

    The parser's defaults hold `run=run_draw`, so a dispatcher can call `args.run(args)`.
    When the parser is a `OneLineErrorParser` (a dispatcher built on one makes its
    subparsers so), the expression may start with `-`.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "draw",
        help="draw the computation graph of an expression, with data and gradients",
        description=(
            "Compute an expression on Values, run backward() and draw the graph, or write "
            "a page that steps through the forward and backward pass (-o page.html). "
            f"Allowed: numbers, variables, + - * / **, unary -, and {', '.join(FUNCTIONS)}."
        ),
        epilog=(
            "exit status: 0 done, 1 the run failed (Graphviz, writing the file), 2 a usage "
            f"error. Example: {EXAMPLE}"
        ),
    )
    # the expression is optional for argparse so that a missing one gets our one-line error
    parser.add_argument(
        "expression", nargs="?", help='e.g. "tanh(x*w + b)"; may start with - ("-x*w")'
    )
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
        help="file to write: .svg, .png, .pdf, .dot (DOT source) or .html (a page that "
        "steps through both passes) (default: %(default)s)",
    )
    parser.add_argument(
        "--rankdir",
        default="LR",
        type=_choice("--rankdir", RANKDIRS, str.upper),
        choices=RANKDIRS,
        help="LR: left to right, TB: top to bottom (default: %(default)s)",
    )
    parser.add_argument(
        "--color-by",
        default=None,
        type=_choice("--color-by", COLOR_BY_CHOICES, str.lower),
        choices=COLOR_BY_CHOICES,
        help="fill the nodes by role (input, parameter, constant, output) or by the sign "
        "and size of their gradient (default: no fill); pictures only",
    )
    parser.add_argument(
        "--edge-labels",
        action="store_true",
        help="label every edge with the local derivative d(out)/d(in) (default: off; "
        "always on in an .html page)",
    )
    parser.set_defaults(run=run_draw)
    if isinstance(parser, OneLineErrorParser):
        parser.dash_positional = "expression"
    return parser


def _choice(
    option: str, choices: tuple[str, ...], normalize: Callable[[str], str]
) -> Callable[[str], str]:
    """An argparse `type` that accepts `choices` in any case and refuses anything else with
    a message that quotes the input at a bounded length (argparse's own quotes it whole)."""

    def convert(text: str) -> str:
        value = normalize(text)
        if value not in choices:
            raise argparse.ArgumentTypeError(
                f"invalid choice: {quote(text)} (choose from {', '.join(choices)})"
            )
        return value

    convert.__name__ = option.lstrip("-")  # argparse names the type in some messages
    return convert


def run_draw(args: argparse.Namespace) -> int:
    """Run `chainrule draw` with parsed arguments; returns the exit status (0 done, 1 the
    run failed, 2 a usage error)."""
    try:
        message = _draw(args)
    except (UsageError, ExpressionError) as error:
        return _fail(str(error), EXIT_USAGE)
    except (GraphvizNotFoundError, RenderTimeoutError) as error:
        return _fail(str(error), EXIT_FAILURE)
    except subprocess.CalledProcessError as error:
        return _fail(
            f"Graphviz failed (exit status {error.returncode}): {error.stderr or ''}",
            EXIT_FAILURE,
        )
    except OSError as error:
        return _fail(f"cannot write {quote(args.output)}: {error.strerror or error}", EXIT_FAILURE)
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
            raise UsageError(f"--set needs NAME=VALUE, got {quote(item)}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise UsageError(f"--set: {quote(name)} is not a valid variable name")
        if name in FUNCTIONS:
            raise UsageError(f"--set: {quote(name)} is a function name, not a variable")
        if name in variables:
            raise UsageError(f"--set: {quote(name)} is set twice")
        try:
            value = float(text)
        except ValueError:
            raise UsageError(f"--set: {quote(name)} = {quote(text)} is not a number") from None
        if not math.isfinite(value):
            raise UsageError(f"--set: {quote(name)} = {quote(text)} is not a finite number")
        variables[name] = value
    return variables


def _draw(args: argparse.Namespace) -> str:
    if args.expression is None:
        raise UsageError(f"no expression given; e.g. {EXAMPLE}")
    variables = parse_assignments(args.assignments)
    output = Path(args.output)
    output_format = OUTPUT_FORMATS.get(output.suffix.lower())
    if output_format is None:
        known = ", ".join(OUTPUT_FORMATS)
        raise UsageError(f"cannot tell the format of {quote(args.output)}: end it in {known}")
    if output_format == "html" and args.color_by is not None:
        raise UsageError("--color-by applies to pictures, not to the .html page (its own colours)")

    try:
        root, leaves = build_graph(args.expression, variables)
    except ExpressionError as error:
        if isinstance(error, UnsetVariableError):
            hint = quote_names(error.names, "{}=VALUE", " ")
            raise UsageError(f"{error}; set with --set {hint}") from None
        raise
    root.backward()
    if output_format == "html":
        # imported here: the player reads its page's files only when it is used
        from engine.player import player

        page = player(
            root,
            max_nodes=MAX_NODES,
            rankdir=args.rankdir,
            title=args.expression.strip(),
            timeout=RENDER_TIMEOUT_SECONDS,
        )
        content: str | bytes = page.html
    else:
        graph = draw_dot(
            root,
            rankdir=args.rankdir,
            color_by=args.color_by,
            edge_labels=args.edge_labels,
            max_nodes=MAX_NODES,
        )
        if output_format == "dot":
            content = graph.source
        else:
            content = render(graph, output_format, timeout=RENDER_TIMEOUT_SECONDS)
    # rendered in full before the file is touched, then swapped in whole
    write_atomic(output, content)

    lines = [f"{args.expression.strip()} = {root.data:.6g}"]
    lines += [f"  d/d{name} = {leaf.grad:.6g}" for name, leaf in leaves.items()]
    lines.append(f"wrote {output}")
    return "\n".join(lines)


def _fail(message: str, status: int) -> int:
    one_line = " ".join(message.split())
    # the parts quoted from the user are cut already; Graphviz's stderr may echo more
    if len(one_line) > 4 * QUOTE_LIMIT:
        one_line = f"{one_line[: 4 * QUOTE_LIMIT]}... (cut)"
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
