"""Build the browser playground into playground/dist/ (a static folder, served from one origin).

    python playground/build.py

1. `npm ci` in playground/: the pinned runtime packages of package.json (Pyodide, the
   Graphviz WebAssembly build @viz-js/viz, CodeMirror 5), checked by npm against the
   integrity hashes in package-lock.json.
2. The chainrule wheel, built from this checkout (`pip wheel --no-deps`), and graphviz's
   pure-Python wheel (`pip download`, checked against the sha256 below). The worker
   unpacks both into Pyodide's site-packages: no micropip, no index, no network.
3. dist/: the page and its scripts (playground/src/, and nn/boundary.js, the training
   replay's drawing of the decision boundary, which the panel uses as it is), only the
   runtime files the page loads, the wheels, examples.json, manifest.json, the service
   worker with the list of files to keep offline, and the Content-Security-Policy (in
   index.html's <meta>, and in csp.txt for `chainrule playground` to send as a header).

The policy allows this origin only: 'self', 'wasm-unsafe-eval' for WebAssembly, and the
sha256 of each inline script and style element of the pages chainrule makes (engine.player
and nn.training_report), which the output area shows in sandboxed iframes that inherit
it; style="..." attributes (which run no code and fetch nothing) are allowed.

The new folder is written beside dist/ and then swapped in, so a failed build leaves the
previous dist/ as it was. Needs node and npm (Debian: apt-get install nodejs npm).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = HERE / "src"
DIST = HERE / "dist"
CACHE = HERE / ".cache"  # downloaded wheels, kept between builds

# graphviz (the Python package) is chainrule's one dependency; pure Python
GRAPHVIZ_WHEEL = "graphviz-0.21-py3-none-any.whl"
GRAPHVIZ_SHA256 = "54f33de9f4f911d7e84e4191749cac8cc5653f815b06738c54db9a15ab8b1e42"

# what the page loads from each npm package: (package, file in it, path in dist/)
RUNTIME_FILES = [
    ("pyodide", "pyodide.js", "pyodide/pyodide.js"),
    ("pyodide", "pyodide.asm.js", "pyodide/pyodide.asm.js"),
    ("pyodide", "pyodide.asm.wasm", "pyodide/pyodide.asm.wasm"),
    ("pyodide", "python_stdlib.zip", "pyodide/python_stdlib.zip"),
    ("pyodide", "pyodide-lock.json", "pyodide/pyodide-lock.json"),
    ("@viz-js/viz", "dist/viz-global.js", "viz/viz-global.js"),
    ("codemirror", "lib/codemirror.js", "codemirror/codemirror.js"),
    ("codemirror", "lib/codemirror.css", "codemirror/codemirror.css"),
    ("codemirror", "mode/python/python.js", "codemirror/python.js"),
    ("codemirror", "LICENSE", "codemirror/LICENSE"),
]
PAGE_FILES = ["index.html", "app.js", "style.css", "worker.js", "runtime.py", "favicon.svg"]
# nn/boundary.js: the decision boundary's drawing, which nn/report.py inlines into the
# training replay; the panel loads the same file, copied into dist/ unchanged
BOUNDARY_SCRIPT = "boundary.js"


class BuildError(Exception):
    """A build step failed; the message says which and what to do."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print only the last line")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        sizes = build(quiet=args.quiet)
    except BuildError as error:
        print(f"playground build: error: {error}", file=sys.stderr)
        return 1
    total = sum(sizes.values())
    print(
        f"playground build: wrote {DIST.relative_to(ROOT)}/ ({len(sizes)} files, "
        f"{total / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s"
    )
    return 0


