"""mkdocs hooks that make the docs site the course's home (mkdocs.yml `hooks:`).

At build time they:

- execute the course's notebooks (`notebooks/*.ipynb`, as committed: exercises unsolved) in
  a fresh kernel of this interpreter and render each, with its outputs, as a page under
  `course/`; the Course section of the navigation is made from the notebooks found;
- write the pages the site embeds as iframes: a step-through player of the README's neuron
  (`engine.player(...).save(...)`), the replay of a moons training run
  (`nn.fit` + `nn.Snapshots` + `nn.training_report(...).save(...)`), and every player or
  replay a notebook shows (taken out of its output's `srcdoc`, so the course page stays
  small and each embedded page is a file of its own);
- copy the browser playground (`playground/dist/`, built by `python playground/build.py`)
  into `site/playground/` when it has been built, and fill in the playground page's status
  either way.

Executing the notebooks takes over a minute, so each executed notebook and each generated
page is kept in a cache (`build/docs-cache/`, or `$CHAINRULE_DOCS_CACHE`) under a key made
of the notebook and every source file of `engine` and `nn`: a build after a change to
either runs again, any other build reuses them. Math in the notebooks' Markdown is turned
into MathML here (latex2mathml), so the pages need no script and no network to show it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import os
import re
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from engine.files import write_atomic

log = logging.getLogger("mkdocs.hooks.course_site")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
# the built playground; the variable lets a test build the site with a folder of its own
PLAYGROUND_DIST = Path(os.environ.get("CHAINRULE_PLAYGROUND_DIST", ROOT / "playground" / "dist"))
CACHE_DIR = Path(os.environ.get("CHAINRULE_DOCS_CACHE", ROOT / "build" / "docs-cache"))
# bump when the way notebooks are executed or pages are generated changes, so old cache
# entries are not reused
CACHE_VERSION = "1"
CELL_TIMEOUT = 600  # seconds; the digits notebook's training cell takes about 35 s

COURSE_NAV_TITLE = "Course"
EMBED_DIR = "embeds"  # site folder of the pages generated here and embedded as iframes
PLAYGROUND_MARKER = "<!-- playground-status -->"
PYGMENTS_CSS = "stylesheets/pygments.css"

# One token per piece of HTML that must not go through Markdown (outputs, math, wrappers):
# the page's Markdown holds the token, the rendered page gets the HTML back.
TOKEN = "CRSTASH{}X"
TOKEN_PATTERN = re.compile(r"<p>CRSTASH(\d+)X</p>|CRSTASH(\d+)X")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SRCDOC = re.compile(r'srcdoc="([^"]*)"')

# state shared between the build's events: {page src_uri: [html, ...]} for the tokens
_stashes: dict[str, list[str]] = {}


# ---- the cache key ------------------------------------------------------------------------


def _source_digest() -> str:
    """A digest of everything that can change an output: the `engine` and `nn` that the
    notebooks will import (this interpreter's, wherever installed), this file, Python."""
    import engine
    import nn

    digest = hashlib.sha256(f"{CACHE_VERSION} {sys.version}".encode())
    for package in (engine, nn):
        folder = Path(package.__file__ or "").parent
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{package.__name__}/{path.relative_to(folder).as_posix()}".encode())
                digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _cached(name: str, key: str) -> Path:
    """The cache file for `name` (e.g. "01_derivatives.ipynb") under `key`."""
    stem, _, suffix = name.rpartition(".")
    return CACHE_DIR / f"{stem}-{key[:20]}.{suffix}"


def _store(name: str, key: str, content: str) -> Path:
    """Write a cache entry atomically and drop the older entries of the same name."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    target = _cached(name, key)
    write_atomic(target, content)
    stem, _, suffix = name.rpartition(".")
    for old in CACHE_DIR.glob(f"{stem}-*.{suffix}"):
        if old != target and re.fullmatch(rf"{re.escape(stem)}-[0-9a-f]{{20}}\.{suffix}", old.name):
            old.unlink(missing_ok=True)
    return target


# ---- executing the notebooks -------------------------------------------------------------


def _execute(path: Path) -> str:
    """Run the notebook top to bottom in a fresh kernel of this interpreter, in an empty
    working directory; return it, with its outputs, as JSON. A failing cell fails the
    build, naming the notebook (nbclient's error names the cell)."""
    import nbformat
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="chainrule-docs-") as scratch:
        # a kernel spec written here runs THIS interpreter, whatever specs the machine has
        write_kernel_spec(os.path.join(scratch, "kernels", "python3"))
        specs = KernelSpecManager(
            kernel_dirs=[os.path.join(scratch, "kernels")], ensure_native_kernel=False
        )
        workdir = os.path.join(scratch, "cwd")
        os.mkdir(workdir)
        client = NotebookClient(
            notebook,
            # Unix sockets in the scratch folder rather than TCP ports on 127.0.0.1: nothing
            # listens on the network, and the kernel has no plain-TCP warning to print
            km=KernelManager(
                kernel_name="python3",
                kernel_spec_manager=specs,
                transport="ipc",
                ip=os.path.join(scratch, "kernel"),
            ),
            timeout=CELL_TIMEOUT,
            resources={"metadata": {"path": workdir}},
        )
        try:
            client.execute()
        except Exception as error:
            raise RuntimeError(f"notebooks/{path.name} failed to run: {error}") from error
    return nbformat.writes(notebook)


def _executed_notebooks(paths: list[Path], key: str) -> dict[Path, dict[str, Any]]:
    """Each notebook with its outputs, from the cache or run now (two at a time)."""
    keys = {
        path: hashlib.sha256((key + path.read_text("utf-8")).encode()).hexdigest() for path in paths
    }
    missing = [path for path in paths if not _cached(path.name, keys[path]).exists()]
    if missing:
        log.info("Executing %d notebook(s): %s", len(missing), ", ".join(p.name for p in missing))
        with ThreadPoolExecutor(max_workers=min(2, len(missing))) as pool:
            for path, text in zip(missing, pool.map(_execute, missing)):
                _store(path.name, keys[path], text)
    return {path: json.loads(_cached(path.name, keys[path]).read_text("utf-8")) for path in paths}


# ---- the pages generated by engine and nn --------------------------------------------------


def _neuron_player() -> str:
    """The step-through player of the README's neuron: tanh(x1*w1 + x2*w2 + b)."""
    import engine
    from engine import Value

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    out = (x1 * w1 + x2 * w2 + b).tanh()
    out.label = "out"
    return engine.player(out).html  # the page its save() writes


def _moons_replay() -> str:
    """The replay of the README's training run: a 2-16-16-1 MLP on 100 moons points."""
    import nn

    X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
    X_test, y_test = nn.datasets.make_moons(500, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    recorder = nn.Snapshots(model, X, y, loss="bce")
    # seed=0: the same batch order, so the same page, in every build
    history = nn.fit(
        model, X, y, loss="bce", epochs=100, batch_size=32, seed=0, callbacks=[recorder]
    )
    report = nn.training_report(
        model, X, y, history, snapshots=recorder.snapshots, X_test=X_test, y_test=y_test
    )
    return report.html  # the page its save() writes


GENERATED_PAGES = {"neuron-player.html": _neuron_player, "moons-replay.html": _moons_replay}


# ---- rendering a notebook as a Markdown page ----------------------------------------------


def _math_to_mathml(latex: str, display: bool, where: str) -> str:
    from latex2mathml.converter import convert

    try:
        return convert(latex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises its own exception types
        log.warning("%s: cannot turn the math %r into MathML (%s)", where, latex, error)
        return f"<code>{html.escape(latex)}</code>"


def _math_text(latex: str, where: str) -> str:
    """The characters of the formula as plain text ("b = 6.88", "φ"), for a heading."""
    mathml = _math_to_mathml(latex.strip(), False, where)
    return html.unescape(re.sub(r"<[^>]+>", "", mathml))


def _heading(line: str, where: str) -> str:
    """A heading's math as text; and an anchor that starts with a letter when the heading
    starts with its number ("# 5. Neurons" -> #neurons): the theme's script looks anchors
    up as CSS selectors, and "#5-neurons" is not one."""
    line = INLINE_MATH.sub(lambda m: _math_text(m.group(1), where), line)
    hashes, _, text = line.partition(" ")
    if re.match(r"\d", text.strip()) and not line.rstrip().endswith("}"):
        slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"^[\d.\s]+", "", text).lower()).strip("-")
        line = f"{line.rstrip()} {{#{slug or 'top'}}}"
    return line


DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
# inline math may run over a line break (MathJax's rule in Jupyter), not over a blank line
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)((?:[^$\n]|\n(?![ \t]*\n))+?)(?<!\\)\$")
CODE = re.compile(r"(^```.*?^```[^\n]*$|`[^`\n]+`)", re.DOTALL | re.MULTILINE)
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")


