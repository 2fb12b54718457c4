"""`chainrule playground`: serve the browser playground (engine and nn on Pyodide).

The site is a static folder built by `playground/build.py` (npm fetches the pinned
runtime, the Graphviz WebAssembly build and the editor; the project's own wheel is built
and copied in). This module serves it on 127.0.0.1, building it first when it is missing.
The playground's sources live in the repository, next to `nn/`, not in the wheel: from an
installed package there is nothing to build from, and the command says so.

Every response carries the build's Content-Security-Policy (its csp.txt: this origin
only), and WebAssembly is served as `application/wasm`, which streaming compilation needs.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any

__all__ = ["add_playground_parser", "run_playground"]

PLAYGROUND = Path(__file__).resolve().parent.parent / "playground"
EXIT_FAILED = 1
EXIT_USAGE = 2

# types http.server may not know (it guesses from the platform's table, which varies)
MEDIA_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".html": "text/html",
    ".py": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".zip": "application/zip",
    ".whl": "application/zip",
}


def add_playground_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `playground` subcommand on an argparse subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "playground",
        help="serve the browser playground (chainrule on Pyodide) on 127.0.0.1",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument(
        "--no-browser", action="store_true", help="print the address, do not open a browser"
    )
    return parser


def run_playground(args: argparse.Namespace) -> int:
    """Serve the playground until interrupted; returns the exit status."""
    port = args.port
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        print(
            f"chainrule playground: error: --port must be 0 to 65535, got {port}", file=sys.stderr
        )
        return EXIT_USAGE
    site = PLAYGROUND / "dist"
    if not (site / "index.html").is_file():
        problem = build_site()
        if problem is not None:
            print(f"chainrule playground: error: {problem}", file=sys.stderr)
            return EXIT_FAILED
    try:
        server = make_server(site, port)
    except OSError as error:
        print(
            f"chainrule playground: error: cannot listen on 127.0.0.1:{port}: "
            f"{error.strerror or error}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    address = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"chainrule playground: serving {site} at {address} (Ctrl+C stops)", flush=True)
    if not args.no_browser:
        threading.Thread(target=webbrowser.open, args=(address,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def build_site() -> str | None:
    """Build playground/dist/ with playground/build.py; the problem, or None when built."""
    script = PLAYGROUND / "build.py"
    if not script.is_file():
        return (
            "the playground is built from the repository's playground/ folder, which an "
            "installed chainrule does not include; clone the repository and run "
            "`python playground/build.py`, then `chainrule playground` from the checkout"
        )
    if shutil.which("npm") is None:
        return (
            "the playground is not built yet and building it needs npm (node.js): install "
            "it (Debian/Ubuntu: apt-get install nodejs npm), then run this again"
        )
    print("chainrule playground: building the site first (npm ci, wheels; about a minute)")
    finished = subprocess.run([sys.executable, str(script), "--quiet"])
    if finished.returncode != 0:
        return "the playground build failed (its error is above)"
    return None


def make_server(site: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """A server of `site` on 127.0.0.1:`port` (0: a free port), not yet serving."""
    csp_file = site / "csp.txt"
    csp = csp_file.read_text("utf-8").strip() if csp_file.is_file() else "default-src 'self'"
    handler = functools.partial(_Handler, directory=str(site), csp=csp)
    return _Server(("127.0.0.1", port), handler)


class _Server(http.server.ThreadingHTTPServer):
    """A threading server that does not print a traceback when a browser hangs up."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the site's policy and exact media types; quiet unless an error."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}

    def __init__(self, *args: Any, csp: str, **kwargs: Any) -> None:
        self.csp = csp
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        # the service worker keeps the offline copy; the browser asks again each time
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        if len(args) > 1 and str(args[1]).startswith(("4", "5")):
            super().log_message(format, *args)
