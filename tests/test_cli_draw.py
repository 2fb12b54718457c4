"""Tests for engine/cli.py: `chainrule draw` writes a picture of the graph (or the player
page) for good input; for bad input it prints one line on stderr and exits with status 2,
running nothing; a run that fails (Graphviz, writing the file) exits with status 1 and
leaves an existing file as it was."""

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
from engine.draw import RenderTimeoutError

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
    (["x * y * z", "--set", "x=1"], "no value for variables y, z; set with --set y=VALUE z=VALUE"),
    (["x # a comment", "--set", "x=1"], "comments ('#') are not allowed, at column 3"),
    (["x + \\\n 1", "--set", "x=1"], "backslash continuations"),
    (["x", "--set", "x"], "NAME=VALUE"),
    (["x", "--set", "x=abc"], "not a number"),
    (["x", "--set", "x=nan"], "finite"),
    (["x", "--set", "x=1", "x=2"], "set twice"),
    (["x", "--set", "1x=1"], "not a valid variable name"),
    (["x", "--set", "tanh=1"], "function name"),
    (["x", "--set", "x=1", "--rankdir", "XY"], "--rankdir: invalid choice: 'XY' (choose from LR"),
    (["x", "--set", "x=1", "--color-by", "rainbow"], "--color-by: invalid choice: 'rainbow'"),
    (["x", "--set", "x=1", "--color-by", "grad", "-o", "p.html"], "--color-by applies to pictures"),
    (["x", "--set", "x=1", "-o", "graph.txt"], "format"),
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
    assert result.returncode == 1  # the run failed; the command line was fine
    assert len(result.stderr.splitlines()) == 1
    assert "apt-get install graphviz" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "g.svg").exists()


# ---- an expression that starts with "-" (issue 15) --------------------------------------


def chainrule_main(argv: list[str]) -> int:
    """The `chainrule` command itself (nn/cli.py), which registers engine.cli's draw."""
    from nn.cli import main as chainrule

    return chainrule(argv)


@pytest.mark.parametrize("entry", [main, chainrule_main], ids=["engine.cli", "chainrule"])
@pytest.mark.parametrize(
    "args",
    [
        ["-x*w", "--set", "x=2", "w=3"],
        ["--set", "x=2", "w=3", "-x*w"],
        ["--", "-x*w", "--set", "x=2", "w=3"],
        ["--set", "x=2", "w=3", "--", "-x*w"],
        ["--set", "x=2", "w=3", "-o", "OUT", "--", "-x*w"],
    ],
    ids=["first", "after-set", "after-dashdash", "dashdash-last", "dashdash-after-o"],
)
def test_expression_starting_with_minus_works(entry, args, tmp_path, capsys):
    out = tmp_path / "g.dot"
    args = [str(out) if a == "OUT" else a for a in args]
    if "-o" not in args:
        args += ["-o", str(out)]
    assert entry(["draw", *args]) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    # -x*w at x=2, w=3: d/dx = -w, d/dw = -x
    assert printed.splitlines()[:3] == ["-x*w = -6", "  d/dx = -3", "  d/dw = -2"]
    assert out.read_text(encoding="utf-8").startswith("digraph")


@pytest.mark.parametrize("expression", ["-x", "-2*x", "-(x + 1)", "-tanh(x)"])
def test_other_expressions_starting_with_minus(expression, tmp_path, capsys):
    x = 0.5
    expected = {"-x": -x, "-2*x": -2 * x, "-(x + 1)": -(x + 1), "-tanh(x)": -math.tanh(x)}
    status = main(["draw", expression, "--set", f"x={x}", "-o", str(tmp_path / "g.dot")])
    assert status == 0
    assert capsys.readouterr().out.startswith(f"{expression} = {expected[expression]:.6g}\n")


def test_options_that_start_like_an_expression_are_still_options(tmp_path, capsys):
    # -o with its value attached, and an option's value that starts with "-" is not taken
    out = tmp_path / "g.dot"
    assert main(["draw", "-x", "--set", "x=1", f"-o{out}"]) == 0
    assert out.exists()
    with pytest.raises(SystemExit) as info:
        main(["draw", "-h"])
    assert info.value.code == 0
    assert "usage: chainrule draw" in capsys.readouterr().out


# ---- --help, choices ----------------------------------------------------------------


def test_help_shows_the_choices_and_defaults(capsys):
    with pytest.raises(SystemExit) as info:
        main(["draw", "--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--rankdir {LR,TB}" in text
    assert "--color-by {role,grad}" in text
    assert "(default: graph.svg)" in text
    assert "(default: LR)" in text
    assert "exit status: 0 done, 1 the run failed" in text
    assert ".html" in text


def test_rankdir_and_color_by_accept_any_case(tmp_path):
    out = tmp_path / "g.dot"
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(out), "--rankdir", "tb"]) == 0
    assert "rankdir=TB" in out.read_text(encoding="utf-8")
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(out), "--color-by", "GRAD"]) == 0
    assert "fillcolor" in out.read_text(encoding="utf-8")


