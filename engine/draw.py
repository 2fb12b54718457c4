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
the standard library alone. Building the DOT source needs no Graphviz program; rendering
(`to_svg`, `save_backward_frames`, and the Digraph's own `pipe`, `render` and Jupyter
display) needs `dot` and says how to install it when it is missing. Every file written
here goes through `engine.files.write_atomic`.
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.autograd import topological_order
from engine.files import write_atomic
from engine.messages import quote
from engine.mode import AnomalyError
from engine.value import Value, _copy_links, _parents

if TYPE_CHECKING:  # pragma: no cover - only for type checkers
    import graphviz

__all__ = [
    "INSTALL_HINT",
    "GraphvizNotFoundError",
    "RenderTimeoutError",
    "draw_dot",
    "local_derivatives",
    "render",
    "save_backward_frames",
    "to_svg",
]

RANKDIRS = ("LR", "TB")
COLOR_BY = (None, "role", "grad")
DEFAULT_MAX_NODES = 500

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


class RenderTimeoutError(RuntimeError):
    """Graphviz took longer than the time allowed to lay out a graph."""


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    highlight: Value | Iterable[Value] | None = None,
    color_by: str | None = None,
    edge_labels: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    parameters: Iterable[Value] | None = None,
) -> graphviz.Digraph:
    """The graph that `root` depends on, as a `graphviz.Digraph` (shown inline in Jupyter).

    - `rankdir`: "LR" (left to right) or "TB" (top to bottom).
    - `highlight`: a Value or a collection of Values drawn in red, with their op node and
      the edges their gradient flows back along (use it with `root.backward_steps()`).
    - `color_by`: None, "role" (input, parameter, constant, intermediate, output leaf
      colours; `parameters=` names the parameters, else leaves labelled w..., b... are)
      or "grad" (red for a positive gradient, blue for a negative one, deeper for larger
      magnitude relative to the largest in the graph).
    - `edge_labels`: write d(out)/d(input) for that one use on every edge into an op.
    - `max_nodes`: refuse graphs with more Values than this (Graphviz gets slow).

    `.source` is the DOT text; `to_svg(root)` renders it. The result is a
    `graphviz.Digraph` whose rendering (`pipe`, `render`, Jupyter's display) raises
    `GraphvizNotFoundError`, saying how to install Graphviz, when `dot` is missing.
    """
    return _draw(root, rankdir, highlight, color_by, edge_labels, max_nodes, parameters)


