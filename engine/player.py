"""Step through backpropagation in a web page: `player(root)` and the `Player` it returns.

The page shows the graph as `draw_dot` draws it (laid out by Graphviz, same node ids
`v0`, `v1`, ...) and moves through it one step at a time: first the forward pass (one
step per op node, in topological order: the node's data appears, with the arithmetic that
made it), then the backward pass (the seed d out/d out = 1, then one step per rule, in
the order of `backward_steps()`: the chain rule with its numbers for every parent, saying
when a node is reached a second time, so that a reused node's gradients visibly add up).

The text is mathematics a learner can check by hand: a local partial derivative is
written `∂out/∂in` with its rule (`∂o/∂n = 1 − o² = 1 − 0.707107² = 0.5`), a total
`dL/dx`; a label that is not a plain name is put in parentheses; numbers carry six
significant digits, and a line whose rounded figures do not give its result exactly says
`≈` instead of `=`. A number operand is shown as its number and gets no gradient.

Everything the page shows is worked out here, in Python, from the engine itself: the
numbers come from a real `backward_steps()` pass (from a zero start; every `.grad` is put
back afterwards). The page's script only shows and hides them (and, in practice mode,
compares the learner's answer with the engine's number).

The page is one offline file: two layouts of the graph (left to right, and top to bottom
for narrow screens), script (`player.js`), style (`player.css`) and data (JSON) are
inlined into `player_template.html`, and a Content-Security-Policy forbids every request.
Its DOM is a contract (see SPEC.md, `engine.player`).
"""

from __future__ import annotations

import html
import json
import math
import numbers
import os
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from engine.draw import (
    DEFAULT_TIMEOUT,
    RenderTimeoutError,
    _check_label,
    _checked_order,
    _contributions,
    _draw,
    _number,
    layout,
    local_derivatives,
)
from engine.files import write_atomic
from engine.messages import quote
from engine.value import Value, _Constant

__all__ = ["Player", "player"]

DEFAULT_MAX_NODES = 200
# the player's text size in the graph (points; 4/3 px each at 100%): the page fits the
# graph to its window but never below 14 px of text
GRAPH_FONTSIZE = 14.0
# binary ops written between their operands in the explanations
INFIX_OPS = ("+", "-", "*", "/", "**")
# a fused dot with more terms than this is written with an ellipsis
MAX_TERMS_SHOWN = 6
IFRAME_HEIGHT_PX = 680
# what the page calls an output without a label
ROOT_NAME = "out"
# significant digits of the numbers in the explanations
DIGITS = 6
MINUS = "\u2212"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_VALUE_ID = re.compile(r"v\d+")
_OP_ID = re.compile(r"(v\d+)op")
_EDGE_TITLE = re.compile(r"(v\d+(?:op)?)->(v\d+(?:op)?)")
_PLACEHOLDER = re.compile(r"\{\{([A-Z]+)\}\}")

# one step of the page, as its script reads it (see "the steps" below)
Step = dict[str, Any]


