"""Tests for engine/cli.py: `chainrule draw` writes a picture of the graph for good input,
and for bad input prints one line on stderr and exits with status 2, running nothing."""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from engine.cli import add_draw_parser, main, run_draw

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' not installed")


def run_module(args: list[str], cwd: Path, env_path: str | None = None):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if env_path is not None:
        env["PATH"] = env_path
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "draw", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def svg_texts(path: Path) -> list[str]:
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


# ---- good runs -----------------------------------------------------------------------


@needs_dot
def test_draw_writes_an_svg_with_data_and_gradients(tmp_path, capsys):
    out = tmp_path / "graph.svg"
    status = main(["draw", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88", "-o", str(out)])
    assert status == 0
    texts = svg_texts(out)
    value = math.tanh(2 * -3 + 6.88)
    # d/db tanh(n) = 1 - tanh(n)**2, d/dx = w (1 - tanh**2)
    assert f"data {value:.4g}" in texts
    assert f"grad {1 - value**2:.4g}" in texts
    assert f"grad {-3 * (1 - value**2):.4g}" in texts
    assert {"x", "w", "b", "tanh", "*", "+"} <= set(texts)
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert f"d/dx = {-3 * (1 - value**2):.6g}" in printed


def test_draw_writes_dot_source_without_needing_graphviz(tmp_path, capsys):
    out = tmp_path / "graph.dot"
    status = main(["draw", "x*x + 1", "--set", "x=3", "-o", str(out), "--rankdir", "TB"])
    assert status == 0
    source = out.read_text(encoding="utf-8")
    assert source.startswith("digraph")
    assert "rankdir=TB" in source
    assert source.count("v0 -> v1op") == 2  # x used twice: two edges
    assert "grad 6" in source  # d(x*x + 1)/dx = 2x


@needs_dot
def test_draw_options_edge_labels_and_colours(tmp_path):
    out = tmp_path / "g.svg"
    options = ["-o", str(out), "--edge-labels", "--color-by", "grad"]
    status = main(["draw", "a*b", "--set", "a=2", "b=5", *options])
    assert status == 0
    texts = svg_texts(out)
    assert "5" in texts and "2" in texts  # d(ab)/da = b, d(ab)/db = a


@needs_dot
def test_python_dash_m_engine_cli_draw_works(tmp_path):
    result = run_module(["tanh(x)", "--set", "x=0.5", "-o", "g.svg"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote g.svg" in result.stdout
    svg_texts(tmp_path / "g.svg")


def test_add_draw_parser_plugs_into_another_dispatcher(tmp_path):
    parser = argparse.ArgumentParser(prog="chainrule")
    subparsers = parser.add_subparsers(dest="command", required=True)
    subparsers.add_parser("train")
    add_draw_parser(subparsers)
    args = parser.parse_args(["draw", "x + 1", "--set", "x=1", "-o", str(tmp_path / "g.dot")])
    assert args.run is run_draw
    assert args.run(args) == 0
    assert (tmp_path / "g.dot").exists()


# ---- bad input -----------------------------------------------------------------------

BAD_INPUTS = [
    (["log(0)", "--set"], "argument --set: expected at least one argument"),
    (["x", "--set", "x=1", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    (["log(x)", "--set", "x=0"], "log: needs a positive input"),
    (["1/x", "--set", "x=0"], "division by zero"),
    (["x.y", "--set", "x=1"], "attribute access"),
    (["x[0]", "--set", "x=1"], "subscripts"),
    (["lambda: 1"], "lambda"),
    (["import os"], "syntax error"),
    (["tanh(x=1)"], "keyword arguments"),
    (["foo(x)", "--set", "x=1"], "unknown function"),
    (["x ** 5000", "--set", "x=1"], "exponent"),
    (["x +", "--set", "x=1"], "syntax error"),
    (["y * 2"], "no value for variable y; set with --set y=VALUE"),
    (["x", "--set", "x"], "NAME=VALUE"),
    (["x", "--set", "x=abc"], "not a number"),
    (["x", "--set", "x=nan"], "finite"),
    (["x", "--set", "x=1", "x=2"], "set twice"),
    (["x", "--set", "1x=1"], "not a valid variable name"),
    (["x", "--set", "tanh=1"], "function name"),
    (["x", "--set", "x=1", "--rankdir", "XY"], "--rankdir"),
    (["x", "--set", "x=1", "--color-by", "rainbow"], "--color-by"),
    (["x", "--set", "x=1", "-o", "graph.txt"], "format"),
    (["x", "--set", "x=1", "-o", "no/such/dir/g.dot"], "cannot write"),
    ([], "no expression given"),
    (["x" * 1001, "--set", "x=1"], "limit is 1000"),
    (["(" * 300 + "x" + ")" * 300, "--set", "x=1"], "nested"),
    (["x+" * 300 + "x", "--set", "x=1"], "nested"),
]


@pytest.mark.parametrize("args, message", BAD_INPUTS, ids=[str(i) for i in range(len(BAD_INPUTS))])
def test_bad_input_prints_one_line_and_exits_2(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        status = main(["draw", *args])
    except SystemExit as exit_:  # argparse's own errors exit
        status = exit_.code
    captured = capsys.readouterr()
    assert status == 2
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    # unknown options are reported by the top-level parser, as "chainrule: error: ..."
    assert re.match(r"chainrule( draw)?: error: ", lines[0])
    assert message in lines[0]
    assert "Traceback" not in captured.err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('touch PWNED')",
        "open('PWNED', 'w')",
        "exec(\"open('PWNED', 'w')\")",
    ],
)
def test_code_injection_is_refused_and_runs_nothing(expression, tmp_path):
    result = run_module([expression, "-o", "g.dot"], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("chainrule draw: error: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "PWNED").exists()
    assert not (tmp_path / "g.dot").exists()


def test_missing_dot_program_is_one_line_saying_how_to_install(tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = run_module(["x*2", "--set", "x=1", "-o", "g.svg"], cwd=tmp_path, env_path=str(empty))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "apt-get install graphviz" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "g.svg").exists()
