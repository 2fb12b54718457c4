"""Drawing computation graphs with Graphviz: `draw_dot` and the teaching views.

Every Value becomes a record node (label | data | grad) and every op a small node of its
own, with one edge per use in operand order: `a * a` shows two edges into `*`, and the
fused `dot` op is one node with all of its inputs. Node ids are numbered in
`topological_order`, never taken from `id()`, so the same graph always gives
byte-identical DOT source.

The teaching views: `color_by="role"` or `"grad"`, `highlight=` for stepping through
`backward_steps()` (`save_backward_frames` writes one picture per step) and
`edge_labels=True` for the local derivative d(out)/d(input) on every edge.

`graphviz` (the Python package) is imported only when drawing, so `import engine` needs
the standard library alone. Building the DOT source needs no Graphviz program; laying it
out does, and every layout goes through one function, `layout`: it runs Graphviz's `dot`
with a time limit (30 s unless told otherwise: some graphs take `dot` minutes), or the
function given to `set_layout_engine` (the browser playground lays graphs out with
Graphviz compiled to WebAssembly, where there is no `dot` program). `to_svg`, `render`,
`save_backward_frames`, the Digraph's own `pipe` (and so Jupyter's display) and
`engine.player` all use it. A missing `dot` gets an error that says how to install it.
Every file written here goes through `engine.files.write_atomic`.
"""

from __future__ import annotations

import functools
import math
import numbers
import re
import subprocess
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.autograd import topological_order
from engine.files import write_atomic
from engine.messages import quote
from engine.mode import AnomalyError
from engine.value import (
    Value,
    _add_backward,
    _Constant,
    _copy_links,
    _div_backward,
    _mul_backward,
    _parents,
    _pow_backward,
    _sub_backward,
)

if TYPE_CHECKING:  # pragma: no cover - only for type checkers
    import graphviz

__all__ = [
    "INSTALL_HINT",
    "GraphvizNotFoundError",
    "RenderTimeoutError",
    "DEFAULT_TIMEOUT",
    "LayoutEngine",
    "draw_dot",
    "layout",
    "local_derivatives",
    "render",
    "save_backward_frames",
    "set_layout_engine",
    "to_svg",
]

RANKDIRS = ("LR", "TB")
COLOR_BY = (None, "role", "grad")
DEFAULT_MAX_NODES = 500
# seconds `dot` may take to lay a graph out (the command's limit too); None: no limit
DEFAULT_TIMEOUT = 30.0
# the font sizes (points) when no `fontsize` is given: records, and numbers on edges
NODE_FONTSIZE = 11.0
EDGE_FONTSIZE = 10.0
# a label is a name: Graphviz refuses a quoted string over 16384 bytes, and a label a
# thousandth of that is already unreadable in a picture
MAX_LABEL_CHARS = 1000

# fn(dot_source, format) -> the picture's bytes, e.g. Graphviz compiled to WebAssembly
LayoutEngine = Callable[[str, str], bytes]
_layout_engine: LayoutEngine | None = None

INSTALL_HINT = (
    "Graphviz's 'dot' program was not found on PATH; install Graphviz "
    "(Debian/Ubuntu: 'apt-get install graphviz', macOS: 'brew install graphviz', "
    "conda: 'conda install -c conda-forge graphviz') and try again. "
    "The DOT source (draw_dot(root).source) works without it."
)

# fill colours of the roles a node can play (color_by="role")
ROLE_COLORS = {
    "input": "#cfe8ff",  # a labelled leaf that is data
    "parameter": "#ffd8a8",  # a labelled leaf that training would change (w..., b...)
    "constant": "#eeeeee",  # an unlabelled leaf, e.g. the 2 in x * 2
    "intermediate": "#ffffff",
    "output": "#c3f0c2",  # the root
}
# a leaf label such as w, w1, w_0, b, bias, weight[3] reads as a parameter
_PARAMETER_LABEL = re.compile(r"^(w|b|weight|bias)(?:$|[\d_\[.(])", re.IGNORECASE)

HIGHLIGHT_COLOR = "#d62728"
POSITIVE_GRAD_RGB = (214, 39, 40)  # red: increasing this node increases the output
NEGATIVE_GRAD_RGB = (31, 119, 180)  # blue: increasing this node decreases the output
UNDEFINED_GRAD_COLOR = "#bbbbbb"  # nan


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz's `dot` program, and it is not installed."""