class Player:
    """A self-contained HTML page that steps through a graph's forward and backward pass.

    Made by `engine.player(root)`. `html` is the whole page; `save(path)` writes it;
    in Jupyter the object shows itself inline (`_repr_html_`).
    """

    def __init__(self, html_page: str, step_count: int) -> None:
        self.html: str = html_page
        """The whole page: one offline HTML file (inline SVG, script, style and data)."""
        self.step_count: int = step_count
        """How many steps the page has (its slider runs from 0 to this)."""

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the page to `path` (UTF-8), atomically: the old file survives a failure."""
        write_atomic(path, self.html)

    def _repr_html_(self) -> str:
        """The page in an iframe, for Jupyter (JupyterLab and the classic notebook).

        The page goes in `srcdoc`, so its script runs in a document of its own: Jupyter
        does not run inline scripts of an output, and the page's style cannot leak out.
        """
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width: 100%; box-sizing: border-box; height: {IFRAME_HEIGHT_PX}px; '
            'border: 1px solid #ddd" '
            'sandbox="allow-scripts" title="chainrule player"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Player: {self.step_count} steps, {len(self.html)} characters of HTML>"


def player(
    root: Value,
    max_nodes: int = DEFAULT_MAX_NODES,
    edge_labels: bool = True,
    rankdir: str = "LR",
    title: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Player:
    """A page that steps through `root`'s forward pass and then its backward pass.

    - `max_nodes`: refuse graphs with more Values than this, with `draw_dot`'s error.
    - `edge_labels`: show the local partial derivative ∂out/∂in on every edge.
    - `rankdir`: the layout on a wide screen, "LR" (left to right) or "TB" (top to
      bottom); below about 700 px of width the page uses "TB" by itself.
    - `title`: the page's heading (default: "chainrule player").
    - `timeout`: seconds Graphviz may take to lay the graph out, 30 by default (None: no
      limit); a slower layout raises `RenderTimeoutError`, a `TimeoutError`.

    The backward pass runs from a zero start, as `backward()` on a fresh graph would, and
    every `.grad` is left as it was found (hooks on the graph's nodes do run, as in any
    backward pass). Needs Graphviz's `dot` (`GraphvizNotFoundError` says how to install
    it), or a layout engine given to `engine.draw.set_layout_engine`.
    """
    if not isinstance(root, Value):
        raise TypeError(f"player: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"player: rankdir must be 'LR' or 'TB', got {quote(rankdir)}")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0
    ):
        raise ValueError(
            f"player: timeout must be a positive number of seconds or None, got {quote(timeout)}"
        )
    if title is not None:
        if not isinstance(title, str):
            raise TypeError(f"player: title must be a str, got {type(title).__name__}")
        _check_label(title, "title")
    order = _checked_order(root, max_nodes)
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    names = _node_names(order, ids)
    for node in order:
        _check_label(node.label, ids[node])

    saved = [(node, node.grad) for node in order]
    try:
        backward = _record_backward(root, order, ids, names)
        # drawn with the final numbers, so that Graphviz leaves room for them
        for node in order:
            node.grad = backward.grad.get(node, 0.0)
        record_names = {node: "" if _is_constant(node) else names[node] for node in order}
        graphs = {
            direction: _draw(
                root,
                rankdir=direction,
                # the player writes its own edge numbers: six digits, as the text has
                edge_labels=False,
                max_nodes=max_nodes,
                fontsize=GRAPH_FONTSIZE,
                names=record_names,
                stacked=True,
            )
            for direction in dict.fromkeys((rankdir, "TB"))
        }
        if edge_labels:
            for graph in graphs.values():
                _label_edges(graph, order, ids)
    finally:
        for node, grad in saved:
            node.grad = grad
    svgs = _lay_out(graphs, len(order), timeout)

    steps = [_start_step(order, ids, names)]
    steps += _forward_steps(order, ids, names)
    steps += backward.steps
    data = {
        "steps": steps,
        "rankdir": rankdir,
        "constants": [ids[node] for node in order if _is_constant(node)],
    }
    root_name = names[root]
    description = (
        f"Computation graph of {root_name}: {len(order)} values, "
        f"{sum(1 for node in order if node.op)} ops"
    )
    page = _page(title or "chainrule player", svgs, data, description)
    return Player(page, len(steps) - 1)


def _lay_out(graphs: dict[str, Any], value_count: int, timeout: float | None) -> dict[str, str]:
    """Each layout's annotated SVG, all within `timeout` seconds together."""
    started = time.monotonic()
    svgs = {}
    for direction, graph in graphs.items():
        remaining = None if timeout is None else timeout - (time.monotonic() - started)
        if remaining is not None and remaining <= 0:
            raise RenderTimeoutError(_timeout_message(timeout, value_count))
        try:
            svg = layout(graph.source, "svg", remaining)
        except RenderTimeoutError:
            raise RenderTimeoutError(_timeout_message(timeout, value_count)) from None
        svgs[direction] = _annotate_svg(svg, value_count)
    return svgs


def _timeout_message(timeout: float | None, value_count: int) -> str:
    return (
        f"player: Graphviz needed more than {timeout:g} s to lay out this graph of "
        f"{value_count} Values and was stopped. Pass a larger timeout= (or timeout=None "
        "to wait as long as it takes), or step through a smaller graph: Graphviz is "
        "slowest when one node is used by many ops"
    )


def _edge_number(x: float) -> str:
    """A local partial on an edge: six significant digits, as in the explanations (so
    the edge of 1.0001 reads 1.0001, where `draw_dot`'s four digits give 1); the graph's
    own minus sign, as its records have."""
    return format(x + 0.0, f".{DIGITS}g")


_BARE_EDGE = re.compile(r"\t(v\d+) -> (v\d+)op\n")


def _label_edges(graph: Any, order: list[Value], ids: dict[Value, str]) -> None:
    """Put on each operand's edge of `graph` (drawn without edge labels) the local
    partial derivative for that use, in place: `draw_dot` writes an op's edges in operand
    order, so the k-th edge into an op is its k-th operand's (two edges for `x * x`)."""
    labels = {
        ids[node]: [_edge_number(d) for d in local_derivatives(node)] for node in order if node.op
    }
    taken = dict.fromkeys(labels, 0)
    for index, line in enumerate(graph.body):
        match = _BARE_EDGE.fullmatch(line)
        if match is None:
            continue
        op = match.group(2)
        label = labels[op][taken[op]]
        taken[op] += 1
        graph.body[index] = f'\t{match.group(1)} -> {op}op [label="{label}"]\n'
    if taken != {op: len(numbers) for op, numbers in labels.items()}:
        raise RuntimeError("player: the graph's edges do not match its operands")


def _is_constant(node: Value) -> bool:
    """A number operand (the 2 in `x * 2`), which gets no gradient."""
    return isinstance(node, _Constant)


# ---- naming and formatting -----------------------------------------------------------


def _node_names(order: list[Value], ids: dict[Value, str]) -> dict[Value, str]:
    """What the page calls each node: its label, or its id (`v3`) when it has none; a
    label that several nodes share gets the id too (`x [v3]`), so every name is unique.
    An unlabelled output is `out` (unless a node is labelled so), for d out/d x. A number
    operand is its number."""
    counts: dict[str, int] = {}
    for node in order:
        counts[node.label] = counts.get(node.label, 0) + 1
    root = order[-1]
    names = {}
    for node in order:
        if _is_constant(node) and not node.label:
            names[node] = _num(node.data)
        elif not node.label and node is root and ROOT_NAME not in counts:
            names[node] = ROOT_NAME
        elif not node.label:
            names[node] = ids[node]
        elif counts[node.label] > 1 or _VALUE_ID.fullmatch(node.label):
            names[node] = f"{node.label} [{ids[node]}]"
        else:
            names[node] = node.label
    return names