def _draw(
    root: Value,
    rankdir: str = "LR",
    highlight: Value | Iterable[Value] | None = None,
    color_by: str | None = None,
    edge_labels: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    parameters: Iterable[Value] | None = None,
    names: Mapping[Value, str] | None = None,
) -> graphviz.Digraph:
    """`draw_dot`, plus `names`: the text of each node's first record field instead of
    its label (the player names every node, so that its explanations can refer to them).
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be 'LR' or 'TB', got {quote(rankdir)}")
    if color_by not in COLOR_BY:
        raise ValueError(
            f"draw_dot: color_by must be None, 'role' or 'grad', got {quote(color_by)}"
        )
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__}")
    order = _checked_order(root, max_nodes)
    digraph_class = _digraph_class()  # imports graphviz: fails early if it is missing

    ids = {node: f"v{i}" for i, node in enumerate(order)}
    highlighted = _as_set(highlight)
    parameter_set = None if parameters is None else _as_set(parameters)
    largest_grad = _largest_finite_magnitude(node.grad for node in order)

    graph = digraph_class(name="chainrule")
    graph.attr(rankdir=rankdir)
    graph.attr("node", fontname="Helvetica", fontsize="11")
    graph.attr("edge", arrowsize="0.7", fontname="Helvetica", fontsize="10")

    for node in order:
        node_id = ids[node]
        name = node.label if names is None else names[node]
        attributes = {"shape": "record", "label": _record_label(node, name, rankdir)}
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


def local_derivatives(node: Value) -> list[float]:
    """d(node)/d(parent) for each operand position of `node`, in operand order.

    Each use counts on its own: for `a * a` it gives `[a, a]` (their sum is the total
    derivative 2a). A leaf has none, and a number operand (a constant) gets 0.0. The op's
    own rule runs once, with gradient 1, on stand-ins that give every operand position its
    own gradient slot.
    """
    return [0.0 if share is None else share for share in _contributions(node, 1.0)]


def _contributions(node: Value, grad_output: float) -> list[float | None]:
    """What `node`'s rule adds to each operand position's gradient when `node`'s own
    gradient is `grad_output`, in operand order; None for a number operand (a constant,
    which gets no gradient). NaN for every position if the rule fails.

    The rule runs on stand-ins, so no `.grad` changes. It is the op's own rule, without
    the wrappers that hooks and anomaly mode put around it: a local derivative is the
    op's, whatever a hook does to the gradient it passes on.
    """
    rule = node._backward
    if rule is None or not node.op:  # a leaf, perhaps with a hook: no operands
        return []
    while (wrapped := getattr(rule, "__wrapped__", None)) is not None:
        rule = wrapped
    # a fresh slot for each Value operand position, so a * a gives each use its own
    slots: list[_Slot] = []

    def slot_for(parent: Value) -> _Slot:
        slots.append(_Slot(parent.data))
        return slots[-1]

    stand_in = _Slot(node.data)
    _copy_links(stand_in, node, slot_for)
    try:
        rule(stand_in, grad_output)
        shares: list[float | None] = [float(slot.grad) for slot in slots]
    except (ArithmeticError, ValueError, AnomalyError):
        shares = [math.nan] * len(slots)
    if node._k is None:
        return shares
    # a number operand is a constant: no gradient flows to it
    return [None, *shares] if node.parents[0] is not node._a else [*shares, None]


def to_svg(
    root_or_graph: Value | graphviz.Digraph, timeout: float | None = None, **draw_options: Any
) -> str:
    """The SVG text of a Value's graph (drawn with `draw_dot(root, **draw_options)`) or of
    an already drawn Digraph. Raises `GraphvizNotFoundError` if `dot` is not installed;
    see `render` for `timeout`."""
    if isinstance(root_or_graph, Value):
        graph = draw_dot(root_or_graph, **draw_options)
    elif draw_options:
        raise TypeError("to_svg: drawing options apply to a Value, not to a drawn graph")
    else:
        graph = root_or_graph
    return render(graph, "svg", timeout).decode("utf-8")


def render(
    graph: graphviz.Digraph,
    format: str = "svg",  # noqa: A002 - graphviz's name
    timeout: float | None = None,
) -> bytes:
    """Run Graphviz's `dot` on `graph` and return the picture's bytes.

    `GraphvizNotFoundError` says how to install a missing `dot`. With `timeout` (seconds)
    a layout that takes longer is stopped and `RenderTimeoutError` raised: some shapes,
    such as one node used by every op of a long chain, take `dot` minutes.
    """
    graphviz = _import_graphviz()
    if timeout is None:
        try:
            return bytes(graph.pipe(format=format))
        except graphviz.ExecutableNotFound as error:
            raise GraphvizNotFoundError(INSTALL_HINT) from error
    command = ["dot", f"-T{format}"]
    try:
        finished = subprocess.run(
            command, input=graph.source.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except FileNotFoundError as error:
        raise GraphvizNotFoundError(INSTALL_HINT) from error
    except subprocess.TimeoutExpired as error:
        raise RenderTimeoutError(
            f"Graphviz needed more than {timeout:g} s to lay out this graph "
            f"({graph.source.count('shape=record')} Values); draw a smaller one"
        ) from error
    if finished.returncode != 0:
        message = finished.stderr.decode("utf-8", "replace").strip()
        raise subprocess.CalledProcessError(finished.returncode, command, stderr=message)
    return bytes(finished.stdout)


def save_backward_frames(
    root: Value,
    directory: str | Path,
    format: str = "svg",
    **draw_options: Any,  # noqa: A002
) -> list[Path]:
    """Run `root.backward_steps()` and write one picture per step, that step's node
    highlighted: `step_000.svg`, `step_001.svg`, ... in `directory` (created if needed).

    Gradients accumulate into `.grad` as with `backward()`. Returns the paths in order.
    Nothing is run if the graph is too big or `dot` is missing.
    """
    graphviz = _import_graphviz()
    if format not in graphviz.FORMATS:
        raise ValueError(f"save_backward_frames: unknown format {quote(format)}")
    max_nodes = draw_options.pop("max_nodes", DEFAULT_MAX_NODES)
    steps = len(_checked_order(root, max_nodes))
    render(graphviz.Digraph(), format)  # fail before any gradient changes if dot is missing

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(steps - 1)))
    paths = []
    for step, node in enumerate(root.backward_steps()):
        graph = draw_dot(root, highlight=node, max_nodes=max_nodes, **draw_options)
        path = folder / f"step_{step:0{width}d}.{format}"
        write_atomic(path, render(graph, format))
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
        self._a = self._b = self._k = None
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

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            """Render with `dot` and return the output (see `graphviz.Digraph.pipe`)."""
            try:
                return super().pipe(*args, **kwargs)
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


def _record_label(node: Value, name: str, rankdir: str) -> str:
    fields = [f"data {_number(node.data)}", f"grad {_number(node.grad)}"]
    if name:
        fields.insert(0, _RECORD_SPECIAL.sub(r"\\\1", name))
    # a record's fields run across the rank direction; braces turn them, so that in
    # both directions the fields sit side by side in one row
    row = " | ".join(fields)
    return "{ " + row + " }" if rankdir == "LR" else row


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
