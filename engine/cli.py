"""`chainrule draw`: draw the graph of an expression, with data and gradients, to a file.

    chainrule draw "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o graph.svg
    chainrule draw "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o page.html
    chainrule draw "tanh(x*w + b)" --set x=2 w=-3 b=6.88 --frames slides --font-size 20

The expression is parsed by `engine.expression` (a whitelist over Python's syntax tree,
never `eval`), computed on Values, differentiated with `backward()` and drawn with
`draw_dot`; `-o page.html` writes the `engine.player` page instead, which steps through
both passes, and `--frames DIR` writes one picture per backward step
(`engine.save_backward_frames`), for slides and handouts.

Where the expression may stand: anywhere among the options, also after the `--set` values
(`--set x=2 w=-3 "tanh(x*w + b)"`: the one item without `=` is the expression), and it may
start with `-` (`"-x*w"`, `"--x"`, also after `--`). An argument that starts with `--` is
an option when it is one, or looks like a misspelt one (`--rankdr`, `--no-such-option`:
"did you mean"); otherwise it is the expression.

Errors are one line on stderr, `chainrule draw: error: ...`, never a traceback: exit
status 2 for a usage error (a bad expression or option, a `--set` name the expression
does not use), 1 for a run that failed (Graphviz failed or is missing, a file cannot be
written). Files are written atomically (`engine.files.write_atomic`): a failed write
leaves an existing file as it was; the frames appear in their folder together, or not at
all.

The top-level `chainrule` command (nn/cli.py) registers this subcommand with
`add_draw_parser` and runs it with `run_draw`; `python -m engine.cli draw ...` works on
its own through `main`.
"""

from __future__ import annotations

import argparse
import keyword
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from engine.autograd import topological_order
from engine.draw import (
    RANKDIRS,
    GraphvizNotFoundError,
    RenderTimeoutError,
    draw_dot,
    render,
    save_backward_frames,
)
from engine.expression import (
    FUNCTIONS,
    MAX_LENGTH,
    ExpressionError,
    UnsetVariableError,
    build_graph,
    closest_name,
    parse,
    quote_names,
    variable_names,
)
from engine.files import write_atomic
from engine.messages import QUOTE_LIMIT, quote
from engine.value import Value

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
# the formats of --frames: pictures; the frames take -o's when it is one of these
FRAME_FORMATS = ("svg", "png", "pdf")
# draw_dot's range of font sizes, in points
FONT_SIZES = (1.0, 200.0)
# Graphviz lays out most graphs in well under a second, but some shapes (one variable
# used by every op of a long chain) take it minutes: give up rather than hang
RENDER_TIMEOUT_SECONDS = 30.0
# all the frames together: one picture per Value, so a long expression would otherwise
# take many times the limit of one picture
FRAMES_TIMEOUT_SECONDS = 120.0
EXAMPLE = 'chainrule draw "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o graph.svg'
# an argument such as --rankdir or --no-such-option: a word, perhaps with a value
_OPTION_WORD = re.compile(r"--([^\W\d_][\w-]*)(=.*)?", re.DOTALL)


class UsageError(Exception):
    """Bad command-line input; the message is the one line the user sees."""


class OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit status 2), like
    every other error of the command, instead of the usage text followed by the error.

    Subparsers made from it are of the same class, so `chainrule draw`'s own argument
    errors are one line too when the top-level parser is one of these. A parser whose
    `dash_positional` names a positional argument takes a value starting with `-` for it
    (see `add_draw_parser`), and refuses arguments it does not know itself, with "did
    you mean" for a misspelt option.
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
        """argparse's parse, except that a `dash_positional` value may start with `-`, and
        that arguments this parser does not know are an error here (with "did you mean")."""
        if self.dash_positional is None:
            return super().parse_known_args(args, namespace)
        arguments = list(sys.argv[1:] if args is None else args)
        options = self._option_values()
        found = _dash_positional(arguments, options)
        if found is not None:
            index, text = found
            # put first, and hidden from argparse's option test by a leading space; taken
            # out again below (the expression's parser strips spaces anyway)
            del arguments[index]
            if index > 0 and arguments[index - 1] == "--":
                del arguments[index - 1]
            arguments.insert(0, " " + text)
        parsed, extras = super().parse_known_args(arguments, namespace)
        if found is not None and getattr(parsed, self.dash_positional, None) == " " + found[1]:
            setattr(parsed, self.dash_positional, found[1])
        if extras:
            given = getattr(parsed, self.dash_positional, None) is not None
            self.error(_unrecognized(extras, options, given))
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
    neither an option of the parser (`-o`, `-ofile`, `--set`, `--output=...`), nor the
    value of one, nor like a misspelt one (`_looks_like_an_option`); None when a
    positional argument that does not start with `-` is there too (that one is it)."""
    if "--" in arguments:
        index = arguments.index("--") + 1
        return (index, arguments[index]) if index < len(arguments) else None
    found: tuple[int, str] | None = None
    plain = False  # a positional argument without "-" is there
    owed = 0  # values still owed to the option before
    in_list = False  # after --set: arguments with "=" are its values
    for index, argument in enumerate(arguments):
        if owed:
            owed -= 1
        elif (name := _option_name(argument, options)) is not None:
            # an option; one of exactly one value (nargs None) takes the next argument
            attached = argument != name
            owed = 1 if options[name] is None and not attached else 0
            in_list = options[name] in ("+", "*") and not attached
        elif _looks_like_an_option(argument, options):
            in_list = False  # argparse reports it
        elif argument.startswith("-") and len(argument) > 1:
            found = found or (index, argument)
            in_list = False
        elif not (in_list and "=" in argument):
            plain = True
    return None if plain else found


def _option_name(argument: str, options: dict[str, int | str | None]) -> str | None:
    """The option `argument` gives (`--output`, `--output=g.svg`, `-o`, `-og.svg`), or None."""
    if argument in options:
        return argument
    if argument.startswith("--"):
        name = argument.partition("=")[0]
        return name if "=" in argument and name in options else None
    if argument.startswith("-") and argument[:2] in options:
        return argument[:2]
    return None


def _looks_like_an_option(argument: str, options: dict[str, int | str | None]) -> bool:
    """Whether an argument that is no option of the parser is meant as one: `--words`
    joined by hyphens (`--no-such-option`), a value (`--rankdr=TB`), or close to an
    option (`--rankdr`, `--edge`). `--x`, `--xs`, `--x-1`, `--x-y` and `--x*w` are
    expressions."""
    match = _OPTION_WORD.fullmatch(argument)
    if match is None:
        return False
    word, value = match.group(1), match.group(2)
    parts = word.split("-")
    hyphenated = len(parts) > 1 and all(len(part) > 1 and part.isalpha() for part in parts)
    return hyphenated or value is not None or _closest_option(argument, options) is not None


def _closest_option(argument: str, options: dict[str, int | str | None]) -> str | None:
    """The long option `argument` (`--rankdr`, `--edge`) is most likely meant as, or None.

    A beginning of one option's name (two letters or more) or a near miss: closer than
    `closest_name`'s usual cutoff, which would take the expression `--xs` for `--set`.
    """
    word = argument.partition("=")[0].lstrip("-")
    long_words = [option[2:] for option in options if option.startswith("--")]
    if len(word) < 2:
        return None
    prefixed = [option for option in long_words if option.startswith(word)]
    if len(prefixed) == 1:
        return "--" + prefixed[0]
    close = closest_name(word, long_words, cutoff=0.7)
    return None if close is None else "--" + close


def _unrecognized(
    extras: list[str], options: dict[str, int | str | None], expression_given: bool
) -> str:
    """argparse's "unrecognized arguments" message, with what was probably meant."""
    shown = " ".join(quote(extra, QUOTE_LIMIT // 4).strip("'\"") for extra in extras)
    message = f"unrecognized arguments: {shown}"
    meant = [_closest_option(extra, options) for extra in extras if extra.startswith("-")]
    if any(meant):
        message += "; did you mean " + ", ".join(close for close in meant if close) + "?"
    elif not expression_given and extras[0].startswith("--"):
        message += (
            f"; if {shown.split()[0]} is the expression, put it after a lone --: "
            f"chainrule draw [options] -- {shown.split()[0]}"
        )
    return message


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
            "a page that steps through the forward and backward pass (-o page.html), or "
            "one picture per backward step (--frames DIR). "
            f"Allowed: numbers, variables, + - * / **, unary - and +, and "
            f"{', '.join(FUNCTIONS)}."
        ),
        epilog=(
            "exit status: 0 done, 1 the run failed (Graphviz, writing the file), 2 a usage "
            f"error. Example: {EXAMPLE}"
        ),
        # --x is an expression, not an abbreviation of an option
        allow_abbrev=False,
    )
    # the expression is optional for argparse so that a missing one gets our one-line error
    parser.add_argument(
        "expression",
        nargs="?",
        help='e.g. "tanh(x*w + b)"; may start with - ("-x*w"), may follow the --set values',
    )
    parser.add_argument(
        "--set",
        dest="assignments",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="values of the variables, e.g. --set x=2 w=-3 b=6.88; each must be used",
    )
    parser.add_argument(
        "-o",
        "--output",
        default=None,
        help="file to write: .svg, .png, .pdf, .dot (DOT source) or .html (a page that "
        "steps through both passes) (default: graph.svg; none with --frames)",
    )
    parser.add_argument(
        "--frames",
        metavar="DIR",
        default=None,
        help="write one picture per backward step, that step's node highlighted, into "
        "DIR: step_000.svg, step_001.svg, ... (.png or .pdf when -o is), for slides and "
        "handouts; with -o, that file is written too; step_* pictures of an earlier run in "
        "DIR are replaced or removed",
    )
    parser.add_argument(
        "--font-size",
        metavar="POINTS",
        default=None,
        type=_font_size,
        help=f"text size in the pictures and frames, {FONT_SIZES[0]:g} to {FONT_SIZES[1]:g} "
        "points (default: 11 in the boxes, 10 on the edges; 18 or more for slides)",
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


def _font_size(text: str) -> float:
    """--font-size: a number of points in draw_dot's range."""
    try:
        size = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{quote(text)} is not a number of points") from None
    low, high = FONT_SIZES
    if not low <= size <= high:  # nan too
        raise argparse.ArgumentTypeError(
            f"{quote(text)} is out of range: from {low:g} to {high:g} points"
        )
    return size


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
    except ValueError as error:  # the drawing refused something the checks above let by
        return _fail(str(error), EXIT_USAGE)
    except OSError as error:
        where = error.filename if error.filename is not None else args.output
        return _fail(f"cannot write {quote(str(where))}: {error.strerror or error}", EXIT_FAILURE)
    try:
        print(message, flush=True)
    except BrokenPipeError:  # chainrule draw ... | head -1: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m engine.cli draw ...`: a parser with only the draw subcommand."""
    parser = OneLineErrorParser(prog="chainrule", description="chainrule's graph drawer")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_draw_parser(subparsers)
    args = parser.parse_args(argv)
    try:
        return run_draw(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


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


def _expression_and_assignments(
    expression: str | None, items: Sequence[str]
) -> tuple[str, list[str]]:
    """The expression, and the `--set` items that are assignments. `--set` takes every
    argument after it that does not start with `-`, so `--set x=2 w=-3 "tanh(x*w+b)"`
    gives it the expression too: with no other expression, the one item without `=` is
    the expression (no expression of the language holds `=`)."""
    if expression is not None:
        return expression, list(items)
    loose = [index for index, item in enumerate(items) if "=" not in item]
    if not loose:
        raise UsageError(f"no expression given; e.g. {EXAMPLE}")
    if len(loose) > 1:
        listed = ", ".join(quote(items[index], QUOTE_LIMIT // 4) for index in loose)
        raise UsageError(
            f"--set takes NAME=VALUE items, and {listed} are not; one of them may be the "
            "expression, but not several"
        )
    return items[loose[0]], [item for index, item in enumerate(items) if index != loose[0]]


def _draw(args: argparse.Namespace) -> str:
    expression, assignments = _expression_and_assignments(args.expression, args.assignments)
    variables = parse_assignments(assignments)
    output_name: str | None = args.output
    if output_name is None and args.frames is None:
        output_name = "graph.svg"
    output_format = None
    if output_name is not None:
        output_format = OUTPUT_FORMATS.get(Path(output_name).suffix.lower())
        if output_format is None:
            known = ", ".join(OUTPUT_FORMATS)
            raise UsageError(f"cannot tell the format of {quote(output_name)}: end it in {known}")
    if output_format == "html":
        if args.color_by is not None:
            raise UsageError(
                "--color-by applies to pictures, not to the .html page (its own colours)"
            )
        if args.font_size is not None:
            raise UsageError(
                "--font-size applies to pictures and frames, not to the .html page "
                "(zoom the page instead)"
            )
    frame_format = output_format if output_format in FRAME_FORMATS else "svg"

    tree = parse(expression)
    names = variable_names(tree)
    unused = [name for name in variables if name not in names]
    if unused:
        raise UsageError(_unused_message(unused, names, variables))
    try:
        root, leaves = build_graph(tree, variables)
    except UnsetVariableError as error:
        hint = quote_names(error.names, "{}=VALUE", " ")
        raise UsageError(f"{error}; set with --set {hint}") from None
    drawing = {
        "rankdir": args.rankdir,
        "color_by": args.color_by,
        "edge_labels": args.edge_labels,
        "max_nodes": MAX_NODES,
        "fontsize": args.font_size,
    }

    frames: _Frames | None = None
    try:
        if args.frames is None:
            root.backward()
        else:
            # the frames run the backward pass, one step per picture
            frames = _Frames(Path(args.frames), frame_format)
            frames.make(root, drawing)
        content = None
        if output_name is not None:
            try:
                content = _render(root, output_format, expression, drawing)
            except RenderTimeoutError:
                raise RenderTimeoutError(
                    f"Graphviz needed more than {RENDER_TIMEOUT_SECONDS:g} s to lay out this "
                    "graph and was stopped; draw a smaller expression"
                ) from None
        # everything is made before a file the user sees changes; each is swapped in whole
        if content is not None and output_name is not None:
            write_atomic(Path(output_name), content)
        if frames is not None:
            frames.commit()
    finally:
        if frames is not None:
            frames.discard()

    lines = [f"{expression.strip()} = {root.data:.6g}"]
    lines += [f"  d/d{name} = {leaf.grad:.6g}" for name, leaf in leaves.items()]
    if output_name is not None:
        lines.append(f"wrote {output_name}")
    if frames is not None:
        lines.append(frames.summary())
    return "\n".join(lines)


def _unused_message(unused: list[str], names: list[str], variables: dict[str, float]) -> str:
    """`--set` gave a value to a name the expression does not use: which, and what was
    probably meant (a variable of the expression that has no value yet)."""
    listed = quote_names(unused)
    message = f"--set: the expression does not use {listed}"
    unset = [name for name in names if name not in variables]
    meant = closest_name(unused[0], unset or names)
    if meant is not None:
        message += f"; did you mean {meant}?"
    if names:
        message += f" (its variables: {quote_names(names)})"
    else:
        message += " (it has no variables)"
    return message


def _render(
    root: Value, output_format: str | None, expression: str, drawing: dict[str, Any]
) -> str | bytes:
    """The content of the -o file: the player page, the DOT source, or a picture."""
    if output_format == "html":
        # imported here: the player reads its page's files only when it is used
        from engine.player import player

        page = player(
            root,
            max_nodes=MAX_NODES,
            rankdir=drawing["rankdir"],
            title=expression.strip(),
            timeout=RENDER_TIMEOUT_SECONDS,
        )
        return page.html
    graph = draw_dot(root, **drawing)
    if output_format == "dot":
        return str(graph.source)
    return render(graph, str(output_format), timeout=RENDER_TIMEOUT_SECONDS)


class _Frames:
    """`--frames DIR`: one picture per backward step, made by `save_backward_frames` in a
    hidden folder inside DIR and moved into DIR only once all of them are made, so that a
    failure leaves DIR as it was (and no DIR that was not there before)."""

    def __init__(self, folder: Path, format: str) -> None:  # noqa: A002 - graphviz's name
        self.folder = folder
        self.format = format
        # the folders --frames makes, outermost first: removed again after a failure
        self.created = [path for path in (folder, *folder.parents) if not path.exists()][::-1]
        self.staging: Path | None = None
        self.names: list[str] = []
        self.committed = False

    def make(self, root: Value, drawing: dict[str, Any]) -> None:
        """Run the backward pass of `root`, a picture per step, into the hidden folder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=".chainrule-frames-", dir=self.folder))
        steps = len(topological_order(root))
        # the limit of one picture, or a share of the limit of all of them
        timeout = min(RENDER_TIMEOUT_SECONDS, FRAMES_TIMEOUT_SECONDS / steps)
        try:
            paths = save_backward_frames(
                root, self.staging, self.format, timeout=timeout, **drawing
            )
        except RenderTimeoutError:
            raise RenderTimeoutError(
                f"Graphviz needed more than {timeout:.3g} s for one of the {steps} frames "
                f"(the frames may take {FRAMES_TIMEOUT_SECONDS:g} s in all) and was "
                "stopped; draw a smaller expression"
            ) from None
        self.names = [path.name for path in paths]

    def commit(self) -> None:
        """Move the frames into the folder; remove older frames of this format that the
        new ones do not replace (a longer expression drawn there before)."""
        assert self.staging is not None
        for name in self.names:
            os.replace(self.staging / name, self.folder / name)
        stale = re.compile(rf"step_\d+\.{self.format}")
        for path in sorted(self.folder.iterdir()):
            if stale.fullmatch(path.name) and path.name not in self.names:
                path.unlink()
        self.committed = True

    def discard(self) -> None:
        """Remove the hidden folder, and after a failure the folders made for the frames."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        if not self.committed:
            for path in reversed(self.created):
                try:
                    path.rmdir()
                except OSError:
                    break

    def summary(self) -> str:
        """What was written, for the command's output."""
        first, last = self.names[0], self.names[-1]
        if first == last:
            return f"wrote 1 frame to {self.folder}: {first}"
        return f"wrote {len(self.names)} frames to {self.folder}: {first} ... {last}"


def _fail(message: str, status: int) -> int:
    one_line = " ".join(message.split())
    # the parts quoted from the user are cut already; Graphviz's stderr may echo more
    if len(one_line) > 4 * QUOTE_LIMIT:
        one_line = f"{one_line[: 4 * QUOTE_LIMIT]}... (cut)"
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
