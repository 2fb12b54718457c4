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
    assert "(default: graph.svg; none with --frames)" in text
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
    # x, w, x*w, b, x*w + b, tanh (each may appear in more than one view of the graph)
    assert len(set(re.findall(r'data-node="([^"]+)"', page))) == 6
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


# ---- issue 21: the expression after the --set values ------------------------------------


def run_draw_command(args: list[str], tmp_path: Path, monkeypatch) -> int:
    """`main(["draw", *args])` in tmp_path; argparse's own errors exit, as in a shell."""
    monkeypatch.chdir(tmp_path)
    try:
        return main(["draw", *args])
    except SystemExit as exit_:
        return int(exit_.code or 0)


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert re.match(r"chainrule( draw)?: error: ", lines[0])
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("entry", [main, chainrule_main], ids=["engine.cli", "chainrule"])
@pytest.mark.parametrize(
    "args",
    [
        ["--set", "x=2", "w=-3", "b=6.88", "tanh(x*w+b)"],
        ["--set", "x=2", "tanh(x*w+b)", "w=-3", "b=6.88"],
        ["-o", "OUT", "--set", "x=2", "w=-3", "b=6.88", "tanh(x*w+b)"],
        ["--set", "x=2", "w=-3", "b=6.88", "tanh(x*w+b)", "--rankdir", "TB"],
    ],
    ids=["last", "among-the-values", "after-o", "before-another-option"],
)
def test_expression_after_the_set_values_is_taken(entry, args, tmp_path, capsys):
    out = tmp_path / "g.dot"
    args = [str(out) if a == "OUT" else a for a in args]
    if "-o" not in args:
        args += ["-o", str(out)]
    assert entry(["draw", *args]) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out.splitlines()
    value = math.tanh(2 * -3 + 6.88)
    assert printed[0] == f"tanh(x*w+b) = {value:.6g}"
    # d/dx tanh(x*w + b) = w (1 - tanh**2)
    assert printed[1] == f"  d/dx = {-3 * (1 - value**2):.6g}"
    assert out.read_text(encoding="utf-8").startswith("digraph")


def test_expression_after_set_with_a_variable_missing_says_which(tmp_path, capsys, monkeypatch):
    # issue 21's own example: b has no value; the expression itself was found
    status = run_draw_command(["--set", "x=2", "w=-3", "tanh(x*w+b)"], tmp_path, monkeypatch)
    assert status == 2
    line = one_error_line(capsys.readouterr().err)
    assert "no value for variable b; set with --set b=VALUE" in line
    assert "no expression given" not in line
    assert list(tmp_path.iterdir()) == []


def test_several_set_items_without_equals_are_named(tmp_path, capsys, monkeypatch):
    status = run_draw_command(["--set", "x=2", "x*2", "x*3"], tmp_path, monkeypatch)
    assert status == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--set takes NAME=VALUE items, and 'x*2', 'x*3' are not" in line


