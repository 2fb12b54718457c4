"""Tests for the training replay page (nn/report.py): what it embeds, its size, how a
notebook shows it, and, in headless Chromium, that it works offline and shows the history.

The browser tests use Debian's `chromium` through Playwright's `executable_path` (no
downloaded browsers) and are skipped only when chromium or playwright is missing.
"""

from __future__ import annotations

import html
import json
import math
import re

import pytest

import nn
from nn.cli import main
from nn.report import MAX_SNAPSHOTS, Report, training_report
from nn.train import Snapshot, Snapshots, fit, format_accuracy, format_loss


def _embedded(report: Report) -> dict:
    found = re.search(
        r'<script type="application/json" id="replay-data">(.*?)</script>', report.html, re.S
    )
    assert found is not None
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def run():
    """A short training run on moons with its history, snapshots and page."""
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
    )
    return {"model": model, "history": history, "snapshots": recorder.snapshots, "report": report}


# ---- the page as text ------------------------------------------------------------------


def test_page_has_the_dom_contract(run):
    page = run["report"].html
    assert re.search(r'<input type="range" data-role="epoch"', page)
    for field in ("epoch", "loss", "accuracy", "test-accuracy"):
        assert f'data-field="{field}"' in page
    assert 'data-action="play"' in page and 'data-role="test-points"' in page


def test_page_embeds_the_history_formatted_as_the_printout(run):
    data = _embedded(run["report"])
    snapshots = data["snapshots"]
    assert [s["epoch"] for s in snapshots] == list(range(13))
    for s in snapshots[1:]:
        assert s["loss"] == format_loss(run["history"]["loss"][s["epoch"] - 1])
        assert s["accuracy"] == format_accuracy(run["history"]["accuracy"][s["epoch"] - 1])
    assert data["history"]["loss"] == run["history"]["loss"]
    assert data["command"] == "chainrule train --epochs 12"
    assert data["settings"] == [["learning rate", "0.01"]]


def test_page_parameters_are_the_models_to_six_digits(run):
    data = _embedded(run["report"])
    final = [p.data for p in run["model"].parameters()]
    assert data["snapshots"][-1]["w"] == pytest.approx(final, rel=1e-5, abs=1e-12)


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


def test_without_snapshots_the_page_shows_the_model_as_it_is():
    X, y = nn.datasets.make_moons(10, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    history = fit(model, X, y, loss="bce", epochs=3, seed=0)
    data = _embedded(training_report(model, X, y, history))
    assert [s["epoch"] for s in data["snapshots"]] == [3]
    assert data["test"] is None


def test_long_runs_keep_at_most_max_snapshots_with_first_and_last():
    model = nn.MLP(2, [2, 1], seed=0)
    parameters = tuple(p.data for p in model.parameters())
    many = [Snapshot(e, 1.0 / (e + 1), 0.5, parameters) for e in range(1000)]
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


def test_notebook_display_is_an_iframe_with_the_page(run):
    shown = run["report"]._repr_html_()
    assert shown.startswith("<iframe srcdoc=")
    srcdoc = re.search(r'srcdoc="(.*?)"', shown, re.S).group(1)
    assert html.unescape(srcdoc) == run["report"].html


def test_save_writes_the_page(run, tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    run["report"].save(path)
    assert path.read_text(encoding="utf-8") == run["report"].html


def test_diverged_run_page_ends_at_the_last_finite_epoch(tmp_path):
    options = ["--n-samples", "24", "--n-test", "20", "--epochs", "5", "--no-progress"]
    assert main(["train", *options, "--lr", "1e308", "--out", str(tmp_path)]) == 1
    page = (tmp_path / "report.html").read_text()
    data = json.loads(re.search(r'id="replay-data">(.*?)</script>', page).group(1))
    assert data["snapshots"] and all(math.isfinite(w) for s in data["snapshots"] for w in s["w"])
    assert all(v is not None for v in data["history"]["loss"])


# ---- in a browser -------------------------------------------------------------------------


@pytest.fixture
def page(browser, run, tmp_path):
    """The run's page opened from a file, every request other than the file refused and
    recorded, console errors collected."""
    path = tmp_path / "report.html"
    run["report"].save(path)
    url = path.as_uri()
    context = browser.new_context(viewport={"width": 1300, "height": 900})
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
        for name in ("epoch", "loss", "accuracy", "test-accuracy")
    }


def _boundary(opened) -> str:
    return opened.eval_on_selector("canvas[data-role=boundary]", "c => c.toDataURL()")


def test_browser_numbers_match_the_history(page, run):
    opened, requests, problems = page
    history = run["history"]
    for index in (1, 5, 12):
        _choose(opened, index)
        shown = _fields(opened)
        epoch = run["snapshots"][index].epoch
        assert shown["epoch"] == str(epoch)
        assert shown["loss"] == format_loss(history["loss"][epoch - 1])
        assert shown["accuracy"] == format_accuracy(history["accuracy"][epoch - 1])
    assert requests == [] and problems == []


def test_browser_slider_changes_the_boundary_and_the_numbers(page):
    opened, requests, problems = page
    assert opened.get_attribute("input[data-role=epoch]", "max") == "12"
    last = (_fields(opened), _boundary(opened))
    _choose(opened, 0)
    first = (_fields(opened), _boundary(opened))
    assert first[0]["epoch"] == "0" and last[0]["epoch"] == "12"
    assert first[0]["loss"] != last[0]["loss"]
    assert first[1] != last[1]
    assert requests == [] and problems == []


def test_browser_final_test_accuracy_matches_python(page, run):
    opened, _, _ = page
    final = _embedded(run["report"])["final"]["test"]
    assert opened.text_content("[data-field=test-accuracy]") == final
    assert opened.text_content("[data-field=final-test]") == final


def test_browser_test_points_toggle_redraws(page):
    opened, _, problems = page
    with_test = _boundary(opened)
    opened.click("input[data-role=test-points]")
    assert _boundary(opened) != with_test
    opened.click("input[data-role=test-points]")
    assert _boundary(opened) == with_test
    assert problems == []


def test_browser_play_runs_to_the_end(page):
    opened, requests, problems = page
    _choose(opened, 3)
    opened.click("[data-action=play]")
    opened.wait_for_function(
        "document.querySelector('[data-field=epoch]').textContent === '12'", timeout=15000
    )
    opened.wait_for_function(
        "document.querySelector('[data-action=play]').textContent.includes('Play')",
        timeout=5000,
    )
    assert requests == [] and problems == []


def test_browser_arrow_keys_step_through_epochs(page):
    opened, _, _ = page
    opened.click("h1")  # focus the page, not the slider
    opened.keyboard.press("ArrowLeft")
    assert opened.text_content("[data-field=epoch]") == "11"
    opened.keyboard.press("ArrowRight")
    assert opened.text_content("[data-field=epoch]") == "12"
