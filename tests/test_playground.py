"""The browser playground (playground/, `chainrule playground`), driven in Debian's Chromium.

The site is built once per session with `python playground/build.py` and served from
127.0.0.1 by nn/playground.py's server; one page is opened and the tests use it in order,
as a learner would (Python's start-up in the page costs seconds, paid once). Every request
the page, its worker and its iframes make is recorded, and every console message: the
last test checks that none left 127.0.0.1 and that none was an error.

Skips only when npm/node or Chromium is missing (CI installs them), or when the tree has
no playground/ (the sdist's own test run).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nn.playground import PLAYGROUND, make_server

BOOT_TIMEOUT_MS = 120_000  # Pyodide's start on a busy 2-core machine, cold
MODIFIER = "Meta" if sys.platform == "darwin" else "Control"


@pytest.fixture(scope="session")
def site() -> Path:
    """playground/dist/, built once per test session."""
    if not (PLAYGROUND / "build.py").is_file():
        pytest.skip("the playground's sources (playground/) are not in this tree (an sdist)")
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("npm/node is not installed (apt-get install nodejs npm)")
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    finished = subprocess.run(
        [sys.executable, str(PLAYGROUND / "build.py"), "--quiet"], capture_output=True, text=True
    )
    assert finished.returncode == 0, finished.stderr + finished.stdout
    return PLAYGROUND / "dist"


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    httpd = make_server(site, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class Session:
    """One open playground page with everything it logged and requested."""

    def __init__(self, page: Any, url: str) -> None:
        self.page = page
        self.url = url
        self.console: list[str] = []
        self.requests: list[str] = []

    def output(self) -> str:
        return str(self.page.inner_text("[data-role=output]"))

    def status(self) -> str:
        return str(self.page.get_attribute("[data-role=status]", "data-state"))

    def wait_status(self, states: tuple[str, ...], timeout: float = 60.0) -> str:
        return wait_until(lambda: self.status() in states and self.status(), timeout)

    def type_code(self, code: str) -> None:
        """Focus the editor, select everything, type `code` and run it with Ctrl+Enter."""
        self.page.click("[data-role=editor]")
        self.page.keyboard.press(f"{MODIFIER}+A")
        self.page.keyboard.press("Delete")
        self.page.keyboard.type(code)
        self.page.keyboard.press(f"{MODIFIER}+Enter")


def wait_until(condition: Any, timeout: float) -> Any:
    """Poll `condition()` until it is truthy (the page's CSP forbids Playwright's
    string-evaluating wait_for_function, so the waiting happens here)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def playground(browser: Any, server: str) -> Iterator[Session]:
    # service workers blocked: every request goes through the context's request event
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    page = context.new_page()
    session = Session(page, server)
    context.on("request", lambda request: session.requests.append(request.url))
    page.on("console", lambda message: session.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: session.console.append(f"pageerror: {error}"))
    page.goto(server)
    yield session
    context.close()


def test_first_example_prints_micrograd_numbers(playground: Session) -> None:
    page = playground.page
    page.locator("[data-role=output]", has_text="a.grad").wait_for(timeout=BOOT_TIMEOUT_MS)
    output = playground.output()
    assert "g = 24.7041" in output
    assert "a.grad = 138.8338" in output
    assert playground.wait_status(("ready",)) == "ready"
    # the example menu holds the four examples, the first one chosen
    titles = page.locator("select[data-role=examples] option").all_inner_texts()
    assert len(titles) == 4 and titles[0].startswith("micrograd")


def test_typed_code_runs_with_ctrl_enter(playground: Session) -> None:
    playground.type_code(
        "from engine import Value\nv = Value(3.0) ** 2\nprint('twice', v.data * 2)\nv"
    )
    playground.page.locator("[data-role=output]", has_text="twice 18.0").wait_for(timeout=30_000)
    assert playground.wait_status(("ready",)) == "ready"
    # the last line's value is shown as a notebook shows it: its repr
    assert re.search(r"Value\(.*9\.0", playground.output())


