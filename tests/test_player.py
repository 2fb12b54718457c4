"""Tests for engine/player.py: the page that steps through the forward and backward pass.

Two kinds: the Python side (gradients left as they were, errors, saving, Jupyter) runs
anywhere Graphviz does; the page itself is driven in a real headless Chromium through
Playwright (Debian's /usr/bin/chromium; a browser is never downloaded). Those tests skip
only when Chromium or Playwright is missing. Every page is served from one made-up URL
through Playwright's router, which fails the test on any other request.

The engine is the oracle throughout: the numbers a page must show are computed here with
`backward()` on the same graph, from a zero start, and formatted as `draw_dot` does.

Set CHAINRULE_SCREENSHOTS=docs to write the screenshot the tests take to docs/player.png.
"""

from __future__ import annotations

import html
import importlib
import io
import math
import os
import random
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import Value, draw_dot
from engine.draw import GraphvizNotFoundError, _number
from engine.player import Player, player

REPO = Path(__file__).resolve().parents[1]
PAGE_URL = "http://chainrule.test/player.html"

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")
pytestmark = needs_dot


# ---- graphs ---------------------------------------------------------------------------


def neuron() -> tuple[Value, dict[str, Value]]:
    """tanh(x1*w1 + x2*w2 + b) with x1 used twice (once more in the output), from
    Karpathy's lecture: a graph with a reused node."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.881373587019543, label="b")
    n = x2 * w2 + x1 * w1 + b
    n.label = "n"
    o = n.tanh() * x1
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


def big_graph(width: int = 7) -> Value:
    """A two-layer network written out by hand: about 100 Values."""
    rng = random.Random(7)
    inputs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(3)]
    hidden = []
    for j in range(width):
        total = Value(rng.uniform(-1, 1), label=f"b{j}")
        for i, x in enumerate(inputs):
            total = total + Value(rng.uniform(-1, 1), label=f"w{j}{i}") * x
        hidden.append(total.tanh())
    out = hidden[0] * Value(rng.uniform(-1, 1), label="u0")
    for j, h in enumerate(hidden[1:], start=1):
        out = out + h * Value(rng.uniform(-1, 1), label=f"u{j}")
    out.label = "out"
    return out


def is_constant(node: Value) -> bool:
    """A number operand (the 2 in x * 2): an unlabelled leaf made by an op, which no
    user code holds; the engine makes it an instance of its own constant type."""
    return type(node) is not Value and not node.op


def engine_numbers(root: Value) -> dict[str, tuple[str, str]]:
    """What the last step must show, by draw_dot id: the data and the gradient that
    `backward()` gives from a zero start, formatted as draw_dot formats them. The graph's
    gradients are put back afterwards."""
    order = engine.topological_order(root)
    saved = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    root.backward()
    # a number operand is a constant: its grad field stays empty
    numbers = {
        f"v{i}": (_number(node.data), "" if is_constant(node) else _number(node.grad))
        for i, node in enumerate(order)
    }
    for node, grad in zip(order, saved):
        node.grad = grad
    return numbers


# A random graph: each op takes operands from the pool of nodes made so far (so nodes get
# reused), and every op the engine has appears. Domains are kept valid by construction.
def _positive(a: Value) -> Value:
    return a.abs() + 0.5


OPS: list[tuple[int, Callable[..., Value]]] = [
    (2, lambda a, b: a + b),
    (2, lambda a, b: a - b),
    (2, lambda a, b: a * b),
    (2, lambda a, b: a / (b * b + 1.0)),
    (2, lambda a, b: _positive(a) ** b),
    (1, lambda a: a**2),
    (1, lambda a: a**-1 if a.data != 0 else a**3),
    (1, lambda a: 2.0**a),
    (1, lambda a: -a),
    (1, lambda a: 3.0 - a),
    (1, lambda a: 0.5 * a),
    (1, lambda a: 1.0 / (a * a + 1.0)),
    (1, lambda a: a.exp()),
    (1, lambda a: _positive(a).log()),
    (1, lambda a: a.tanh()),
    (1, lambda a: a.sigmoid()),
    (1, lambda a: a.relu()),
    (1, lambda a: a.leaky_relu()),
    (1, lambda a: _positive(a).sqrt()),
    (1, lambda a: abs(a)),
    (1, lambda a: a.softplus()),
    (2, lambda a, b: engine.dot([a, b], [b, 2.0], a)),
    (2, lambda a, b: engine.sum([a, b, a, 1.5])),
]
for _name in ("sin", "cos"):  # newer ops, where the engine has them
    if hasattr(Value, _name):
        OPS.append((1, lambda a, name=_name: getattr(a, name)()))


def random_graph(leaf_data: list[float], program: list[tuple[int, int, int]]) -> Value:
    pool = [Value(x, label=f"a{i}") for i, x in enumerate(leaf_data)]
    for op_index, first, second in program:
        arity, op = OPS[op_index % len(OPS)]
        operands = [pool[first % len(pool)], pool[second % len(pool)]][:arity]
        pool.append(op(*operands))
    # the output reuses the last nodes once more
    return pool[-1] * pool[-2] + pool[-1] if len(pool) > len(leaf_data) + 1 else pool[-1]


# ---- the Python side ------------------------------------------------------------------


def test_player_leaves_every_grad_as_it_found_it():
    out, leaves = neuron()
    order = engine.topological_order(out)
    for i, node in enumerate(order):
        node.grad = [0.25, -3.0, math.nan, math.inf, 0.0][i % 5]
    before = [node.grad for node in order]
    player(out)
    after = [node.grad for node in order]
    assert [repr(g) for g in after] == [repr(g) for g in before]  # nan compares by repr


def test_player_leaves_grads_alone_when_graphviz_is_missing(monkeypatch, tmp_path):
    out, _ = neuron()
    out.backward()
    before = [node.grad for node in engine.topological_order(out)]
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        player(out)
    assert [node.grad for node in engine.topological_order(out)] == before


def test_graph_over_max_nodes_raises_the_same_error_as_draw_dot():
    out, _ = neuron()
    size = len(engine.topological_order(out))
    with pytest.raises(ValueError) as from_player:
        player(out, max_nodes=size - 1)
    with pytest.raises(ValueError) as from_draw_dot:
        draw_dot(out, max_nodes=size - 1)
    assert str(from_player.value) == str(from_draw_dot.value)
    assert f"max_nodes={size}" in str(from_player.value)
    assert player(out, max_nodes=size).step_count > 0


def test_default_max_nodes_is_200():
    chain = Value(0.1, label="x")
    for _ in range(198):
        chain = chain.tanh()
    chain = chain + 1.0  # the 1.0 is a constant leaf: 201 Values
    assert len(engine.topological_order(chain)) == 201
    with pytest.raises(ValueError, match="more than max_nodes=200"):
        player(chain)


def test_root_must_be_a_value():
    with pytest.raises(TypeError, match="player: root must be a Value, got float"):
        player(1.5)  # type: ignore[arg-type]


def test_steps_are_one_per_op_forward_then_seed_then_one_per_rule():
    out, _ = neuron()
    ops = sum(1 for node in engine.topological_order(out) if node.op)
    page = player(out)
    assert page.step_count == ops + 1 + ops
    assert f'max="{page.step_count}"' in page.html


def test_a_leaf_root_gives_a_page_of_one_step():
    page = player(Value(3.0, label="x"))
    assert page.step_count == 1
    assert 'max="1"' in page.html


def test_same_graph_gives_the_same_page():
    assert player(neuron()[0]).html == player(neuron()[0]).html


def test_page_refers_to_nothing_outside_itself():
    page = player(neuron()[0]).html
    # namespaces are names, not requests; anything that could load something is absent
    for pattern in (r"\bsrc\s*=", r"\bhref\s*=", r"url\(", r"@import", r"<link\b", r"<iframe\b"):
        assert re.search(pattern, page, re.IGNORECASE) is None, pattern
    assert "default-src 'none'" in page


def test_labels_cannot_break_out_of_the_page():
    x = Value(1.0, label="</script><script>alert(1)</script>")
    y = Value(2.0, label="{{DATA}} & <b>")
    page = player(x * y).html
    assert page.count("<script>") == 1  # only the page's own script
    assert "alert(1)</script>" not in page
    assert page.count('id="player-data"') == 1


def test_save_writes_the_page(tmp_path):
    page = player(neuron()[0])
    path = tmp_path / "page.html"
    page.save(path)
    assert path.read_text(encoding="utf-8") == page.html


def test_save_failing_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    page = player(neuron()[0])
    path = tmp_path / "page.html"
    path.write_text("the previous page")

    def failing_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        page.save(path)
    assert path.read_text() == "the previous page"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_repr_html_is_an_iframe_holding_the_whole_page():
    page = player(neuron()[0])
    shown = page._repr_html_()
    match = re.fullmatch(
        r'<iframe srcdoc="([^"]*)" [^>]*sandbox="allow-scripts"[^>]*></iframe>', shown
    )
    assert match is not None, shown[:200]
    assert html.unescape(match.group(1)) == page.html
    assert str(page.step_count) in repr(page)


def test_engine_player_is_documented_in_every_public_name():
    # engine.player is also the function's name in engine, so ask for the module itself
    module = importlib.import_module("engine.player")

    assert module.__doc__ and "player" in module.__doc__
    for name in module.__all__:
        assert getattr(module, name).__doc__, name
    for name in ("save", "_repr_html_"):
        assert getattr(Player, name).__doc__, name


# ---- in the browser --------------------------------------------------------------------


class Visit:
    """One page in the browser: what it requested, what it logged."""

    def __init__(self, browser: object, page_html: str, viewport: tuple[int, int]) -> None:
        self.html = page_html
        self.requests: list[str] = []
        self.refused: list[str] = []
        self.console: list[str] = []
        self.page = browser.new_page(  # type: ignore[attr-defined]
            viewport={"width": viewport[0], "height": viewport[1]}
        )
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("websocket", lambda socket: self.refused.append(socket.url))
        self.page.on(
            "console",
            lambda message: (
                self.console.append(f"{message.type}: {message.text}")
                if message.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        self.page.route("**/*", self._serve)
        self.page.goto(PAGE_URL)

    def _serve(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url == PAGE_URL:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)  # type: ignore[attr-defined]
        else:
            self.refused.append(url)
            route.abort()  # type: ignore[attr-defined]

    def check_clean(self) -> None:
        """No console error or warning, and no request but the page itself."""
        assert self.console == []
        assert self.refused == []
        assert self.requests == [PAGE_URL]

    # -- reading the page --

    def step(self) -> int:
        return int(self.page.eval_on_selector("input[type=range][data-role=step]", "e => e.value"))

    def shown(self) -> dict[str, tuple[str, str]]:
        """The text of every Value's data and grad fields, by draw_dot id."""
        fields = self.page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('[data-node]')].map(g =>
                 [g.dataset.node, [g.querySelector('[data-field=data]').textContent,
                                   g.querySelector('[data-field=grad]').textContent]]))"""
        )
        return {node_id: (data, grad) for node_id, (data, grad) in fields.items()}

    def explanation(self) -> str:
        return self.page.text_content("[data-role=explanation]") or ""

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)

    def click(self, action: str) -> None:
        self.page.click(f"[data-action={action}]")

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def visit(browser) -> Iterator[Callable[..., Visit]]:
    visits: list[Visit] = []

    def open_page(page_html: str, viewport: tuple[int, int] = (1280, 800)) -> Visit:
        visits.append(Visit(browser, page_html, viewport))
        return visits[-1]

    yield open_page
    for v in visits:
        v.close()


def order_ids(root: Value) -> list[tuple[str, Value]]:
    return [(f"v{i}", node) for i, node in enumerate(engine.topological_order(root))]


def test_step_zero_shows_leaf_data_only_and_the_last_step_the_engines_numbers(visit):
    out, _ = neuron()
    page = visit(player(out).html)
    expected = engine_numbers(out)
    at_start = page.shown()
    assert set(at_start) == set(expected)
    for node_id, node in order_ids(out):
        data, grad = at_start[node_id]
        assert grad == ""
        assert data == ("" if node.op else _number(node.data))
    page.press("End")
    assert page.shown() == expected
    page.check_clean()


def test_stepping_forward_and_back_with_buttons_and_keys(visit):
    out, _ = neuron()
    made = player(out)
    page = visit(made.html)
    ids = order_ids(out)
    ops = [(node_id, node) for node_id, node in ids if node.op]

    # forward: each step shows one more op node's data, in topological order
    for count, (node_id, node) in enumerate(ops, start=1):
        page.click("next")
        assert page.step() == count
        shown = page.shown()
        assert shown[node_id][0] == _number(node.data)
        later = [other for other, _ in ops[count:]]
        assert all(shown[other][0] == "" for other in later)
        assert all(grad == "" for _, grad in shown.values())
    # back one and forward again with the arrow keys
    page.press("ArrowLeft")
    assert page.step() == len(ops) - 1
    assert page.shown()[ops[-1][0]][0] == ""
    page.press("ArrowRight", 2)
    assert page.step() == len(ops) + 1  # the seed
    root_id = ids[-1][0]
    assert page.shown()[root_id][1] == "1"
    assert all(grad == "" for node_id, (_, grad) in page.shown().items() if node_id != root_id)
    page.click("prev")
    assert page.step() == len(ops)
    page.click("reset")
    assert page.step() == 0
    page.press("ArrowLeft")  # nothing before the start
    assert page.step() == 0
    page.press("End")
    assert page.step() == made.step_count
    page.press("ArrowRight")  # nothing after the end
    assert page.step() == made.step_count
    page.press("Home")
    assert page.step() == 0
    page.check_clean()


def test_backward_steps_follow_backward_steps_order_with_the_engines_numbers(visit):
    out, _ = neuron()
    made = player(out)
    page = visit(made.html)
    ids = {node: node_id for node_id, node in order_ids(out)}
    ops = sum(1 for node in ids if node.op)
    page.press("ArrowRight", ops + 1)  # forward pass and seed

    # the oracle: the engine's own pass, read after each rule
    for node in ids:
        node.grad = 0.0
    for node in out.backward_steps():
        if not node.op:
            continue
        page.press("ArrowRight")
        shown = page.shown()
        text = page.explanation()
        assert text.startswith(f"{node.label or ids[node]} = ")
        for parent in node.parents:
            assert shown[ids[parent]][1] == _number(parent.grad)
    assert page.step() == made.step_count
    page.check_clean()


def test_explanations_show_the_arithmetic_and_a_node_reached_again(visit):
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    y = x * w
    out = y * x  # x reached twice
    out.label = "L"
    page = visit(player(out).html)
    page.press("ArrowRight")
    assert page.explanation() == "v2 = x * w = 2 * (−3) = −6"
    page.press("ArrowRight")
    assert page.explanation() == "L = v2 * x = −6 * 2 = −12"
    page.press("ArrowRight")
    assert page.explanation().startswith("dL/dL = 1: the seed")
    page.press("ArrowRight")  # L's rule: local partials x and v2, times the seed
    text = page.explanation()
    assert "∂L/∂v2 = x = 2" in text
    assert "dL/dv2 += dL/dL · ∂L/∂v2 = 1 · 2 = 2" in text
    assert "∂L/∂x = v2 = −6" in text
    assert "dL/dx += dL/dL · ∂L/∂x = 1 · (−6) = −6" in text
    page.press("ArrowRight")  # v2's rule: dL/dx += 2 * -3 = -6, x reached a second time
    text = page.explanation()
    assert "∂v2/∂x = w = −3" in text
    assert "dL/dx += dL/dv2 · ∂v2/∂x = 2 · (−3) = −6" in text
    assert "so dL/dx = −6 + (−6) = −12" in text
    assert "x is reached for the 2nd time" in text
    assert x.grad == 0.0 and w.grad == 0.0
    page.check_clean()


def test_a_node_used_twice_by_one_op_adds_both_uses(visit):
    a = Value(3.0, label="a")
    out = a * a
    page = visit(player(out).html)
    page.press("End")
    text = page.explanation()
    # one line per use: the partial for that slot of the product is the other factor, a
    assert "∂out/∂a (first factor) = a = 3" in text
    assert "∂out/∂a (second factor) = a = 3" in text
    assert text.count("dout/da += dout/dout · ∂out/∂a = 1 · 3 = 3") == 2
    assert "so dout/da = 3 + 3 = 6" in text
    assert "out uses a 2 times" in text
    assert page.shown()["v0"] == ("3", "6")
    page.check_clean()


def test_the_slider_jumps_to_any_step(visit):
    out, _ = neuron()
    made = player(out)
    page = visit(made.html)
    slider = page.page.locator("input[type=range][data-role=step]")
    assert slider.get_attribute("min") == "0"
    assert slider.get_attribute("max") == str(made.step_count)
    slider.fill(str(made.step_count))
    assert page.shown() == engine_numbers(out)
    slider.fill("0")
    assert all(grad == "" for _, grad in page.shown().values())
    middle = made.step_count // 2
    slider.fill(str(middle))
    assert page.step() == middle
    # the slider's own arrow keys move one step, as the page's keys do
    slider.focus()
    page.press("ArrowRight")
    assert page.step() == middle + 1
    page.check_clean()


def test_play_steps_by_itself_and_pauses(visit):
    out, _ = neuron()
    page = visit(player(out).html)
    play = page.page.locator("[data-action=play]")
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    page.page.wait_for_function(
        "() => Number(document.querySelector('[data-role=step]').value) >= 2", timeout=10_000
    )
    play.click()
    assert play.get_attribute("aria-pressed") == "false"
    paused_at = page.step()
    page.page.wait_for_timeout(1500)
    assert page.step() == paused_at
    page.check_clean()


def test_nan_and_inf_show_as_nan_and_inf(visit):
    x = Value(1000.0, label="x")
    big = x.exp()  # inf
    out = big * 0.0  # nan, and nan gradients below it
    out.label = "out"
    page = visit(player(out).html)
    page.press("End")
    shown = page.shown()
    assert shown == engine_numbers(out)
    assert shown["v1"][0] == "inf"  # exp(1000)
    assert shown["v3"][0] == "nan"  # inf * 0
    assert shown["v0"][1] == "nan"  # d/dx exp(x) * 0 = inf * 0
    page.check_clean()


def test_a_leaf_root_steps_once(visit):
    page = visit(player(Value(-2.5, label="x")).html)
    assert page.shown() == {"v0": ("-2.5", "")}
    page.press("ArrowRight")
    assert page.shown() == {"v0": ("-2.5", "1")}
    assert "leaf" in page.explanation()
    page.check_clean()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    leaf_data=st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=4),
    program=st.lists(
        st.tuples(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000)),
        min_size=1,
        max_size=10,
    ),
)
def test_last_step_equals_the_engine_on_random_graphs(visit, leaf_data, program):
    out = random_graph(leaf_data, program)
    order = engine.topological_order(out)
    before = [repr(node.grad) for node in order]
    made = player(out)
    assert [repr(node.grad) for node in order] == before
    page = visit(made.html)
    page.press("End")
    assert page.shown() == engine_numbers(out)
    page.check_clean()
    page.close()


def test_every_op_appears_in_the_random_graphs():
    # the random graphs above draw from this table: check it covers every op the engine has
    made = set()
    for arity, op in OPS:
        operands = [Value(0.7), Value(-1.3)][:arity]
        result = op(*operands)
        made.update(node.op for node in engine.topological_order(result) if node.op)
    expected = {
        "+",
        "-",
        "*",
        "/",
        "**",
        "neg",
        "exp",
        "log",
        "tanh",
        "sigmoid",
        "relu",
        "leaky_relu",
        "sqrt",
        "abs",
        "softplus",
        "dot",
        "sum",
    }
    expected |= {name for name in ("sin", "cos") if hasattr(Value, name)}
    assert expected <= made


def test_readable_at_100_nodes(visit):
    out = big_graph()
    size = len(engine.topological_order(out))
    assert size == 100
    started = time.perf_counter()
    made = player(out)
    build_seconds = time.perf_counter() - started
    page = visit(made.html, viewport=(1280, 800))
    middle = made.step_count * 3 // 4  # in the backward pass
    page.page.locator("input[type=range][data-role=step]").fill(str(middle))
    measured = page.page.evaluate(
        """() => {
            const graph = document.querySelector('[data-role=graph]').getBoundingClientRect();
            const current = document.querySelector('[data-node].current');
            const box = current.getBoundingClientRect();
            const text = current.querySelector('[data-field=data]').parentElement;
            return {
              inside: box.left >= graph.left && box.right <= graph.right &&
                      box.top >= graph.top && box.bottom <= graph.bottom,
              textHeight: text.getBoundingClientRect().height,
              zoom: document.querySelector('[data-role=zoom]').textContent,
            };
        }"""
    )
    assert measured["inside"], measured  # the page scrolled to the step's node
    assert measured["textHeight"] >= 10, measured  # numbers at least 10 px tall
    assert int(measured["zoom"].rstrip("%")) >= 75
    assert build_seconds < 20
    page.check_clean()


def test_screenshot_at_a_middle_step_is_not_blank(visit, tmp_path):
    from PIL import Image

    out, _ = neuron()
    made = player(out, title="o = tanh(x2*w2 + x1*w1 + b) * x1")
    page = visit(made.html, viewport=(1280, 800))
    # the backward step where x1, used twice, gets its second gradient
    while "x1 is reached for the 2nd time" not in page.explanation():
        assert page.step() < made.step_count
        page.press("ArrowRight")
    assert 0 < page.step() < made.step_count
    png = page.page.screenshot()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1280, 800)
    raw = image.tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    colours = set(pixels)
    not_white = sum(1 for p in pixels if p != (255, 255, 255))
    assert len(colours) > 50  # text, lines, the highlight and fill colours
    assert not_white > 0.03 * len(pixels)
    # the step's highlight colours are on screen: vermilion (backward, #d55e00) and
    # yellow (changed, #f0e442), from Okabe and Ito's colour-blind-safe palette
    assert (213, 94, 0) in colours
    assert (240, 228, 66) in colours
    (tmp_path / "player.png").write_bytes(png)
    if os.environ.get("CHAINRULE_SCREENSHOTS") == "docs":
        from engine.files import write_atomic

        write_atomic(REPO / "docs" / "player.png", png)
    page.check_clean()


def test_jupyter_shows_the_page_as_html():
    formatters = pytest.importorskip("IPython.core.formatters")
    page = player(neuron()[0])
    data, _ = formatters.DisplayFormatter().format(page)
    assert data["text/html"] == page._repr_html_()


def test_the_page_works_inside_a_notebooks_output(visit):
    # what Jupyter does with _repr_html_: the HTML goes into the notebook's own page
    out, _ = neuron()
    made = player(out)
    host = f"<!DOCTYPE html><html><body><p>Out[1]:</p>{made._repr_html_()}</body></html>"
    page = visit(host)
    frame = page.page.frame_locator("iframe")
    slider = frame.locator("input[type=range][data-role=step]")
    assert slider.input_value() == "0"
    frame.locator("[data-action=next]").click()
    assert slider.input_value() == "1"
    page.page.keyboard.press("ArrowRight")  # the click gave the frame the keyboard
    assert slider.input_value() == "2"
    frame.locator("[data-action=prev]").click()
    assert slider.input_value() == "1"
    slider.fill(str(made.step_count))
    last = frame.locator("[data-node]").evaluate_all(
        """groups => Object.fromEntries(groups.map(g => [g.dataset.node,
             [g.querySelector('[data-field=data]').textContent,
              g.querySelector('[data-field=grad]').textContent]]))"""
    )
    assert {k: tuple(v) for k, v in last.items()} == engine_numbers(out)
    page.check_clean()


def test_hooks_run_once_as_in_backward_and_the_page_shows_their_effect(visit):
    if not hasattr(Value, "register_hook"):
        pytest.skip("this engine has no hooks")
    x = Value(1.5, label="x")
    w = Value(-2.0, label="w")
    h = x * w
    calls = []

    def double(grad):
        calls.append(grad)
        return 2 * grad

    h.register_hook(double)
    out = h.tanh() * x
    made = player(out)
    assert len(calls) == 1  # the page's own backward pass, and nothing else
    expected = engine_numbers(out)  # backward() with the hook: x gets the doubled share
    page = visit(made.html)
    page.press("End")
    assert page.shown() == expected
    page.check_clean()


def test_every_node_has_a_unique_name_on_the_page():
    a = Value(1.0, label="x")
    b = Value(2.0, label="x")  # the same label twice
    c = Value(3.0)  # no label: its id
    out = (a * b) * c
    page = player(out).html
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", page)
    assert {"x [v0]", "x [v1]", "v2", "v3", "out"} <= set(texts)
    labelled = Value(1.0, label="out") * Value(2.0, label="y")  # "out" is taken: the id
    assert ">v2</text>" in player(labelled).html


# ---- issue 21: true mathematics, a page that fits, practice mode ------------------------


def lecture_neuron() -> Value:
    """The lecture's neuron, tanh(x1*w1 + x2*w2 + b), with its labels: 10 Values."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.881373587019543, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def reuse() -> Value:
    """x = 3; a = x*x; b = a + a: a node used twice by one op, twice over."""
    x = Value(3.0, label="x")
    a = x * x
    a.label = "a"
    b = a + a
    b.label = "b"
    return b


