"""Tests for the training replay page (nn/report.py): what it embeds (SPEC's
`chainrule-run` JSON), that each figure shown is that of the weights drawn, its size, how a
notebook shows it, and, in headless Chromium, that it works offline, shows the learning
(density, neuron maps, hover, keys, speed) and fits a laptop, a phone and a printed page.

The browser tests use Debian's `chromium` through Playwright's `executable_path` (no
downloaded browsers) and are skipped only when chromium or playwright is missing.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import nn
from nn.cli import main
from nn.plots import CLASS_COLORS
from nn.report import MAX_SNAPSHOTS, Report, boundary_script, training_report
from nn.train import Snapshot, Snapshots, evaluate, fit, format_accuracy, format_loss


def _embedded(report: Report | str) -> dict:
    page = report.html if isinstance(report, Report) else report
    found = re.search(
        r'<script type="application/json" id="chainrule-run">(.*?)</script>', page, re.S
    )
    assert found is not None
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def run():
    """A short training run on moons (60 points, batches of 16: 4 steps per epoch) with its
    history, snapshots and page."""
    X, y = nn.datasets.make_moons(60, noise=0.1, seed=0)
    X_test, y_test = nn.datasets.make_moons(80, noise=0.1, seed=1)
    model = nn.MLP(2, [8, 8, 1], seed=0)
    recorder = Snapshots(model, X, y, loss="bce")
    history = fit(model, X, y, loss="bce", epochs=12, batch_size=16, seed=0, callbacks=[recorder])
    report = training_report(
        model,
        X,
        y,
        history,
        snapshots=recorder.snapshots,
        X_test=X_test,
        y_test=y_test,
        command="chainrule train --epochs 12",
        settings={"learning rate": "0.01"},
        title="moons",
        loss="bce",
    )
    return {
        "model": model,
        "history": history,
        "snapshots": recorder.snapshots,
        "report": report,
        "test": (X_test, y_test),
    }


def _recomputed(data: dict, snapshot: dict, points: str = "train") -> tuple[float, float]:
    """Loss and accuracy of a snapshot's embedded weights on the embedded points, through
    the engine: nothing but the page's JSON is used."""
    spec = data["model"]
    model = nn.MLP(spec["nin"], spec["nouts"], activation=spec["activation"])
    model.load_state_dict(snapshot["parameters"])
    return evaluate(model, data[points]["X"], data[points]["y"], data["loss"])


# ---- the page as text ------------------------------------------------------------------


def test_page_has_the_dom_contract(run):
    page = run["report"].html
    assert re.search(r'<input type="range" data-role="epoch"', page)
    for field in ("epoch", "loss", "accuracy", "test-accuracy", "step"):
        assert f'data-field="{field}"' in page
    for role in ("speed", "test-points", "boundary", "network", "curves", "tooltip"):
        assert f'data-role="{role}"' in page
    assert 'data-action="play"' in page and "neuron-map" in page


def test_page_embeds_the_run_as_spec_says(run):
    data = _embedded(run["report"])
    assert data["model"] == {"nin": 2, "nouts": [8, 8, 1], "activation": "relu"}
    assert data["loss"] == "bce"
    assert len(data["train"]["X"]) == len(data["train"]["y"]) == 60
    assert len(data["test"]["X"]) == 80
    assert data["settings"] == {"learning rate": "0.01"}
    assert data["command"] == "chainrule train --epochs 12"
    names = list(run["model"].state_dict())
    for s in data["snapshots"]:
        assert set(s) >= {"step", "epoch", "parameters", "train_loss", "train_accuracy"}
        assert list(s["parameters"]) == names
    assert data["history"]["loss"] == run["history"]["loss"]


