"""The docs site as the course's home: `mkdocs build --strict` with docs/hooks/course_site.py.

The site is built twice into temporary folders: once as the checkout is (the playground
included only if `playground/dist/` has been built), once with a playground folder made
here, to see it copied and linked. The first build executes every notebook (about a
minute and a half on two cores); the results are cached in build/docs-cache/ (shared with
the other docs build in test_packaging.py), so the second build and later runs take
seconds. Checked: every notebook is a page with its outputs and unsolved exercises; the
math is MathML; the player and replay pages exist, are real, are embedded, and make no
request beyond their own site (also in Chromium); the playground is linked, or the page
says how to build it; the nn page's example code is a code block; no install line needs
pip >= 25.1 without upgrading pip first.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PLAYGROUND_DIST = ROOT / "playground" / "dist"

pytest.importorskip("mkdocstrings_handlers.python", reason="the docs dependency group")
pytest.importorskip("nbclient", reason="the docs dependency group")
pytest.importorskip("latex2mathml", reason="the docs dependency group")


def _build(out: Path, **env: str) -> Path:
    """The site built strictly (any warning fails) into `out`."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("site"))


class _Text(HTMLParser):
    """A page's text, sorted by where it stands: in a <pre>, in a <p>, in <math>, or as
    the URLs of its iframes, scripts, stylesheets, images and links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.pre: list[str] = []  # one string per <pre> block
        self.paragraphs: list[str] = []  # one string per <p>
        self.prose: list[str] = []  # text outside pre, code, math, script and style
        self.iframes: list[str] = []
        self.urls: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in {"br", "img", "link", "meta", "input", "hr", "source"}:
            self.stack.append(tag)
        attributes = dict(attrs)
        if tag == "pre":
            self.pre.append("")
        if tag == "p":
            self.paragraphs.append("")
        if tag == "iframe" and attributes.get("src"):
            self.iframes.append(attributes["src"] or "")
        for name in ("src", "href"):
            if attributes.get(name):
                self.urls.append(attributes[name] or "")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if "pre" in self.stack:
            self.pre[-1] += data
        if "p" in self.stack and self.paragraphs:
            self.paragraphs[-1] += data
        if not {"pre", "code", "math", "script", "style"} & set(self.stack):
            self.prose.append(data)


@functools.cache
def _parsed(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _code_cells(path: Path) -> list[dict[str, Any]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]


# ---- the course ------------------------------------------------------------------------


def test_there_is_a_course_to_render() -> None:
    assert len(NOTEBOOKS) >= 9, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_is_a_page_with_its_outputs(site: Path, notebook: Path) -> None:
    page = site / "course" / f"{notebook.stem}.html"
    assert page.is_file(), f"no page for {notebook.name}"
    text = page.read_text(encoding="utf-8")
    cells = _code_cells(notebook)
    # every code cell is shown, in its own block, and the page holds what they printed
    assert text.count('<div class="nb-cell') == len(cells)
    assert text.count('class="nb-output') >= len(cells) // 2, "most cells show no output"
    assert "CRSTASH" not in text, "a placeholder of the hook was left in the page"
    # the exercises are as committed: their checkers ran and answered with a hint
    exercises = [c for c in cells if "exercise" in c.get("metadata", {}).get("tags", [])]
    assert exercises, f"{notebook.name} has no exercise"
    shown = re.findall(
        r'<div class="nb-cell nb-exercise">(.*?)(?=<div class="nb-cell|\Z)', text, re.S
    )
    assert len(shown) == len(exercises)
    for block in shown:
        assert "Not yet:" in block and "Correct:" not in block, block[-600:]
    # the notebook itself can be downloaded, as committed (without outputs)
    assert (site / "course" / notebook.name).read_bytes() == notebook.read_bytes()
    assert f'href="{notebook.name}"' in text


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_course_math_is_mathml_not_dollars(site: Path, notebook: Path) -> None:
    source = notebook.read_text(encoding="utf-8")
    parsed = _parsed(site / "course" / f"{notebook.stem}.html")
    prose = " ".join(parsed.prose)
    leftover = re.findall(r"\$[^$\s][^$]{0,60}\$", prose)
    assert not leftover, f"math left as TeX on the page: {leftover[:3]}"
    if re.search(r"\$[^$\s]", source):
        page = (site / "course" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        assert "<math" in page


def _first_heading(notebook: Path) -> str:
    """The notebook's first Markdown heading, as written (its Markdown included)."""
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    raise AssertionError(f"{notebook.name} has no heading")