class _Stash:
    """The HTML pieces of one page, each replaced by a token until the page is rendered."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def token(self, piece: str) -> str:
        self.pieces.append(piece)
        return TOKEN.format(len(self.pieces) - 1)


def _markdown_cell(source: str, stash: _Stash, where: str) -> str:
    """A Markdown cell for Python-Markdown: math stashed as MathML, code left alone, and a
    blank line before a list that follows a paragraph (Jupyter's Markdown does not need it,
    Python-Markdown does)."""
    # a heading's math becomes its text (the MathML's characters): the table of contents
    # and the heading's anchor are made from the heading's text before any HTML goes back
    source = re.sub(r"^#.*$", lambda h: _heading(h.group(0), where), source, flags=re.MULTILINE)
    parts = CODE.split(source)
    for index in range(0, len(parts), 2):  # even parts are outside code
        text = DISPLAY_MATH.sub(
            lambda m: (
                "\n\n"
                + stash.token(
                    '<div class="math-display">'
                    + _math_to_mathml(m.group(1).strip(), True, where)
                    + "</div>"
                )
                + "\n\n"
            ),
            parts[index],
        )
        text = INLINE_MATH.sub(
            lambda m: stash.token(_math_to_mathml(m.group(1).strip(), False, where)), text
        )
        parts[index] = text.replace("\\$", "$")
    lines = "".join(parts).split("\n")
    out: list[str] = []
    for line in lines:
        if LIST_ITEM.match(line) and out and out[-1].strip() and not LIST_ITEM.match(out[-1]):
            if not out[-1].startswith((" ", "\t")):
                out.append("")
        out.append(line)
    return "\n".join(out)


def _fence(source: str) -> str:
    """A fenced Python block, its fence longer than any run of backticks in the code."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{source}\n{fence}"


