"""The teaching notebooks: committed clean (no outputs), shaped as the series promises, and
every one of them runs from top to bottom, its last cell asserting its key result.

Each notebook is executed in a fresh Jupyter kernel of the current interpreter, with a
temporary working directory, so it sees the installed `engine` and `nn` packages and
nothing from the repository checkout by accident.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NOTEBOOK_IDS = [path.stem for path in NOTEBOOKS]

# seconds per cell; the whole series runs in well under a minute on a laptop
CELL_TIMEOUT = 240

nbformat = pytest.importorskip("nbformat")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_series_has_seven_notebooks() -> None:
    assert len(NOTEBOOKS) == 7, NOTEBOOK_IDS


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
def test_notebook_imports_the_installed_package_without_path_hacks(path: Path) -> None:
    sources = "\n".join(cell.source for cell in _code_cells(_read(path)))
    assert "sys.path" not in sources
    assert "import engine" in sources


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    client = nbclient.NotebookClient(
        _read(path),
        km=_kernel_manager(tmp_path),
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