def with_constants() -> Value:
    """c + 1, a product and a power with number operands."""
    c = Value(2.0, label="c")
    d = c + 1
    d.label = "d"
    e = d * c
    e.label = "e"
    f = e**2
    f.label = "f"
    return f


def page_steps(page_html: str) -> list[dict]:
    """The steps embedded in a page, as its script reads them."""
    import json

    found = re.search(r'<script type="application/json" id="player-data">(.*?)</script>', page_html)
    assert found is not None
    return json.loads(found.group(1))["steps"]


def step_lines(step: dict) -> list[str]:
    lines = step["text"].split("\n")
    for use in step.get("uses", []):
        lines += use["lines"]
    lines += step.get("note", "").split("\n")
    return [line for line in lines if line]


def explanation_uses(visit_page: Visit) -> list[dict[str, str]]:
    return visit_page.page.eval_on_selector_all(
        "[data-role=explanation] [data-parent]",
        """elements => elements.map(e => ({parent: e.dataset.parent, local: e.dataset.local,
             before: e.dataset.gradBefore, after: e.dataset.gradAfter,
             constant: e.hasAttribute('data-constant'), text: e.textContent}))""",
    )


def go_to(visit_page: Visit, step: int) -> None:
    visit_page.page.locator("input[type=range][data-role=step]").fill(str(step))


