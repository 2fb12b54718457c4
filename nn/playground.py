"""`chainrule playground`: serve the browser playground (engine and nn on Pyodide).

The site is a static folder built by `playground/build.py` (npm fetches the pinned
runtime, the Graphviz WebAssembly build and the editor; the project's own wheel is built
and copied in). This module serves it on 127.0.0.1, building it first when it is missing.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_playground_parser", "run_playground"]


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
    raise NotImplementedError("the playground is being built")