class RenderTimeoutError(TimeoutError):
    """Graphviz took longer than the time allowed to lay out a graph."""


def set_layout_engine(engine: LayoutEngine | None) -> None:
    """Lay graphs out with `engine(dot_source, format) -> bytes` instead of Graphviz's
    `dot` program, everywhere this module and `engine.player` render; `None` goes back
    to `dot`. For places without a `dot` program, such as the browser playground, which
    runs Graphviz compiled to WebAssembly. The time limit is then the engine's own affair.
    """
    global _layout_engine
    if engine is not None and not callable(engine):
        raise TypeError(
            "set_layout_engine: needs a function fn(dot_source, format) -> bytes, or None; "
            f"got {type(engine).__name__}"
        )
    _layout_engine = engine


def layout(dot_source: str, format: str = "svg", timeout: float | None = DEFAULT_TIMEOUT) -> bytes:  # noqa: A002
    """Lay out DOT source and return the picture's bytes: the one place that does.

    With the engine given to `set_layout_engine`, if any; else Graphviz's `dot`, stopped
    after `timeout` seconds (`RenderTimeoutError`; None waits as long as it takes).
    `GraphvizNotFoundError` says how to install a missing `dot`.
    """
    try:
        source = dot_source.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(
            f"render: the DOT source holds {quote(error.object[error.start : error.end])} at "
            f"character {error.start}, which is not valid Unicode (a lone surrogate); "
            "remove it from the labels"
        ) from None
    if _layout_engine is not None:
        return bytes(_layout_engine(dot_source, format))
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0
    ):
        raise ValueError(
            f"render: timeout must be a positive number of seconds or None, got {quote(timeout)}"
        )
    command = ["dot", f"-T{format}"]
    try:
        finished = subprocess.run(command, input=source, capture_output=True, timeout=timeout)
    except FileNotFoundError as error:
        raise GraphvizNotFoundError(INSTALL_HINT) from error
    except subprocess.TimeoutExpired:
        values = dot_source.count("shape=record")
        raise RenderTimeoutError(
            f"Graphviz needed more than {timeout:g} s to lay out this graph of {values} "
            "Values and was stopped. Pass timeout=None (or a larger timeout=) to wait "
            "as long as it takes, or draw a smaller graph: Graphviz is slowest when one "
            "node is used by many ops"
        ) from None
    if finished.returncode != 0:
        message = finished.stderr.decode("utf-8", "replace").strip()
        raise subprocess.CalledProcessError(finished.returncode, command, stderr=message)
    return bytes(finished.stdout)


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    highlight: Value | Iterable[Value] | None = None,
    color_by: str | None = None,
    edge_labels: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    parameters: Iterable[Value] | None = None,
    fontsize: float | None = None,
) -> graphviz.Digraph:
    """The graph that `root` depends on, as a `graphviz.Digraph` (shown inline in Jupyter).

    - `rankdir`: "LR" (left to right) or "TB" (top to bottom).
    - `highlight`: a Value or a collection of Values drawn in red, with their op node and
      the edges their gradient flows back along (use it with `root.backward_steps()`).
    - `color_by`: None, "role" (input, parameter, constant, intermediate, output leaf
      colours; `parameters=` names the parameters, else leaves labelled w..., b... are)
      or "grad" (red for a positive gradient, blue for a negative one, deeper for larger
      magnitude relative to the largest in the graph).
    - `edge_labels`: write the local partial derivative d(out)/d(input) for that one use
      on every edge into an op (a number operand's edge too, though it gets no gradient).
    - `max_nodes`: refuse graphs with more Values than this (Graphviz gets slow).
    - `fontsize`: the text size in points (None: 11 in the records, 10 on the edges);
      larger for slides.

    A number operand (the 2 in `x * 2`) is a constant: its record says so instead of
    showing a gradient. `.source` is the DOT text; `to_svg(root)` renders it. The result
    is a `graphviz.Digraph` whose rendering (`pipe`, `render`, Jupyter's display) goes
    through `layout` (a 30 s limit) and raises `GraphvizNotFoundError`, saying how to
    install Graphviz, when `dot` is missing. A label Graphviz cannot draw (a NUL, a lone
    surrogate, more than 1000 characters) is a `ValueError` naming it.
    """
    return _draw(root, rankdir, highlight, color_by, edge_labels, max_nodes, parameters, fontsize)