def test_each_snapshots_train_figures_are_its_weights_over_the_whole_training_set(run):
    data = _embedded(run["report"])
    for s in data["snapshots"]:
        loss, acc = _recomputed(data, s)
        assert s["display"]["train_loss"] == format_loss(loss)
        assert s["display"]["train_accuracy"] == format_accuracy(acc)
        assert s["train_loss"] == pytest.approx(loss, rel=1e-12)
        assert s["train_accuracy"] == acc
        test_loss, test_acc = _recomputed(data, s, "test")
        assert s["test_accuracy"] == test_acc and s["display"]["test_accuracy"] == (
            format_accuracy(test_acc)
        )


def test_snapshots_are_dense_in_the_first_epochs(run):
    epochs = [s["epoch"] for s in _embedded(run["report"])["snapshots"]]
    assert epochs[:5] == [0, pytest.approx(16 / 60), pytest.approx(32 / 60), 0.8, 1]
    assert sum(e < 1 for e in epochs) == 4 and sum(1 <= e < 3 for e in epochs) == 8
    assert epochs[-3:] == [10, 11, 12]  # then one per epoch
    steps = [s["step"] for s in _embedded(run["report"])["snapshots"]]
    assert steps[:5] == [0, 1, 2, 3, 4] and steps[-1] == 48


def test_the_final_weights_are_the_models_to_six_digits(run):
    data = _embedded(run["report"])
    final = run["model"].state_dict()
    assert data["snapshots"][-1]["parameters"] == pytest.approx(final, rel=1e-5, abs=1e-12)