def test_player_appears_and_steps(playground: Session) -> None:
    page = playground.page
    page.select_option("select[data-role=examples]", index=1)
    page.locator("[data-role=output] iframe").wait_for(timeout=60_000)
    assert playground.wait_status(("ready", "error")) == "ready"
    # the player's page: sandboxed, its own scripts running
    iframe = page.locator("[data-role=output] iframe")
    assert iframe.get_attribute("sandbox") == "allow-scripts"
    player = page.frame_locator("[data-role=output] iframe")
    slider = player.locator("input[type=range][data-role=step]")
    assert slider.input_value() == "0"
    for expected in ("1", "2", "3"):
        player.locator("[data-action=next]").click()
        assert slider.input_value() == expected
    steps = int(str(slider.get_attribute("max")))
    player.locator("[data-action=next]").click()
    player.locator("body").press("End")
    assert slider.input_value() == str(steps)
    # at the last step the player shows the engine's gradient of w1: do/dw1 = 1.0
    assert "do/dw1 = 1.0000" in playground.output()
    # and draw_dot's graph, laid out by Graphviz in WebAssembly, is an SVG in the page
    svg = page.locator("[data-role=output] div[data-kind=svg] svg")
    assert svg.count() == 1
    assert svg.locator("g.node").count() >= 10