def _embed(srcdoc_html: str, name: str, embeds: dict[str, str], prefix: str) -> str:
    """An output's iframe with its `srcdoc` page moved to a file of its own."""
    match = SRCDOC.search(srcdoc_html)
    assert match is not None
    embeds[name] = html.unescape(match.group(1))
    return srcdoc_html.replace(match.group(0), f'src="{prefix}{name}" loading="lazy"')


def _output_html(output: dict[str, Any], name: str, embeds: dict[str, str], prefix: str) -> str:
    """One output as HTML, as Jupyter shows it (the richest form it has)."""
    kind = output["output_type"]
    if kind == "stream":
        text = ANSI.sub("", "".join(output["text"]))
        stream = "nb-stderr" if output.get("name") == "stderr" else "nb-stdout"
        return f'<pre class="nb-output {stream}">{html.escape(text)}</pre>'
    if kind == "error":
        text = ANSI.sub("", "\n".join(output.get("traceback", [])))
        return f'<pre class="nb-output nb-error">{html.escape(text)}</pre>'
    data = output.get("data", {})

    def joined(mime: str) -> str:
        value = data[mime]
        return "".join(value) if isinstance(value, list) else str(value)

    if "text/html" in data and SRCDOC.search(joined("text/html")):
        iframe = _embed(joined("text/html"), name, embeds, prefix)
        return f'<div class="nb-output nb-embed">{iframe}</div>'
    if "image/svg+xml" in data:
        svg = base64.b64encode(joined("image/svg+xml").encode()).decode()
        return (
            f'<div class="nb-output nb-image"><img src="data:image/svg+xml;base64,{svg}" '
            'alt="a graph drawn by engine.draw_dot"></div>'
        )
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            alt = html.escape(joined("text/plain")) if "text/plain" in data else "a plot"
            return (
                f'<div class="nb-output nb-image"><img src="data:{mime};base64,'
                f'{joined(mime).strip()}" alt="{alt}"></div>'
            )
    if "text/html" in data:
        return f'<div class="nb-output nb-html">{joined("text/html")}</div>'
    if "text/plain" in data:
        return f'<pre class="nb-output nb-result">{html.escape(joined("text/plain"))}</pre>'
    return ""