# Arithmetic a reader can redo: numbers, + − · * / ^ ² and parentheses, ln, exp, tanh,
# cos, sin, sigmoid. Each "<arithmetic> = <number>" must hold at six significant
# digits; "≈" marks a result from rounded figures, which must still be close.
_NUMBER = r"(?:[−-]?(?:\d+\.?\d*(?:e[+−-]\d+)?|inf|nan))"
_ARITHMETIC = re.compile(
    r"^[\d.e+−\-·*/^²() ]*(?:(?:ln|exp|tanh|cos|sin|sigmoid)[ (][\d.e+−\-·*/^²() ]*)*$"
)


def _evaluate(expression: str) -> float:
    python = (
        expression.replace("−", "-")
        .replace("·", "*")
        .replace("^", "**")
        .replace("²", "**2")
        .replace("ln ", "log ")
    )
    python = re.sub(r"(\d)e([+-])", r"\1E\2", python)
    python = re.sub(r"\blog \(?([-\d.E+]+)\)?", r"log(\1)", python)
    namespace = {
        "log": math.log,
        "exp": math.exp,
        "tanh": math.tanh,
        "cos": math.cos,
        "sin": math.sin,
        "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
        "inf": math.inf,
        "nan": math.nan,
    }
    return float(eval(python, {"__builtins__": {}}, namespace))  # noqa: S307 - our own text


