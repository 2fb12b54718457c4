"""The two copies of the course a teacher writes with `notebooks/make_class_copies.py`.

The student copy holds the notebooks as committed and a README: no `solutions/`, and not
one line of any `# %% solution:` section that the committed notebook does not hold itself.
The teacher copy holds the same notebooks with every exercise cell replaced by its solution
section, and the solutions; one small notebook of it is executed here (every checker prints
"Correct:"), the others are compared cell by cell (tests/test_notebooks.py already feeds
every solution to its checker).

The command refuses to write into a folder that is not empty, replaces only a copy it wrote
before, writes nothing when the course holds a solved exercise, and leaves a target as it
was when writing fails.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
SCRIPT = NOTEBOOK_DIR / "make_class_copies.py"
# the smallest notebook, executed whole from the teacher copy (about 5 s)
EXECUTED = "02_the_chain_rule"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_class_copies", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


copies = _load()


def _cells(path: Path) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return cells


def _lines(path: Path) -> set[str]:
    """The stripped, non-empty lines of a file (of a notebook: of its cells' sources)."""
    text = (
        "\n".join(copies.source_of(cell) for cell in _cells(path))
        if path.suffix == ".ipynb"
        else path.read_text(encoding="utf-8")
    )
    return {line.strip() for line in text.splitlines() if line.strip()}


def _solution_lines(notebook: Path) -> set[str]:
    sections = copies.solution_sections(NOTEBOOK_DIR / "solutions" / f"{notebook.stem}.py")
    return {
        line.strip()
        for (kind, _), bodies in sections.items()
        if kind == "solution"
        for body in bodies
        for line in body.splitlines()
        if line.strip()
    }


def _answer_lines(notebook: Path) -> set[str]:
    """The lines of the notebook's solution sections that the committed notebook does not
    hold: what a student must not be given."""
    return _solution_lines(notebook) - _lines(notebook)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Both copies, written once by the command as a teacher runs it."""
    root = tmp_path_factory.mktemp("class")
    student, teacher = root / "class", root / "teacher"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--student", str(student), "--teacher", str(teacher)],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"student copy: {student} (10 notebooks, exercises unsolved, no solutions, README.md)",
        f"teacher copy: {teacher} (10 notebooks, exercises solved, solutions/, README.md)",
    ]
    return student, teacher


NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def test_the_student_copy_is_the_committed_notebooks_and_a_readme(
    written: tuple[Path, Path],
) -> None:
    student, _ = written
    files = sorted(str(p.relative_to(student)) for p in student.rglob("*"))
    assert files == sorted([p.name for p in NOTEBOOKS] + ["README.md", copies.MARKER])
    for notebook in NOTEBOOKS:
        assert (student / notebook.name).read_bytes() == notebook.read_bytes(), notebook.name


def test_the_student_copy_holds_no_solution_text(written: tuple[Path, Path]) -> None:
    student, _ = written
    solutions = {notebook.name: _solution_lines(notebook) for notebook in NOTEBOOKS}
    for notebook in NOTEBOOKS:
        assert len(_answer_lines(notebook)) >= 2, f"{notebook.stem}: solutions add nothing?"
    every_solution_line = set().union(*solutions.values())
    files = [path for path in student.rglob("*") if path.is_file()]
    assert len(files) == len(NOTEBOOKS) + 2
    for path in files:
        # a line of any solution is allowed only where the committed file has it too
        committed = NOTEBOOK_DIR / path.name
        allowed = _lines(committed) if path.suffix == ".ipynb" else set()
        leaked = sorted((every_solution_line - allowed) & _lines(path))
        assert not leaked, f"the student copy's {path.name} holds solution lines {leaked}"
    readme = (student / "README.md").read_text(encoding="utf-8")
    assert "solutions/" not in readme and "# %% solution" not in readme
    assert "--allow-root" in readme and "jupyter nbconvert --to notebook --execute" in readme


def test_the_teacher_copy_is_the_notebooks_with_each_exercise_solved(
    written: tuple[Path, Path],
) -> None:
    _, teacher = written
    for notebook in NOTEBOOKS:
        committed, solved = _cells(notebook), _cells(teacher / notebook.name)
        sections = copies.solution_sections(NOTEBOOK_DIR / "solutions" / f"{notebook.stem}.py")
        assert len(solved) == len(committed), notebook.stem
        replaced = 0
        for mine, theirs in zip(committed, solved):
            name = mine.get("metadata", {}).get("exercise")
            if "exercise" in mine.get("metadata", {}).get("tags", []):
                assert copies.source_of(theirs) == sections["solution", name][0], (notebook, name)
                assert copies.source_of(theirs) != copies.source_of(mine)
                assert {**theirs, "source": None} == {**mine, "source": None}
                replaced += 1
            else:
                assert theirs == mine, (notebook.stem, copies.source_of(mine)[:80])
        assert replaced >= 2, f"{notebook.stem}: {replaced} exercises solved"
        assert _answer_lines(notebook) <= {
            line.strip() for cell in solved for line in copies.source_of(cell).splitlines()
        }
        solutions = NOTEBOOK_DIR / "solutions" / f"{notebook.stem}.py"
        assert (teacher / "solutions" / solutions.name).read_bytes() == solutions.read_bytes()
    readme = (teacher / "README.md").read_text(encoding="utf-8")
    assert "## Solutions" in readme and "# %% wrong: NAME" in readme


def test_a_teacher_notebook_runs_with_every_checker_saying_correct(
    written: tuple[Path, Path], tmp_path: Path
) -> None:
    nbformat = pytest.importorskip("nbformat")
    from test_notebooks import _client, _exercises, _printed

    _, teacher = written
    notebook = nbformat.read(teacher / f"{EXECUTED}.ipynb", as_version=4)
    _client(notebook, tmp_path).execute()
    solved = _exercises(notebook)
    assert len(solved) >= 2
    for index, name in solved:
        printed = _printed(notebook.cells[index].outputs)
        assert "Correct:" in printed and "Not yet:" not in printed, (name, printed)


# --- where the command writes, and what it refuses ------------------------------------


def _course(tmp_path: Path) -> Path:
    """A copy of the course's source folder, to spoil."""
    source = tmp_path / "course"
    shutil.copytree(NOTEBOOK_DIR, source, ignore=shutil.ignore_patterns("__pycache__"))
    return source


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "class"
    target.mkdir()
    (target / "homework.txt").write_text("mine", encoding="utf-8")
    for replace in (False, True):
        with pytest.raises(copies.CopyError, match="not empty|not a copy this command wrote"):
            copies.write_copies(target, None, replace=replace)
        assert [p.name for p in target.iterdir()] == ["homework.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    copies.write_copies(empty, None)
    assert (empty / "01_derivatives.ipynb").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_replace_replaces_a_copy_written_before_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "class"
    copies.write_copies(target, None)
    (target / "left_over.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(copies.CopyError, match="not empty"):
        copies.write_copies(target, None)
    lines = copies.write_copies(None, target, replace=True)  # now the teacher's
    assert lines == [
        f"teacher copy: {target} (10 notebooks, exercises solved, solutions/, README.md)"
    ]
    assert not (target / "left_over.py").exists() and (target / "solutions").is_dir()
    assert json.loads((target / copies.MARKER).read_text("utf-8"))["copy"] == "teacher"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class"]  # no temporary folder left


@pytest.mark.parametrize(
    "where",
    [
        lambda tmp: (tmp / "same", tmp / "same"),
        lambda tmp: (tmp / "class", tmp / "class" / "teacher"),
        lambda tmp: (tmp / "teacher" / "class", tmp / "teacher"),
    ],
    ids=["same", "teacher-in-student", "student-in-teacher"],
)
def test_the_copies_need_two_separate_folders(tmp_path: Path, where: Any) -> None:
    student, teacher = where(tmp_path)
    with pytest.raises(copies.CopyError, match="two separate folders"):
        copies.write_copies(student, teacher)
    assert list(tmp_path.iterdir()) == []


def test_the_course_folder_itself_is_refused(tmp_path: Path) -> None:
    source = _course(tmp_path)
    for target in (source, source / "class"):
        with pytest.raises(copies.CopyError, match="course's own folder"):
            copies.write_copies(target, None, replace=True, source=source)
    assert not (source / "class").exists()


def test_a_solved_exercise_in_the_course_stops_both_copies(tmp_path: Path) -> None:
    source = _course(tmp_path)
    path = source / "01_derivatives.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    solution = copies.solution_sections(source / "solutions" / "01_derivatives.py")
    index, name = copies.exercises(notebook)[0]
    original = notebook["cells"][index]["source"]
    # an exercise cell holding its solution, then one whose output says it was solved
    notebook["cells"][index]["source"] = copies.as_lines(solution["solution", name][0])
    path.write_text(copies.notebook_text(notebook), encoding="utf-8")
    with pytest.raises(copies.CopyError, match=f"exercise '{name}' is solved"):
        copies.write_copies(tmp_path / "class", tmp_path / "teacher", source=source)
    notebook["cells"][index]["source"] = original
    notebook["cells"][index]["outputs"] = [
        {"name": "stdout", "output_type": "stream", "text": ["Correct: well done\n"]}
    ]
    path.write_text(copies.notebook_text(notebook), encoding="utf-8")
    with pytest.raises(copies.CopyError, match=f"exercise '{name}' is solved"):
        copies.write_copies(tmp_path / "class", None, source=source)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"]


def test_an_exercise_without_exactly_one_solution_stops_the_copies(tmp_path: Path) -> None:
    source = _course(tmp_path)
    solutions = source / "solutions" / "10_why_chainrule_differs.py"
    text = solutions.read_text(encoding="utf-8")
    solutions.write_text(text.replace("# %% solution: count", "# %% wrong: count"), "utf-8")
    with pytest.raises(copies.CopyError, match="exercise 'count' has 0 '# %% solution: count'"):
        copies.write_copies(None, tmp_path / "teacher", source=source)
    assert not (tmp_path / "teacher").exists()


def test_a_failure_while_writing_leaves_the_old_copy_and_no_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "class"
    copies.write_copies(target, None)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    written: list[Path] = []

    def failing(path: Path, content: str) -> None:
        written.append(path)
        if len(written) == 4:
            raise OSError(28, "No space left on device")
        Path(path).write_text(content, encoding="utf-8")

    monkeypatch.setattr(copies, "write_atomic", failing)
    with pytest.raises(OSError, match="No space left"):
        copies.write_copies(target, None, replace=True)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class"]


def test_the_command_says_what_is_wrong_and_exits_2(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=tmp_path
        )

    nothing = run()
    assert nothing.returncode == 2 and "give --student DIR, --teacher DIR or both" in nothing.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.md").write_text("x", encoding="utf-8")
    full = run("--student", "full")
    assert full.returncode == 2 and full.stdout == ""
    assert full.stderr.startswith(f"make_class_copies.py: error: {tmp_path / 'full'} is not empty")
    assert "Traceback" not in full.stderr