def _merge_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive prints to the same stream as one block, as Jupyter shows them."""
    merged: list[dict[str, Any]] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output["output_type"] == previous["output_type"] == "stream"
            and output.get("name") == previous.get("name")
        ):
            previous["text"] = "".join(previous["text"]) + "".join(output["text"])
        else:
            merged.append(dict(output))
    return merged


def notebook_title(notebook: dict[str, Any], fallback: str) -> str:
    """The notebook's first heading, without its leading '#'s."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def plain_title(title: str, where: str) -> str:
    """A Markdown title as the navigation and the browser's tab show it, without Markdown:
    "3. Build your own `Value`" -> "3. Build your own Value" (code, emphasis, links and
    math as their text; an attribute list `{#anchor}` dropped). mkdocs's templates put a
    title into the page as it is, so, like the titles mkdocs takes from headings, it is
    HTML text ("&" as "&amp;")."""
    import markdown

    text = INLINE_MATH.sub(lambda m: _math_text(m.group(1), where), title)
    text = re.sub(r"\s*\{[:#.][^{}]*\}\s*$", "", text)
    # rendered as a heading, so that a leading "3." is not read as a numbered list
    rendered = markdown.markdown("# " + text.replace("\n", " "))
    return " ".join(re.sub(r"<[^>]*>", "", rendered).split())


def render_notebook(notebook: dict[str, Any], stem: str) -> tuple[str, list[str], dict[str, str]]:
    """(the page's Markdown, its stashed HTML pieces, {file name: page} of its embeds)."""
    stash = _Stash()
    embeds: dict[str, str] = {}
    prefix = f"../{EMBED_DIR}/"
    where = f"notebooks/{stem}.ipynb"
    download = (
        f"*This page is the notebook `{stem}.ipynb`, run when the site was built. "
        f"[Download it]({stem}.ipynb) to run it and do its exercises in Jupyter.*"
    )
    blocks: list[str] = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            text = _markdown_cell(source, stash, where)
            if download and text.startswith("# "):
                # right under the page's title
                title, _, rest = text.partition("\n")
                text = f"{title}\n\n{download}\n\n{rest}"
                download = ""
            blocks.append(text)
            continue
        if cell["cell_type"] != "code" or not source.strip():
            continue
        exercise = "exercise" in cell.get("metadata", {}).get("tags", [])
        classes = "nb-cell nb-exercise" if exercise else "nb-cell"
        blocks.append(stash.token(f'<div class="{classes}">'))
        if exercise:
            label = cell["metadata"].get("exercise", "")
            title = f"Exercise: {label}" if label else "Exercise"
            blocks.append(
                stash.token(
                    f'<p class="nb-exercise-label">{html.escape(title)} '
                    "<span>(as the notebook has it: yours to solve)</span></p>"
                )
            )
        blocks.append(_fence(source))
        for output in _merge_streams(cell.get("outputs", [])):
            name = f"{stem}-{len(embeds) + 1}.html"
            piece = _output_html(output, name, embeds, prefix)
            if piece:
                blocks.append(stash.token(piece))
        blocks.append(stash.token("</div>"))
    return "\n\n".join(blocks) + "\n", stash.pieces, embeds


def course_index(entries: list[tuple[str, str]]) -> str:
    """The Course section's first page: every notebook, by its title, in order."""
    lines = [
        "# The course",
        "",
        "Backpropagation, built by hand: in each notebook you build a piece yourself, check it",
        "against chainrule, and then use chainrule's version. These pages are the notebooks",
        "run from top to bottom when this site was built, with their outputs. The exercises",
        "are as the notebooks have them, unsolved: each checker's answer is the hint it gives.",
        "",
    ]
    for stem, title in entries:
        lines.append(f"- [{title}]({stem}.md)")
    lines += [
        "",
        "## Running them yourself",
        "",
        "In a checkout of the repository:",
        "",
        "```bash",
        "python3 -m venv .venv",
        '.venv/bin/pip install -e ".[notebooks]"',
        ".venv/bin/jupyter lab notebooks/",
        "```",
        "",
        "Each page links its notebook file too. Solutions are in `notebooks/solutions/`.",
    ]
    return "\n".join(lines) + "\n"