def checked_equalities(line: str) -> int:
    """Check every "<arithmetic> = <number>" in a line; returns how many it checked."""
    parts = re.split(r" (=|≈|\+=) ", line)
    checked = 0
    for i in range(0, len(parts) - 2, 2):
        left, sign, right = parts[i], parts[i + 1], parts[i + 2]
        right = right.split("   ")[0].rstrip(".")
        if sign == "+=" or not re.fullmatch(_NUMBER, right.strip()):
            continue
        left = re.sub(r"^.*: ", "", left)  # "so dL/dx = ..." and the like
        if not _ARITHMETIC.match(left) or not re.search(r"\d", left):
            continue
        value = _evaluate(left) + 0.0  # the page writes -0.0 as 0
        shown = float(right.replace("−", "-")) + 0.0
        # at six digits; a figure a hair from a rounding tie may round either way
        readings = {format(value * (1 + nudge), ".6g") for nudge in (-1e-12, 0.0, 1e-12)}
        if sign == "=":
            assert format(shown, ".6g") in readings or (math.isnan(value) and math.isnan(shown)), (
                line
            )
        else:
            # figures rounded to six digits: off by a few millionths of the largest
            # (a difference of near neighbours loses digits, so relative to it, not
            # to the result)
            figures = [abs(float(n)) for n in re.findall(r"\d+\.?\d*(?:e[+-]\d+)?", left)]
            scale = max([abs(shown), *figures])
            assert value == pytest.approx(shown, rel=1e-4, abs=2e-5 * scale + 1e-12), line
            assert readings != {format(shown, ".6g")}, f"≈ where = holds: {line}"
        checked += 1
    return checked


def test_reuse_page_writes_local_partials_and_totals_differently(visit):
    made = player(reuse())
    lines = [line for step in page_steps(made.html) for line in step_lines(step)]
    text = "\n".join(lines)
    # the partial for one slot of the product is the other factor, 3; the total is db/dx
    assert "∂a/∂x (first factor) = x = 3" in lines
    assert "∂a/∂x (second factor) = x = 3" in lines
    assert text.count("db/dx += db/da · ∂a/∂x = 2 · 3 = 6") == 2
    assert "so db/dx = 6 + 6 = 12   (a uses x 2 times: gradients add up)" in lines
    assert "∂b/∂a (first term) = 1" in lines
    assert "so db/da = 1 + 1 = 2   (b uses a 2 times: gradients add up)" in lines
    # d.../d... is a total only: never da/dx, never the old "db/da * da/dx"
    assert "da/dx" not in text and "db/db * db/da" not in text
    totals = re.findall(r"(?<![∂\w])d(\w+)/d(\w+)", text)
    assert totals and {top for top, _ in totals} == {"b"}
    # the seed is not circular: d b/d b = 1 is where the pass starts, with no chain rule
    seed = next(step for step in page_steps(made.html) if step["phase"] == "seed")
    assert seed["text"].startswith("db/db = 1: the seed.")
    assert "+=" not in seed["text"] and "∂" not in seed["text"]

    page = visit(made.html)
    ops = 2
    go_to(page, ops + 2)  # b's rule
    uses = explanation_uses(page)
    assert uses == [
        {
            "parent": "v1",
            "local": "1.0",
            "before": "0.0",
            "after": "1.0",
            "constant": False,
            "text": uses[0]["text"],
        },
        {
            "parent": "v1",
            "local": "1.0",
            "before": "1.0",
            "after": "2.0",
            "constant": False,
            "text": uses[1]["text"],
        },
    ]
    page.press("ArrowRight")  # a's rule
    assert [(u["local"], u["before"], u["after"]) for u in explanation_uses(page)] == [
        ("3.0", "0.0", "6.0"),
        ("3.0", "6.0", "12.0"),
    ]
    assert page.shown()["v0"] == ("3", "12")
    page.check_clean()