def build(quiet: bool = False) -> dict[str, int]:
    """Build dist/; returns each file's size in bytes, by its path in dist/."""
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(
            "the playground build needs npm (node.js): install it (Debian/Ubuntu: "
            "apt-get install nodejs npm) and run python playground/build.py again"
        )
    say = (lambda text: None) if quiet else (lambda text: print(text, flush=True))
    say("playground build: npm ci (pinned packages, checked against package-lock.json)")
    _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE, quiet=quiet)
    modules = HERE / "node_modules"

    with tempfile.TemporaryDirectory(prefix="playground-build-") as scratch:
        say("playground build: the chainrule wheel")
        chainrule_wheel = _chainrule_wheel(Path(scratch), quiet)
        scratch_source = Path(scratch) / "source"
        say("playground build: the graphviz wheel")
        graphviz_wheel = _graphviz_wheel(quiet)

        new = Path(tempfile.mkdtemp(prefix="dist.new-", dir=HERE))
        try:
            for package, name, target in RUNTIME_FILES:
                _copy(modules / package / name, new / target)
            for wheel in (chainrule_wheel, graphviz_wheel):
                _copy(wheel, new / "wheels" / wheel.name)
            for name in PAGE_FILES:
                if name != "index.html":
                    _copy(SRC / name, new / name)
            # the training panel draws with the replay's own script, from the wheel's source
            _copy(scratch_source / "nn" / BOUNDARY_SCRIPT, new / BOUNDARY_SCRIPT)
            _write(new / "examples.json", json.dumps(_examples(), indent=1))
            wheels = [chainrule_wheel.name, graphviz_wheel.name]
            _write(new / "manifest.json", json.dumps({"wheels": wheels}, indent=1))
            csp = content_security_policy(scratch_source)
            _write(new / "csp.txt", csp + "\n")
            versions = {
                "VERSION": _chainrule_version(),
                "PYODIDE_VERSION": _npm_version(modules / "pyodide"),
                "VIZ_VERSION": _npm_version(modules / "@viz-js/viz"),
                "CODEMIRROR_VERSION": _npm_version(modules / "codemirror"),
                "CSP": csp.replace('"', "&quot;"),
            }
            _write(new / "index.html", _fill((SRC / "index.html").read_text("utf-8"), versions))
            # the service worker: every file of this build, under a name made from their hashes
            files = sorted(str(p.relative_to(new)) for p in new.rglob("*") if p.is_file())
            digest = hashlib.sha256()
            for name in files:
                digest.update(name.encode() + b"\0" + (new / name).read_bytes())
            offline = ["./"] + [name for name in files if name not in ("csp.txt",)]
            worker = _fill(
                (SRC / "sw.js").read_text("utf-8"),
                {"BUILD": digest.hexdigest()[:16], "FILES": json.dumps(offline, indent=1)},
            )
            _write(new / "sw.js", worker)
            sizes = {
                str(p.relative_to(new)): p.stat().st_size for p in new.rglob("*") if p.is_file()
            }
            _swap_in(new)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
    return sizes


def _run(command: list[str], cwd: Path, quiet: bool) -> None:
    try:
        finished = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except OSError as error:
        raise BuildError(f"could not run {command[0]}: {error}") from error
    if not quiet and finished.stdout.strip():
        print(finished.stdout.strip())
    if finished.returncode != 0:
        tail = "\n".join((finished.stderr or finished.stdout).strip().splitlines()[-15:])
        raise BuildError(f"{' '.join(command[:3])} failed (exit {finished.returncode}):\n{tail}")


def _chainrule_wheel(scratch: Path, quiet: bool) -> Path:
    """Build the wheel from a copy of the checkout, so the build leaves no build/ folder
    or egg-info behind in the working tree."""
    source = scratch / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    for package in ("engine", "nn"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    out = scratch / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out)]
    _run([*command, str(source)], cwd=scratch, quiet=quiet)
    found = sorted(out.glob("chainrule-*.whl"))
    if len(found) != 1:
        raise BuildError(f"pip wheel made {len(found)} chainrule wheels, expected one")
    return found[0]


def _graphviz_wheel(quiet: bool) -> Path:
    wheel = CACHE / GRAPHVIZ_WHEEL
    if not (wheel.exists() and _sha256(wheel) == GRAPHVIZ_SHA256):
        CACHE.mkdir(exist_ok=True)
        requirement = "graphviz==" + GRAPHVIZ_WHEEL.split("-")[1]
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q"]
        command += ["--only-binary=:all:", "-d", str(CACHE), requirement]
        _run(command, cwd=HERE, quiet=quiet)
    if _sha256(wheel) != GRAPHVIZ_SHA256:
        raise BuildError(f"{GRAPHVIZ_WHEEL}: sha256 {_sha256(wheel)} is not the recorded one")
    return wheel


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _examples() -> list[dict[str, str]]:
    """src/examples/*.py in name order; an example's title is its first line, a comment."""
    examples = []
    for path in sorted((SRC / "examples").glob("*.py")):
        code = path.read_text("utf-8")
        examples.append({"title": code.splitlines()[0].lstrip("# "), "code": code})
    return examples


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", value)
    if "{{" in template.replace("{{}}", ""):
        raise BuildError("a {{placeholder}} in a page template was left unfilled")
    return template