def _num(x: float) -> str:
    """Six significant digits, a true minus sign: 0.707107, −6, 1.5e+20, inf, nan; zero
    is 0 whatever its sign (−0 would puzzle a reader more than it tells)."""
    return format(x + 0.0, f".{DIGITS}g").replace("-", MINUS)


def _shown(x: float) -> float:
    """The number a reader sees in `_num(x)`, for checking a line by hand."""
    return float(format(x, f".{DIGITS}g"))


def _eq(hand: float | None, result: float) -> str:
    """'=' when the figures shown give the result shown, else '≈' (rounded figures)."""
    if hand is None:
        return "\u2248"
    return "=" if _num(hand) == _num(result) else "\u2248"


def _operand(x: float) -> str:
    """A number as an operand after the first: in parentheses when negative."""
    text = _num(x)
    return f"({text})" if text.startswith(MINUS) else text


def _plain(name: str) -> bool:
    """A name that needs no parentheses in notation: a letter, then letters, digits
    (subscripts too: x₁) or underscores, perhaps primes; or a number."""
    return re.fullmatch(r"[^\W\d]\w*'*", name) is not None or _is_number_text(name)


def _is_number_text(name: str) -> bool:
    return re.fullmatch(r"[\u2212]?[\d.]+(e[+\u2212]\d+)?|inf|nan", name) is not None


def _math(name: str) -> str:
    """A name inside notation: in parentheses unless it is a plain name or a number
    (`∂o/∂(x1*w1 + x2*w2)`, `2 · (−3)`)."""
    return name if _plain(name) and not name.startswith(MINUS) else f"({name})"


def _total(root: str, node: str) -> str:
    """The total derivative of the output with respect to a node: `dL/dx`."""
    return f"d{_math(root)}/d{_math(node)}"


def _partial(out: str, inp: str) -> str:
    """A local partial derivative: `∂a/∂x`."""
    return f"\u2202{_math(out)}/\u2202{_math(inp)}"


def _formula(node: Value, operands: list[str]) -> str:
    """`node`'s op applied to `operands` (names or numbers), as a reader would write it;
    operands that are not plain go in parentheses."""
    op = node.op
    shown = [_math(o) for o in operands]
    if op in INFIX_OPS and len(operands) == 2:
        return f"{shown[0]} {op} {shown[1]}"
    if op == "neg" and len(operands) == 1:
        return f"{MINUS}{shown[0]}"
    if op == "sum":
        return _terms(shown)
    if op == "dot" and len(operands) % 2 == 1:
        n = len(operands) // 2
        products = [f"{w}*{x}" for w, x in zip(shown[:n], shown[n : 2 * n])]
        return _terms([*products, shown[-1]])
    return f"{op}({', '.join(operands)})"


def _raw_formula(node: Value, operands: list[str]) -> str:
    """The formula with operands as they are, to compare with a label."""
    op = node.op
    if op in INFIX_OPS and len(operands) == 2:
        return f"{operands[0]}{op}{operands[1]}"
    return f"{op}({','.join(operands)})"


def _same_text(label: str, formula: str) -> bool:
    squeeze = re.compile(r"\s+")
    return squeeze.sub("", label) == squeeze.sub("", formula)


def _terms(terms: list[str]) -> str:
    if len(terms) > MAX_TERMS_SHOWN:
        shown = terms[: MAX_TERMS_SHOWN - 2]
        return " + ".join([*shown, f"... ({len(terms) - MAX_TERMS_SHOWN + 1} more)", terms[-1]])
    return " + ".join(terms)


def _numbers_formula(node: Value) -> str:
    """The formula with each parent's data (six digits) in place of its name."""
    values = [p.data for p in node.parents]
    op = node.op
    if op in INFIX_OPS and len(values) == 2:
        first = _num(values[0])
        if op == "**" and first.startswith(MINUS):
            first = f"({first})"  # −2 ** 2 reads as −(2 ** 2)
        return f"{first} {op} {_operand(values[1])}"
    if op == "neg":
        return f"{MINUS}{_operand(values[0])}"
    if op == "sum":
        return _terms([_num(values[0]), *(_operand(v) for v in values[1:])])
    if op == "dot" and len(values) % 2 == 1:
        n = len(values) // 2
        products = [f"{_num(w)}*{_operand(x)}" for w, x in zip(values[:n], values[n : 2 * n])]
        bias = _operand(values[-1])
        return _terms(
            [products[0], *(p if not p.startswith(MINUS) else f"({p})" for p in products[1:]), bias]
            if products
            else [bias]
        )
    return f"{op}({', '.join(_num(v) for v in values)})"


def _forward_by_hand(node: Value) -> float | None:
    """`node`'s op on its operands as shown (six digits): what a reader gets by hand,
    or None for an op this page cannot redo."""
    x = [_shown(p.data) for p in node.parents]
    op = node.op
    try:
        if op == "+":
            return x[0] + x[1]
        if op == "-":
            return x[0] - x[1]
        if op == "*":
            return x[0] * x[1]
        if op == "/":
            return x[0] / x[1]
        if op == "**":
            result = x[0] ** x[1]
            return result if isinstance(result, float) else None
        if op == "neg":
            return -x[0]
        if op == "sum":
            return math.fsum(x)
        if op == "dot":
            n = len(x) // 2
            return math.fsum([w * v for w, v in zip(x[:n], x[n : 2 * n])]) + x[-1]
        one = x[0]
        functions: dict[str, Callable[[float], float]] = {
            "exp": math.exp,
            "log": math.log,
            "tanh": math.tanh,
            "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
            "relu": lambda v: max(v, 0.0),
            "sqrt": math.sqrt,
            "abs": abs,
            "softplus": lambda v: math.log1p(math.exp(v)),
            "sin": math.sin,
            "cos": math.cos,
        }
        if op in functions:
            return functions[op](one)
        if op == "leaky_relu":
            slope = local_derivatives(node)[0]
            return one if one > 0 else slope * one
    except (ArithmeticError, ValueError, IndexError):
        return None
    return None