def test_labelled_neuron_notation_parenthesises_labels_and_writes_the_tanh_rule(visit):
    made = player(lecture_neuron())
    steps = page_steps(made.html)
    lines = [line for step in steps for line in step_lines(step)]
    assert "∂o/∂n = 1 − o² = 1 − 0.707107² = 0.5" in lines
    assert "do/dn += do/do · ∂o/∂n = 1 · 0.5 = 0.5" in lines
    assert "∂n/∂(x1*w1 + x2*w2) = 1" in lines
    assert "do/d(x1*w1 + x2*w2) += do/dn · ∂n/∂(x1*w1 + x2*w2) = 0.5 · 1 = 0.5" in lines
    assert "∂(x1*w1)/∂x1 = w1 = −3" in lines
    assert "do/dx1 += do/d(x1*w1) · ∂(x1*w1)/∂x1 = 0.5 · (−3) = −1.5" in lines
    # a label that is not a plain name never runs into the notation around it
    text = "\n".join(lines)
    assert re.search(r"[d∂]x1\*w1", text) is None
    assert re.search(r"/[d∂]x1\*", text) is None
    # a label equal to its formula is not written twice; a sum of rounded figures is ≈
    assert "x1*w1 = 2 * (−3) = −6" in lines
    assert "x1*w1 + x2*w2 = −6 + 0 = −6" in lines
    assert "n = (x1*w1 + x2*w2) + b = −6 + 6.88137 ≈ 0.881374" in lines
    assert "o = tanh(n) = tanh(0.881374) = 0.707107" in lines

    page = visit(made.html)
    go_to(page, 5 + 2)  # o's rule
    assert "∂o/∂n = 1 − o² = 1 − 0.707107² = 0.5" in page.explanation()
    (use,) = explanation_uses(page)
    o = lecture_neuron()
    n = o.parents[0]
    assert use["parent"] == "v8" and use["local"] == repr(1 - o.data**2)
    assert use["after"] == repr(engine.grad(o, [n])[0])
    page.check_clean()


@settings(max_examples=40, deadline=None)
@given(
    leaf_data=st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=4),
    program=st.lists(
        st.tuples(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000)),
        min_size=1,
        max_size=10,
    ),
)
def test_every_line_checks_by_hand_at_the_precision_shown(leaf_data, program):
    out = random_graph(leaf_data, program)
    checked = 0
    for step in page_steps(player(out).html):
        for line in step_lines(step):
            checked += checked_equalities(line)
    assert checked > 0


def test_the_lecture_pages_lines_check_by_hand():
    for root in (lecture_neuron(), reuse(), with_constants(), neuron()[0]):
        checked = sum(
            checked_equalities(line)
            for step in page_steps(player(root).html)
            for line in step_lines(step)
        )
        assert checked >= 5


def test_a_hand_check_catches_a_wrong_line():
    # the checker itself can fail: a wrong result, and "=" where figures are rounded
    with pytest.raises(AssertionError):
        checked_equalities("do/dx += do/dn · ∂n/∂x = 0.5 · 3 = 1.6")
    with pytest.raises(AssertionError):
        checked_equalities("n = −6 + 6.88137 = 0.881374")
    assert checked_equalities("n = −6 + 6.88137 ≈ 0.881374") == 1


def test_constants_show_as_numbers_with_true_edges_and_no_gradient(visit):
    f = with_constants()
    made = player(f)
    lines = [line for step in page_steps(made.html) for line in step_lines(step)]
    assert "f = e ** 2 = 6 ** 2 = 36" in lines
    assert "d = c + 1 = 2 + 1 = 3" in lines
    assert "∂f/∂2 (exponent) = f · ln e = 36 · ln 6 = 64.5033" in lines
    assert "2 is a number, a constant: it gets no gradient." in lines
    assert "∂d/∂1 (second term) = 1" in lines
    assert not any(re.search(r"\bv\d+\b", line) for line in lines)  # no v28 for a number

    page = visit(made.html)
    page.press("End")
    ids = dict(order_ids(f))
    constants = [node_id for node_id, node in ids.items() if is_constant(node)]
    assert len(constants) == 2
    for node_id in constants:
        group = page.page.locator(f"[data-role=graph] [data-node={node_id}]")
        assert group.get_attribute("data-constant") == ""
        assert group.locator("[data-field=grad]").text_content() == ""
        assert "constant" in (group.text_content() or "")
    assert page.shown() == engine_numbers(f)
    # the edge of the 1 in c + 1 reads 1, that of the exponent 2 its partial f · ln e
    one = next(i for i in constants if ids[i].data == 1.0)
    two = next(i for i in constants if ids[i].data == 2.0)
    label = "[data-role=graph] [data-role=edge-label][data-from={}]"
    assert page.page.locator(label.format(one)).text_content() == "1"
    # six significant digits on an edge, as in the explanation (draw_dot's four say 64.5)
    assert page.page.locator(label.format(two)).text_content() == format(36 * math.log(6), ".6g")
    go_to(page, 3 + 2)  # f's rule
    constant_uses = [u for u in explanation_uses(page) if u["constant"]]
    assert [(u["parent"], u["before"], u["after"]) for u in constant_uses] == [(two, "", "")]
    assert constant_uses[0]["local"] == repr(local_derivatives_of(f)[1])
    page.check_clean()


def local_derivatives_of(node: Value) -> list[float]:
    from engine.draw import local_derivatives

    return local_derivatives(node)


def graph_measure(visit_page: Visit, frame: Any = None) -> dict[str, Any]:
    """Where the graph and its nodes are, and how big its text is, in CSS pixels."""
    target = frame if frame is not None else visit_page.page
    return target.locator("[data-role=graph]").evaluate(
        """graph => {
            const svg = graph.querySelector('svg');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            const sizes = [...svg.querySelectorAll('text[font-size]')]
                .map(t => Number(t.getAttribute('font-size')) * scale);
            const view = graph.getBoundingClientRect();
            const nodes = Object.fromEntries([...graph.querySelectorAll('[data-node]')].map(g => {
                const b = g.getBoundingClientRect();
                return [g.dataset.node, [b.left, b.top, b.right, b.bottom]];
            }));
            const current = graph.querySelector('[data-node].current');
            return {
                rankdir: graph.dataset.rankdir,
                smallestText: Math.min(...sizes),
                view: [view.left, view.top, view.right, view.bottom],
                nodes: nodes,
                current: current ? current.dataset.node : null,
                scrolls: [graph.scrollWidth > graph.clientWidth + 1,
                          graph.scrollHeight > graph.clientHeight + 1],
                pageWidth: document.documentElement.scrollWidth,
            };
        }"""
    )


def inside(box: list[float], view: list[float]) -> bool:
    left, top, right, bottom = box
    return (
        left >= view[0] - 0.5
        and top >= view[1] - 0.5
        and right <= view[2] + 0.5
        and (bottom <= view[3] + 0.5)
    )


def test_the_neuron_opens_whole_and_readable_at_1280x800(visit):
    made = player(lecture_neuron())
    page = visit(made.html, viewport=(1280, 800))
    measured = graph_measure(page)
    assert measured["rankdir"] == "LR"
    assert measured["smallestText"] >= 14, measured["smallestText"]
    assert len(measured["nodes"]) == 10
    assert all(inside(box, measured["view"]) for box in measured["nodes"].values()), measured
    assert measured["scrolls"] == [False, False]
    page.check_clean()


def test_the_neuron_opens_whole_and_readable_in_a_900_px_notebook_output(visit):
    made = player(lecture_neuron())
    host = (
        "<!DOCTYPE html><html><body style='margin: 0'><div style='width: 900px'>"
        f"{made._repr_html_()}</div></body></html>"
    )
    page = visit(host, viewport=(1280, 900))
    frame_element = page.page.locator("iframe")
    assert frame_element.evaluate("e => e.getBoundingClientRect().width") == 900
    frame = page.page.frame_locator("iframe")
    frame.locator("[data-node]").first.wait_for()
    measured = graph_measure(page, frame)
    assert measured["rankdir"] == "LR"
    assert measured["smallestText"] >= 14, measured["smallestText"]
    assert all(inside(box, measured["view"]) for box in measured["nodes"].values()), measured
    page.check_clean()