def _npm_version(folder: Path) -> str:
    return str(json.loads((folder / "package.json").read_text("utf-8"))["version"])


def _chainrule_version() -> str:
    """The version in pyproject.toml (the one place it is written)."""
    match = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text("utf-8"), re.M)
    if match is None:
        raise BuildError("pyproject.toml has no version line")
    return match.group(1)


def _copy(source: Path, target: Path) -> None:
    if not source.exists():
        raise BuildError(f"{source} is missing (did npm ci install it?)")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _swap_in(new: Path) -> None:
    """Put the new folder in place of dist/ (each file inside was written to the new
    folder, so a reader sees the old site or the new one, never a mix)."""
    os.chmod(new, 0o755)
    old = HERE / f"dist.old-{os.getpid()}"
    if DIST.exists():
        os.replace(DIST, old)
    os.replace(new, DIST)
    shutil.rmtree(old, ignore_errors=True)


# ---- the Content-Security-Policy ---------------------------------------------------------


class _InlineCode(html.parser.HTMLParser):
    """Collects the inline scripts, style elements and style attributes of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.style_attributes: list[str] = []
        self._inside: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("style"):
            self.style_attributes.append(str(attributes["style"]))
        executable = (
            tag == "script"
            and "src" not in attributes
            and (attributes.get("type") in (None, "", "text/javascript", "module"))
        )
        if executable or tag == "style":
            self._inside, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._inside:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._inside == tag:
            (self.scripts if tag == "script" else self.styles).append("".join(self._text))
            self._inside = None


def _hash_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(source: Path) -> str:
    """This origin only, plus the hashes of the inline code of chainrule's own pages, as
    the code in `source` (the copy the wheel was built from) makes them."""
    collected = _InlineCode()
    sys.path.insert(0, str(source))
    try:
        pages = _sample_pages()
    finally:
        sys.path.remove(str(source))
    for page in pages:
        collected.feed(page)
    scripts = sorted({_hash_source(s) for s in collected.scripts})
    styles = sorted({_hash_source(s) for s in collected.styles})
    return "; ".join(
        [
            "default-src 'self'",
            "script-src " + " ".join(["'self'", "'wasm-unsafe-eval'", *scripts]),
            "style-src " + " ".join(["'self'", *styles]),
            # style="..." attributes, which the replay's script writes: they run no code
            # and can fetch nothing (img-src and font-src are this origin only)
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


_VIZ_SCRIPT = """
const viz = require(process.argv[1]);
let source = "";
process.stdin.on("data", (chunk) => { source += chunk; });
process.stdin.on("end", () => viz.instance().then((v) => {
  process.stdout.write(v.renderString(source, { format: process.argv[2], engine: "dot" }));
}));
"""


def _run_node(script: str, source: str, fmt: str) -> bytes:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise BuildError("node is missing (Debian/Ubuntu: apt-get install nodejs npm)")
    viz = HERE / "node_modules" / "@viz-js" / "viz" / "dist" / "viz.cjs"
    finished = subprocess.run(
        [node, "-e", script, str(viz), fmt], input=source.encode("utf-8"), capture_output=True
    )
    if finished.returncode != 0:
        raise BuildError("Graphviz (viz.js) failed: " + finished.stderr.decode()[-500:])
    return finished.stdout


def _sample_pages() -> list[str]:
    """A player page and a training replay made by this checkout's engine and nn: their
    inline code is the same for every graph and run (the data are JSON, not code)."""
    import engine
    import engine.draw
    import nn

    x = engine.Value(2.0, label="x")
    y = (x * 3.0).tanh()

    def layout(source: str, fmt: str) -> bytes:
        # the Graphviz WebAssembly build the page uses, run by node
        return _run_node(_VIZ_SCRIPT, source, fmt)

    engine.draw.set_layout_engine(layout)  # this process ends after the build
    pages = [engine.player(y).html]
    X, labels = nn.datasets.make_moons(10, noise=0.1, seed=0)
    model = nn.MLP(2, [3, 1], seed=0)
    recorder = nn.Snapshots(model, X, labels, loss="bce")
    history = nn.fit(model, X, labels, loss="bce", epochs=2, callbacks=[recorder])
    report = nn.training_report(model, X, labels, history, snapshots=recorder.snapshots)
    pages.append(report.html)
    return pages


if __name__ == "__main__":
    sys.exit(main())