def test_course_titles_in_the_tab_and_nav_are_text(site: Path) -> None:
    # "3. Build your own `Value`" is "3. Build your own Value" in the browser's tab and in
    # the navigation (the page's own heading shows the code span as code)
    headings = {notebook.stem: _first_heading(notebook) for notebook in NOTEBOOKS}
    assert any("`" in heading for heading in headings.values()), "nothing to check"
    start = (site / "index.html").read_text(encoding="utf-8")
    for stem, heading in headings.items():
        assert not re.search(r"[*_$\[]", heading), f"extend this test for {heading!r}"
        title = heading.replace("`", "").replace("&", "&amp;")
        page = (site / "course" / f"{stem}.html").read_text(encoding="utf-8")
        tab = re.search(r"<title>(.*?)</title>", page, re.S)
        assert tab is not None and tab.group(1) == f"{title} - chainrule"
        # the navigation, on this page and on the start page
        assert f'<a href="{stem}.html" class="dropdown-item active" aria-current="page">' in page
        navs = [
            re.findall(rf'<a href="{stem}\.html" class="dropdown-item[^>]*>(.*?)</a>', page),
            re.findall(rf'<a href="course/{stem}\.html" class="dropdown-item">(.*?)</a>', start),
        ]
        assert navs == [[title], [title]], navs
        # the page's heading keeps its code as code
        if "`" in heading:
            assert "<code>" in page.split('role="main"', 1)[1].split("</h1>", 1)[0]


def test_plain_title_drops_markdown_and_keeps_html_text() -> None:
    plain = _hook().plain_title
    assert plain("3. Build your own `Value`", "t") == "3. Build your own Value"
    assert (
        plain("5. A *reused* node, __twice__ [here](x.md)", "t") == "5. A reused node, twice here"
    )
    assert plain("Title with $x^2$ {#title}", "t") == "Title with x2"
    # the templates insert titles as HTML, as mkdocs's own titles from headings are
    assert plain("Sets {a, b} & 1 < 2", "t") == "Sets {a, b} &amp; 1 &lt; 2"


def test_course_index_links_every_notebook_in_order(site: Path) -> None:
    # the page's own links, not the navigation's
    main = (site / "course" / "index.html").read_text("utf-8").split('role="main"', 1)[1]
    parser = _Text()
    parser.feed(main)
    links = parser.links
    pages = [link for link in links if re.fullmatch(r"\d\d_\w+\.html", link)]
    assert pages == [f"{p.stem}.html" for p in NOTEBOOKS]


# ---- the player and the replay -------------------------------------------------------------


def _iframes(site: Path) -> dict[Path, list[Path]]:
    """{page: [the files its iframes show]} over every page of the site."""
    found = {}
    for page in site.rglob("*.html"):
        if "embeds" in page.parts or "playground" in page.parts:
            continue
        sources = [(page.parent / src).resolve() for src in _parsed(page).iframes]
        if sources:
            found[page] = sources
    return found


def test_player_and_replay_are_embedded_where_they_teach(site: Path) -> None:
    iframes = _iframes(site)
    for page in iframes.values():
        for target in page:
            assert target.is_file(), f"an iframe shows {target}, which is not in the site"
    player = (site / "embeds" / "neuron-player.html").resolve()
    replay = (site / "embeds" / "moons-replay.html").resolve()
    assert player in iframes.get(site / "engine.html", [])
    assert replay in iframes.get(site / "nn.html", [])
    home = _parsed(site / "index.html").links
    assert {"embeds/neuron-player.html", "embeds/moons-replay.html"} <= set(home)
    # the notebooks' own players show too, each from a file of its own
    course = [t for p, ts in iframes.items() if "course" in p.parts for t in ts]
    assert course, "no course page shows a player"