def test_drawing_fits_a_phone_and_opens_full_size(playground: Session) -> None:
    # the player example's draw_dot SVG (test_player_appears_and_steps), on a 390 px phone:
    # scaled to the width, nothing scrolls sideways; Full size shows it as drawn, in a box
    # that scrolls on its own
    page = playground.page
    box = page.locator("[data-role=output] div[data-kind=svg]")
    svg = box.locator("svg")
    toggle = box.locator("[data-action=full-size]")
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        natural = float(svg.evaluate("s => s.width.baseVal.value"))
        assert natural > 390  # the drawing is wider than the phone: the test can fail
        fitted = svg.bounding_box()
        assert fitted is not None and fitted["x"] >= 0 and fitted["x"] + fitted["width"] <= 390
        # scaled, not cut: the whole drawing, its aspect kept
        assert fitted["width"] < natural
        ratio = float(svg.evaluate("s => s.height.baseVal.value")) / natural
        assert fitted["height"] / fitted["width"] == pytest.approx(ratio, rel=0.02)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert toggle.is_visible() and toggle.inner_text() == "Full size"
        toggle.click()
        full = svg.bounding_box()
        assert full is not None and full["width"] == pytest.approx(natural, abs=1)
        assert box.evaluate("b => b.scrollWidth > b.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert toggle.get_attribute("aria-pressed") == "true"
        toggle.click()
        again = svg.bounding_box()
        assert again is not None and again["width"] == pytest.approx(fitted["width"], abs=1)
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


def test_error_names_the_learners_line(playground: Session) -> None:
    playground.type_code("from engine import Value\nx = Value(-1.0)\n\ny = x.log()\n")
    error = playground.page.locator("[data-role=output] pre[data-kind=error]")
    error.wait_for(timeout=30_000)
    assert playground.wait_status(("error",)) == "error"
    text = error.inner_text()
    assert 'File "<editor>", line 4, in <module>' in text
    assert "y = x.log()" in text
    assert re.search(r"^ValueError: .*log", text, re.M)
    # only the learner's frames: nothing of the playground, the engine or Pyodide
    assert "playground_runtime" not in text and "site-packages" not in text
    assert "engine/" not in text and "pyodide" not in text.lower()


def test_syntax_error_names_the_line(playground: Session) -> None:
    playground.type_code("a = 1\nb = (2 +\n")
    error = playground.page.locator("[data-role=output] pre[data-kind=error]")
    error.wait_for(timeout=30_000)
    assert re.search(r'File "<editor>", line 2', error.inner_text())
    assert "SyntaxError" in error.inner_text()


def test_stop_ends_code_that_never_ends(playground: Session) -> None:
    page = playground.page
    playground.type_code("n = 0\nwhile True:\nn += 1\n")  # the editor indents the body
    assert playground.wait_status(("running",), 10) == "running"
    time.sleep(1.0)
    assert playground.status() == "running"  # still looping; the page stays responsive
    page.click("[data-action=stop]")
    assert "Python was restarted" in playground.output()
    assert playground.wait_status(("ready",), BOOT_TIMEOUT_MS / 1000) == "ready"
    playground.type_code("print('back', 6 * 7)")
    page.locator("[data-role=output]", has_text="back 42").wait_for(timeout=30_000)


def panel_figures(page: Any) -> tuple[float, str, int]:
    train = page.locator("[data-role=train]")
    epoch = float(train.locator("[data-field=epoch]").inner_text())
    accuracy = train.locator("[data-field=accuracy]").inner_text()
    frames = int(str(train.locator("[data-role=boundary]").get_attribute("data-frame")))
    return epoch, accuracy, frames


def test_training_reaches_full_accuracy_and_pause_stops(playground: Session) -> None:
    page = playground.page
    train = page.locator("[data-role=train]")
    assert train.locator("select[data-field=dataset]").input_value() == "moons"
    wait_until(lambda: panel_figures(page)[0] == 0 and panel_figures(page)[2] >= 1, 30)
    _, _, frames_before = panel_figures(page)
    train.locator("[data-action=train]").click()
    wait_until(lambda: panel_figures(page)[1] == "100.0%", 180)
    wait_until(lambda: panel_figures(page)[2] - frames_before >= 5, 30)
    assert train.get_attribute("data-state") == "training"
    train.locator("[data-action=pause]").click()
    wait_until(lambda: train.get_attribute("data-state") == "paused", 2)  # at once
    epoch, accuracy, frames = panel_figures(page)
    time.sleep(1.5)
    assert panel_figures(page) == (epoch, accuracy, frames), "training went on after Pause"
    assert frames - frames_before >= 5

    # the accuracy the page computed from the weights drawn is Python's for those weights
    boundary = train.locator("[data-role=boundary]")
    assert f"{100 * float(str(boundary.get_attribute('data-train-accuracy'))):.1f}%" == accuracy
    # a pause comes between two epochs, and the code shown is what the panel ran: the
    # same epochs in CPython give the same accuracy and loss
    assert epoch == int(epoch)
    code = train.locator("[data-role=train-code]").inner_text()
    assert "range(1, 101)" in code
    namespace: dict[str, Any] = {}
    exec(code.replace("range(1, 101)", f"range(1, {int(epoch) + 1})"), namespace)
    from nn.train import evaluate

    loss, fraction = evaluate(namespace["model"], namespace["X"], namespace["y"], "bce")
    assert f"{100 * fraction:.1f}%" == accuracy
    shown_loss = float(train.locator("[data-field=loss]").inner_text())
    assert math.isclose(shown_loss, loss, abs_tol=2e-4)

    # Step runs exactly one epoch; Reset starts again from epoch 0
    train.locator("[data-action=step]").click()
    wait_until(lambda: panel_figures(page)[0] == epoch + 1, 10)
    train.locator("[data-action=reset]").click()
    wait_until(lambda: panel_figures(page)[0] == 0, 10)


def panel_state(page: Any) -> str:
    return str(page.get_attribute("[data-role=train]", "data-state"))


def set_epochs(page: Any, text: str) -> None:
    field = page.locator("[data-role=train] [data-field=epochs]")
    field.fill(text)
    field.press("Tab")  # the change event


def test_training_stops_at_the_epochs_the_code_shows(playground: Session) -> None:
    page = playground.page
    train = page.locator("[data-role=train]")
    code = train.locator("[data-role=train-code]")
    button = train.locator("[data-action=train]")
    # the default: 100 epochs, in the field and in the code's loop
    assert train.locator("[data-field=epochs]").input_value() == "100"
    assert "for epoch in range(1, 101):" in code.inner_text()

    set_epochs(page, "12")
    wait_until(lambda: "for epoch in range(1, 13):" in code.inner_text(), 5)
    train.locator("[data-action=reset]").click()
    wait_until(lambda: panel_figures(page)[0] == 0, 10)
    button.click()
    wait_until(lambda: panel_state(page) == "done", 120)
    epoch, accuracy, frames = panel_figures(page)
    assert epoch == 12
    time.sleep(1.5)
    assert panel_figures(page) == (epoch, accuracy, frames), "training went on past 12 epochs"
    assert "Train again" in button.inner_text()
    # the code shown, run as it is in CPython, ends with the weights the panel shows
    namespace: dict[str, Any] = {}
    exec(code.inner_text(), namespace)
    from nn.train import evaluate

    loss, fraction = evaluate(namespace["model"], namespace["X"], namespace["y"], "bce")
    assert namespace["epoch"] == 12
    assert f"{100 * fraction:.1f}%" == accuracy
    assert math.isclose(float(train.locator("[data-field=loss]").inner_text()), loss, abs_tol=2e-4)

    # more epochs: Train goes on from epoch 12 (one snapshot per epoch from there), to 15
    set_epochs(page, "15")
    wait_until(lambda: "for epoch in range(1, 16):" in code.inner_text(), 5)
    assert "Train again" not in button.inner_text()
    button.click()
    wait_until(lambda: panel_figures(page)[0] == 15 and panel_state(page) == "done", 60)
    epoch, accuracy, frames_15 = panel_figures(page)
    assert frames_15 - frames == 3
    # Train again: the same run from epoch 0 (its dense first epochs drawn again), to 15
    button.click()
    wait_until(lambda: panel_figures(page)[2] - frames_15 > 16 and panel_state(page) == "done", 60)
    assert panel_figures(page)[:2] == (epoch, accuracy)

    # Step past the end runs one epoch more, and the field and the code count it
    train.locator("[data-action=step]").click()
    wait_until(lambda: panel_figures(page)[0] == 16, 10)
    assert train.locator("[data-field=epochs]").input_value() == "16"
    # the code comes from the worker (runtime.training_code), a message later
    wait_until(lambda: "for epoch in range(1, 17):" in code.inner_text(), 5)
    assert panel_state(page) == "paused"

    # a number of epochs that is not one is refused, saying why; nothing runs
    set_epochs(page, "0")
    message = train.locator("[data-role=train-message]")
    wait_until(lambda: "epochs must be a whole number" in message.inner_text(), 5)
    assert panel_state(page) == "error"
    button.click()
    time.sleep(0.5)
    assert panel_figures(page)[0] == 16 and "range(1, 17)" in code.inner_text()
    set_epochs(page, "100")
    wait_until(lambda: message.inner_text() == "", 5)
    wait_until(lambda: "for epoch in range(1, 101):" in code.inner_text(), 5)
    train.locator("[data-action=reset]").click()
    wait_until(lambda: panel_figures(page)[0] == 0, 10)


def test_panel_draws_with_the_replays_own_script(site: Path) -> None:
    # nn/boundary.js, byte for byte, is what the built site serves and what the training
    # replay inlines; the page loads it before its own script, which repeats none of it
    from nn.report import boundary_script

    shared = (PLAYGROUND.parent / "nn" / "boundary.js").read_bytes()
    assert (site / "boundary.js").read_bytes() == shared
    assert boundary_script().encode("utf-8") == shared
    index = (site / "index.html").read_text("utf-8")
    assert index.index('<script src="boundary.js">') < index.index('<script src="app.js">')
    app = (site / "app.js").read_text("utf-8")
    assert "ChainruleBoundary" in app
    # no forward pass, activation or palette of its own
    assert not re.search(r"Math\.tanh|Math\.exp|#[0-9a-f]{6}", app, re.I)


def test_panel_shows_the_replays_class_colours(playground: Session) -> None:
    from nn.plots import CLASS_COLORS

    legend = playground.page.locator("[data-role=train] [data-role=class-legend]")
    colours = legend.locator(".swatch").evaluate_all(
        "swatches => swatches.map((s) => getComputedStyle(s).backgroundColor)"
    )
    assert len(colours) == 2  # moons
    expected = [
        "rgb({}, {}, {})".format(*(int(c[i : i + 2], 16) for i in (1, 3, 5)))
        for c in CLASS_COLORS[:2]
    ]
    assert colours == expected
    assert legend.inner_text().split() == ["class", "0", "class", "1"]


def test_panel_code_runs_in_the_editor(playground: Session) -> None:
    page = playground.page
    page.click("[data-action=copy-code]")
    assert page.locator("[data-role=editor]").inner_text().count("nn.fit(") == 1
    page.keyboard.press(f"{MODIFIER}+Enter")
    line = page.locator("[data-role=output]", has_text="epoch 100: loss")
    line.wait_for(timeout=120_000)
    assert re.search(r"epoch 100: loss \d\.\d{4}, accuracy 100\.0%", playground.output())


def test_panel_rejects_bad_settings(playground: Session) -> None:
    train = playground.page.locator("[data-role=train]")
    train.locator("[data-field=hidden]").fill("16,x")
    train.locator("[data-field=hidden]").press("Tab")
    message = train.locator("[data-role=train-message]")
    wait_until(lambda: "hidden sizes" in message.inner_text(), 10)
    assert train.get_attribute("data-state") == "error"
    train.locator("[data-field=hidden]").fill("8")
    train.locator("[data-field=hidden]").press("Tab")
    code = train.locator("[data-role=train-code]")
    wait_until(lambda: "nn.MLP(2, [8, 1]" in code.inner_text(), 10)


def test_training_replay_appears(playground: Session) -> None:
    page = playground.page
    page.select_option("select[data-role=examples]", index=3)
    page.locator("[data-role=output]", has_text="after 40 epochs").wait_for(timeout=120_000)
    assert "after 40 epochs: accuracy 100%" in playground.output()
    replay = page.frame_locator("[data-role=output] iframe")
    slider = replay.locator("input[type=range][data-role=epoch]")
    slider.wait_for(timeout=30_000)
    assert int(str(slider.get_attribute("max"))) > 40  # dense snapshots in the first epochs
    assert replay.locator("[data-field=accuracy]").inner_text() == "100.0%"


def test_no_request_leaves_the_site_and_no_console_errors(playground: Session) -> None:
    assert playground.requests, "no requests were recorded"
    foreign = [url for url in playground.requests if not url.startswith(playground.url)]
    assert foreign == []
    errors = [line for line in playground.console if line.startswith(("error", "pageerror"))]
    assert errors == []


def test_server_headers(server: str) -> None:
    with urllib.request.urlopen(server + "pyodide/pyodide.asm.wasm") as response:
        assert response.headers["Content-Type"] == "application/wasm"
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy
    # nothing but this origin: no host, scheme or wildcard sources, no inline code but the
    # hashed scripts of chainrule's own pages
    assert not re.search(r"https?:|\*|'unsafe-eval'", policy)
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src is not None and "unsafe-inline" not in script_src.group(1)
    with urllib.request.urlopen(server) as response:
        page = response.read().decode("utf-8")
    assert 'http-equiv="Content-Security-Policy"' in page


def test_works_offline_after_the_first_visit(browser: Any, server: str, site: Path) -> None:
    # the service worker keeps every file of the build, and nothing else
    worker = (site / "sw.js").read_text("utf-8")
    listed = set(json.loads(worker.split("const FILES = ")[1].split(";\n")[0]))
    built = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()}
    assert listed == (built - {"csp.txt", "sw.js"}) | {"./"}  # sw.js: the browser keeps it

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server)
        page.locator("[data-role=output]", has_text="a.grad").wait_for(timeout=BOOT_TIMEOUT_MS)
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)") is True
        # the copy is complete once the worker controls the page (install finished)
        page.reload()
        page.locator("[data-role=output]", has_text="a.grad").wait_for(timeout=BOOT_TIMEOUT_MS)
        assert page.evaluate("navigator.serviceWorker.controller !== null") is True
        context.set_offline(True)
        page.reload()
        page.locator("[data-role=output]", has_text="a.grad = 138.8338").wait_for(
            timeout=BOOT_TIMEOUT_MS
        )
    finally:
        context.close()


