"""The distribution as a packager and a user get it: `python -m build` gives a wheel and an
sdist that both carry the licence, the sdist carries everything its own test suite needs,
the wheel's metadata declares the licence, classifiers and version, and the extras a user
asks for are loose.

The build runs once per session (about 10 s, in an isolated environment, as a packager's
would). `.ci/run` then runs the sdist's own test suite against the built wheel.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

# tomllib is standard from 3.11; on 3.10 these tests skip rather than add a dependency
tomllib = pytest.importorskip("tomllib")
pytest.importorskip("build")

if not (ROOT / "pyproject.toml").is_file():  # pragma: no cover - an installed test tree
    pytest.skip("needs the source tree (pyproject.toml)", allow_module_level=True)

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
NAME = PYPROJECT["project"]["name"]
VERSION = PYPROJECT["project"]["version"]


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the sdist and the wheel from the source tree into a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="session")
def sdist_files(dists: dict[str, Path]) -> set[str]:
    """Paths inside the sdist, relative to its top folder (`chainrule-X.Y.Z/`)."""
    with tarfile.open(dists["sdist"]) as archive:
        names = archive.getnames()
    top = f"{NAME}-{VERSION}/"
    assert all(name == top.rstrip("/") or name.startswith(top) for name in names), names[:5]
    return {name[len(top) :] for name in names if name.startswith(top)}


@pytest.fixture(scope="session")
def wheel_files(dists: dict[str, Path]) -> set[str]:
    with zipfile.ZipFile(dists["wheel"]) as archive:
        return set(archive.namelist())


@pytest.fixture(scope="session")
def wheel_metadata(dists: dict[str, Path]) -> Message:
    with zipfile.ZipFile(dists["wheel"]) as archive:
        text = archive.read(f"{NAME}-{VERSION}.dist-info/METADATA").decode("utf-8")
    return Parser().parsestr(text)


def _git_files(folder: str) -> set[str]:
    """Files git tracks under `folder`, or what is on disk when this is not a git checkout."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = []
    if listed:
        return {name for name in listed if (ROOT / name).is_file()}
    return {
        str(path.relative_to(ROOT))
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


# ---- the licence -------------------------------------------------------------------------


def test_licence_file_is_mit_with_the_projects_holder() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 The chainrule developers" in text


def test_wheel_carries_the_licence(wheel_files: set[str]) -> None:
    assert f"{NAME}-{VERSION}.dist-info/licenses/LICENSE" in wheel_files


def test_sdist_carries_the_licence(sdist_files: set[str]) -> None:
    assert "LICENSE" in sdist_files


# ---- what the sdist needs to test itself -------------------------------------------------


@pytest.mark.parametrize("folder", ["tests", "notebooks", "benchmarks", "docs"])
def test_sdist_carries_every_tracked_file_of(folder: str, sdist_files: set[str]) -> None:
    tracked = _git_files(folder)
    assert tracked, f"nothing found under {folder}/"
    missing = sorted(tracked - sdist_files)
    assert not missing, f"the sdist leaves out {missing}"


def test_sdist_carries_the_test_suites_support_files(sdist_files: set[str]) -> None:
    needed = {"tests/conftest.py", "pyproject.toml", "README.md", "mkdocs.yml"}
    assert needed <= sdist_files, sorted(needed - sdist_files)
    assert any(name.startswith("tests/golden/") for name in sdist_files)
    assert any(name.endswith(".ipynb") for name in sdist_files)


def test_sdist_carries_no_caches(sdist_files: set[str]) -> None:
    junk = [
        name
        for name in sdist_files
        if "__pycache__" in name
        or name.endswith(".pyc")
        or ".hypothesis" in name
        or ".ipynb_checkpoints" in name
        or name.startswith(("runs/", "site/", ".venv/"))
    ]
    assert not junk, junk[:10]


def test_wheel_holds_only_the_two_packages_and_its_metadata(wheel_files: set[str]) -> None:
    tops = {name.split("/", 1)[0] for name in wheel_files}
    assert tops == {"engine", "nn", f"{NAME}-{VERSION}.dist-info"}
    assert {"engine/py.typed", "nn/py.typed"} <= wheel_files


def test_wheel_carries_every_file_of_the_packages(wheel_files: set[str]) -> None:
    """Code and data alike (py.typed, the HTML pages' templates, scripts and styles)."""
    on_disk = {
        path.relative_to(ROOT).as_posix()
        for package in ("engine", "nn")
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    missing = sorted(on_disk - wheel_files)
    assert not missing, f"the wheel leaves out {missing}"


# ---- metadata ----------------------------------------------------------------------------


def test_wheel_metadata_declares_the_licence(wheel_metadata: Message) -> None:
    assert wheel_metadata["License-Expression"] == "MIT"
    assert wheel_metadata.get_all("License-File") == ["LICENSE"]
    # the old free-text field and licence classifiers are superseded by the expression
    assert wheel_metadata["License"] is None
    assert not [c for c in wheel_metadata.get_all("Classifier", []) if c.startswith("License")]


def test_wheel_metadata_has_the_classifiers_and_keywords(wheel_metadata: Message) -> None:
    classifiers = set(wheel_metadata.get_all("Classifier", []))
    for expected in (
        "Typing :: Typed",
        "Intended Audience :: Education",
        "Intended Audience :: Science/Research",
        "Programming Language :: Python :: 3.11",
    ):
        assert expected in classifiers
    lowest = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert f"Programming Language :: Python :: {lowest}" in classifiers
    assert "backpropagation" in wheel_metadata["Keywords"].split(",")


def test_wheel_metadata_version_is_the_pyprojects(wheel_metadata: Message) -> None:
    assert wheel_metadata["Version"] == VERSION


def test_installed_metadata_is_this_source_trees() -> None:
    """The installed distribution (editable or not) was built from this pyproject.toml;
    if this fails, reinstall: `pip install -e .`."""
    installed = metadata.metadata(NAME)
    assert installed["Version"] == VERSION
    assert installed["License-Expression"] == "MIT"
    assert "Typing :: Typed" in installed.get_all("Classifier", [])


def _requirements(meta: Message) -> list[str]:
    return meta.get_all("Requires-Dist", [])


def test_user_facing_extras_are_not_pinned(wheel_metadata: Message) -> None:
    extras = set(wheel_metadata.get_all("Provides-Extra", []))
    assert {"torch", "train", "notebooks"} <= extras
    requirements = [Requirement(r) for r in _requirements(wheel_metadata)]
    pinned = [str(r) for r in requirements if {s.operator for s in r.specifier} - {">="}]
    assert not pinned, f"published requirements must be lower bounds only: {pinned}"
    (torch,) = [r for r in requirements if r.name == "torch"]
    assert str(torch.specifier).startswith(">="), torch
    assert torch.marker is not None and torch.marker.evaluate({"extra": "torch"})


def test_development_tools_are_not_published(wheel_metadata: Message) -> None:
    extras = set(wheel_metadata.get_all("Provides-Extra", []))
    assert not extras & {"test", "dev", "bench", "lint", "docs"}
    published = " ".join(_requirements(wheel_metadata))
    for tool in ("pytest", "ruff", "hypothesis", "mypy", "pyright", "mkdocs", "micrograd"):
        assert tool not in published, tool


def test_ci_pins_the_exact_torch_build_it_tests_against() -> None:
    """CI installs torch==2.13.0, never a range that could pull a newer multi-GB build."""
    groups = PYPROJECT["dependency-groups"]
    torch_pins = [r for group in groups.values() for r in group if str(r).startswith("torch")]
    assert torch_pins == ["torch==2.13.0"]
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "--group ci" in run


# ---- the command-line docs ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["train", "draw"])
def test_docs_list_every_option_of(command: str) -> None:
    """docs/cli.md documents every long option that `chainrule COMMAND --help` shows."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from nn.cli import main; sys.exit(main())",
            command,
            "--help",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # an option is the first word of a line of the help's option list: "  --lr LR  ..."
    options = set(re.findall(r"^\s+(?:-\w+, )?(--[\w-]+)", result.stdout, re.MULTILINE))
    options.discard("--help")
    assert options, result.stdout
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = page.split(f"## `chainrule {command}`", 1)[1].split("\n## ", 1)[0]
    missing = sorted(o for o in options if f"`{o}`" not in section)
    assert not missing, f"docs/cli.md does not describe {missing} of chainrule {command}"


# ---- the API reference site --------------------------------------------------------------


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs built in strict mode (a warning fails the build) into a temporary folder."""
    pytest.importorskip("mkdocstrings_handlers.python")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.mark.parametrize("package", ["engine", "nn"])
def test_docs_describe_every_public_name_of(package: str, site: Path) -> None:
    module = __import__(package)
    page = (site / f"{package}.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="([\w.]+)"', page))
    # a name is shown as `package.name`, or as `package.submodule.name` where the name is
    # also a submodule's (engine.player); `engine.Value.grad` does not count for engine.grad
    shown = {a.split(".")[-1] for a in anchors if a.count(".") == 1} | {
        a.split(".")[-1] for a in anchors if a.count(".") == 2 and a.split(".")[1].islower()
    }
    missing = [name for name in module.__all__ if not name.startswith("_") and name not in shown]
    assert not missing, f"docs/{package}.md does not show {missing}"