def test_the_embedded_pages_are_a_real_player_and_replay(site: Path) -> None:
    player = (site / "embeds" / "neuron-player.html").read_text(encoding="utf-8")
    # the neuron tanh(x1*w1 + x2*w2 + b): 5 Value nodes for the leaves, 5 ops
    assert 'data-role="step"' in player
    assert len(set(re.findall(r'data-node="(v\d+)"', player))) == 10
    replay = (site / "embeds" / "moons-replay.html").read_text(encoding="utf-8")
    # the run, embedded as JSON (SPEC.md: id="chainrule-run")
    run = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', replay, re.S)
    assert run is not None
    data = json.loads(run.group(1))
    # the 100 training points of the run, and the weights at many points of it
    labels = data["train"]["y"]
    assert len(labels) == 100 and set(labels) == {0, 1}
    assert len(data["snapshots"]) > 10


EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|poster)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']|"""
    r"""\b(?:fetch|importScripts|import)\s*\(\s*["'])(?:https?:)?//""",
    re.I,
)


def test_embedded_pages_request_nothing_outside(site: Path) -> None:
    embeds = sorted((site / "embeds").glob("*.html"))
    assert len(embeds) >= 3
    for page in embeds:
        text = page.read_text(encoding="utf-8")
        found = EXTERNAL.findall(text)
        assert not found, f"{page.name} would request another host: {found[:3]}"


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The site on 127.0.0.1 (a port of its own), for the browser."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "path", ["index.html", "engine.html", "nn.html", "course/04_neurons_and_activations.html"]
)
def test_pages_in_chromium_stay_on_their_site(browser: Any, served: str, path: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{served}/{path}", wait_until="load")
        iframes = page.locator("iframe")
        for index in range(iframes.count()):  # lazy iframes load once scrolled into view
            iframes.nth(index).scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        outside = [
            url for url in requests if not url.startswith((served, "data:", "about:", "blob:"))
        ]
        assert not outside, outside
        assert not errors, errors
    finally:
        page.close()


def test_the_embedded_player_steps_in_the_engine_page(browser: Any, served: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{served}/engine.html")
        element = page.locator("iframe[src$='neuron-player.html']")
        element.scroll_into_view_if_needed()
        frame = element.content_frame
        slider = frame.locator("input[type=range][data-role=step]")
        slider.wait_for()
        assert slider.input_value() == "0"
        frame.locator("[data-action=next]").click()
        frame.locator("[data-action=next]").click()
        assert slider.input_value() == "2"
    finally:
        page.close()


# ---- the playground ------------------------------------------------------------------------


def test_start_page_links_course_playground_and_reference(site: Path) -> None:
    links = set(_parsed(site / "index.html").links)
    assert {"course/index.html", "playground.html", "engine.html", "nn.html"} <= links
    images = _parsed(site / "index.html").urls
    for picture in ("player.png", "report.png", "graph.svg"):
        assert picture in images
        assert (site / picture).is_file()


def test_playground_page_links_it_or_says_how_to_build_it(site: Path) -> None:
    page = (site / "playground.html").read_text(encoding="utf-8")
    if (PLAYGROUND_DIST / "index.html").is_file():
        assert 'href="playground/index.html"' in page
        assert (site / "playground" / "index.html").is_file()
    else:
        assert "python playground/build.py" in page
        assert 'href="playground/index.html"' not in page
        assert not (site / "playground").exists()


def test_a_built_playground_is_copied_into_the_site_and_linked(tmp_path: Path, site: Path) -> None:
    # a folder as playground/build.py leaves one: the page, a script, an asset in a subfolder
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>playground</title>\n")
    (dist / "worker.js").write_text("self.onmessage = () => {};\n")
    (dist / "assets" / "chainrule-0.1.0-py3-none-any.whl").write_bytes(bytes(range(256)))
    out = _build(tmp_path / "site", CHAINRULE_PLAYGROUND_DIST=str(dist))
    for path in dist.rglob("*"):
        if path.is_file():
            copied = out / "playground" / path.relative_to(dist)
            assert copied.read_bytes() == path.read_bytes(), copied
    assert 'href="playground/index.html"' in (out / "playground.html").read_text("utf-8")


# ---- the nn page and the install lines -----------------------------------------------------


def test_nn_page_example_code_is_a_code_block(site: Path) -> None:
    import nn

    parsed = _parsed(site / "nn.html")
    code = "\n".join(parsed.pre)
    prose = "\n".join(parsed.paragraphs)
    # the lines of nn's example (its module docstring): code, never run-on prose
    lines = [
        line.split("#")[0].strip()
        for line in (nn.__doc__ or "").splitlines()
        if re.match(r"(import |\w+(, \w+)* = )", line)
    ]
    assert len(lines) >= 3, nn.__doc__
    for line in lines:
        assert line in code, f"{line!r} is not in a code block"
        assert line not in prose, f"{line!r} is in a paragraph"
    page = (site / "nn.html").read_text(encoding="utf-8")
    assert re.search(r"<pre[^>]*>(?:<span></span>)?<code", page)


def test_no_install_line_needs_a_new_pip_without_upgrading_it(site: Path) -> None:
    checked = 0
    for page in site.rglob("*.html"):
        if "embeds" in page.parts or "playground" in page.parts:
            continue
        parsed = _parsed(page)
        for block in parsed.pre:
            if "--group" in block:
                checked += 1
                before = block.split("--group")[0]
                assert "install --upgrade pip" in before, f"{page.name}: {block}"
        for text in parsed.paragraphs:
            assert "--group" not in text, f"{page.name}: {text}"
    assert checked, "no page shows how to install the docs tools"


# ---- the hook's rendering, on a notebook made here -----------------------------------------


def _hook() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "course_site", ROOT / "docs" / "hooks" / "course_site.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rendering_a_notebook_stashes_math_outputs_and_embeds() -> None:
    hook = _hook()
    player_page = '<!doctype html><p title="a &amp; b">step</p>'
    notebook = {
        "cells": [
            {
                "cell_type": "markdown",
                "source": (
                    "# 5. Title with $x^2$\n\nSlope $2x$, over\na line $a +\nb$ and "
                    "`$not math$`.\n- a list right after text"
                ),
            },
            {
                "cell_type": "code",
                "source": "print(1)\nprint(2)",
                "metadata": {},
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": "1\n"},
                    {"output_type": "stream", "name": "stdout", "text": "2 <b>\n"},
                ],
            },
            {
                "cell_type": "code",
                "source": "player",
                "metadata": {"tags": ["exercise"], "exercise": "slope"},
                "outputs": [
                    {
                        "output_type": "display_data",
                        "data": {
                            "text/html": '<iframe srcdoc="'
                            + player_page.replace("&", "&amp;")
                            .replace('"', "&quot;")
                            .replace("<", "&lt;")
                            + '" sandbox="allow-scripts"></iframe>',
                            "text/plain": "<Player>",
                        },
                    }
                ],
            },
        ]
    }
    markdown, pieces, embeds = hook.render_notebook(notebook, "05_demo")
    # the heading's math is text, and its anchor starts with a letter
    assert markdown.startswith("# 5. Title with x2 {#title-with-x2}")
    assert "[Download it](05_demo.ipynb)" in markdown
    # inline math, also over a line break, becomes MathML; code spans keep their dollars
    maths = [piece for piece in pieces if piece.startswith("<math")]
    assert len(maths) == 2 and "`$not math$`" in markdown
    assert "\n\n- a list right after text" in markdown
    # consecutive prints are one escaped block; the player's page is a file of its own
    assert '<pre class="nb-output nb-stdout">1\n2 &lt;b&gt;\n</pre>' in pieces
    assert embeds == {"05_demo-1.html": player_page}
    (iframe,) = [piece for piece in pieces if "<iframe" in piece]
    assert 'src="../embeds/05_demo-1.html"' in iframe and "srcdoc" not in iframe
    assert any("Exercise: slope" in piece for piece in pieces)
    # every token in the Markdown refers to a piece, and each piece is used once
    tokens = [int(t) for t in re.findall(r"CRSTASH(\d+)X", markdown)]
    assert sorted(tokens) == list(range(len(pieces)))


def test_generated_pages_are_the_same_in_every_build() -> None:
    # the replay's run has a seeded batch order: two builds embed the same page
    hook = _hook()
    for name, make in hook.GENERATED_PAGES.items():
        assert make() == make(), f"{name} differs from one build to the next"