def _draw(
    root: Value,
    rankdir: str = "LR",
    highlight: Value | Iterable[Value] | None = None,
    color_by: str | None = None,
    edge_labels: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    parameters: Iterable[Value] | None = None,
    fontsize: float | None = None,
    names: Mapping[Value, str] | None = None,
    stacked: bool = False,
) -> graphviz.Digraph:
    """`draw_dot`, plus what the player needs: `names`, the text of each node's first
    record field instead of its label (the player names every node, so that its
    explanations can refer to them), and `stacked`, the record's fields one above the
    other in both directions and the nodes close together (a compact picture, so that a
    graph fits a screen at a readable size).
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be 'LR' or 'TB', got {quote(rankdir)}")
    if color_by not in COLOR_BY:
        raise ValueError(
            f"draw_dot: color_by must be None, 'role' or 'grad', got {quote(color_by)}"
        )
    node_size, edge_size = _font_sizes(fontsize)
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    order = _checked_order(root, max_nodes)
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    for node in order:
        _check_label(node.label if names is None else names[node], ids[node])
    digraph_class = _digraph_class()  # imports graphviz: fails early if it is missing

    highlighted = _as_set(highlight)
    parameter_set = None if parameters is None else _as_set(parameters)
    largest_grad = _largest_finite_magnitude(node.grad for node in order)

    graph = digraph_class(name="chainrule")
    graph.attr(rankdir=rankdir)
    if stacked:
        # close together, so that a graph of ten or twenty Values fits a laptop's screen
        # (or a phone's width, top to bottom) with text still 14 px tall
        # (top to bottom, the numbers on two edges between the same nodes sit side by
        # side: a wider gap keeps 3 and 3 from reading as 33)
        graph.attr(ranksep="0.15", nodesep="0.1" if rankdir == "LR" else "0.25")
        graph.attr("node", margin="0.05,0.02")
    graph.attr("node", fontname="Helvetica", fontsize=_points(node_size))
    graph.attr("edge", arrowsize="0.7", fontname="Helvetica", fontsize=_points(edge_size))

    for node in order:
        node_id = ids[node]
        name = node.label if names is None else names[node]
        label = _record_label(node, name, rankdir, stacked)
        attributes = {"shape": "record", "label": label}
        if color_by == "role":
            role = _role(node, root, parameter_set)
            attributes.update(style="filled", fillcolor=ROLE_COLORS[role])
        elif color_by == "grad":
            attributes.update(style="filled", fillcolor=_grad_color(node.grad, largest_grad))
        if node in highlighted:
            attributes.update(color=HIGHLIGHT_COLOR, penwidth="3")
        graph.node(node_id, **attributes)

        if not node.op:
            continue
        op_id = f"{node_id}op"
        # ordering=in keeps the incoming edges in operand order (a - b, not b - a)
        op_attributes = {"shape": "ellipse", "label": node.op, "ordering": "in"}
        if node in highlighted:
            op_attributes.update(color=HIGHLIGHT_COLOR, penwidth="3")
        graph.node(op_id, **op_attributes)
        graph.edge(op_id, node_id)

        derivatives = local_derivatives(node) if edge_labels else None
        for position, parent in enumerate(node.parents):
            edge_attributes = {}
            if derivatives is not None:
                edge_attributes["label"] = _number(derivatives[position])
            if node in highlighted:
                edge_attributes.update(color=HIGHLIGHT_COLOR, penwidth="2")
            graph.edge(ids[parent], op_id, **edge_attributes)
    return graph


def _font_sizes(fontsize: float | None) -> tuple[float, float]:
    """The record and edge font sizes for `fontsize` (None: today's 11 and 10 points)."""
    if fontsize is None:
        return NODE_FONTSIZE, EDGE_FONTSIZE
    if (
        isinstance(fontsize, bool)
        or not isinstance(fontsize, numbers.Real)
        or not 1.0 <= fontsize <= 200.0
    ):
        raise ValueError(
            f"draw_dot: fontsize must be a number of points from 1 to 200 or None, "
            f"got {quote(fontsize)}"
        )
    return float(fontsize), float(fontsize)


def _points(size: float) -> str:
    return format(size, "g")


def _check_label(label: str, node_id: str) -> None:
    """Refuse, naming it, a label that Graphviz cannot draw (it would fail with its own
    error, or a broken pipe, far from the label that caused it)."""
    problem = None
    if len(label) > MAX_LABEL_CHARS:
        problem = f"has {len(label)} characters, more than {MAX_LABEL_CHARS}"
    elif "\0" in label:
        problem = "holds a NUL character (\\x00)"
    else:
        try:
            label.encode("utf-8")
        except UnicodeEncodeError as error:
            problem = f"holds a lone surrogate ({error.object[error.start]!r}), which is not text"
    if problem is not None:
        raise ValueError(
            f"draw_dot: the label of node {node_id}, {quote(label, 60)}, {problem}; "
            "Graphviz cannot draw it: give that Value another label"
        )


def local_derivatives(node: Value) -> list[float]:
    """The local partial derivative d(node)/d(parent) for each operand position of
    `node`, in operand order.

    Each use counts on its own: for `a * a` it gives `[a, a]` (their sum is the total
    derivative 2a). A leaf has none. A number operand (a constant) gets its true partial
    too (1 for the 1 in `c + 1`, c for the 2 in `2 * c`), though no gradient flows to it.
    The op's own rule runs once, with gradient 1, on stand-ins that give every operand
    position its own gradient slot.
    """
    shares = _contributions(node, 1.0, constants=True)
    return [math.nan if share is None else share for share in shares]


# the two-Value rule of each op that can have a number operand (`_k`): it gives the
# number's partial derivative, which the op's own rule, knowing it a constant, skips
_TWO_VALUE_RULES: dict[str, Callable[[Any, float], None]] = {
    "+": _add_backward,
    "-": _sub_backward,
    "*": _mul_backward,
    "/": _div_backward,
    "**": _pow_backward,
}


def _contributions(node: Value, grad_output: float, constants: bool = False) -> list[float | None]:
    """What `node`'s rule adds to each operand position's gradient when `node`'s own
    gradient is `grad_output`, in operand order; None for a number operand (a constant,
    which gets no gradient), unless `constants`: then what it would get, were it a
    Value. NaN for every position if the rule fails.

    The rule runs on stand-ins, so no `.grad` changes. It is the op's own rule, without
    the wrappers that hooks and anomaly mode put around it: a local derivative is the
    op's, whatever a hook does to the gradient it passes on.
    """
    rule = node._backward
    if rule is None or not node.op:  # a leaf, perhaps with a hook: no operands
        return []
    while (wrapped := getattr(rule, "__wrapped__", None)) is not None:
        rule = wrapped
    parents = node.parents
    if node._k is not None and constants:
        # run the two-Value rule on the operands in order: the constant's share is its own
        two_value = _run_on_stand_ins(node, _TWO_VALUE_RULES[node.op], grad_output, parents)
        own = _run_on_stand_ins(node, rule, grad_output, None)
        value_position = 1 if parents[0] is not node._a else 0
        result: list[float | None] = list(two_value)
        result[value_position] = own[0] if own else math.nan
        return result
    shares: list[float | None] = list(_run_on_stand_ins(node, rule, grad_output, None))
    if node._k is not None:
        # a number operand is a constant: no gradient flows to it
        return [None, *shares] if parents[0] is not node._a else [*shares, None]
    if not constants:
        # a number among dot's or sum's operands is a constant leaf: nothing flows to it
        return [None if isinstance(p, _Constant) else share for p, share in zip(parents, shares)]
    return shares


def _run_on_stand_ins(
    node: Value,
    rule: Callable[[Any, float], None],
    grad_output: float,
    operands: tuple[Value, ...] | None,
) -> list[float]:
    """Run `rule` on a stand-in for `node` with a fresh gradient slot per operand
    position (so `a * a` gives each use its own) and return the slots' gradients.
    `operands`: make them the stand-in's `_a` and `_b` (a two-Value rule); None: copy
    `node`'s own links."""
    slots: list[_Slot] = []

    def slot_for(parent: Value) -> _Slot:
        slots.append(_Slot(parent.data))
        return slots[-1]

    stand_in = _Slot(node.data)
    if operands is None:
        _copy_links(stand_in, node, slot_for)
    else:
        stand_in._a, stand_in._b = (slot_for(operand) for operand in operands)
    try:
        rule(stand_in, grad_output)
        return [float(slot.grad) for slot in slots]
    except (ArithmeticError, ValueError, AnomalyError):
        return [math.nan] * len(slots)


def to_svg(
    root_or_graph: Value | graphviz.Digraph,
    timeout: float | None = DEFAULT_TIMEOUT,
    *,
    fontsize: float | None = None,
    **draw_options: Any,
) -> str:
    """The SVG text of a Value's graph (drawn with `draw_dot(root, fontsize=fontsize,
    **draw_options)`) or of an already drawn Digraph. Raises `GraphvizNotFoundError` if
    `dot` is not installed; see `render` for `timeout`."""
    if isinstance(root_or_graph, Value):
        graph = draw_dot(root_or_graph, fontsize=fontsize, **draw_options)
    elif draw_options or fontsize is not None:
        raise TypeError("to_svg: drawing options apply to a Value, not to a drawn graph")
    else:
        graph = root_or_graph
    return render(graph, "svg", timeout).decode("utf-8")


def render(
    graph: graphviz.Digraph,
    format: str = "svg",  # noqa: A002 - graphviz's name
    timeout: float | None = DEFAULT_TIMEOUT,
) -> bytes:
    """Lay out `graph` (with `layout`) and return the picture's bytes.

    `GraphvizNotFoundError` says how to install a missing `dot`. A layout that takes
    longer than `timeout` seconds (30 by default; None: no limit) is stopped and
    `RenderTimeoutError` (a `TimeoutError`) raised: some shapes, such as one node used by
    every op of a long chain, take `dot` minutes.
    """
    return layout(graph.source, format, timeout)


def save_backward_frames(
    root: Value,
    directory: str | Path,
    format: str = "svg",  # noqa: A002
    *,
    fontsize: float | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **draw_options: Any,
) -> list[Path]:
    """Run `root.backward_steps()` and write one picture per step, that step's node
    highlighted: `step_000.svg`, `step_001.svg`, ... in `directory` (created if needed);
    slides or a handout of the backward pass. `fontsize` and `draw_options` are
    `draw_dot`'s; `timeout` limits each picture's layout (see `render`).

    Gradients accumulate into `.grad` as with `backward()`. Returns the paths in order.
    Nothing is run if the graph is too big, an option is wrong or `dot` is missing.
    """
    graphviz = _import_graphviz()
    if format not in graphviz.FORMATS:
        raise ValueError(f"save_backward_frames: unknown format {quote(format)}")
    max_nodes = draw_options.pop("max_nodes", DEFAULT_MAX_NODES)
    steps = len(_checked_order(root, max_nodes))
    # check the options, and that dot is there, before any gradient changes
    draw_dot(root, max_nodes=max_nodes, fontsize=fontsize, **draw_options)
    render(graphviz.Digraph(), format, timeout)

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(steps - 1)))
    paths = []
    for step, node in enumerate(root.backward_steps()):
        graph = draw_dot(
            root, highlight=node, max_nodes=max_nodes, fontsize=fontsize, **draw_options
        )
        path = folder / f"step_{step:0{width}d}.{format}"
        write_atomic(path, render(graph, format, timeout))
        paths.append(path)
    return paths


