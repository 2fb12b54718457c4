"""Tests for the top-level `chainrule` command (nn/cli.py) and `python -m nn`: the
version, exit statuses, and the check for a foreign top-level `nn` or `engine`."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import types

import pytest

import nn.cli
from nn.cli import check_packages, main, version


def test_version_prints_chainrule_and_the_installed_version(capsys):
    assert main(["--version"]) == 0
    expected = importlib.metadata.version("chainrule")
    assert capsys.readouterr().out.strip() == f"chainrule {expected}"
    assert version() == expected


def test_python_dash_m_nn_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "nn", "--version"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("chainrule ")


def test_python_dash_m_nn_cli_runs_the_command_line():
    # the module's own `__main__` block runs after every definition it calls
    done = subprocess.run(
        [sys.executable, "-m", "nn.cli", "train", "--epochs", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "--epochs" in done.stderr and "Traceback" not in done.stderr


def test_python_dash_m_nn_reports_usage_errors_with_status_2():
    done = subprocess.run(
        [sys.executable, "-m", "nn", "train", "--epochs", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--epochs" in done.stderr and "Traceback" not in done.stderr


def test_usage_errors_are_status_2_in_both_commands(capsys):
    assert main(["train", "--lr", "fast"]) == 2
    assert main(["draw"]) == 2
    assert main(["no-such-command"]) == 2
    assert main([]) == 2


def test_a_failed_run_is_status_1(tmp_path, capsys):
    options = ["--n-samples", "20", "--n-test", "10", "--epochs", "2", "--no-progress"]
    assert main(["train", *options, "--lr", "1e308", "--out", str(tmp_path)]) == 1
    assert "diverged" in capsys.readouterr().err


def test_chainrules_own_packages_pass_the_check():
    error, _ = check_packages()
    assert error is None


def _foreign(name: str, file: str | None) -> types.ModuleType:
    module = types.ModuleType(name)
    if file is not None:
        module.__file__ = file
    return module


@pytest.mark.parametrize("name", ["nn", "engine"])
def test_a_foreign_package_of_the_same_name_is_named_in_one_line(
    name, monkeypatch, capsys, tmp_path
):
    monkeypatch.setitem(sys.modules, name, _foreign(name, str(tmp_path / name / "__init__.py")))
    assert main(["--version"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert f"the {name!r} package" in err and "not chainrule's" in err
    assert "pip install --force-reinstall" in err


def test_an_overwritten_init_is_found_by_its_missing_names(monkeypatch, capsys):
    # same file as chainrule's, different content: what pip leaves when another project
    # installs over chainrule's nn/__init__.py
    impostor = _foreign("nn", os.path.join(os.path.dirname(nn.cli.__file__), "__init__.py"))
    monkeypatch.setitem(sys.modules, "nn", impostor)
    assert main(["--version"]) == 1
    assert "not chainrule's" in capsys.readouterr().err


def test_a_deleted_init_is_found(monkeypatch, capsys):
    # uninstalling the other project deletes nn/__init__.py: nn becomes a namespace package
    monkeypatch.setitem(sys.modules, "nn", _foreign("nn", None))
    assert main(["train", "--help"]) == 1
    assert "folder without __init__.py" in capsys.readouterr().err


def test_another_distribution_installing_nn_gets_a_warning(monkeypatch, capsys):
    def providers():
        return {"nn": ["chainrule", "nn-toolkit"], "engine": ["chainrule"]}

    monkeypatch.setattr(importlib.metadata, "packages_distributions", providers)
    nn.cli._providers.cache_clear()  # read once per process: read again under the patch
    try:
        assert main(["--version"]) == 0
    finally:
        nn.cli._providers.cache_clear()
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "warning" in lines[0] and "nn-toolkit" in lines[0]
    assert captured.out.startswith("chainrule ")


def test_public_names_have_docstrings():
    import nn.plots
    import nn.report
    import nn.train

    for module in (nn.cli, nn.train, nn.plots, nn.report):
        assert module.__doc__
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, dict):
                assert obj.__doc__, f"{module.__name__}.{name}"


def test_progress_in_a_log_file_is_plain_lines(tmp_path):
    """stderr redirected to a file: no bar and no carriage returns, a line per tenth."""
    options = ["--n-samples", "20", "--n-test", "10", "--epochs", "10"]
    log = tmp_path / "log.txt"
    with open(log, "w") as stderr:
        done = subprocess.run(
            [sys.executable, "-m", "nn", "train", *options, "--out", str(tmp_path / "run")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            timeout=300,
        )
    assert done.returncode == 0
    text = log.read_text()
    assert "\r" not in text
    assert text.splitlines()[-1].startswith("epoch 10/10: loss ")


# ---- chainrule train: usage errors a learner meets --------------------------------------


@pytest.mark.parametrize(
    "options, expected",
    [
        (["--dataset", "moon"], "did you mean 'moons'?"),
        (["--dataset", "Spirals"], "did you mean 'spirals'?"),
        (["--activation", "tahn"], "did you mean 'tanh'?"),
        (["--optimizer", "adm"], "did you mean 'adam'?"),
        (["--epocs", "3"], "did you mean '--epochs'?"),
        (["--hiden=4"], "did you mean '--hidden'?"),
    ],
)
def test_misspelt_train_names_get_did_you_mean(options, expected, tmp_path, capsys):
    assert main(["train", *options, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expected in err
    assert err.rstrip().endswith("(see chainrule train --help)")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "options",
    [
        ["--lr", "fast"],
        ["--dataset", "mnist"],
        ["--n-samples", "1"],
        ["--momentum", "0.5"],
        ["--loss", "hinge", "--dataset", "spirals"],
        ["--no-such-option"],
    ],
)
def test_every_train_usage_error_points_to_train_help(options, tmp_path, capsys):
    assert main(["train", *options, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule train: error: ")
    assert err.rstrip().endswith("(see chainrule train --help)")


@pytest.mark.parametrize("noise", ["1e308", "5e307"])
def test_noise_that_makes_the_data_non_finite_is_a_usage_error(noise, tmp_path, capsys):
    assert main(["train", "--noise", noise, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--noise" in err and "non-finite" in err and "--lr" not in err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    "options, flag",
    [
        (["--n-test", "9000000"], "--n-test"),
        (["--n-samples", "5000000"], "--n-samples"),
        (["--hidden", "100000"], "--hidden"),
        (["--hidden", "600,600"], "--hidden"),
        (["--n-test", "100000", "--hidden", "64,64"], "--n-test"),
    ],
)
def test_every_size_is_checked_before_training(options, flag, tmp_path, capsys, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("data was made for a run that is too big")

    monkeypatch.setattr(nn.cli, "_make_data", no_work)
    assert main(["train", *options, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "limit" in err
    assert f"smaller {flag}" in err


def test_ctrl_c_while_a_subcommand_imports_is_one_line(monkeypatch, capsys):
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(nn.cli, "build_parser", interrupted)
    assert main(["train", "--help"]) == 130
    assert capsys.readouterr().err == "chainrule: interrupted\n"


def test_ctrl_c_while_the_command_starts_up_is_one_line():
    # Ctrl-C while `from nn.cli import main` (the console script's first line) imports nn
    script = (
        "import builtins, sys\n"
        "sys.argv[0] = '/usr/bin/chainrule'\n"
        "real = builtins.__import__\n"
        "def importing(name, *args, **kwargs):\n"
        "    if name == 'nn.optim':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = importing\n"
        "from nn.cli import main\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 130
    assert done.stderr == "chainrule: interrupted\n"


def test_the_modules_import_no_cycle():
    """The loop (nn.train) imports neither the page nor the command; the page (nn.report)
    does not import the command."""
    import ast

    def imports(module) -> set[str]:
        tree = ast.parse(open(module.__file__, encoding="utf-8").read())
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        return found

    import nn.report
    import nn.train

    assert not imports(nn.train) & {"nn.report", "nn.cli", "nn.plots"}
    assert "nn.cli" not in imports(nn.report)
    assert "nn.train" in imports(nn.report) and "nn.train" in imports(nn.cli)