def test_unary_plus_is_in_the_grammar_of_the_command(tmp_path, capsys):
    out = str(tmp_path / "g.dot")
    assert main(["draw", "+x * +2", "--set", "x=1.5", "-o", out]) == 0
    assert main(["draw", "--set", "x=1.5", "+-x", "-o", out]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["+x * +2 = 3", "  d/dx = 2"]
    assert printed[3:5] == ["+-x = -1.5", "  d/dx = -1"]


# ---- issue 24: "--x" is an expression ---------------------------------------------------


@pytest.mark.parametrize("entry", [main, chainrule_main], ids=["engine.cli", "chainrule"])
@pytest.mark.parametrize(
    "args, first_line",
    [
        (["--x", "--set", "x=2"], "--x = 2"),
        (["--set", "x=2", "--x"], "--x = 2"),
        (["--set", "x=2", "-o", "OUT", "--x"], "--x = 2"),
        (["--x*w", "--set", "x=2", "w=3"], "--x*w = 6"),
        (["---x", "--set", "x=2"], "---x = -2"),
        (["--xs", "--set", "xs=2"], "--xs = 2"),
        (["--x-1", "--set", "x=2"], "--x-1 = 1"),
        (["--set", "x=2", "y=5", "--x-y"], "--x-y = -3"),
        (["--x", "--set=x=2", "-o", "OUT"], "--x = 2"),
    ],
    ids=[
        "first",
        "after-set",
        "after-o",
        "product",
        "three-minus",
        "not-like---set",
        "minus-number",
        "minus-name",
        "set-equals",
    ],
)
def test_expression_starting_with_two_minus_signs_is_an_expression(
    entry, args, first_line, tmp_path, capsys
):
    out = tmp_path / "g.dot"
    args = [str(out) if a == "OUT" else a for a in args]
    if "-o" not in args:
        args += ["-o", str(out)]
    assert entry(["draw", *args]) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.splitlines()[0] == first_line
    assert out.exists()


# ---- misspelt options, unused --set names: "did you mean" -------------------------------


MISTAKES = [
    (
        ["x", "--set", "x=1", "--rankdr", "TB"],
        "unrecognized arguments: --rankdr TB; did you mean --rankdir?",
    ),
    (["x", "--set", "x=1", "--fontsize", "20"], "did you mean --font-size?"),
    (["x", "--set", "x=1", "--frame", "slides"], "did you mean --frames?"),
    (["x", "--set", "x=1", "--colour-by", "grad"], "did you mean --color-by?"),
    (["x", "--set", "x=1", "--edge"], "did you mean --edge-labels?"),
    # no abbreviations: --out could as well be an expression
    (["x", "--set", "x=1", "--out", "g.dot"], "did you mean --output?"),
    (["x", "--set", "x=1", "--rankdr=TB"], "did you mean --rankdir?"),
    (
        ["--set", "x=1", "--no-such-option"],
        "if --no-such-option is the expression, put it after a lone --",
    ),
    (["x", "--set", "x=1", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    (["x", "--set", "x=2", "y=3"], "--set: the expression does not use y (its variables: x)"),
    (
        ["x*w", "--set", "x=2", "W=3"],
        "--set: the expression does not use W; did you mean w? (its variables: x, w)",
    ),
    (["2*3", "--set", "x=1"], "does not use x (it has no variables)"),
    (["tahn(x)", "--set", "x=1"], "unknown function 'tahn' at column 1; did you mean tanh?"),
    (["Sigmoid(x)", "--set", "x=1"], "did you mean sigmoid?"),
    (
        ["x^2", "--set", "x=1"],
        "operator '^' is not allowed at column 2; a power is written ** (did you mean 'x**2'?)",
    ),
    (
        ["x + y^2", "--set", "x=1", "y=2"],
        "at column 6; a power is written ** (did you mean 'x + y**2'?)",
    ),
    (["2x", "--set", "x=1"], "a product needs *: 2*x"),
    (["math.exp(x)", "--set", "x=1"], "write exp(...)"),
]


@pytest.mark.parametrize("args, message", MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_mistakes_get_one_line_that_says_what_was_meant(
    args, message, tmp_path, capsys, monkeypatch
):
    status = run_draw_command(args, tmp_path, monkeypatch)
    assert status == 2
    line = one_error_line(capsys.readouterr().err)
    assert message in line
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_misspelt_option_through_the_chainrule_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert chainrule_main(["draw", "x", "--set", "x=1", "--rankdr", "TB"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith("chainrule draw: error: ")
    assert "did you mean --rankdir?" in line and "(see chainrule draw --help)" in line


# ---- issue 21: slides and handouts -----------------------------------------------------


@needs_dot
def test_font_size_sets_the_text_size_of_the_picture(tmp_path):
    default, large = tmp_path / "default.svg", tmp_path / "large.svg"
    args = ["draw", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88", "--edge-labels"]
    assert main([*args, "-o", str(default)]) == 0
    assert main([*args, "-o", str(large), "--font-size", "24"]) == 0
    sizes = set(re.findall(r'font-size="([\d.]+)"', large.read_text(encoding="utf-8")))
    assert sizes == {"24.00"}  # records and edge labels alike
    default_sizes = set(re.findall(r'font-size="([\d.]+)"', default.read_text(encoding="utf-8")))
    assert default_sizes == {"11.00", "10.00"}


def test_font_size_goes_into_the_dot_source(tmp_path):
    out = tmp_path / "g.dot"
    assert main(["draw", "x*2", "--set", "x=1", "-o", str(out), "--font-size", "18.5"]) == 0
    assert "fontsize=18.5" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "value, message",
    [
        ("0", "is out of range: from 1 to 200 points"),
        ("201", "is out of range"),
        ("-3", "is out of range"),
        ("nan", "is out of range"),
        ("inf", "is out of range"),
        ("big", "is not a number of points"),
    ],
)
def test_bad_font_size_is_one_line(value, message, tmp_path, capsys, monkeypatch):
    status = run_draw_command(["x", "--set", "x=1", "--font-size", value], tmp_path, monkeypatch)
    assert status == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"argument --font-size: '{value}' {message}" in line
    assert list(tmp_path.iterdir()) == []


def test_font_size_does_not_apply_to_the_page(tmp_path, capsys, monkeypatch):
    args = ["x", "--set", "x=1", "-o", "p.html", "--font-size", "20"]
    assert run_draw_command(args, tmp_path, monkeypatch) == 2
    assert "--font-size applies to pictures and frames" in one_error_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


NEURON = ["tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88"]


@needs_dot
def test_frames_are_the_pictures_of_save_backward_frames(tmp_path, capsys, monkeypatch):
    from engine import save_backward_frames
    from engine.expression import build_graph

    monkeypatch.chdir(tmp_path)
    options = ["--font-size", "20", "--rankdir", "TB", "--edge-labels"]
    assert main(["draw", *NEURON, "--frames", "slides", *options]) == 0
    printed = capsys.readouterr().out.splitlines()
    # the same run from Python
    root, leaves = build_graph("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    expected = save_backward_frames(
        root, tmp_path / "python", fontsize=20, rankdir="TB", edge_labels=True
    )
    names = [path.name for path in expected]
    assert names == [f"step_{i:03d}.svg" for i in range(6)]  # one per Value
    assert sorted(p.name for p in (tmp_path / "slides").iterdir()) == names
    for path in expected:
        assert (tmp_path / "slides" / path.name).read_bytes() == path.read_bytes()
    # the printed gradients are those of the whole pass; no graph.svg without -o
    assert printed[1] == f"  d/dx = {leaves['x'].grad:.6g}"
    assert printed[-1] == "wrote 6 frames to slides: step_000.svg ... step_005.svg"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["python", "slides"]


@needs_dot
def test_frames_take_the_picture_format_of_o_and_o_is_written_too(tmp_path, capsys):
    out, folder = tmp_path / "whole.png", tmp_path / "handout"
    assert main(["draw", "x*x", "--set", "x=3", "-o", str(out), "--frames", str(folder)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    frames = sorted(folder.iterdir())
    assert [p.name for p in frames] == ["step_000.png", "step_001.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in frames)
    printed = capsys.readouterr().out
    assert f"wrote {out}\n" in printed and "wrote 2 frames" in printed


@needs_dot
def test_frames_replace_an_earlier_run_and_keep_other_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", *NEURON, "--frames", "slides"]) == 0  # 6 frames
    (tmp_path / "slides" / "notes.txt").write_text("mine")
    (tmp_path / "slides" / "step_000.png").write_text("another format")
    assert main(["draw", "x*2", "--set", "x=1", "--frames", "slides"]) == 0  # 3 frames
    names = sorted(p.name for p in (tmp_path / "slides").iterdir())
    assert names == ["notes.txt", "step_000.png", "step_000.svg", "step_001.svg", "step_002.svg"]
    assert "grad 2" in (tmp_path / "slides" / "step_002.svg").read_text(encoding="utf-8")


@needs_dot
def test_frames_that_fail_leave_the_folder_as_it_was(tmp_path, capsys, monkeypatch):
    import engine.draw

    monkeypatch.chdir(tmp_path)
    assert main(["draw", *NEURON, "--frames", "slides"]) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "slides").iterdir()}
    real_render = engine.draw.render
    calls = []

    def render_failing_at_the_fourth(graph, format="svg", timeout=None):
        calls.append(format)
        if len(calls) == 4:
            raise subprocess.CalledProcessError(1, ["dot"], stderr="out of memory")
        return real_render(graph, format, timeout)

    monkeypatch.setattr(engine.draw, "render", render_failing_at_the_fourth)
    capsys.readouterr()
    assert main(["draw", "x*x + 1", "--set", "x=3", "--frames", "slides"]) == 1
    assert "Graphviz failed (exit status 1): out of memory" in one_error_line(
        capsys.readouterr().err
    )
    after = {p.name: p.read_bytes() for p in (tmp_path / "slides").iterdir()}
    assert after == before  # no new frame, no old one lost, no hidden folder left
    # a folder that was not there is not left behind either
    calls.clear()
    assert main(["draw", "x*x + 1", "--set", "x=3", "--frames", "new/slides"]) == 1
    assert not (tmp_path / "new").exists()


@needs_dot
def test_frames_have_a_time_limit_in_all(tmp_path, capsys, monkeypatch):
    import engine.cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(engine.cli, "FRAMES_TIMEOUT_SECONDS", 1e-6)
    assert main(["draw", *NEURON, "--frames", "slides"]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "for one of the 6 frames" in line and "draw a smaller expression" in line
    assert list(tmp_path.iterdir()) == []


def test_frames_folder_that_is_a_file_is_a_failed_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "slides").write_text("a file")
    assert main(["draw", "x", "--set", "x=1", "--frames", "slides"]) == 1
    assert "cannot write 'slides'" in one_error_line(capsys.readouterr().err)
    assert (tmp_path / "slides").read_text() == "a file"


# ---- every error is one line, never a traceback ----------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--frames"],
        ["x", "--set", "x=1", "--font-size"],
        ["--set"],
        ["--"],
        ["--", "--"],
        ["-", "--set", "x=1"],
        ["--=x"],
        ["x", "--set", "=1"],
        ["x", "--set", "x=1=2"],
        ["\udcff", "--set", "x=1"],
        ["x\x00", "--set", "x=1"],
        ["x", "--set", "x=1", "--frames", "a", "--frames", "b", "extra"],
        ["--set", "x=1", "x", "-o", "g.dot", "y"],
    ],
)
def test_odd_command_lines_are_one_line_errors(args, tmp_path, capsys, monkeypatch):
    status = run_draw_command(args, tmp_path, monkeypatch)
    assert status == 2
    one_error_line(capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_is_one_line(tmp_path, capsys, monkeypatch):
    import engine.cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.cli, "_draw", interrupted)
    assert main(["draw", "x", "--set", "x=1", "-o", str(tmp_path / "g.dot")]) == 130
    assert capsys.readouterr().err == "chainrule draw: interrupted\n"


@needs_dot
def test_frames_beside_the_page_are_svg_and_one_frame_is_one(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["draw", "x*2", "--set", "x=1", "-o", "p.html", "--frames", "f"]) == 0
    assert (tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [
        "step_000.svg",
        "step_001.svg",
        "step_002.svg",
    ]
    assert main(["draw", "x", "--set", "x=1", "--frames", "one"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "wrote 1 frame to one: step_000.svg"