def test_on_a_phone_the_graph_runs_top_to_bottom_readable_and_follows_the_step(visit):
    made = player(lecture_neuron())
    page = visit(made.html, viewport=(390, 844))
    measured = graph_measure(page)
    assert measured["rankdir"] == "TB"
    assert measured["smallestText"] >= 14
    assert measured["pageWidth"] <= 390  # nothing sticks out sideways
    assert measured["scrolls"][0] is False  # the width fits; a long graph scrolls down
    for step in range(1, made.step_count + 1):
        go_to(page, step)
        measured = graph_measure(page)
        assert inside(measured["nodes"][measured["current"]], measured["view"]), step
        overview = page.page.locator("[data-role=overview]")
        if measured["scrolls"][1]:  # the overview shows the whole, and where the step is
            assert overview.get_attribute("hidden") is None
            assert overview.locator("rect.current").count() == 1
            box = overview.evaluate("e => e.getBoundingClientRect().toJSON()")
            node = measured["nodes"][measured["current"]]
            assert (
                node[2] < box["left"]
                or node[0] > box["right"]
                or node[3] < box["top"]
                or (node[1] > box["bottom"])
            ), "the overview hides the current node"
    page.check_clean()


def test_the_layout_follows_the_window_width_and_refits(visit):
    made = player(lecture_neuron())
    page = visit(made.html, viewport=(1280, 800))
    go_to(page, 8)
    assert graph_measure(page)["rankdir"] == "LR"
    page.page.set_viewport_size({"width": 600, "height": 800})
    page.page.wait_for_function(
        "() => document.querySelector('[data-role=graph]').dataset.rankdir === 'TB'"
    )
    assert page.step() == 8
    assert page.shown() == visit_numbers_at(made, 8, page)
    page.page.set_viewport_size({"width": 1000, "height": 700})
    page.page.wait_for_function(
        "() => document.querySelector('[data-role=graph]').dataset.rankdir === 'LR'"
    )
    page.page.wait_for_timeout(100)
    measured = graph_measure(page)
    assert all(inside(box, measured["view"]) for box in measured["nodes"].values())
    assert measured["smallestText"] >= 14
    page.check_clean()


def visit_numbers_at(made: Player, step: int, page: Visit) -> dict[str, tuple[str, str]]:
    """The fields a step must show, read from the page's own data."""
    shown = {node_id: ("", "") for node_id in page.shown()}
    for earlier in page_steps(made.html)[: step + 1]:
        for node_id, name, text in earlier["set"]:
            data, grad = shown[node_id]
            shown[node_id] = (text, grad) if name == "data" else (data, text)
    return shown


def graph_in_place(visit_page: Visit) -> dict[str, Any]:
    """Where the graph's area is on the page, and each Value node within the drawing
    (scrolling to follow the step aside), with the toolbar's right edge."""
    return visit_page.page.locator("[data-role=graph]").evaluate(
        """graph => {
            const round = (x) => Math.round(x * 10) / 10;
            const svg = graph.querySelector('svg').getBoundingClientRect();
            const view = graph.getBoundingClientRect();
            const nodes = Object.fromEntries([...graph.querySelectorAll('[data-node]')].map(g => {
                const b = g.getBoundingClientRect();
                return [g.dataset.node, [round(b.left - svg.left), round(b.top - svg.top)]];
            }));
            const status = document.querySelector('[data-role=status]').getBoundingClientRect();
            return {
                view: [view.left, view.top, view.right, view.bottom].map(round),
                drawing: [round(svg.width), round(svg.height)],
                nodes: nodes,
                statusRight: status.right,
                statusHeight: status.height,
                width: window.innerWidth,
            };
        }"""
    )


@pytest.mark.parametrize("viewport", [(1280, 800), (900, 800), (390, 844)])
def test_no_node_moves_between_steps_however_long_the_explanation(visit, viewport):
    made = player(lecture_neuron())
    page = visit(made.html, viewport=viewport)
    first = graph_measure(page)
    placed = graph_in_place(page)
    scrolls = any(first["scrolls"])  # on a phone the graph scrolls to follow the step
    heights = set()
    for step in range(1, made.step_count + 1):
        page.press("ArrowRight")
        now = graph_in_place(page)
        # the graph's area stays put (the status "Step 4 of 11 · forward pass" does not
        # wrap onto a line of its own), and so does every node within the drawing
        assert now["view"] == placed["view"], (step, now["view"], placed["view"])
        assert now["drawing"] == placed["drawing"], step
        assert now["nodes"] == placed["nodes"], step
        assert now["statusRight"] <= now["width"], step  # the status is whole
        assert now["statusHeight"] == placed["statusHeight"], step  # on one line
        if not scrolls:
            assert graph_measure(page)["nodes"] == first["nodes"], step
        heights.add(page.page.locator("[data-role=explanation]").evaluate("e => e.offsetHeight"))
    assert len(heights) > 2  # the text did grow and shrink
    page.check_clean()


def legend_and_panel(visit_page: Visit) -> dict[str, Any]:
    return visit_page.page.evaluate(
        """() => {
            const box = (e) => { const b = e.getBoundingClientRect();
                                 return [b.left, b.top, b.right, b.bottom]; };
            const panel = document.querySelector('.panel');
            const legend = document.querySelector('[aria-label=Legend]');
            const items = [...legend.querySelectorAll('li')]
                .filter(li => li.getClientRects().length).map(box);
            return {panel: box(panel), legend: box(legend), items: items,
                    window: [0, 0, window.innerWidth, window.innerHeight],
                    clipped: legend.scrollHeight > legend.clientHeight + 1};
        }"""
    )


@pytest.mark.parametrize("start", [(1280, 800), (390, 844)])
@pytest.mark.parametrize("size", [(650, 800), (390, 844), (650, 560)])
def test_the_legend_is_never_cut_off(visit, start, size):
    made = player(lecture_neuron())
    page = visit(made.html, viewport=start)
    page.page.set_viewport_size({"width": size[0], "height": size[1]})
    page.page.wait_for_timeout(150)  # the page re-arranges itself on the next frame
    for step in range(made.step_count + 1):
        go_to(page, step)
        measured = legend_and_panel(page)
        assert not measured["clipped"], step
        assert len(measured["items"]) == 7
        for item in [measured["legend"], *measured["items"]]:
            # every line of the legend whole, in the panel and in the window, whatever
            # the length of the step's text above it
            assert inside(item, measured["panel"]), (step, item, measured["panel"])
            assert inside(item, measured["window"]), (step, item)
    page.check_clean()


def test_presentation_mode_makes_every_text_large(visit):
    page = visit(player(lecture_neuron()).html, viewport=(1280, 800))
    present = page.page.locator("[data-action=present]")
    present.click()
    assert present.get_attribute("aria-pressed") == "true"
    go_to(page, 8)
    sizes = page.page.evaluate(
        """() => ['[data-role=explanation]', '[data-action=next]', '[data-role=status]',
                  '[data-role=title]']
            .map(s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))"""
    )
    assert min(sizes) >= 18, sizes
    assert graph_measure(page)["smallestText"] >= 18
    present.click()
    assert present.get_attribute("aria-pressed") == "false"
    page.check_clean()