def _ordinal(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


# ---- local partial derivatives, with their rules ---------------------------------------

_SLOTS = {
    "+": ("first term", "second term"),
    "-": ("first term", "second term"),
    "*": ("first factor", "second factor"),
    "/": ("numerator", "denominator"),
    "**": ("base", "exponent"),
}


def _slot(node: Value, position: int) -> str:
    """Which use of an operand a position is: `first factor`, `weight 2`, `bias`."""
    if node.op in _SLOTS and len(node.parents) == 2:
        return _SLOTS[node.op][position]
    if node.op == "dot" and len(node.parents) % 2 == 1:
        n = len(node.parents) // 2
        if position == 2 * n:
            return "bias"
        return f"weight {position + 1}" if position < n else f"input {position - n + 1}"
    return f"operand {position + 1}"


def _square(name: str) -> str:
    return f"{_math(name)}\u00b2"


def _rule(
    node: Value, position: int, names: dict[Value, str], local: float
) -> tuple[str, str, float | None] | None:
    """The rule of ∂node/∂(operand at `position`): its symbols, the same with the
    numbers in, and what those numbers give by hand; None when the rule is a constant
    (1, −1) or the op is one this page does not know."""
    op = node.op
    parents = node.parents
    out = names[node]
    x = [_shown(p.data) for p in parents]
    n_out = _shown(node.data)
    operand_names = [names[p] for p in parents]
    try:
        if op == "*" and len(parents) == 2:
            other = 1 - position
            if _is_constant(parents[other]):
                return None
            return _math(operand_names[other]), _num(x[other]), x[other]
        if op == "/" and len(parents) == 2:
            a, b = operand_names
            if position == 0:
                return f"1/{_math(b)}", f"1/{_operand(x[1])}", 1.0 / x[1]
            return (
                f"{MINUS}{_math(a)}/{_square(b)}",
                f"{MINUS}{_operand(x[0])}/{_operand(x[1])}\u00b2",
                -x[0] / (x[1] * x[1]),
            )
        if op == "**" and len(parents) == 2:
            a, b = operand_names
            if position == 0:
                return (
                    f"{_math(b)} \u00b7 {_math(a)}^({b} {MINUS} 1)",
                    f"{_num(x[1])} \u00b7 {_operand(x[0])}^({_num(x[1])} {MINUS} 1)",
                    x[1] * x[0] ** (x[1] - 1.0),
                )
            return (
                f"{_math(out)} \u00b7 ln {_math(a)}",
                f"{_num(n_out)} \u00b7 ln {_operand(x[0])}",
                n_out * math.log(x[0]),
            )
        if op == "exp":
            return f"exp({operand_names[0]}) = {_math(out)}", _num(n_out), n_out
        if op == "log":
            return f"1/{_math(operand_names[0])}", f"1/{_operand(x[0])}", 1.0 / x[0]
        if op == "tanh":
            return (
                f"1 {MINUS} {_square(out)}",
                f"1 {MINUS} {_operand(n_out)}\u00b2",
                1.0 - n_out * n_out,
            )
        if op == "sigmoid":
            return (
                f"{_math(out)} \u00b7 (1 {MINUS} {_math(out)})",
                f"{_num(n_out)} \u00b7 (1 {MINUS} {_num(n_out)})",
                n_out * (1.0 - n_out),
            )
        if op == "sqrt":
            return f"1/(2 \u00b7 {_math(out)})", f"1/(2 \u00b7 {_num(n_out)})", 1.0 / (2.0 * n_out)
        if op == "sin":
            return f"cos({operand_names[0]})", f"cos({_num(x[0])})", math.cos(x[0])
        if op == "cos":
            return f"{MINUS}sin({operand_names[0]})", f"{MINUS}sin({_num(x[0])})", -math.sin(x[0])
        if op == "softplus":
            return (
                f"sigmoid({operand_names[0]})",
                f"sigmoid({_num(x[0])})",
                1.0 / (1.0 + math.exp(-x[0])),
            )
        if op in ("relu", "leaky_relu", "abs"):
            relation = "> 0" if parents[0].data > 0 else ("< 0" if parents[0].data < 0 else "= 0")
            if op != "abs" and parents[0].data <= 0:
                relation = "\u2264 0"
            return f"{_num(local)}, as {_math(operand_names[0])} {relation}", "", None
        if op == "dot" and len(parents) % 2 == 1:
            n = len(parents) // 2
            if position == 2 * n:
                return None
            partner = position + n if position < n else position - n
            if _is_constant(parents[partner]):
                return None
            return _math(operand_names[partner]), _num(x[partner]), x[partner]
    except (ArithmeticError, ValueError):
        return None
    return None


def _local_line(
    node: Value, position: int, names: dict[Value, str], local: float, slot: str
) -> str:
    """`∂a/∂x (first factor) = x = 3`: the local partial, its rule and its number."""
    head = _partial(names[node], names[node.parents[position]])
    if slot:
        head += f" ({slot})"
    rule = _rule(node, position, names, local)
    if rule is None:
        return f"{head} = {_num(local)}"
    symbols, numbers_in, hand = rule
    if not numbers_in:  # a rule stated with its reason: `1, as x > 0`
        return f"{head} = {symbols}"
    if symbols == numbers_in:
        return f"{head} = {symbols}"
    if numbers_in == _num(local):
        return f"{head} = {symbols} = {numbers_in}"
    return f"{head} = {symbols} = {numbers_in} {_eq(hand, local)} {_num(local)}"


# ---- the steps -----------------------------------------------------------------------
#
# Each step is a dict for the page's script:
#   phase: "start", "forward", "seed" or "backward"
#   node: the id of the node the step is about (None at the start)
#   inputs: ids of the nodes it reads (forward) or passes its gradient to (backward)
#   set: [[id, "data" | "grad", text], ...], the fields the step fills in
#   title, text: the heading and the explanation
#   uses (backward): one entry per use of a parent, {parent, local, before, after (Python
#     float reprs, "" for a constant), constant, lines}
#   note: text after the uses; questions (backward): practice mode's, one per parent


def _start_step(order: list[Value], ids: dict[Value, str], names: dict[Value, str]) -> Step:
    leaves = [node for node in order if not node.op and not _is_constant(node)]
    constants = [node for node in order if _is_constant(node)]
    ops = sum(1 for node in order if node.op)
    shown = ", ".join(f"{names[node]} = {_num(node.data)}" for node in leaves[:12])
    if len(leaves) > 12:
        shown += f", ... ({len(leaves) - 12} more)"
    text = f"The leaves hold their data: {shown}." if leaves else ""
    if constants:
        text += (
            f"\nThe number{'s' if len(constants) > 1 else ''} "
            f"{', '.join(_num(node.data) for node in constants[:8])}"
            f"{', ...' if len(constants) > 8 else ''} "
            f"{'are constants' if len(constants) > 1 else 'is a constant'}: "
            "no gradient is asked of a number."
        )
    if ops:
        text += (
            f"\nForward pass next: {ops} op{'s' if ops > 1 else ''}, each computed once all "
            "of its inputs are known. Then the backward pass gives every node its gradient."
        )
    else:
        text += "\nThe output is itself a leaf: no op to compute, only the seed gradient."
    return {
        "phase": "start",
        "node": None,
        "inputs": [],
        "set": [[ids[node], "data", _number(node.data)] for node in order if not node.op],
        "title": "Start",
        "text": text.strip("\n"),
    }


def _forward_steps(
    order: list[Value], ids: dict[Value, str], names: dict[Value, str]
) -> list[Step]:
    steps = []
    ops = [node for node in order if node.op]
    for count, node in enumerate(ops, start=1):
        parents = node.parents
        operand_names = [names[parent] for parent in parents]
        symbolic = _formula(node, operand_names)
        numeric = _numbers_formula(node)
        name = names[node]
        same = _same_text(name, symbolic) or _same_text(name, _raw_formula(node, operand_names))
        parts = [name] if same else [name, symbolic]
        result = _num(node.data)
        text = f"{' = '.join(parts)} = {numeric} {_eq(_forward_by_hand(node), node.data)} {result}"
        steps.append(
            {
                "phase": "forward",
                "node": ids[node],
                "inputs": _unique(ids[parent] for parent in parents),
                "set": [[ids[node], "data", _number(node.data)]],
                "title": f"Forward {count}/{len(ops)}: compute {name}",
                "text": text,
            }
        )
    return steps


@dataclass
class _Backward:
    """The backward pass as the page shows it: its steps, each node's gradient so far (the
    final one once the pass is over) and how many uses have reached each node."""

    steps: list[Step] = field(default_factory=list)
    grad: dict[Value, float] = field(default_factory=dict)
    uses_reached: dict[Value, int] = field(default_factory=dict)


def _record_backward(
    root: Value, order: list[Value], ids: dict[Value, str], names: dict[Value, str]
) -> _Backward:
    """Run `root.backward_steps()` and describe the seed and each rule that runs.

    The pass starts from zero (the caller restores every `.grad` afterwards). The
    gradients shown are read from the nodes during the pass, so they are the engine's
    own numbers; what each use adds (dL/dnode · ∂node/∂parent) comes from the same rule,
    run with the same gradient on stand-ins (`_contributions`).
    """
    for node in order:
        node.grad = 0.0
    record = _Backward()
    rules = sum(1 for node in order if node.op)
    passes = root.backward_steps()
    try:
        # backward_steps hands over each node just after its rule has run
        for node in passes:
            if node is root:
                record.grad[root] = root.grad
                record.steps.append(_seed_step(root, ids, names[root]))
            before = record.grad.get(node, 0.0)
            if node.op:
                title_number = len(record.steps)  # the seed came first: rules count from 1
                step = _rule_step(node, ids, names, names[root], record)
                step["title"] = f"Backward {title_number}/{rules}: {step['title']}"
                record.steps.append(step)
            if not _same(before, node.grad):
                record.grad[node] = node.grad
                _note_hook(record, ids[node], names[node], names[root], before, node.grad)
    finally:
        passes.close()
    if rules:
        last = record.steps[-1]
        last["note"] = (
            last.get("note", "") + "\n\nThat was the last rule: every gradient is complete, "
            "and each is what backward() gives from a zero start."
        ).strip("\n")
    return record


def _note_hook(
    record: _Backward, node_id: str, name: str, out: str, before: float, after: float
) -> None:
    """A hook on the node replaced its complete gradient (what its rule then passed on):
    say so in the latest step, which is when it happened."""
    step = record.steps[-1]
    step["set"].append([node_id, "grad", _number(after)])
    step["changed"] = _unique([*step.get("changed", []), node_id])
    step["note"] = (
        step.get("note", "") + f"\nA hook on {name} replaced its gradient "
        f"{_total(out, name)} = {_num(before)} with {_num(after)}."
    ).strip("\n")


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _seed_step(root: Value, ids: dict[Value, str], out: str) -> Step:
    text = (
        f"{_total(out, out)} = {_num(root.grad)}: the seed. A change in {out} changes {out} "
        "by the same amount, so the backward pass starts from 1."
    )
    if root.op:
        text += " From here the gradient flows backwards, one rule at a time."
    else:
        text += " The output is a leaf, so the pass ends here."
    return {
        "phase": "seed",
        "node": ids[root],
        "inputs": [],
        "changed": [ids[root]],
        "set": [[ids[root], "grad", _number(root.grad)]],
        "title": f"Backward: seed {_total(out, out)} = {_num(root.grad)}",
        "text": text,
    }


def _rule_step(
    node: Value, ids: dict[Value, str], names: dict[Value, str], out: str, record: _Backward
) -> Step:
    """The step of `node`'s rule, which has just run: its parents' `.grad` hold the pass's
    totals so far, and `record.grad` still holds their totals from before this rule."""
    name = names[node]
    grad = node.grad
    parents = node.parents
    derivatives = local_derivatives(node)
    shares = _contributions(node, grad)
    formula = _formula(node, [names[p] for p in parents])
    same = _same_text(name, formula) or _same_text(
        name, _raw_formula(node, [names[p] for p in parents])
    )
    defined = name if same else f"{name} = {formula}"
    text = (
        f"{defined}: its gradient {_total(out, name)} = {_num(grad)} is complete (every use "
        f"of {name} has passed its share back). The chain rule passes it on to each input:"
    )
    uses_here: dict[Value, int] = {}
    for parent in parents:
        uses_here[parent] = uses_here.get(parent, 0) + 1
    seen: dict[Value, list[float]] = {}
    before_step = {p: record.grad.get(p, 0.0) for p in parents}
    changed = []
    uses = []
    running: dict[Value, float] = {}
    for position, parent in enumerate(parents):
        p = names[parent]
        share = shares[position]
        local = derivatives[position]
        slot = _slot(node, position) if uses_here[parent] > 1 or _is_constant(parent) else ""
        local_line = _local_line(node, position, names, local, slot)
        if share is None or _is_constant(parent):
            uses.append(
                {
                    "parent": ids[parent],
                    "constant": True,
                    "local": repr(local),
                    "before": "",
                    "after": "",
                    "lines": [local_line, f"{p} is a number, a constant: it gets no gradient."],
                }
            )
            continue
        # this use's before and after: a second use in the same op starts where the first ended
        grad_before = running.get(parent, record.grad.get(parent, 0.0))
        seen.setdefault(parent, []).append(share)
        chain = (
            f"{_total(out, p)} += {_total(out, name)} \u00b7 {_partial(name, p)} = "
            f"{_num(grad)} \u00b7 {_operand(local)} {_eq(_shown(grad) * _shown(local), share)} "
            f"{_num(share)}"
        )
        lines = [local_line, chain]
        if len(seen[parent]) == uses_here[parent]:  # its last use in this op
            total_line = _new_total(parent, p, name, out, seen[parent], record)
            if total_line:
                lines.append(total_line)
            changed.append(ids[parent])
            grad_after = parent.grad
        else:
            grad_after = grad_before + share
        running[parent] = grad_after
        uses.append(
            {
                "parent": ids[parent],
                "constant": False,
                "local": repr(local),
                "before": repr(grad_before),
                "after": repr(grad_after),
                "lines": lines,
            }
        )
    questions = _questions(node, ids, names, out, derivatives, shares, before_step)
    return {
        "phase": "backward",
        "node": ids[node],
        "inputs": _unique(ids[parent] for parent in parents),
        "changed": changed,
        "set": [
            [ids[p], "grad", _number(record.grad[p])]
            for p in _unique_values(parents)
            if not _is_constant(p)
        ],
        "title": f"{name} passes its gradient on",
        "text": text,
        "uses": uses,
        "questions": questions,
    }


def _questions(
    node: Value,
    ids: dict[Value, str],
    names: dict[Value, str],
    out: str,
    derivatives: list[float],
    shares: list[float | None],
    before_step: dict[Value, float],
) -> list[dict[str, Any]]:
    """Practice mode's questions for a rule step: for each parent that gets a gradient,
    its gradient after the step, and the answers that common slips give, with a hint
    naming the slip (`_slips`)."""
    name = names[node]
    questions = []
    for parent in _unique_values(node.parents):
        if _is_constant(parent):
            continue
        positions = [i for i, p in enumerate(node.parents) if p is parent]
        before = before_step[parent]
        after = parent.grad
        p = names[parent]
        slips = _slips(
            node,
            names,
            out,
            parent,
            positions,
            [derivatives[i] for i in positions],
            [s for i, s in enumerate(shares) if i in positions and s is not None],
            before,
        )
        # a slip that gives the right answer is no slip; of slips giving the same
        # answer, the page names the first (`_slips` lists them in that order)
        hints = [
            [repr(value), hint]
            for value, hint in slips
            if math.isfinite(value) and not _close(value, after)
        ]
        questions.append(
            {
                "parent": ids[parent],
                "name": p,
                "prompt": f"{_total(out, p)} after this step",
                "before": _num(before),
                "answer": repr(after),
                "shown": _num(after),
                "hints": hints,
                "hint": (
                    f"{_total(out, p)} after = what it held ({_num(before)}) + "
                    f"{_total(out, name)} \u00b7 {_partial(name, p)}"
                    + (" for each use" if len(positions) > 1 else "")
                    + "."
                ),
            }
        )
    return questions


def _slips(
    node: Value,
    names: dict[Value, str],
    out: str,
    parent: Value,
    positions: list[int],
    locals_: list[float],
    mine: list[float],
    before: float,
) -> list[tuple[float, str]]:
    """The answers that common slips give for `parent`'s gradient after `node`'s rule,
    each with a hint naming the slip, most specific first.

    The page names the first slip an answer matches, so the order matters where two
    slips give the same number (in `b = a + a` after `a = x * x` with x = 3, a share of
    one use, 2 · 3, and the two local partials alone, 3 + 3, are both 6): slips whose
    answer holds both factors (a use left out, an earlier use forgotten, a sign) come
    before those that leave a factor out, so a hint never says a factor is missing from
    an answer that may already hold it. When leaving out the upstream gradient or leaving
    out the local partial give the same number, the hint names neither alone.
    """
    name = names[node]
    p = names[parent]
    grad = node.grad
    uses = len(positions)
    upstream = _total(out, name)
    local = _partial(name, p)
    share_sum = math.fsum(mine)
    slips: list[tuple[float, str]] = []
    # -- slips with both factors in: a use of this op left out, an earlier use forgotten
    if uses > 1:
        per_use = f"add one share per use, {upstream} \u00b7 {local} for each."
        for share in mine:  # one use only
            slips.append((before + share, f"{name} uses {p} {uses} times: {per_use}"))
        if uses > 2:
            for share in mine:  # every use but one
                slips.append(
                    (before + share_sum - share, f"{name} uses {p} {uses} times: {per_use}")
                )
    if before != 0.0:
        slips.append(
            (
                share_sum,
                f"{p} was reached before and already holds {_total(out, p)} = "
                f"{_num(before)}: gradients add up, so add this step's share to it.",
            )
        )
        if uses > 1:
            slips.append(
                (
                    mine[0],
                    f"{p} was reached before and already holds {_total(out, p)} = "
                    f"{_num(before)}, and {name} uses {p} {uses} times: add one share "
                    "per use to what it holds.",
                )
            )
    slips.append((before - share_sum, f"Check the sign of the local partial {local}."))
    # -- slips with a factor left out
    each = " for each use" if uses > 1 else ""
    upstream_alone = before + grad * uses
    locals_alone = before + math.fsum(locals_)
    if grad != 1.0 and _close(upstream_alone, locals_alone):
        # the same number either way: which factor is missing cannot be told
        slips.append(
            (
                upstream_alone,
                f"That is one factor alone: multiply the upstream gradient {upstream} = "
                f"{_num(grad)} by the local partial {local}{each}.",
            )
        )
    else:
        slips.append(
            (
                upstream_alone,
                f"That is the upstream gradient {upstream} = {_num(grad)} alone: multiply "
                f"it by the local partial {local}{each}.",
            )
        )
        if grad != 1.0:
            if uses == 1:
                text = (
                    f"That is {local} alone: multiply it by the upstream gradient "
                    f"{upstream} = {_num(grad)}."
                )
            else:
                text = (
                    f"That is the local partials alone ({local} for each use: "
                    f"{' + '.join(_num(v) for v in locals_)}): multiply each by the "
                    f"upstream gradient {upstream} = {_num(grad)}."
                )
            slips.append((locals_alone, text))
    if uses > 1:
        slips.append(
            (
                before + grad,
                f"That is the upstream gradient {upstream} = {_num(grad)} alone, and for "
                f"one use: multiply it by the local partial {local}, for each use.",
            )
        )
        if grad != 1.0:
            for position, value in zip(positions, locals_):
                slips.append(
                    (
                        before + value,
                        f"That is {local} ({_slot(node, position)}) = {_num(value)} alone: "
                        f"multiply it by the upstream gradient {upstream} = {_num(grad)}, "
                        "for each use.",
                    )
                )
    if before != 0.0 and grad != 1.0:
        slips.append(
            (
                math.fsum(locals_),
                f"That is {local} alone{each}: multiply it by the upstream gradient "
                f"{upstream} = {_num(grad)}, and add it to what {p} already holds "
                f"({_num(before)}).",
            )
        )
    return slips


def _close(a: float, b: float) -> bool:
    """Equal at the precision practice mode accepts (the script's rule, for the hints)."""
    return abs(a - b) <= 1e-3 * abs(b) + 1e-9


def _new_total(
    parent: Value, p: str, name: str, out: str, shares: list[float], record: _Backward
) -> str:
    """How the parent's gradient adds up when more than this one use has reached it (empty
    for a first and only use: the share is the gradient). Records the new total."""
    before = record.grad.get(parent, 0.0)
    total = parent.grad
    record.grad[parent] = total
    reached_before = record.uses_reached.get(parent, 0)
    record.uses_reached[parent] = reached_before + len(shares)
    if reached_before == 0 and len(shares) == 1:
        return ""
    terms = [_num(shares[0]), *(_operand(share) for share in shares[1:])]
    hand = math.fsum(_shown(share) for share in shares)
    if reached_before:
        terms.insert(0, _num(before))
        terms[1] = _operand(shares[0])
        hand += _shown(before)
    if len(shares) == 1:
        why = f"{p} is reached for the {_ordinal(reached_before + 1)} time"
    elif reached_before == 0:
        why = f"{name} uses {p} {len(shares)} times"
    else:
        why = f"{name} uses {p} {len(shares)} times, and {p} was reached before"
    return (
        f"so {_total(out, p)} = {' + '.join(terms)} {_eq(hand, total)} {_num(total)}   "
        f"({why}: gradients add up)"
    )


def _unique(items: Iterator[str] | list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_values(values: tuple[Value, ...]) -> list[Value]:
    return list(dict.fromkeys(values))


# ---- the page ------------------------------------------------------------------------


def _annotate_svg(svg: bytes, value_count: int) -> str:
    """Graphviz's SVG with the page's hooks: `data-node` on every Value's group, a
    `[data-field=data]` and a `[data-field=grad]` span (empty; the script fills them in)
    in its record, `data-op` on op nodes, `data-from`/`data-into`/`data-out` on edges,
    `data-role=edge-label` with `data-from`/`data-to` on the numbers on edges.
    The XML prologue, DOCTYPE and comments are dropped (the page embeds the bare <svg>).
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    tree = ET.fromstring(svg)
    found = 0
    for group in tree.iter(f"{{{SVG_NS}}}g"):
        title_element = group.find(f"{{{SVG_NS}}}title")
        title = "" if title_element is None else (title_element.text or "")
        kind = group.get("class")
        if kind == "node" and _VALUE_ID.fullmatch(title):
            found += 1
            _annotate_value(group, title)
        elif kind == "node" and _OP_ID.fullmatch(title):
            group.set("data-op", _OP_ID.fullmatch(title).group(1))  # type: ignore[union-attr]
        elif kind == "edge":
            _annotate_edge(group, title)
    if found != value_count:
        raise RuntimeError(
            f"player: Graphviz's SVG has {found} Value nodes, the graph {value_count}"
        )
    # the page sizes the picture itself (zoom), from these
    tree.set("data-width", tree.get("width", ""))
    tree.set("data-height", tree.get("height", ""))
    tree.set("role", "img")
    return ET.tostring(tree, encoding="unicode")


def _annotate_value(group: ET.Element, node_id: str) -> None:
    group.set("data-node", node_id)
    group.set("class", "node value")
    texts = list(group.iter(f"{{{SVG_NS}}}text"))
    constant = texts and (texts[-1].text or "") == "constant"
    if constant:
        group.set("data-constant", "")
        group.set("class", "node value constant")
    # the record's last two fields are data and grad ("constant" for a number operand);
    # a label comes first
    for text, name in zip(texts[-2:], ("data", "grad")):
        # Graphviz sized the field for its text: a constant's stays "constant"
        text.text = "constant" if constant and name == "grad" else f"{name} "
        span = ET.SubElement(text, f"{{{SVG_NS}}}tspan", {"data-field": name})
        span.text = ""


def _annotate_edge(group: ET.Element, title: str) -> None:
    match = _EDGE_TITLE.fullmatch(title)
    if match is None:
        return
    tail, head = match.groups()
    into = _OP_ID.fullmatch(head)
    if into is not None:
        group.set("data-from", tail)
        group.set("data-into", into.group(1))
    else:
        group.set("data-out", head)
    for text in group.iter(f"{{{SVG_NS}}}text"):
        text.set("class", "derivative")
        if into is not None:
            text.set("data-role", "edge-label")
            text.set("data-from", tail)
            text.set("data-to", into.group(1))


def _page(title: str, svgs: dict[str, str], data: dict[str, Any], description: str) -> str:
    assets = resources.files("engine")
    template = assets.joinpath("player_template.html").read_text(encoding="utf-8")
    layouts = "\n".join(
        f'<template data-layout="{direction}">{svg}</template>' for direction, svg in svgs.items()
    )
    parts = {
        "TITLE": html.escape(title),
        "DESCRIPTION": html.escape(description, quote=True),
        "STYLE": assets.joinpath("player.css").read_text(encoding="utf-8"),
        "SCRIPT": assets.joinpath("player.js").read_text(encoding="utf-8"),
        "RANKDIR": next(iter(svgs)),
        "LAYOUTS": layouts,
        "STEPS": str(len(data["steps"]) - 1),
        # inside <script>, "</" would end the element: JSON's \u escapes keep it out
        "DATA": json.dumps(data, ensure_ascii=True, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026"),
    }
    # one pass, so that text put in (a label, say) is never searched for placeholders
    return _PLACEHOLDER.sub(lambda match: parts[match.group(1)], template)