# ---- helpers -------------------------------------------------------------------------


class _Slot:
    """A stand-in node for `local_derivatives`: data, its own gradient, parents."""

    __slots__ = ("data", "grad", "_a", "_b", "_rest", "_k")
    parents = property(_parents)  # for rules that read out.parents, as Value has

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0
        self._a: _Slot | None = None
        self._b: _Slot | None = None
        self._k: float | None = None
        self._rest: tuple[_Slot, ...] = ()


@functools.cache
def _digraph_class() -> type[graphviz.Digraph]:
    """`graphviz.Digraph` whose rendering says how to install a missing `dot`.

    Made on first use because graphviz is imported only when drawing. Jupyter's display
    (`_repr_mimebundle_`) and `view` go through `pipe` and `render`, so those two suffice.
    """
    graphviz = _import_graphviz()

    class Digraph(graphviz.Digraph):  # type: ignore[misc, name-defined]
        """A `graphviz.Digraph` whose rendering raises `GraphvizNotFoundError`, which says
        how to install Graphviz, instead of `graphviz.ExecutableNotFound`."""

        def pipe(
            self,
            format: str | None = None,  # noqa: A002 - graphviz's names
            renderer: str | None = None,
            formatter: str | None = None,
            neato_no_op: bool | int | None = None,
            quiet: bool = False,
            *,
            engine: str | None = None,
            encoding: str | None = None,
            timeout: float | None = DEFAULT_TIMEOUT,
        ) -> Any:
            """Lay the graph out and return the output (see `graphviz.Digraph.pipe`).

            A plain `dot` layout goes through `engine.draw.layout`, with its time limit
            (`timeout` seconds) and the engine of `set_layout_engine`; other renderers,
            formatters or engines go to graphviz's own `pipe`.
            """
            if renderer is None and formatter is None and not neato_no_op:
                if (engine or self.engine) == "dot":
                    data = layout(self.source, format or self.format, timeout)
                    return data.decode(encoding) if encoding is not None else data
            try:
                return super().pipe(
                    format,
                    renderer,
                    formatter,
                    neato_no_op,
                    quiet,
                    engine=engine,
                    encoding=encoding,
                )
            except graphviz.ExecutableNotFound as error:
                raise GraphvizNotFoundError(INSTALL_HINT) from error

        def render(self, *args: Any, **kwargs: Any) -> Any:
            """Render with `dot` into a file (see `graphviz.Digraph.render`)."""
            try:
                return super().render(*args, **kwargs)
            except graphviz.ExecutableNotFound as error:
                raise GraphvizNotFoundError(INSTALL_HINT) from error

    Digraph.__module__ = __name__
    return Digraph


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:  # pragma: no cover - graphviz is a dependency
        raise ImportError(
            "drawing needs the 'graphviz' Python package: pip install graphviz"
        ) from error
    return graphviz


