"""Step through backpropagation in a web page: `player(root)` and the `Player` it returns.

The page shows the graph as `draw_dot` draws it (laid out by Graphviz, same node ids
`v0`, `v1`, ...) and moves through it one step at a time: first the forward pass (one
step per op node, in topological order: the node's data appears, with the arithmetic that
made it), then the backward pass (the seed d out/d out = 1, then one step per rule, in
the order of `backward_steps()`: the chain rule with its numbers for every parent, saying
when a node is reached a second time, so that a reused node's gradients visibly add up).

Everything the page shows is worked out here, in Python, from the engine itself: the
numbers come from a real `backward_steps()` pass (from a zero start; every `.grad` is put
back afterwards) and are formatted as `draw_dot` formats them. The page's script only
shows and hides them, so the browser never does arithmetic of its own.

The page is one offline file: SVG, script (`player.js`), style (`player.css`) and data
(JSON) are inlined into `player_template.html`, and a Content-Security-Policy forbids
every request. Its DOM is a contract (see SPEC.md): `[data-action=prev|next|play|reset]`,
`input[type=range][data-role=step]`, `[data-node=vK]` holding `[data-field=data]` and
`[data-field=grad]`, and `[data-role=explanation]`.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from engine.draw import _checked_order, _contributions, _draw, _number, local_derivatives, render
from engine.files import write_atomic
from engine.value import Value

__all__ = ["Player", "player"]

DEFAULT_MAX_NODES = 200
# binary ops written between their operands in the explanations
INFIX_OPS = ("+", "-", "*", "/", "**")
# a fused dot with more terms than this is written with an ellipsis
MAX_TERMS_SHOWN = 6
IFRAME_HEIGHT_PX = 620
# what the page calls an output without a label
ROOT_NAME = "out"

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
            f'style="width: 100%; height: {IFRAME_HEIGHT_PX}px; border: 1px solid #ddd" '
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
    timeout: float | None = None,
) -> Player:
    """A page that steps through `root`'s forward pass and then its backward pass.

    - `max_nodes`: refuse graphs with more Values than this, with `draw_dot`'s error.
    - `edge_labels`: show the local derivative d(out)/d(input) on every edge.
    - `rankdir`: "LR" (left to right) or "TB" (top to bottom), as in `draw_dot`.
    - `title`: the page's heading (default: "chainrule player").
    - `timeout`: seconds Graphviz may take to lay the graph out (see `engine.draw.render`).

    The backward pass runs from a zero start, as `backward()` on a fresh graph would, and
    every `.grad` is left as it was found (hooks on the graph's nodes do run, as in any
    backward pass). Needs Graphviz's `dot` (`GraphvizNotFoundError` says how to install it).
    """
    if not isinstance(root, Value):
        raise TypeError(f"player: root must be a Value, got {type(root).__name__}")
    order = _checked_order(root, max_nodes)
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    names = _node_names(order, ids)

    saved = [(node, node.grad) for node in order]
    try:
        backward = _record_backward(root, order, ids, names)
        # drawn with the final numbers, so that Graphviz leaves room for them
        for node in order:
            node.grad = backward.grad.get(node, 0.0)
        graph = _draw(
            root, rankdir=rankdir, edge_labels=edge_labels, max_nodes=max_nodes, names=names
        )
    finally:
        for node, grad in saved:
            node.grad = grad
    svg = _annotate_svg(render(graph, "svg", timeout), len(order))

    steps = [_start_step(order, ids, names)]
    steps += _forward_steps(order, ids, names)
    steps += backward.steps
    data = {"steps": steps}
    page = _page(title or "chainrule player", svg, data)
    return Player(page, len(steps) - 1)


# ---- naming and formatting -----------------------------------------------------------


def _node_names(order: list[Value], ids: dict[Value, str]) -> dict[Value, str]:
    """What the page calls each node: its label, or its id (`v3`) when it has none; a
    label that several nodes share gets the id too (`x [v3]`), so every name is unique.
    An unlabelled output is `out` (unless a node is labelled so), for d out/d x."""
    counts: dict[str, int] = {}
    for node in order:
        counts[node.label] = counts.get(node.label, 0) + 1
    root = order[-1]
    names = {}
    for node in order:
        if not node.label and node is root and ROOT_NAME not in counts:
            names[node] = ROOT_NAME
        elif not node.label:
            names[node] = ids[node]
        elif counts[node.label] > 1 or _VALUE_ID.fullmatch(node.label):
            names[node] = f"{node.label} [{ids[node]}]"
        else:
            names[node] = node.label
    return names


def _formula(node: Value, operands: list[str]) -> str:
    """`node`'s op applied to `operands` (names or numbers), as a reader would write it."""
    op = node.op
    if op in INFIX_OPS and len(operands) == 2:
        return f"{operands[0]} {op} {operands[1]}"
    if op == "neg" and len(operands) == 1:
        return f"-{operands[0]}"
    if op == "sum":
        return _terms(operands)
    if op == "dot" and len(operands) % 2 == 1:
        n = len(operands) // 2
        products = [f"{w}*{x}" for w, x in zip(operands[:n], operands[n : 2 * n])]
        return _terms([*products, operands[-1]])
    return f"{op}({', '.join(operands)})"