# ---- mkdocs events --------------------------------------------------------------------------


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Expand the nav's `Course: course/index.md` into one entry per notebook, titled by
    its first heading as text (the nav and the browser's tab show no Markdown)."""
    entries: list[Any] = ["course/index.md"]
    for path in _notebooks():
        notebook = json.loads(path.read_text("utf-8"))
        where = f"notebooks/{path.name}"
        title = plain_title(notebook_title(notebook, path.stem), where)
        entries.append({title: f"course/{path.stem}.md"})
    nav = config.nav or []
    for index, item in enumerate(nav):
        if isinstance(item, dict) and item.get(COURSE_NAV_TITLE) == "course/index.md":
            nav[index] = {COURSE_NAV_TITLE: entries}
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the course pages, the embedded pages and the playground to the site's files."""
    _stashes.clear()
    key = _source_digest()
    paths = _notebooks()
    notebooks = _executed_notebooks(paths, key)
    titles = []
    for path in paths:
        notebook = notebooks[path]
        markdown, pieces, embeds = render_notebook(notebook, path.stem)
        uri = f"course/{path.stem}.md"
        files.append(File.generated(config, uri, content=markdown))
        _stashes[uri] = pieces
        for name, page in embeds.items():
            files.append(File.generated(config, f"{EMBED_DIR}/{name}", content=page))
        # the notebook itself, as committed (no outputs), for the learner to download
        files.append(File.generated(config, f"course/{path.name}", abs_src_path=str(path)))
        titles.append((path.stem, notebook_title(notebook, path.stem)))
    files.append(File.generated(config, "course/index.md", content=course_index(titles)))

    for name, make in GENERATED_PAGES.items():
        cached = _cached(name, key)
        if not cached.exists():
            log.info("Writing %s", name)
            cached = _store(name, key, make())
        files.append(File.generated(config, f"{EMBED_DIR}/{name}", abs_src_path=str(cached)))

    # code is coloured at build time by Pygments (pymdownx.highlight); its colours, here
    # rather than the theme's highlight.js, which would come from a CDN
    from pygments.formatters import HtmlFormatter

    css = HtmlFormatter(style="default").get_style_defs(".highlight")
    files.append(File.generated(config, PYGMENTS_CSS, content=css + "\n"))

    if PLAYGROUND_DIST.is_dir():
        for path in sorted(PLAYGROUND_DIST.rglob("*")):
            if path.is_file():
                uri = "playground/" + path.relative_to(PLAYGROUND_DIST).as_posix()
                files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """The playground page says how to open it, or how to build it first."""
    if PLAYGROUND_MARKER not in markdown:
        return markdown
    if (PLAYGROUND_DIST / "index.html").is_file():
        status = (
            "**[Open the playground](playground/index.html)**: it was built with this site "
            "and is served from it, so it works wherever these pages are served."
        )
    else:
        status = (
            '!!! note "Not built into this copy of the site"\n'
            "    The playground is a folder of its own that the site includes when it has "
            "been built. In a checkout, with npm installed, run\n\n"
            "        python playground/build.py   # writes playground/dist/\n"
            "        mkdocs build --strict        # now copies it into site/playground/\n\n"
            "    or open it without the site: `chainrule playground` builds it if it is "
            "missing and serves it on 127.0.0.1."
        )
    return markdown.replace(PLAYGROUND_MARKER, status)


def on_page_content(html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Put the stashed HTML (outputs, MathML, cell wrappers) back into a course page."""
    pieces = _stashes.get(page.file.src_uri)
    if not pieces:
        return html_text
    return TOKEN_PATTERN.sub(lambda m: pieces[int(m.group(1) or m.group(2))], html_text)