# ---- the command, without a browser ------------------------------------------------------


def run_command(*argv: str) -> int:
    from nn.cli import main

    return int(main(["playground", "--no-browser", *argv]))


def test_command_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command("--port", "70000") == 2
    assert "--port must be 0 to 65535, got 70000" in capsys.readouterr().err


def test_command_without_npm_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import nn.playground

    (tmp_path / "build.py").write_text("raise SystemExit('must not run')\n")
    monkeypatch.setattr(nn.playground, "PLAYGROUND", tmp_path)  # no dist/ in it
    monkeypatch.setattr(nn.playground.shutil, "which", lambda name: None)
    assert run_command() == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs npm" in err and "apt-get install nodejs npm" in err


def test_command_from_an_installed_wheel_says_where_to_build(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import nn.playground

    monkeypatch.setattr(nn.playground, "PLAYGROUND", tmp_path / "playground")  # not there
    assert run_command() == 1
    err = capsys.readouterr().err
    assert "installed chainrule does not include" in err and "playground/build.py" in err


# ---- the examples, in CPython -------------------------------------------------------------


def run_example(name: str) -> tuple[str, list[Any]]:
    """Run playground/src/examples/`name` as the page does (its `display` collecting what
    it shows); returns the printed text and the shown objects."""
    import contextlib
    import io

    path = PLAYGROUND / "src" / "examples" / name
    if not path.is_file():
        pytest.skip("the playground's sources (playground/) are not in this tree (an sdist)")
    shown: list[Any] = []
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(path.read_text("utf-8"), str(path), "exec"), {"display": shown.append})
    return printed.getvalue(), shown