def _terms(terms: list[str]) -> str:
    if len(terms) > MAX_TERMS_SHOWN:
        shown = terms[: MAX_TERMS_SHOWN - 2]
        return " + ".join([*shown, f"... ({len(terms) - MAX_TERMS_SHOWN + 1} more)", terms[-1]])
    return " + ".join(terms)


def _operand_numbers(node: Value) -> list[str]:
    """Each parent's data as the page shows it; a negative base of `**` in parentheses,
    because `-2 ** 2` reads as -(2 ** 2)."""
    numbers = [_number(parent.data) for parent in node.parents]
    if node.op in ("**", "neg") and numbers and numbers[0].startswith("-"):
        numbers[0] = f"({numbers[0]})"
    return numbers


def _ordinal(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


# ---- the steps -----------------------------------------------------------------------
#
# Each step is a dict for the page's script:
#   phase: "start", "forward", "seed" or "backward"
#   node: the id of the node the step is about (None at the start)
#   inputs: ids of the nodes it reads (forward) or passes its gradient to (backward)
#   set: [[id, "data" | "grad", text], ...], the fields the step fills in
#   title, text: the heading and the explanation


def _start_step(order: list[Value], ids: dict[Value, str], names: dict[Value, str]) -> Step:
    leaves = [node for node in order if not node.op]
    ops = len(order) - len(leaves)
    shown = ", ".join(f"{names[node]} = {_number(node.data)}" for node in leaves[:12])
    if len(leaves) > 12:
        shown += f", ... ({len(leaves) - 12} more)"
    text = f"The leaves hold their data: {shown}.\n"
    if ops:
        text += (
            f"Forward pass next: {ops} op{'s' if ops > 1 else ''}, each computed once all "
            "of its inputs are known. Then the backward pass gives every node its gradient."
        )
    else:
        text += "The output is itself a leaf: no op to compute, only the seed gradient."
    return {
        "phase": "start",
        "node": None,
        "inputs": [],
        "set": [[ids[node], "data", _number(node.data)] for node in leaves],
        "title": "Start",
        "text": text,
    }


def _forward_steps(
    order: list[Value], ids: dict[Value, str], names: dict[Value, str]
) -> list[Step]:
    steps = []
    ops = [node for node in order if node.op]
    for count, node in enumerate(ops, start=1):
        parents = node.parents
        symbolic = _formula(node, [names[parent] for parent in parents])
        numeric = _formula(node, _operand_numbers(node))
        text = f"{names[node]} = {symbolic} = {numeric} = {_number(node.data)}"
        steps.append(
            {
                "phase": "forward",
                "node": ids[node],
                "inputs": _unique(ids[parent] for parent in parents),
                "set": [[ids[node], "data", _number(node.data)]],
                "title": f"Forward {count}/{len(ops)}: compute {names[node]}",
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

    The pass starts from zero (earlier gradients are set aside and added back at the end;
    the caller restores every `.grad` anyway). The gradients shown are read from the nodes
    during the pass, so they are the engine's own numbers; what each use adds
    (d out/d node * d node/d parent) comes from the same rule, run with the same gradient
    on stand-ins (`_contributions`).
    """
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
        record.steps[-1]["text"] += (
            "\n\nThat was the last rule: every gradient is complete, and each is what "
            "backward() gives from a zero start."
        )
    return record


def _note_hook(
    record: _Backward, node_id: str, name: str, out: str, before: float, after: float
) -> None:
    """A hook on the node replaced its complete gradient (what its rule then passed on):
    say so in the latest step, which is when it happened."""
    step = record.steps[-1]
    step["set"].append([node_id, "grad", _number(after)])
    step["changed"] = _unique([*step.get("changed", []), node_id])
    step["text"] += (
        f"\nA hook on {name} replaced its gradient d{out}/d{name} = {_number(before)} "
        f"with {_number(after)}."
    )


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _seed_step(root: Value, ids: dict[Value, str], out: str) -> Step:
    text = f"d{out}/d{out} = {_number(root.grad)}: the output's gradient with respect to itself."
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
        "title": f"Backward: seed d{out}/d{out} = {_number(root.grad)}",
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
    lines = [
        f"{name} = {_formula(node, [names[p] for p in parents])}: its gradient "
        f"d{out}/d{name} = {_number(grad)} is complete (every use of {name} has passed its "
        "share back). The chain rule passes it on to each input:"
    ]
    uses_here = {parent: 0 for parent in parents}
    for parent in parents:
        uses_here[parent] += 1
    seen: dict[Value, list[float]] = {}
    changed = []
    for position, parent in enumerate(parents):
        p = names[parent]
        share = shares[position]
        if share is None:
            lines.append(f"  {p} is a constant: it gets no gradient.")
            record.grad.setdefault(parent, parent.grad)
            continue
        seen.setdefault(parent, []).append(share)
        line = (
            f"  d{out}/d{p} += d{out}/d{name} * d{name}/d{p}"
            f" = {_number(grad)} * {_number(derivatives[position])} = {_number(share)}"
        )
        if len(seen[parent]) == uses_here[parent]:  # its last use in this op
            line += _new_total(parent, p, name, out, seen[parent], record)
            changed.append(ids[parent])
        lines.append(line)
    return {
        "phase": "backward",
        "node": ids[node],
        "inputs": _unique(ids[parent] for parent in parents),
        "changed": changed,
        "set": [[ids[p], "grad", _number(record.grad[p])] for p in _unique_values(parents)],
        "title": f"{name} passes its gradient on",
        "text": "\n".join(lines),
    }


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
    terms = [_number(share) for share in shares]
    if reached_before:
        terms.insert(0, _number(before))
    if len(shares) == 1:
        why = f"{p} is reached for the {_ordinal(reached_before + 1)} time"
    elif reached_before == 0:
        why = f"{name} uses {p} {len(shares)} times"
    else:
        why = f"{name} uses {p} {len(shares)} times, and {p} was reached before"
    return f", so d{out}/d{p} = {' + '.join(terms)} = {_number(total)}   ({why}: gradients add up)"


def _unique(items: Iterator[str] | list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unique_values(values: tuple[Value, ...]) -> list[Value]:
    return list(dict.fromkeys(values))


# ---- the page ------------------------------------------------------------------------


def _annotate_svg(svg: bytes, value_count: int) -> str:
    """Graphviz's SVG with the page's hooks: `data-node` on every Value's group, a
    `[data-field=data]` and a `[data-field=grad]` span (empty; the script fills them in)
    in its record, `data-op` on op nodes, `data-from`/`data-into`/`data-out` on edges.
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
    return ET.tostring(tree, encoding="unicode")


def _annotate_value(group: ET.Element, node_id: str) -> None:
    group.set("data-node", node_id)
    group.set("class", "node value")
    texts = list(group.iter(f"{{{SVG_NS}}}text"))
    # the record's last two fields are always data and grad (a label comes first)
    for text, name in zip(texts[-2:], ("data", "grad")):
        text.text = f"{name} "
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


def _page(title: str, svg: str, data: dict[str, Any]) -> str:
    assets = resources.files("engine")
    template = assets.joinpath("player_template.html").read_text(encoding="utf-8")
    parts = {
        "TITLE": html.escape(title),
        "STYLE": assets.joinpath("player.css").read_text(encoding="utf-8"),
        "SCRIPT": assets.joinpath("player.js").read_text(encoding="utf-8"),
        "SVG": svg,
        "STEPS": str(len(data["steps"]) - 1),
        # inside <script>, "</" would end the element: JSON's \u escapes keep it out
        "DATA": json.dumps(data, ensure_ascii=True, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026"),
    }
    # one pass, so that text put in (a label, say) is never searched for placeholders
    return _PLACEHOLDER.sub(lambda match: parts[match.group(1)], template)
