"""Tests for engine/draw.py: the DOT source draw_dot builds, the SVG Graphviz renders from
it, the teaching views (highlight, colours, edge labels, backward frames) and the errors
(too many nodes, no `dot` program)."""

from __future__ import annotations

import inspect
import math
import os
import random
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import micrograd_readme_expression

import engine
from engine import Value, draw_dot
from engine.draw import (
    DEFAULT_TIMEOUT,
    HIGHLIGHT_COLOR,
    GraphvizNotFoundError,
    RenderTimeoutError,
    layout,
    local_derivatives,
    render,
    save_backward_frames,
    set_layout_engine,
    to_svg,
)

graphviz = pytest.importorskip("graphviz")

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")

GOLDEN = Path(__file__).parent / "golden" / "micrograd_readme.dot"
SVG = "{http://www.w3.org/2000/svg}"


# ---- graphs used below ---------------------------------------------------------------


def micrograd_readme_graph() -> tuple[Value, Value, Value]:
    """micrograd's README expression built with engine Values: (g, a, b)."""
    a = Value(-4.0, label="a")
    b = Value(2.0, label="b")
    return micrograd_readme_expression(a, b), a, b


def neuron() -> tuple[Value, dict[str, Value]]:
    """tanh(x1*w1 + x2*w2 + b), the neuron of micrograd's lecture, after backward()."""
    leaves = {
        "x1": Value(2.0, label="x1"),
        "x2": Value(0.0, label="x2"),
        "w1": Value(-3.0, label="w1"),
        "w2": Value(1.0, label="w2"),
        "b": Value(6.8813735870195432, label="b"),
    }
    n = leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]
    out = n.tanh()
    out.backward()
    return out, leaves


def mlp_sample() -> Value:
    """One sample through an MLP(2, [16, 16, 1]) built from engine.dot and relu."""
    rng = random.Random(0)
    inputs = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    activations = inputs
    for layer, width in enumerate([16, 16, 1]):
        outs = []
        for j in range(width):
            ws = [
                Value(rng.uniform(-1, 1), label=f"w{layer}_{j}_{i}")
                for i in range(len(activations))
            ]
            pre = engine.dot(ws, activations, Value(0.0, label=f"b{layer}_{j}"))
            outs.append(pre if width == 1 else pre.relu())
        activations = outs
    return activations[0]


# ---- reading DOT source and SVG -------------------------------------------------------


def node_lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if re.match(r"\s*v\d+(op)? \[", line)]


def record_lines(source: str) -> list[str]:
    return [line for line in node_lines(source) if "shape=record" in line]


def op_lines(source: str) -> list[str]:
    return [line for line in node_lines(source) if "shape=ellipse" in line]


def edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(v\d+(?:op)?) -> (v\d+(?:op)?)", source, flags=re.MULTILINE)


def edge_lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if " -> " in line]


def id_of(source: str, label: str) -> str:
    """The id of the record node whose label starts with `label`."""
    for line in record_lines(source):
        if f'label="{{ {label} |' in line or f'label="{label} |' in line:
            return line.split(" ")[0]
    raise AssertionError(f"no node labelled {label!r}")