def _checked_order(root: Value, max_nodes: int) -> list[Value]:
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes must be a positive int, got {quote(max_nodes)}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_dot: the graph has {len(order)} nodes (Values), more than "
            f"max_nodes={max_nodes}; pass max_nodes={len(order)} or more to draw it anyway "
            "(Graphviz gets slow on big graphs)"
        )
    return order


def _as_set(values: Value | Iterable[Value] | None) -> set[Value]:
    if values is None:
        return set()
    if isinstance(values, Value):
        return {values}
    return set(values)


def _number(x: float) -> str:
    """Four significant digits: 0.7071, 6.881, 1.234e+04."""
    return format(x, ".4g")


# characters with a meaning inside a record label
_RECORD_SPECIAL = re.compile(r"([{}|<>\\\"])")


def _record_label(node: Value, name: str, rankdir: str, stacked: bool = False) -> str:
    # a number operand gets no gradient: its record says what it is instead
    last = "constant" if isinstance(node, _Constant) else f"grad {_number(node.grad)}"
    fields = [f"data {_number(node.data)}", last]
    if name:
        fields.insert(0, _RECORD_SPECIAL.sub(r"\\\1", name))
    row = " | ".join(fields)
    # a record's fields run across the rank direction; braces turn them. Side by side in
    # one row, or (stacked) one above the other, in both directions
    turned = rankdir == "LR" if not stacked else rankdir == "TB"
    return "{ " + row + " }" if turned else row


def _role(node: Value, root: Value, parameters: set[Value] | None) -> str:
    if node is root:
        return "output"
    if node.op:
        return "intermediate"
    if parameters is not None:
        if node in parameters:
            return "parameter"
        return "input" if node.label else "constant"
    if not node.label:
        return "constant"
    return "parameter" if _PARAMETER_LABEL.match(node.label) else "input"


def _largest_finite_magnitude(numbers: Iterable[float]) -> float:
    return max((abs(x) for x in numbers if math.isfinite(x)), default=0.0)


def _grad_color(grad: float, largest: float) -> str:
    if math.isnan(grad):
        return UNDEFINED_GRAD_COLOR
    if grad == 0.0:
        return "#ffffff"
    strength = 1.0 if math.isinf(grad) or largest == 0.0 else min(1.0, abs(grad) / largest)
    # blend white towards the full colour; at most 85% so the text stays readable
    strength *= 0.85
    rgb = POSITIVE_GRAD_RGB if grad > 0.0 else NEGATIVE_GRAD_RGB
    channels = [round(255 + (c - 255) * strength) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in channels)