# ---- long input is quoted at a bounded length (issue 15) ------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["x", "--set", "x=1", "--rankdir", "Q" * 100_000],
        ["x", "--set", "x=1", "-o", "g." + "t" * 100_000],
        ["x", "--set", "x" * 100_000],
        ["x", "--set", "x=" + "9" * 100_000 + "z"],
        ["x", "--set", "x=1", "--no-such-option" + "n" * 100_000],
        ["f" * 990 + "(x)", "--set", "x=1"],
        ["'" + "s" * 990 + "'"],
        ["+".join(f"v{i}" for i in range(200))],
    ],
    ids=[
        "rankdir",
        "output",
        "set-name",
        "set-value",
        "unknown-option",
        "function",
        "string",
        "many-variables",
    ],
)
def test_errors_quote_long_input_at_a_bounded_length(args, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        status = main(["draw", *args])
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.splitlines()) == 1
    assert len(err) < 900, err[:300]


# ---- runs that fail: exit status 1, the old file kept (issues 15, 17) ------------------


def test_cannot_write_is_a_failed_run_with_status_1(tmp_path, capsys):
    status = main(["draw", "x", "--set", "x=1", "-o", str(tmp_path / "no" / "such" / "g.dot")])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("chainrule draw: error: cannot write ") and len(err.splitlines()) == 1


def test_output_that_is_a_folder_is_a_failed_run(tmp_path, capsys):
    folder = tmp_path / "g.dot"
    folder.mkdir()
    assert main(["draw", "x", "--set", "x=1", "-o", str(folder)]) == 1
    assert "cannot write" in capsys.readouterr().err
    assert folder.is_dir() and list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "failure, message",
    [
        (subprocess.CalledProcessError(1, ["dot"], stderr="syntax error"), "Graphviz failed"),
        (RenderTimeoutError("Graphviz needed more than 30 s"), "more than 30 s"),
    ],
    ids=["graphviz-failed", "timeout"],
)
def test_graphviz_failing_is_a_failed_run_with_status_1(
    failure, message, tmp_path, capsys, monkeypatch
):
    import engine.cli

    def failing_render(*args, **kwargs):
        raise failure

    monkeypatch.setattr(engine.cli, "render", failing_render)
    out = tmp_path / "g.svg"
    out.write_text("old picture")
    assert main(["draw", "x", "--set", "x=1", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1
    assert out.read_text() == "old picture"


@pytest.mark.parametrize("suffix", [".dot", ".svg", ".html"])
def test_a_failing_write_keeps_the_old_file_and_leaves_no_temporary_file(
    suffix, tmp_path, capsys, monkeypatch
):
    if suffix != ".dot" and shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not installed")
    out = tmp_path / f"graph{suffix}"
    out.write_text("the previous version")

    def failing_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    status = main(["draw", "x*2", "--set", "x=1", "-o", str(out)])
    assert status == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "the previous version"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@pytest.mark.parametrize("suffix", [".dot", ".svg"])
def test_an_existing_file_is_replaced_whole(suffix, tmp_path):
    if suffix != ".dot" and shutil.which("dot") is None:
        pytest.skip("Graphviz 'dot' not installed")
    out = tmp_path / f"graph{suffix}"
    out.write_text("x" * 100_000)  # longer than the new file: no tail of it may remain
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "xxxx" not in text
    assert text.rstrip().endswith("}" if suffix == ".dot" else "</svg>")


# ---- -o page.html: the player page (issue 13) ------------------------------------------


@needs_dot
def test_draw_html_writes_the_player_page(tmp_path, capsys):
    out = tmp_path / "page.html"
    status = main(["draw", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88", "-o", str(out)])
    assert status == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert 'input type="range" data-role="step"' in page
    for action in ("prev", "next", "play", "reset"):
        assert f'data-action="{action}"' in page
    assert page.count("data-node=") == 6  # x, w, x*w, b, x*w + b, tanh
    assert "<title>tanh(x*w + b)</title>" in page
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    value = math.tanh(2 * -3 + 6.88)
    assert f"d/dx = {-3 * (1 - value**2):.6g}" in printed  # the printed grads are unchanged


# ---- documentation (issue 17) ---------------------------------------------------------


@pytest.mark.parametrize("module_name", ["engine.cli", "engine.expression", "engine.draw"])
def test_every_public_name_has_a_docstring(module_name):
    import importlib
    import inspect

    module = importlib.import_module(module_name)
    assert module.__doc__
    missing = []
    for name in module.__all__:
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if not inspect.getdoc(value):
            missing.append(name)
        if inspect.isclass(value):
            for attribute, member in vars(value).items():
                if not attribute.startswith("_") and callable(member) and not member.__doc__:
                    missing.append(f"{name}.{attribute}")
    assert missing == []
    # and everything public is listed in __all__
    defined_here = [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == module_name
    ]
    assert sorted(set(defined_here) - set(module.__all__)) == []


def test_graphviz_error_text_is_cut_to_one_short_line(tmp_path, capsys, monkeypatch):
    import engine.cli

    def failing_render(*args, **kwargs):
        raise subprocess.CalledProcessError(1, ["dot"], stderr="Error: " + "e\n" * 100_000)

    monkeypatch.setattr(engine.cli, "render", failing_render)
    assert main(["draw", "x", "--set", "x=1", "-o", str(tmp_path / "g.svg")]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and len(err) < 1000
    assert "Graphviz failed (exit status 1): Error: e e" in err