def svg_groups(svg: str, kind: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def svg_texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


# ---- structure of the DOT source -----------------------------------------------------


def test_one_record_per_value_and_one_node_per_op():
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    out = (a * b + c).tanh()
    source = draw_dot(out).source
    assert len(record_lines(source)) == len(engine.topological_order(out)) == 6
    op_labels = [re.search(r'label="?([^" \]]+)', line).group(1) for line in op_lines(source)]
    assert sorted(op_labels) == ["*", "+", "tanh"]
    # per op: one edge per operand in, one edge out
    assert len(edges(source)) == (2 + 1) + (2 + 1) + (1 + 1)


def test_reused_value_draws_one_edge_per_use():
    a = Value(3.0, label="a")
    source = draw_dot(a * a).source
    a_id = id_of(source, "a")
    assert edges(source).count((a_id, "v1op")) == 2
    assert len(record_lines(source)) == 2


def test_edges_into_an_op_keep_operand_order():
    a, b = Value(5.0, label="a"), Value(2.0, label="b")
    for out, first, second in [(a - b, "a", "b"), (b - a, "b", "a"), (b / a, "b", "a")]:
        source = draw_dot(out).source
        into_op = [tail for tail, head in edges(source) if head.endswith("op")]
        assert into_op == [id_of(source, first), id_of(source, second)]


def test_fused_dot_is_one_op_node_with_every_input_in_order():
    ws = [Value(0.1 * i, label=f"w{i}") for i in range(3)]
    xs = [Value(1.0 + i, label=f"x{i}") for i in range(3)]
    bias = Value(0.5, label="b")
    out = engine.dot(ws, xs, bias)
    source = draw_dot(out).source
    assert [line for line in op_lines(source)] == [op_lines(source)[0]]
    assert "label=dot" in op_lines(source)[0]
    into_op = [tail for tail, head in edges(source) if head.endswith("op")]
    expected = [id_of(source, v.label) for v in [*ws, *xs, bias]]
    assert into_op == expected


def test_same_graph_built_twice_gives_byte_identical_source():
    first = draw_dot(micrograd_readme_graph()[0]).source
    # unrelated objects shift memory addresses; ids must not depend on them
    _ = [Value(float(i)) for i in range(1000)]
    second = draw_dot(micrograd_readme_graph()[0]).source
    assert first == second


def test_node_ids_follow_topological_order():
    g = micrograd_readme_graph()[0]
    order = engine.topological_order(g)
    source = draw_dot(g).source
    ids = [line.split(" ")[0] for line in record_lines(source)]
    assert ids == [f"v{i}" for i in range(len(order))]


def test_golden_dot_for_micrograd_readme_expression():
    g, _, _ = micrograd_readme_graph()
    g.backward()
    source = draw_dot(g).source
    if os.environ.get("CHAINRULE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(source, encoding="utf-8")
    assert source == GOLDEN.read_text(encoding="utf-8")


def test_golden_dot_shows_micrograds_numbers():
    micrograd_engine = pytest.importorskip("micrograd.engine")
    a = micrograd_engine.Value(-4.0)
    b = micrograd_engine.Value(2.0)
    g = micrograd_readme_expression(a, b)
    g.backward()
    golden = GOLDEN.read_text(encoding="utf-8")
    assert f'label="{{ a | data -4 | grad {a.grad:.4g} }}"' in golden
    assert f'label="{{ b | data 2 | grad {b.grad:.4g} }}"' in golden
    assert f"data {g.data:.4g} | grad 1 }}" in golden


def test_values_are_shown_with_four_significant_digits():
    out, _ = neuron()
    source = draw_dot(out).source
    expected = f"{math.tanh(0.8813735870195432):.4g}"
    assert expected == "0.7071"
    assert f"data {expected} | grad 1 }}" in source
    assert "b | data 6.881 | grad 0.5" in source


def test_rankdir_tb_and_lr_are_accepted_and_others_refused():
    out, _ = neuron()
    assert "rankdir=TB" in draw_dot(out, rankdir="TB").source
    assert "rankdir=LR" in draw_dot(out).source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(out, rankdir="XY")
    with pytest.raises(ValueError, match="color_by"):
        draw_dot(out, color_by="rainbow")
    with pytest.raises(TypeError, match="Value"):
        draw_dot(1.0)  # type: ignore[arg-type]


def test_record_special_characters_in_labels_are_escaped():
    weird = Value(1.0, label='a{b|c}<d>"e\\')
    source = draw_dot(weird * 2).source
    assert r"a\{b\|c\}\<d\>\"e\\" in source


def test_max_nodes_error_says_how_big_and_how_to_raise_the_limit():
    x = Value(0.5, label="x")
    out = x
    for _ in range(600):
        out = out * 1.0001
    total = len(engine.topological_order(out))
    with pytest.raises(ValueError, match=rf"{total} nodes.*max_nodes={total}"):
        draw_dot(out)
    assert len(record_lines(draw_dot(out, max_nodes=total).source)) == total
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(x, max_nodes=0)


def test_long_chain_builds_without_recursion():
    out = Value(1.0)
    for _ in range(20_000):
        out = out + 1.0
    source = draw_dot(out, max_nodes=10**6).source
    assert source.count("shape=record") == len(engine.topological_order(out))


# ---- teaching views ------------------------------------------------------------------


def test_highlight_marks_the_node_its_op_and_its_incoming_edges():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    out = c.tanh()
    source = draw_dot(out, highlight=c).source
    lines = node_lines(source) + edge_lines(source)
    highlighted = [line.split(" [")[0] for line in lines if HIGHLIGHT_COLOR in line]
    a_id, b_id = id_of(source, "a"), id_of(source, "b")
    assert sorted(highlighted) == sorted(["v2", "v2op", f"{a_id} -> v2op", f"{b_id} -> v2op"])


def test_highlight_accepts_a_set_of_nodes():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    source = draw_dot(a + b, highlight={a, b}).source
    assert all(HIGHLIGHT_COLOR in line for line in record_lines(source)[:2])
    assert HIGHLIGHT_COLOR not in record_lines(source)[2]


def test_color_by_role_distinguishes_inputs_parameters_constants_and_output():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    out = (x * w + b + 2.0).tanh()
    source = draw_dot(out, color_by="role").source
    from engine.draw import ROLE_COLORS

    def fill(node_id: str) -> str:
        line = next(line for line in record_lines(source) if line.startswith(node_id + " "))
        return re.search(r'fillcolor="([^"]+)"', line).group(1)

    ids = {v: f"v{i}" for i, v in enumerate(engine.topological_order(out))}
    assert fill(ids[x]) == ROLE_COLORS["input"]
    assert fill(ids[w]) == ROLE_COLORS["parameter"]
    assert fill(ids[b]) == ROLE_COLORS["parameter"]
    assert fill(ids[out]) == ROLE_COLORS["output"]
    assert fill(ids[out.parents[0]]) == ROLE_COLORS["intermediate"]
    constant = out.parents[0].parents[1]
    assert fill(ids[constant]) == ROLE_COLORS["constant"]
    # an explicit parameter set overrides the naming convention
    explicit = draw_dot(out, color_by="role", parameters=[x]).source
    assert f'fillcolor="{ROLE_COLORS["parameter"]}"' in record_lines(explicit)[0]


def test_color_by_grad_is_red_for_positive_blue_for_negative_white_for_zero():
    out, leaves = neuron()
    source = draw_dot(out, color_by="grad").source
    ids = {v: f"v{i}" for i, v in enumerate(engine.topological_order(out))}

    def rgb(node: Value) -> tuple[int, int, int]:
        line = next(line for line in record_lines(source) if line.startswith(ids[node] + " "))
        hex_color = re.search(r'fillcolor="#([0-9a-f]{6})"', line).group(1)
        return tuple(int(hex_color[i : i + 2], 16) for i in (0, 2, 4))

    assert leaves["w1"].grad > 0 and leaves["x1"].grad < 0 and leaves["w2"].grad == 0
    red, green, blue = rgb(leaves["w1"])
    assert red > blue
    red, green, blue = rgb(leaves["x1"])
    assert blue > red
    assert rgb(leaves["w2"]) == (255, 255, 255)
    # |grad x1| = 1.5 is the largest: the deepest colour
    assert sum(rgb(leaves["x1"])) < sum(rgb(leaves["b"]))


def edge_label_values(source: str, head: str) -> list[float]:
    labels = re.findall(rf"^\s*v\d+ -> {head} \[label=\"?([^\" \]]+)", source, flags=re.MULTILINE)
    return [float(x) for x in labels]


@pytest.mark.parametrize(
    "make",
    [
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a - b,
        lambda a, b: a**b,
        lambda a, b: (a + b).tanh(),
        lambda a, b: engine.dot([a], [b], 0.3),
    ],
    ids=["mul", "div", "sub", "pow", "tanh", "dot"],
)
def test_edge_labels_are_local_derivatives(make):
    a, b = Value(1.7, label="a"), Value(0.6, label="b")
    out = make(a, b)
    source = draw_dot(out, edge_labels=True).source
    op_id = f"v{len(engine.topological_order(out)) - 1}op"
    shown = edge_label_values(source, op_id)
    # oracle: central differences of the op on its own inputs
    derivatives = local_derivatives(out)
    assert shown == [float(f"{d:.4g}") for d in derivatives]
    if out.op in ("*", "/", "-", "**"):
        p, q = out.parents
        for position in range(2):
            eps = 1e-6
            plus = [p.data, q.data]
            minus = [p.data, q.data]
            plus[position] += eps
            minus[position] -= eps
            difference = make(*map(Value, plus)).data - make(*map(Value, minus)).data
            assert derivatives[position] == pytest.approx(difference / (2 * eps), rel=1e-5)


def test_edge_labels_match_engine_grad_on_distinct_parents():
    a, b, c = Value(0.3, label="a"), Value(-1.2, label="b"), Value(2.5, label="c")
    for out in [a * b, a / c, (b**2), c.log(), a.sigmoid(), b.exp(), a.relu(), b.relu()]:
        values = [p for p in out.parents if p.label]  # the 2 of b**2 is a constant
        expected = engine.grad(out, values)
        shown = [d for p, d in zip(out.parents, local_derivatives(out)) if p.label]
        assert shown == pytest.approx(expected)


def test_edge_labels_count_each_use_separately():
    a = Value(3.0, label="a")
    out = a * a
    # each use contributes d(a*b)/da = b = 3; together they make d(a*a)/da = 6
    assert local_derivatives(out) == [3.0, 3.0]
    assert sum(local_derivatives(out)) == engine.grad(out, [a])[0]
    assert edge_label_values(draw_dot(out, edge_labels=True).source, "v1op") == [3.0, 3.0]


def test_local_derivatives_of_a_leaf_is_empty():
    assert local_derivatives(Value(1.0)) == []


# ---- rendering -----------------------------------------------------------------------


@needs_dot
def test_svg_has_one_group_per_node_and_edge_and_shows_the_numbers():
    out, _ = neuron()
    graph = draw_dot(out)
    svg = to_svg(graph)
    values = len(engine.topological_order(out))
    ops = sum(1 for v in engine.topological_order(out) if v.op)
    assert len(svg_groups(svg, "node")) == values + ops
    assert len(svg_groups(svg, "edge")) == len(edges(graph.source))
    texts = svg_texts(svg)
    for expected in ["tanh", "x1", "w1", "data 0.7071", "grad -1.5", "data 6.881"]:
        assert expected in texts


@needs_dot
def test_digraph_pipe_gives_svg_as_the_spec_says():
    out, _ = neuron()
    svg = draw_dot(out).pipe(format="svg").decode("utf-8")
    assert ET.fromstring(svg).tag == f"{SVG}svg"


@needs_dot
def test_to_svg_accepts_a_value_with_options():
    out, _ = neuron()
    svg = to_svg(out, rankdir="TB", edge_labels=True)
    assert "0.5" in svg_texts(svg)
    with pytest.raises(TypeError):
        to_svg(draw_dot(out), rankdir="TB")


@needs_dot
def test_mlp_sample_graph_renders_in_seconds():
    out = mlp_sample()
    out.backward()
    started = time.perf_counter()
    svg = to_svg(out)
    elapsed = time.perf_counter() - started
    values = len(engine.topological_order(out))
    assert values == 2 + 16 * 3 + 16 * 2 + 16 * 17 + 16 * 2 + 17 + 1
    assert len(svg_groups(svg, "node")) == values + 16 + 16 + 16 + 16 + 1
    assert elapsed < 30.0


@needs_dot
def test_special_characters_in_labels_survive_rendering():
    weird = Value(1.0, label='a{b|c}<d>"e\\')
    svg = to_svg(weird * 2)
    assert 'a{b|c}<d>"e\\' in svg_texts(svg)


@needs_dot
def test_save_backward_frames_writes_one_highlighted_frame_per_step(tmp_path):
    out, _ = neuron()
    for v in engine.topological_order(out):
        v.grad = 0.0
    order = engine.topological_order(out)
    paths = save_backward_frames(out, tmp_path / "frames")
    assert [p.name for p in paths] == [f"step_{i:03d}.svg" for i in range(len(order))]
    for path in paths:
        svg = path.read_text(encoding="utf-8")
        ET.fromstring(svg)
        assert HIGHLIGHT_COLOR in svg
    # the frames ran the real backward pass
    reference, leaves = neuron()
    assert [v.grad for v in order] == [v.grad for v in engine.topological_order(reference)]


def test_no_dot_program_source_works_and_rendering_says_how_to_install(monkeypatch, tmp_path):
    empty_path(monkeypatch, tmp_path)
    out, _ = neuron()
    assert "tanh" in draw_dot(out).source
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as info:
        to_svg(out)
    assert "brew install graphviz" in str(info.value)
    assert isinstance(info.value, RuntimeError)


def test_no_dot_program_on_path_with_timeout(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    out, _ = neuron()
    with pytest.raises(GraphvizNotFoundError, match="install"):
        render(draw_dot(out), "svg", timeout=10)


def test_save_backward_frames_without_dot_changes_no_gradient(monkeypatch, tmp_path):
    empty_path(monkeypatch, tmp_path)
    frames = tmp_path / "frames"
    x = Value(2.0, label="x")
    out = x * x
    with pytest.raises(GraphvizNotFoundError):
        save_backward_frames(out, frames)
    assert x.grad == 0.0 and out.grad == 0.0
    assert not frames.exists()


@needs_dot
def test_render_timeout_stops_a_slow_layout():
    # one variable used by every op of a long chain takes dot far longer than a second
    x = Value(0.5, label="x")
    out = x
    for _ in range(150):
        out = out * x
    with pytest.raises(RenderTimeoutError, match="more than 0.5 s"):
        render(draw_dot(out), "svg", timeout=0.5)


def test_local_derivatives_give_a_number_operand_its_true_partial():
    # the constant gets no gradient, but its edge reads d(out)/d(constant) all the same
    x = Value(4.0)
    assert local_derivatives(x * 3) == [3.0, 4.0]
    assert local_derivatives(2 - x) == [1.0, -1.0]
    assert local_derivatives(x + 1) == [1.0, 1.0]
    assert local_derivatives(x / 2) == [0.5, -1.0]  # d(x/k)/dk = -x/k**2
    assert local_derivatives(8 / x) == [0.25, -0.5]
    assert local_derivatives(x**2) == [8.0, pytest.approx(16 * math.log(4))]
    assert local_derivatives(2**x) == [pytest.approx(4 * 2**3), pytest.approx(16 * math.log(2))]
    assert local_derivatives(engine.dot([x, 2.0], [3.0, x], 1.0)) == [3.0, 4.0, 4.0, 2.0, 1.0]
    assert local_derivatives(engine.sum([x, 5.0])) == [1.0, 1.0]
    assert local_derivatives(x * x) == [4.0, 4.0]


@pytest.mark.parametrize(
    ("make", "point"),
    [
        (lambda x, k: x + k, (1.5, 2.0)),
        (lambda x, k: k + x, (1.5, 2.0)),
        (lambda x, k: x - k, (1.5, 2.0)),
        (lambda x, k: k - x, (1.5, 2.0)),
        (lambda x, k: x * k, (1.5, -2.0)),
        (lambda x, k: k * x, (1.5, -2.0)),
        (lambda x, k: x / k, (1.5, -2.0)),
        (lambda x, k: k / x, (1.5, -2.0)),
        (lambda x, k: x**k, (1.5, 2.5)),
        (lambda x, k: k**x, (1.5, 2.5)),
    ],
)
def test_a_constants_edge_carries_its_central_difference(make, point):
    x, k = point
    out = make(Value(x, label="x"), k)
    position = 0 if out.parents[0].label == "" else 1
    eps = 1e-6
    numeric = (make(x, k + eps) - make(x, k - eps)) / (2 * eps)
    assert local_derivatives(out)[position] == pytest.approx(numeric, rel=1e-6)
    # ... and no gradient: backward() leaves the constant at 0
    out.backward()
    assert out.parents[position].grad == 0.0


# ---- without Graphviz's dot: the Digraph itself says how to install it (issue 15) -----


def empty_path(monkeypatch, tmp_path) -> None:
    """PATH with one empty folder: no `dot` anywhere."""
    folder = tmp_path / "empty-bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))


@pytest.mark.parametrize(
    "show",
    [
        pytest.param(lambda graph: graph.pipe(), id="pipe"),
        pytest.param(lambda graph: graph.pipe(format="svg"), id="pipe-svg"),
        pytest.param(lambda graph: graph._repr_mimebundle_(), id="jupyter-mimebundle"),
        pytest.param(lambda graph: graph._repr_image_svg_xml(), id="jupyter-svg"),
    ],
)
def test_rendering_a_digraph_without_dot_says_how_to_install(monkeypatch, tmp_path, show):
    out, _ = neuron()
    graph = draw_dot(out)
    empty_path(monkeypatch, tmp_path)
    with pytest.raises(GraphvizNotFoundError) as info:
        show(graph)
    message = str(info.value)
    assert "apt-get install graphviz" in message and "brew install graphviz" in message
    assert isinstance(info.value.__cause__, (FileNotFoundError, graphviz.ExecutableNotFound))


def test_digraph_render_to_a_file_without_dot_says_how_to_install(monkeypatch, tmp_path):
    graph = draw_dot(Value(1.0) * 2)
    empty_path(monkeypatch, tmp_path)
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        graph.render(tmp_path / "g", format="svg")


def test_draw_dot_is_still_a_graphviz_digraph_with_the_same_source():
    out, _ = neuron()
    graph = draw_dot(out)
    assert isinstance(graph, graphviz.Digraph)
    assert graph.source == draw_dot(out).source
    assert graph.source.startswith("digraph chainrule {")


# ---- atomic frames (issue 15) ----------------------------------------------------------


@needs_dot
def test_save_backward_frames_failing_write_keeps_old_frame_and_leaves_no_temp_file(
    monkeypatch, tmp_path
):
    out, _ = neuron()
    folder = tmp_path / "frames"
    first = save_backward_frames(out, folder)
    old = {path: path.read_bytes() for path in first}

    def failing_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        save_backward_frames(out, folder, color_by="grad")
    assert sorted(folder.iterdir()) == sorted(first)  # no temporary file left behind
    assert {path: path.read_bytes() for path in first} == old


# ---- what one rule passes on (the player's explanations) ------------------------------


def test_contributions_are_the_rules_own_adds_and_none_for_a_number_operand():
    from engine.draw import _contributions

    x = Value(4.0)
    y = Value(-2.0)
    assert _contributions(x * y, 0.5) == [0.5 * -2.0, 0.5 * 4.0]
    assert _contributions(x * 3, 0.5) == [1.5, None]
    assert _contributions(2 - x, 0.5) == [None, -0.5]
    assert _contributions(y.relu(), 0.5) == [0.0]
    # division: g / y, exactly as the rule computes it (not g * (1 / y))
    assert _contributions(x / y, 0.3)[0] == 0.3 / -2.0
    assert _contributions(Value(1.0), 1.0) == []


def test_bad_options_are_quoted_at_a_bounded_length():
    out, _ = neuron()
    huge = "Q" * 100_000
    for call in (
        lambda: draw_dot(out, rankdir=huge),
        lambda: draw_dot(out, color_by=huge),
        lambda: draw_dot(out, max_nodes=huge),
    ):
        with pytest.raises(ValueError) as info:
            call()
        assert len(str(info.value)) < 400


# ---- time limits, hostile labels, font size and the layout engine (issues 21, 24) ------


def slow_chain(length: int = 150) -> Value:
    """One variable used by every op of a long chain: dot needs minutes for this."""
    x = Value(0.5, label="x")
    out = x
    for _ in range(length):
        out = out * x
    return out


def test_every_renderer_has_a_30_second_limit_by_default():
    assert DEFAULT_TIMEOUT == 30.0
    for function in (render, to_svg, layout, save_backward_frames):
        assert inspect.signature(function).parameters["timeout"].default == 30.0, function
    pipe = type(draw_dot(Value(1.0))).pipe
    assert inspect.signature(pipe).parameters["timeout"].default == 30.0


@needs_dot
@pytest.mark.parametrize(
    "run",
    [
        pytest.param(lambda graph, root: render(graph, "svg", timeout=0.5), id="render"),
        pytest.param(lambda graph, root: to_svg(root, timeout=0.5), id="to_svg"),
        pytest.param(lambda graph, root: graph.pipe(format="svg", timeout=0.5), id="pipe"),
    ],
)
def test_a_slow_layout_is_stopped_with_a_timeout_error_that_says_what_to_do(run):
    root = slow_chain()
    graph = draw_dot(root)
    started = time.perf_counter()
    with pytest.raises(RenderTimeoutError) as info:
        run(graph, root)
    assert time.perf_counter() - started < 10
    assert isinstance(info.value, TimeoutError)
    message = str(info.value)
    assert "more than 0.5 s" in message and "151 Values" in message
    assert "timeout=None" in message and "smaller graph" in message


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        pytest.param("x\x00y", "NUL", id="nul"),
        pytest.param("x\ud800", "lone surrogate", id="surrogate"),
        pytest.param("w" * 40_000, "40000 characters", id="huge"),
    ],
)
def test_a_label_graphviz_cannot_draw_is_a_value_error_naming_it(label, problem):
    x = Value(2.0, label="x")
    bad = Value(3.0, label=label)
    out = x * bad
    with pytest.raises(ValueError) as info:
        draw_dot(out)  # where it happens: drawing, before Graphviz is ever run
    message = str(info.value)
    assert problem in message
    assert "node v1" in message and repr(label[:20])[:-1] in message
    assert len(message) < 400  # the label is quoted, not copied whole
    # every way of drawing says the same, none of them Graphviz's own errors
    with pytest.raises(ValueError, match=problem):
        to_svg(out)
    with pytest.raises(ValueError, match=problem):
        engine.player(out)


@needs_dot
def test_labels_at_the_limit_still_draw():
    out = Value(1.0, label="a" * 1000) * Value(2.0, label="\u2202\u00b2 \U0001d465")
    svg = to_svg(out)
    assert "a" * 1000 in svg


def test_fontsize_sets_record_and_edge_text_and_none_keeps_todays_sizes():
    out, _ = neuron()
    default = draw_dot(out, edge_labels=True).source
    assert "node [fontname=Helvetica fontsize=11]" in default
    assert "edge [arrowsize=0.7 fontname=Helvetica fontsize=10]" in default
    large = draw_dot(out, edge_labels=True, fontsize=24).source
    assert "node [fontname=Helvetica fontsize=24]" in large
    assert "edge [arrowsize=0.7 fontname=Helvetica fontsize=24]" in large
    assert draw_dot(out, fontsize=12.5).source.count("fontsize=12.5") == 2
    for bad in (0, -3, math.nan, math.inf, "12", True, 1000):
        with pytest.raises(ValueError, match="fontsize must be a number of points"):
            draw_dot(out, fontsize=bad)  # type: ignore[arg-type]


@needs_dot
def test_fontsize_reaches_the_pictures_of_to_svg_and_save_backward_frames(tmp_path):
    out, _ = neuron()
    assert 'font-size="30.00"' in to_svg(out, fontsize=30)
    assert 'font-size="30.00"' not in to_svg(out)
    paths = save_backward_frames(out, tmp_path, fontsize=30)
    assert paths and all('font-size="30.00"' in p.read_text() for p in paths)
    with pytest.raises(TypeError, match="drawing options apply to a Value"):
        to_svg(draw_dot(out), fontsize=30)


def test_save_backward_frames_checks_fontsize_before_any_gradient_changes(tmp_path):
    x = Value(2.0, label="x")
    out = x * x
    with pytest.raises(ValueError, match="fontsize"):
        save_backward_frames(out, tmp_path / "frames", fontsize=-1)
    assert x.grad == 0.0 and not (tmp_path / "frames").exists()


@pytest.fixture
def fake_layout_engine(monkeypatch, tmp_path):
    """A layout engine function as the browser playground gives one, without a `dot` on
    PATH: it records each call and lays the graph out with the real program, by path."""
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz 'dot' not installed")
    calls: list[tuple[str, str]] = []

    def fake(dot_source: str, fmt: str) -> bytes:
        calls.append((dot_source, fmt))
        finished = subprocess.run(
            [dot, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True, check=True
        )
        return finished.stdout

    empty_path(monkeypatch, tmp_path)
    set_layout_engine(fake)
    yield calls
    set_layout_engine(None)


def test_the_layout_engine_hook_serves_every_way_of_rendering(fake_layout_engine, tmp_path):
    calls = fake_layout_engine
    out, _ = neuron()
    graph = draw_dot(out)
    assert render(graph, "svg").startswith(b"<?xml")
    assert calls[-1] == (graph.source, "svg")
    assert "<svg" in to_svg(out)
    assert graph.pipe(format="svg").startswith(b"<?xml")
    assert "<svg" in graph.pipe(format="svg", encoding="utf-8")
    assert "<svg" in graph._repr_image_svg_xml()  # Jupyter's display
    assert render(graph, "png").startswith(b"\x89PNG")
    before = len(calls)
    paths = save_backward_frames(out, tmp_path / "frames")
    assert len(calls) - before == len(paths) + 1  # one check that rendering works, then frames
    before = len(calls)
    page = engine.player(out)
    assert len(calls) - before == 2  # both layouts: left to right, and top to bottom
    assert {fmt for _, fmt in calls[before:]} == {"svg"}
    assert "rankdir=LR" in calls[before][0] and "rankdir=TB" in calls[before + 1][0]
    assert page.html.count("<template data-layout=") == 2


def test_set_layout_engine_none_goes_back_to_dot(monkeypatch, tmp_path):
    set_layout_engine(lambda source, fmt: b"<svg/>")
    try:
        assert render(draw_dot(Value(1.0)), "svg") == b"<svg/>"
    finally:
        set_layout_engine(None)
    empty_path(monkeypatch, tmp_path)
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        render(draw_dot(Value(1.0)), "svg")
    with pytest.raises(TypeError, match="set_layout_engine: needs a function"):
        set_layout_engine("dot")  # type: ignore[arg-type]


def test_the_records_of_constants_say_constant_instead_of_a_gradient():
    c = Value(2.0, label="c")
    out = (c + 1) * c
    out.backward()
    source = draw_dot(out, edge_labels=True).source
    assert '[label="{ data 1 | constant }" shape=record]' in source
    assert '[label="{ c | data 2 | grad 5 }" shape=record]' in source
    # the edge of the 1 in c + 1 reads its true partial, 1
    constant_id = re.search(r'(v\d+) \[label="\{ data 1 \| constant \}"', source).group(1)
    assert re.search(rf"{constant_id} -> v\d+op \[label=1\]", source)