def test_page_is_offline(run):
    page = run["report"].html
    # the SVG namespace is a name, not a request; nothing else may point outside
    urls = set(re.findall(r"https?://[^\s\"')]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert "<link" not in page and "src=" not in page


def test_text_cannot_break_out_of_the_page():
    X, y = nn.datasets.make_moons(10, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, loss="bce", epochs=2, seed=0)
    nasty = "</script><script>alert(1)</script>"
    report = training_report(model, X, y, history, command=nasty, title=nasty)
    assert nasty not in report.html
    assert _embedded(report)["command"] == nasty


def test_placeholders_in_the_title_stay_text():
    X, y = nn.datasets.make_moons(10, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, loss="bce", epochs=1, seed=0)
    report = training_report(model, X, y, history, title="%DATA% and %TITLE%")
    assert "<title>Training replay: %DATA% and %TITLE%</title>" in report.html
    assert report.html.count('id="chainrule-run"') == 1
    assert _embedded(report)["title"] == "%DATA% and %TITLE%"


def test_without_snapshots_the_page_shows_the_model_as_it_is():
    X, y = nn.datasets.make_moons(10, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, loss="bce", epochs=3, seed=0)
    data = _embedded(training_report(model, X, y, history))
    assert [s["epoch"] for s in data["snapshots"]] == [3]
    assert data["test"] is None and data["settings"] == {}
    loss, acc = evaluate(model, X, y, "bce")
    assert data["snapshots"][0]["display"]["train_loss"] == format_loss(loss)


def test_long_runs_keep_at_most_max_snapshots_with_first_and_last():
    model = nn.MLP(2, [2, 1], seed=0)
    parameters = tuple(p.data for p in model.parameters())
    many = [Snapshot(e, float(e), 1.0 / (e + 1), 0.5, parameters) for e in range(1000)]
    X, y = nn.datasets.make_moons(10, noise=0.1, seed=0)
    history = {"loss": [1.0] * 999, "accuracy": [0.5] * 999}
    epochs = [
        s["epoch"] for s in _embedded(training_report(model, X, y, history, many))["snapshots"]
    ]
    assert len(epochs) == MAX_SNAPSHOTS and epochs[0] == 0 and epochs[-1] == 999
    assert epochs == sorted(set(epochs))


def test_report_refuses_a_model_it_cannot_draw():
    model = nn.MLP(3, [2, 1], seed=0)
    with pytest.raises(ValueError, match="2 inputs"):
        training_report(model, [[0.0, 0.0, 0.0]], [0], {"loss": [], "accuracy": []})


def test_notebook_display_is_a_sandboxed_iframe_with_the_page(run):
    shown = run["report"]._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    assert 'sandbox="allow-scripts"' in shown and "allow-same-origin" not in shown
    srcdoc = re.search(r'srcdoc="(.*?)"', shown, re.S).group(1)
    assert html.unescape(srcdoc) == run["report"].html


def test_save_writes_the_page(run, tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    run["report"].save(path)
    assert path.read_text(encoding="utf-8") == run["report"].html


def test_diverged_run_page_ends_at_the_last_finite_snapshot(tmp_path):
    options = ["--n-samples", "24", "--n-test", "20", "--epochs", "5", "--no-progress"]
    assert main(["train", *options, "--lr", "1e308", "--out", str(tmp_path)]) == 1
    data = _embedded((tmp_path / "report.html").read_text())
    assert data["snapshots"]
    for s in data["snapshots"]:
        assert all(math.isfinite(w) for w in s["parameters"].values())
    assert all(v is not None for v in data["history"]["loss"])


def _simulated_lab(hex_color: str, matrix: list[list[float]]) -> tuple[float, float, float]:
    """CIELAB of a colour as seen with a colour-vision deficiency (Machado et al. 2009's
    matrices, severity 1, applied to linear RGB)."""

    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    rgb = [linear(int(hex_color[i : i + 2], 16)) for i in (1, 3, 5)]
    r, g, b = [min(1.0, max(0.0, sum(m * v for m, v in zip(row, rgb)))) for row in matrix]
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    yy = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(yy) - 16, 500 * (f(x) - f(yy)), 200 * (f(yy) - f(z))


def test_class_colours_stay_apart_for_protan_and_deutan_eyes(run):
    protan = [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
              [-0.003882, -0.048116, 1.051998]]  # fmt: skip
    deutan = [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
              [-0.011820, 0.042940, 0.968881]]  # fmt: skip
    for matrix in (protan, deutan):
        for a, b in itertools.combinations(CLASS_COLORS[:3], 2):
            distance = math.dist(_simulated_lab(a, matrix), _simulated_lab(b, matrix))
            assert distance > 40, (a, b, distance)  # the old orange/green pair: 24
    # the page paints with the pictures' colours
    assert _embedded(run["report"])["colors"] == list(CLASS_COLORS)


def test_page_inlines_the_shared_boundary_script_whole(run):
    # nn/boundary.js, byte for byte, in a script element of its own: the playground's panel
    # loads the same file (tests/test_playground.py checks the built copy)
    script = (Path(nn.__file__).parent / "boundary.js").read_text("utf-8")
    assert boundary_script() == script
    assert run["report"].html.count("<script>\n" + script + "</script>") == 1
    # and it paints with the pictures' colours
    palette = re.search(r"const COLORS = (\[[^\]]*\]);", script)
    assert palette is not None and json.loads(palette.group(1)) == list(CLASS_COLORS)


def test_a_boundary_script_that_would_end_the_page_script_is_refused(run, monkeypatch, tmp_path):
    (tmp_path / "boundary.js").write_text('const end = "</SCRIPT>";\n', encoding="utf-8")
    import nn.report

    # the package's files, as the page reads them, are tmp_path's here
    monkeypatch.setattr(nn.report, "resources", SimpleNamespace(files=lambda package: tmp_path))
    with pytest.raises(ValueError, match="boundary.js holds '</script'"):
        training_report(run["model"], [[0.0, 1.0]], [1], {})


# ---- in a browser -------------------------------------------------------------------------


def _open(browser, report: Report, tmp_path, width: int = 1300, height: int = 900):
    """The page opened from a file, every request other than the file refused and
    recorded, console errors collected."""
    path = tmp_path / "report.html"
    report.save(path)
    url = path.as_uri()
    context = browser.new_context(viewport={"width": width, "height": height})
    requests: list[str] = []
    problems: list[str] = []

    def intercept(route):
        if route.request.url == url:
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    context.route("**/*", intercept)
    opened = context.new_page()
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.goto(url)
    opened.wait_for_selector("[data-field=epoch]:not(:empty)")
    return context, opened, requests, problems


@pytest.fixture
def page(browser, run, tmp_path):
    context, opened, requests, problems = _open(browser, run["report"], tmp_path)
    yield opened, requests, problems
    context.close()


def _choose(opened, index: int) -> None:
    opened.eval_on_selector(
        "input[type=range][data-role=epoch]",
        "(el, i) => { el.value = String(i); el.dispatchEvent(new Event('input')); }",
        index,
    )


def _fields(opened) -> dict[str, str]:
    return {
        name: opened.text_content(f"[data-field={name}]")
        for name in ("epoch", "loss", "accuracy", "test-accuracy", "step")
    }


def _boundary(opened) -> str:
    return opened.eval_on_selector("canvas[data-role=boundary]", "c => c.toDataURL()")


def test_browser_shows_figures_recomputed_from_each_snapshots_weights(page, run):
    opened, requests, problems = page
    data = _embedded(run["report"])
    for index, s in enumerate(data["snapshots"]):
        _choose(opened, index)
        shown = _fields(opened)
        loss, acc = _recomputed(data, s)
        _, test_acc = _recomputed(data, s, "test")
        assert shown["loss"] == format_loss(loss), index
        assert shown["accuracy"] == format_accuracy(acc), index
        assert shown["test-accuracy"] == format_accuracy(test_acc), index
        assert shown["step"] == str(s["step"])
        epoch = shown["epoch"]
        assert float(epoch) == pytest.approx(s["epoch"], abs=0.005)
        slider = "input[data-role=epoch]"
        assert opened.get_attribute(slider, "aria-valuetext") == f"epoch {epoch}"
    assert requests == [] and problems == []


def test_browser_the_shared_drawing_classifies_as_python_does(page, run):
    # nn/boundary.js (the playground panel's drawing too): its forward pass and classes,
    # run in the page on each snapshot's embedded weights, give Python's accuracy exactly
    opened, _, problems = page
    data = _embedded(run["report"])
    sizes = [data["model"]["nin"], *data["model"]["nouts"]]
    activations = [data["model"]["activation"]] * (len(sizes) - 2) + ["linear"]
    fractions = opened.evaluate(
        """([sizes, activations, snapshots, train, test]) => snapshots.map((s) => {
            const network = new ChainruleBoundary.Network(sizes, activations, s.parameters);
            return [ChainruleBoundary.accuracy(network, train),
                    ChainruleBoundary.accuracy(network, test)];
        })""",
        [sizes, activations, data["snapshots"], data["train"], data["test"]],
    )
    assert len(fractions) == len(data["snapshots"]) > 10
    for (train, test), s in zip(fractions, data["snapshots"]):
        assert train == s["train_accuracy"] and test == s["test_accuracy"]
    # a wrong weight would show: the first snapshot's accuracy is not the last's
    assert fractions[0] != fractions[-1]
    assert problems == []


def test_browser_the_first_epoch_has_several_snapshots(page):
    opened, _, _ = page
    seen = []
    for index in range(6):
        _choose(opened, index)
        seen.append(opened.text_content("[data-field=epoch]"))
    assert seen == ["0", "0.27", "0.53", "0.80", "1", "1.27"]


def test_browser_slider_changes_the_boundary_the_maps_and_the_numbers(page):
    opened, requests, problems = page
    last_map = opened.eval_on_selector("[data-role=neuron-map]", "c => c.toDataURL()")
    last = (_fields(opened), _boundary(opened))
    _choose(opened, 0)
    first = (_fields(opened), _boundary(opened))
    first_map = opened.eval_on_selector("[data-role=neuron-map]", "c => c.toDataURL()")
    assert first[0]["epoch"] == "0" and last[0]["epoch"] == "12"
    assert first[0]["loss"] != last[0]["loss"] and first[1] != last[1]
    assert first_map != last_map
    assert requests == [] and problems == []


def test_browser_one_activation_map_per_hidden_neuron(page, run):
    opened, _, _ = page
    maps = opened.query_selector_all("[data-role=neuron-map]")
    assert len(maps) == 16  # two hidden layers of 8
    layers = [m.get_attribute("data-layer") for m in maps]
    assert layers == ["1"] * 8 + ["2"] * 8
    assert all(m.is_visible() for m in maps)


def test_browser_final_test_accuracy_matches_python(page, run):
    opened, _, _ = page
    model = run["model"]
    X_test, y_test = run["test"]
    final = format_accuracy(evaluate(model, X_test, y_test, "bce")[1])
    assert opened.text_content("[data-field=final-test]") == final


def test_browser_test_points_toggle_redraws(page):
    opened, _, problems = page
    with_test = _boundary(opened)
    opened.click("input[data-role=test-points]")
    assert _boundary(opened) != with_test
    opened.click("input[data-role=test-points]")
    assert _boundary(opened) == with_test
    assert problems == []


def test_browser_play_runs_to_the_end_and_speed_sets_the_pace(page):
    opened, requests, problems = page
    last = opened.get_attribute("input[data-role=epoch]", "max")
    opened.select_option("select[data-role=speed]", "4")
    _choose(opened, 3)
    opened.click("[data-action=play]")
    opened.wait_for_function(
        f"document.querySelector('input[data-role=epoch]').value === '{last}'", timeout=15000
    )
    opened.wait_for_function(
        "document.querySelector('[data-action=play]').textContent.includes('Play')",
        timeout=5000,
    )
    # at 0.25x the same stretch takes 16 times as long: after 300 ms it is still early
    opened.select_option("select[data-role=speed]", "0.25")
    _choose(opened, 0)
    opened.click("[data-action=play]")
    opened.wait_for_timeout(300)
    assert int(opened.eval_on_selector("input[data-role=epoch]", "el => el.value")) <= 1
    opened.click("[data-action=play]")
    assert requests == [] and problems == []


def test_browser_keys_step_jump_and_play(page):
    opened, _, _ = page
    epoch = "[data-field=epoch]"
    opened.click("h1")  # focus the page, not the slider
    opened.keyboard.press("ArrowLeft")
    assert opened.text_content(epoch) == "11"
    opened.keyboard.press("Home")
    assert opened.text_content(epoch) == "0"
    opened.keyboard.press("End")
    assert opened.text_content(epoch) == "12"
    opened.keyboard.press("Home")
    opened.keyboard.press("Space")
    assert opened.get_attribute("[data-action=play]", "aria-label") == "pause"
    opened.keyboard.press("Space")
    assert opened.get_attribute("[data-action=play]", "aria-label") == "play"
    # on the focused slider too
    opened.focus("input[data-role=epoch]")
    opened.keyboard.press("End")
    assert opened.text_content(epoch) == "12"


def test_browser_hover_a_point_gives_its_class_probabilities(page, run):
    opened, _, _ = page
    data = _embedded(run["report"])
    point, label = data["train"]["X"][0], data["train"]["y"][0]
    where = opened.evaluate(
        """([a, b]) => {
            const canvas = document.querySelector('canvas[data-role=boundary]');
            // the page's own mapping, read back from a known point: its pixel on screen
            const box = canvas.getBoundingClientRect();
            return [box.left, box.top, box.width];
        }""",
        point,
    )
    # the plane's extent as the page computes it, from every point
    points = data["train"]["X"] + data["test"]["X"]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    half = max(max(xs) / 2 - min(xs) / 2, max(ys) / 2 - min(ys) / 2) * 1.1 + 0.05
    cx, cy = min(xs) / 2 + max(xs) / 2, min(ys) / 2 + max(ys) / 2
    left, top, width = where
    px = left + ((point[0] - cx) / half + 1) * width / 2
    py = top + (1 - (point[1] - cy) / half) * width / 2
    opened.mouse.move(px, py)
    tip = opened.text_content("[data-role=tooltip]")
    assert opened.is_visible("[data-role=tooltip]")
    assert f"training point ({point[0]:.3f}, {point[1]:.3f}), class {label}" in tip
    model = nn.MLP(2, [8, 8, 1])
    model.load_state_dict(data["snapshots"][-1]["parameters"])
    p1 = 1 / (1 + math.exp(-model(point).data))
    assert f"P(class 0) = {1 - p1:.3f}" in tip and f"P(class 1) = {p1:.3f}" in tip


def test_browser_hover_a_weight_or_neuron_gives_its_value(page, run):
    opened, _, _ = page
    parameters = _embedded(run["report"])["snapshots"][-1]["parameters"]
    opened.hover("svg[data-role=network] line.network-hit >> nth=0")
    tip = opened.text_content("[data-role=tooltip]")
    value = parameters["layers.0.neurons.0.w.0"]
    assert "layers.0.neurons.0.w.0" in tip and f"{value:.4g}" in tip
    opened.hover("svg[data-role=network] circle[data-layer='1'][data-neuron='2']")
    tip = opened.text_content("[data-role=tooltip]")
    assert "hidden layer 1, neuron 3" in tip
    assert f"{parameters['layers.0.neurons.2.b']:.4g}" in tip
    lit = opened.query_selector_all("[data-role=neuron-map].lit")
    assert [m.get_attribute("data-neuron") for m in lit] == ["2"]


def test_browser_network_sits_beside_the_boundary_at_1280(browser, run, tmp_path):
    context, opened, _, problems = _open(browser, run["report"], tmp_path, 1280, 800)
    boundary = opened.locator("canvas[data-role=boundary]").bounding_box()
    network = opened.locator("svg[data-role=network]").bounding_box()
    assert network["x"] > boundary["x"] + boundary["width"]
    assert abs(network["y"] - boundary["y"]) < 5
    assert opened.evaluate("document.documentElement.scrollWidth") <= 1280
    assert problems == []
    context.close()


def test_browser_no_horizontal_overflow_on_a_phone(browser, run, tmp_path):
    context, opened, _, problems = _open(browser, run["report"], tmp_path, 390, 844)
    assert opened.evaluate("document.documentElement.scrollWidth") <= 390
    box = opened.locator("canvas[data-role=boundary]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert problems == []
    context.close()


def test_browser_prints_on_one_page(browser, run, tmp_path):
    # the command's page: a command line and sixteen settings
    X, y = nn.datasets.make_moons(60, noise=0.1, seed=0)
    settings = {f"setting {i}": f"value {i}" for i in range(16)}
    report = training_report(
        run["model"], X, y, run["history"], run["snapshots"], *run["test"],
        command="chainrule train --dataset moons --out runs/moons", settings=settings,
    )  # fmt: skip
    context, opened, _, _ = _open(browser, report, tmp_path)
    pdf = opened.pdf(format="A4", landscape=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    context.close()


def test_browser_a_report_from_python_without_extras_shows_nothing_stray(browser, tmp_path):
    # the README's example: no test data, no settings, no command
    X, y = nn.datasets.make_moons(40, noise=0.1, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    recorder = nn.Snapshots(model, X, y, loss="bce")
    history = nn.fit(model, X, y, loss="bce", epochs=3, batch_size=16, callbacks=[recorder])
    report = nn.training_report(model, X, y, history, snapshots=recorder.snapshots)
    context, opened, requests, problems = _open(browser, report, tmp_path)
    summary = opened.text_content("[data-role=summary]").strip()
    assert re.fullmatch(r"Final accuracy: train \d+\.\d%", summary), summary
    assert opened.query_selector("[data-role=settings-panel]") is None
    assert opened.query_selector("[data-role=test-points]") is None
    legend = opened.text_content("[data-role=point-legend]")
    assert "rings" not in legend and "test" not in legend
    assert "test" not in opened.text_content("[data-role=curve-legend]")
    assert "test" not in opened.text_content(".note")
    assert len(opened.query_selector_all("[data-role=neuron-map]")) == 4
    assert requests == [] and problems == []
    context.close()