def test_own_value_example_matches_chainrule() -> None:
    printed, _ = run_example("3_your_own_value.py")
    rows = re.findall(r"do/d(\w): yours (\S+), chainrule (\S+)", printed)
    assert [name for name, _, _ in rows] == ["x", "w", "b"]
    for _, mine, theirs in rows:
        assert mine == theirs


def test_moons_example_learns_the_training_set() -> None:
    printed, _ = run_example("4_mlp_moons.py")
    assert "after 40 epochs: accuracy 100%" in printed


def test_panel_code_loops_over_the_epochs_sent() -> None:
    # runtime.training_code is the one source of the code shown: its loop follows the
    # page's Epochs, and an Epochs that is not a whole number from 1 to 10000 is refused
    import importlib.util

    spec = importlib.util.spec_from_file_location("runtime", PLAYGROUND / "src" / "runtime.py")
    assert spec is not None and spec.loader is not None
    runtime = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runtime)
    settings = {"dataset": "moons", "hidden": "8", "activation": "relu", "lr": "0.03"}
    settings["optimizer"] = "adam"
    code = runtime.training_code(json.dumps({**settings, "epochs": 3}))
    assert "for epoch in range(1, 4):" in code
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    assert namespace["epoch"] == 3
    for wrong in (0, 10001, "2.5", "x", None):
        with pytest.raises(ValueError, match="epochs must be a whole number from 1 to 10000"):
            runtime.training_code(json.dumps({**settings, "epochs": wrong}))