def test_zoom_scales_the_explanation_and_keeps_the_current_node_in_view(visit):
    made = player(big_graph())
    page = visit(made.html, viewport=(1280, 800))
    go_to(page, made.step_count * 3 // 4)
    font = (
        "() => parseFloat(getComputedStyle("
        "document.querySelector('[data-role=explanation]')).fontSize)"
    )
    before = page.page.evaluate(font)
    for _ in range(3):
        page.click("zoom-in")
        measured = graph_measure(page)
        assert inside(measured["nodes"][measured["current"]], measured["view"])
    assert page.page.evaluate(font) > before * 1.5
    for _ in range(3):
        page.click("zoom-out")
    assert page.page.evaluate(font) == pytest.approx(before, rel=0.02)
    page.check_clean()


def test_a_long_graph_gets_an_overview_marking_the_current_step(visit):
    made = player(big_graph())
    page = visit(made.html, viewport=(1280, 800))
    overview = page.page.locator("[data-role=overview]")
    assert graph_measure(page)["smallestText"] >= 14
    assert overview.get_attribute("hidden") is None
    assert overview.locator("rect").count() == 1 + 100  # the frame and one box per Value
    go_to(page, made.step_count - 3)
    measured = graph_measure(page)
    assert overview.locator(f"rect.current[data-of={measured['current']}]").count() == 1
    page.click("fit")  # the whole graph in view: no overview needed
    assert overview.get_attribute("hidden") == ""
    page.check_clean()


def test_printing_shows_the_graph_and_the_whole_step_without_controls(visit):
    made = player(big_graph())
    page = visit(made.html, viewport=(1280, 800))
    go_to(page, made.step_count - 1)
    page.page.emulate_media(media="print")
    state = page.page.evaluate(
        """() => {
            const panel = document.querySelector('.panel');
            const explanation = document.querySelector('[data-role=explanation]');
            return {
                toolbar: getComputedStyle(document.querySelector('.toolbar')).display,
                overview: getComputedStyle(document.querySelector('[data-role=overview]')).display,
                clipped: panel.scrollHeight > panel.clientHeight + 1 &&
                         getComputedStyle(panel).overflowY !== 'visible',
                svgWidth: document.querySelector('[data-role=graph] svg')
                    .getBoundingClientRect().width,
                text: explanation.textContent.length,
            };
        }"""
    )
    assert state["toolbar"] == "none" and state["overview"] == "none"
    assert not state["clipped"]
    assert state["svgWidth"] > 300 and state["text"] > 100
    assert len(page.page.pdf()) > 1000
    page.check_clean()


def test_screen_readers_hear_the_step_and_the_slider_and_the_graph_have_names(visit):
    page = visit(player(lecture_neuron()).html)
    explanation = page.page.locator("[data-role=explanation]")
    assert explanation.get_attribute("aria-live") == "polite"
    slider = page.page.locator("input[type=range][data-role=step]")
    assert slider.get_attribute("aria-valuetext") == "Step 0 of 11: Start"
    page.press("ArrowRight")
    assert slider.get_attribute("aria-valuetext") == "Step 1 of 11: Forward 1/5: compute x1*w1"
    graph = page.page.locator("[data-role=graph]")
    assert graph.get_attribute("aria-label") == "Computation graph of o: 10 values, 5 ops"
    assert graph.get_attribute("role") == "figure"
    page.check_clean()


def practice_on(page: Visit) -> None:
    page.click("practice")
    assert page.page.locator("[data-action=practice]").get_attribute("aria-pressed") == "true"


def answer(page: Visit, answers: dict[str, str]) -> tuple[str, str]:
    for parent, text in answers.items():
        page.page.fill(f"input[data-role=answer][data-parent={parent}]", text)
    page.click("check")
    feedback = page.page.locator("[data-role=feedback]")
    return feedback.get_attribute("data-verdict") or "", feedback.text_content() or ""


def test_practice_mode_asks_before_it_shows_and_names_the_slip(visit):
    page = visit(player(reuse()).html)
    practice_on(page)
    go_to(page, 2 + 2)  # b's rule: a is used twice
    assert page.page.locator("[data-role=explanation] [data-parent]").count() == 0
    assert page.shown()["v1"] == ("9", "")  # the graph does not give it away
    assert page.page.locator("input[data-role=answer]").count() == 1
    verdict, text = answer(page, {"v1": "1"})
    assert verdict == "wrong" and "b uses a 2 times: add one share per use" in text
    assert page.page.locator("[data-role=explanation] [data-parent]").count() == 0
    verdict, text = answer(page, {"v1": "2"})
    assert verdict == "right" and "db/da after this step = 2" in text
    assert page.page.locator("[data-role=explanation] [data-parent]").count() == 2
    assert page.shown()["v1"] == ("9", "2")
    assert "Right answers: 1 of 2" in (page.page.text_content("[data-role=score]") or "")

    page.press("ArrowRight")  # a's rule: upstream 2, local partial 3 per use
    verdict, text = answer(page, {"v0": "abc"})
    assert verdict == "wrong" and "Type a number" in text
    verdict, text = answer(page, {"v0": "1"})
    assert verdict == "wrong" and "db/da" in text  # no slip fits: the general rule
    page.page.locator("input[data-role=answer]").press("ArrowLeft")  # typing keys stay
    assert page.step() == 5
    verdict, text = answer(page, {"v0": "12"})
    assert verdict == "right"
    assert "Right answers: 2 of 2" in (page.page.text_content("[data-role=score]") or "")
    page.check_clean()


def test_practice_mode_hints_at_the_upstream_gradient_and_an_earlier_use(visit):
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    y = x * w
    y.label = "y"
    out = y * x
    out.label = "L"
    page = visit(player(out).html)
    practice_on(page)
    go_to(page, 2 + 2)  # L's rule: dL/dy = x = 2, dL/dx = y = -6
    verdict, _ = answer(page, {"v2": "2", "v0": "-6"})
    assert verdict == "right"
    page.press("ArrowRight")  # y's rule: upstream dL/dy = 2, x reached a second time
    verdict, text = answer(page, {"v0": "-9", "v1": "4"})  # -6 + the local partial -3
    assert verdict == "wrong"
    assert "That is ∂y/∂x alone: multiply it by the upstream gradient dL/dy = 2." in text
    verdict, text = answer(page, {"v0": "-3", "v1": "4"})  # ... and the earlier use forgotten
    assert verdict == "wrong"
    assert "and add it to what x already holds (−6)" in text
    verdict, text = answer(page, {"v0": "−6", "v1": "4"})  # this step's share only
    assert verdict == "wrong" and "x was reached before and already holds dL/dx = −6" in text
    verdict, text = answer(page, {"v0": "-12", "v1": "4"})
    assert verdict == "right"
    page.click("practice")  # off again: every step shows itself
    page.press("Home")
    page.press("End")
    assert page.page.locator("[data-role=practice]").is_hidden()
    assert page.shown()["v0"] == ("2", "-12")
    page.check_clean()


def test_space_plays_and_pauses_from_the_keyboard(visit):
    page = visit(player(lecture_neuron()).html)
    play = page.page.locator("[data-action=play]")
    page.page.locator("[data-role=graph]").focus()
    page.press(" ")
    assert play.get_attribute("aria-pressed") == "true"
    page.press(" ")
    assert play.get_attribute("aria-pressed") == "false"
    page.check_clean()


def test_a_slow_layout_stops_at_the_time_limit_and_leaves_the_grads(monkeypatch):
    import inspect

    from engine.draw import RenderTimeoutError

    assert inspect.signature(player).parameters["timeout"].default == 30.0
    x = Value(0.5, label="x")
    out = x
    for _ in range(150):
        out = out * x  # one node used by every op: dot needs minutes
    out.backward()
    before = x.grad
    started = time.perf_counter()
    with pytest.raises(RenderTimeoutError) as info:
        player(out, timeout=0.5)
    assert time.perf_counter() - started < 15
    assert isinstance(info.value, TimeoutError)
    message = str(info.value)
    assert "more than 0.5 s" in message and "151 Values" in message
    assert "timeout=None" in message and "smaller graph" in message
    assert x.grad == before


def test_bad_timeout_and_title_are_refused_by_name():
    with pytest.raises(ValueError, match="player: timeout must be a positive number"):
        player(reuse(), timeout=0)
    with pytest.raises(ValueError, match="title.*lone surrogate"):
        player(reuse(), title="x\ud800")
    with pytest.raises(ValueError, match="rankdir"):
        player(reuse(), rankdir="RL")


def test_practice_accepts_inf_and_playing_stops_at_each_question(visit):
    x = Value(800.0, label="x")
    y = x.exp()  # inf, and d y/d x = exp(800) = inf
    y.label = "y"
    page = visit(player(y).html)
    practice_on(page)
    page.click("play")
    page.page.wait_for_function(
        "() => document.querySelector('[data-action=play]')"
        ".getAttribute('aria-pressed') === 'false'",
        timeout=10_000,
    )
    assert page.step() == 1 + 1 + 1  # forward, seed, then the question of y's rule
    assert answer(page, {"v0": "1e308"})[0] == "wrong"
    assert answer(page, {"v0": "inf"})[0] == "right"
    assert page.shown()["v0"] == ("800", "inf")
    page.check_clean()


def test_a_practice_hint_names_the_use_left_out_not_a_missing_factor(visit):
    # b = a + a, a = x * x, x = 3: at a's rule db/da = 2 and x gets 2 · 3 twice, 12 in
    # all. 6 is one use's share (2 · 3, upstream factor in), not ∂a/∂x alone (which is 3)
    page = visit(player(reuse()).html)
    practice_on(page)
    go_to(page, 2 + 3)  # a's rule
    verdict, text = answer(page, {"v0": "6"})
    assert verdict == "wrong"
    assert "a uses x 2 times: add one share per use" in text, text
    assert "upstream gradient db/da = 2." not in text  # the 2 is in 6 already
    assert "alone" not in text
    verdict, text = answer(page, {"v0": "3"})  # one local partial: no factor of 2, one use
    assert verdict == "wrong"
    assert "That is ∂a/∂x (first factor) = 3 alone" in text and "for each use" in text
    verdict, text = answer(page, {"v0": "4"})  # the upstream gradient once per use
    assert verdict == "wrong" and "That is the upstream gradient db/da = 2 alone" in text
    assert answer(page, {"v0": "12"})[0] == "right"
    page.check_clean()


def test_a_practice_hint_tells_the_local_partials_from_a_share_when_they_differ(visit):
    # b = a · c with c = 4: at a's rule db/da = 4, ∂a/∂x = 3 per use, a share 12, total 24
    x = Value(3.0, label="x")
    a = x * x
    a.label = "a"
    c = Value(4.0, label="c")
    b = a * c
    b.label = "b"
    page = visit(player(b).html)
    practice_on(page)
    go_to(page, 2 + 3)  # a's rule
    verdict, text = answer(page, {"v0": "6"})  # 3 + 3: the local partials alone
    assert verdict == "wrong"
    assert "That is the local partials alone (∂a/∂x for each use: 3 + 3)" in text, text
    assert "multiply each by the upstream gradient db/da = 4" in text
    verdict, text = answer(page, {"v0": "12"})  # 4 · 3, one use only
    assert verdict == "wrong" and "a uses x 2 times: add one share per use" in text, text
    assert "alone" not in text
    assert answer(page, {"v0": "24"})[0] == "right"
    page.check_clean()


def test_a_practice_hint_names_no_one_factor_when_either_could_be_missing(visit):
    # L = y · k, y = x · w with w = k = 3: the upstream gradient and the local partial are
    # both 3, so an answer of 3 leaves out one of them, which one cannot be told
    x = Value(2.0, label="x")
    w = Value(3.0, label="w")
    y = x * w
    y.label = "y"
    k = Value(3.0, label="k")
    out = y * k
    out.label = "L"
    steps = page_steps(player(out).html)
    rule = next(
        i for i, step in enumerate(steps) if step["title"].endswith("y passes its gradient on")
    )
    page = visit(player(out).html)
    practice_on(page)
    go_to(page, rule)
    verdict, text = answer(page, {"v0": "3", "v1": "6"})
    assert verdict == "wrong"
    hint = "That is one factor alone: multiply the upstream gradient dL/dy = 3 by the local"
    assert f"{hint} partial ∂y/∂x." in text, text
    assert answer(page, {"v0": "9", "v1": "6"})[0] == "right"
    page.check_clean()


def test_practice_counts_a_question_stepped_past_as_skipped(visit):
    page = visit(player(reuse()).html)
    practice_on(page)
    score = page.page.locator("[data-role=score]")
    go_to(page, 2 + 2)  # b's rule, asked
    assert page.page.locator("input[data-role=answer]").count() == 1
    page.press("ArrowRight")  # past it, unanswered: a's rule shows a's gradient, 2
    assert page.step() == 5
    assert page.shown()["v1"] == ("9", "2")
    assert score.text_content() == "Right answers: 0 of 2 backward steps (1 skipped)"
    assert answer(page, {"v0": "12"})[0] == "right"
    assert score.text_content() == "Right answers: 1 of 2 backward steps (1 skipped)"
    page.press("ArrowLeft")  # the skipped step is shown, not asked again for a score
    assert page.page.locator("input[data-role=answer]").count() == 0
    assert len(explanation_uses(page)) == 2

    page.click("practice")
    page.click("practice")  # a new round
    page.press("Home")
    page.press("End")  # past b's question at once, to a's
    assert score.text_content() == "Right answers: 0 of 2 backward steps (1 skipped)"
    assert page.page.locator("input[data-role=answer]").count() == 1
    page.press("Home")
    go_to(page, 2 + 2)
    assert page.page.locator("input[data-role=answer]").count() == 0
    page.click("practice")
    page.click("practice")
    go_to(page, 2 + 2)
    page.click("reveal")  # shown on request: not right, not skipped
    assert (
        score.text_content() == "Right answers: 0 of 2 backward steps (1 shown without an answer)"
    )
    page.check_clean()


def test_edge_numbers_carry_six_significant_digits_as_the_text_does(visit):
    x = Value(2.0, label="x")
    y = Value(1.0, label="y")
    out = x * 1.0001 + y * 0.123456789
    made = player(out)
    ids = {node.label: f"v{i}" for i, node in enumerate(engine.topological_order(out))}
    page = visit(made.html)
    page.press("End")
    edge = "[data-role=graph] [data-role=edge-label][data-from={}]"
    assert page.page.locator(edge.format(ids["x"])).text_content() == "1.0001"
    assert page.page.locator(edge.format(ids["y"])).text_content() == "0.123457"
    lines = [line for step in page_steps(made.html) for line in step_lines(step)]
    assert any(line.endswith("= 1.0001") and line.startswith("∂") for line in lines), lines
    # draw_dot keeps its own four digits (its pictures and goldens are unchanged)
    assert "label=1]" in draw_dot(out, edge_labels=True).source
    page.check_clean()


def _page_close(answer_value: float, expected: float) -> bool:
    """player.js's test of an answer: within 0.1% (and 1e-9)."""
    return abs(answer_value - expected) <= 1e-3 * abs(expected) + 1e-9


def _factor_left_out(hint: str) -> bool:
    return hint.startswith("That is") and "alone" in hint


def _hint_for(question: dict, typed: float) -> str | None:
    """The hint the page gives for an answer: the first slip it matches."""
    for value, hint in question["hints"]:
        if _page_close(typed, float(value)):
            return hint
    return None


def check_no_hint_calls_a_present_factor_missing(root: Value) -> int:
    """For every practice question of `root`'s page: an answer that a slip with both
    factors in gives (one use of the op left out, or every use but one; an earlier use
    forgotten; the sign) never gets a hint saying a factor is missing. Returns how many
    such answers were tried."""
    tried = 0
    for step in page_steps(player(root).html):
        for question in step.get("questions", []):
            uses = [u for u in step["uses"] if u["parent"] == question["parent"]]
            before = float(uses[0]["before"])
            shares = [float(u["after"]) - float(u["before"]) for u in uses]
            total = math.fsum(shares)
            with_both_factors = [total, before - total]  # earlier use forgotten; the sign
            if len(shares) > 1:
                for share in shares:
                    with_both_factors += [before + share, before + total - share, share]
            right = float(question["answer"])
            for typed in with_both_factors:
                if not math.isfinite(typed) or _page_close(typed, right):
                    continue
                tried += 1
                hint = _hint_for(question, typed)
                assert hint is None or not _factor_left_out(hint), (typed, hint, question)
    return tried


def test_no_hint_calls_a_factor_missing_from_an_answer_that_holds_it():
    # the reuse page: 6 at a's rule is one use's share, 2 · 3 (and also 3 + 3)
    assert check_no_hint_calls_a_present_factor_missing(reuse()) > 0
    x = Value(3.0, label="x")
    out = engine.sum([x, x * x, x, x]) * 2.0  # x three times in one op, and reached again
    assert check_no_hint_calls_a_present_factor_missing(out) > 0


@settings(max_examples=25, deadline=None)
@given(
    # small whole numbers, so that slips often give the same number
    leaf_data=st.lists(st.integers(-3, 3).map(float), min_size=1, max_size=3),
    program=st.lists(
        st.tuples(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000)),
        min_size=1,
        max_size=8,
    ),
)
def test_no_hint_calls_a_factor_missing_on_random_graphs(leaf_data, program):
    check_no_hint_calls_a_present_factor_missing(random_graph(leaf_data, program))
