"""The course in `notebooks/`: committed clean (no outputs), shaped as the course promises,
every notebook runs from top to bottom and ends by asserting its key result, and every
exercise's checker accepts the solution and rejects a wrong answer with a hint.

Each notebook is executed in a fresh Jupyter kernel of the current interpreter, with a
temporary working directory, so it sees the installed `engine` and `nn` packages and
nothing from the repository checkout by accident.

Exercises are code cells tagged `exercise` whose metadata names them (`"exercise": NAME`).
`notebooks/solutions/NN_topic.py` holds, for each, a `# %% solution: NAME` section (the
whole cell, solved) and a `# %% wrong: NAME` section (a plausible mistake). A checker
prints a line starting "Correct:" or "Not yet:" (followed by its hint).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTION_DIR = NOTEBOOK_DIR / "solutions"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NOTEBOOK_IDS = [path.stem for path in NOTEBOOKS]

COURSE = [
    "01_derivatives",
    "02_the_chain_rule",
    "03_build_your_own_value",
    "04_neurons_and_activations",
    "05_reused_nodes_and_tanh",
    "06_build_an_mlp",
    "07_the_training_loop",
    "08_recognising_digits",
    "09_higher_order",
    "10_why_chainrule_differs",
]

# seconds per cell; the whole file runs in about 110 s on two shared cores (each notebook
# twice: top to bottom, then with the exercise answers; digits: ~35 s a run)
CELL_TIMEOUT = 240

nbformat = pytest.importorskip("nbformat")

SECTION = re.compile(r"^# %% (solution|wrong): (\w+)\s*$", re.MULTILINE)


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _exercises(notebook) -> list[tuple[int, str]]:
    """(cell index, exercise name) of every cell tagged `exercise`."""
    return [
        (index, cell.metadata.get("exercise", ""))
        for index, cell in enumerate(notebook.cells)
        if "exercise" in cell.metadata.get("tags", [])
    ]


def _solutions(path: Path) -> dict[tuple[str, str], str]:
    """{("solution" | "wrong", name): cell source} from the notebook's solutions file."""
    text = (SOLUTION_DIR / f"{path.stem}.py").read_text(encoding="utf-8")
    parts = SECTION.split(text)
    # parts: preamble, kind, name, body, kind, name, body, ...
    sections = {}
    for kind, name, body in zip(parts[1::3], parts[2::3], parts[3::3]):
        assert (kind, name) not in sections, f"{path.stem}: two '{kind}: {name}' sections"
        sections[kind, name] = body.strip("\n")
    return sections


def _printed(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.output_type == "stream")


def test_the_course_is_the_listed_notebooks() -> None:
    assert NOTEBOOK_IDS == COURSE


def test_notebooks_are_their_own_source() -> None:
    assert not (NOTEBOOK_DIR / "build_notebooks.py").exists()
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    result = subprocess.run(
        [ruff, "check", "--no-cache", str(NOTEBOOK_DIR)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = _read(path)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs or execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_every_code_cell_follows_an_explaining_markdown_cell(path: Path) -> None:
    cells = _read(path).cells
    assert cells[0].cell_type == "markdown"
    unexplained = [
        index
        for index, cell in enumerate(cells)
        if cell.cell_type == "code" and cells[index - 1].cell_type != "markdown"
    ]
    assert not unexplained, f"{path.name}: code cells {unexplained} have no Markdown before"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_seeds_first_and_asserts_last(path: Path) -> None:
    code = _code_cells(_read(path))
    assert "random.seed(" in code[0].source
    assert "assert " in code[-1].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_imports_the_installed_packages_without_path_hacks(path: Path) -> None:
    sources = "\n".join(cell.source for cell in _code_cells(_read(path)))
    assert "sys.path" not in sources
    assert "import engine" in sources


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_has_two_to_four_exercises_each_with_a_solution_and_a_wrong_answer(
    path: Path,
) -> None:
    exercises = _exercises(_read(path))
    names = [name for _, name in exercises]
    assert 2 <= len(names) <= 4, f"{path.stem}: {len(names)} exercises"
    assert all(names) and len(set(names)) == len(names), names
    sections = _solutions(path)
    for name in names:
        assert ("solution", name) in sections, f"{path.stem}: no solution for {name}"
        assert ("wrong", name) in sections, f"{path.stem}: no wrong answer for {name}"
    stray = {name for _, name in sections} - set(names)
    assert not stray, f"{path.stem}: solutions for exercises that do not exist: {stray}"


def _kernel_manager(tmp_path: Path):
    """A manager for a "python3" kernel that runs THIS interpreter, whatever kernel specs
    the machine has installed elsewhere, so the notebooks see the packages under test."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    kernels = tmp_path / "kernels"
    write_kernel_spec(kernels / "python3")
    specs = KernelSpecManager(kernel_dirs=[str(kernels)], ensure_native_kernel=False)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


def _client(notebook, tmp_path: Path):
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return nbclient.NotebookClient(
        notebook,
        km=_kernel_manager(tmp_path),
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(workdir)}},
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    notebook = _read(path)
    _client(notebook, tmp_path).execute()  # raises CellExecutionError, naming the cell
    # the exercises as committed are unsolved: their checkers answer with a hint
    for index, name in _exercises(notebook):
        printed = _printed(notebook.cells[index].outputs)
        assert "Not yet:" in printed and "Correct:" not in printed, (name, printed)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_checkers_accept_the_solution_and_reject_a_wrong_answer(path: Path, tmp_path: Path) -> None:
    notebook = _read(path)
    exercises = dict(_exercises(notebook))
    sections = _solutions(path)
    last = max(exercises)
    client = _client(notebook, tmp_path)
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells[: last + 1]):
            if cell.cell_type != "code":
                continue
            if index not in exercises:
                client.execute_cell(cell, index)
                continue
            name = exercises[index]
            wrong = nbformat.v4.new_code_cell(sections["wrong", name])
            client.execute_cell(wrong, index)
            printed = _printed(wrong.outputs)
            assert "Not yet:" in printed and "Correct:" not in printed, (name, printed)
            hint = printed.split("Not yet:", 1)[1].strip()
            assert len(hint) > 20, f"{name}: the hint says too little: {hint!r}"
            solved = nbformat.v4.new_code_cell(sections["solution", name])
            client.execute_cell(solved, index)
            printed = _printed(solved.outputs)
            assert "Correct:" in printed and "Not yet:" not in printed, (name, printed)
