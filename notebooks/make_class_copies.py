"""Write the two copies of the course a teacher needs: one to hand to a class, one to keep.

    python notebooks/make_class_copies.py --student class/ --teacher teacher/

The student copy holds the notebooks of this folder as they are committed (outputs cleared,
exercises unsolved) and a README that says how to install chainrule and open them: no
`solutions/`, no worked answers. The checkers and the reference versions stay in the
installed `nn.course` package, where the answers are computed rather than written out.

The teacher copy holds the same notebooks with every exercise cell replaced by its
`# %% solution: NAME` section from `solutions/NN_topic.py` (so running one prints
"Correct:" under each exercise), the `solutions/` files themselves (with the typical wrong
answers) and a README.

Either copy may be asked for alone. A copy is built in a temporary folder beside its target,
every file written atomically, and takes the target's name only when it is complete, so a
failure leaves the target as it was. A target that exists must be an empty folder, unless
`--replace` is given and the target is a copy this command wrote before (it holds the
marker file `.class-copy`); nothing else is ever replaced. Nothing is written when a
notebook here holds a solved exercise (an output that says "Correct:", or an exercise cell
identical to its solution): the student copy would give it away.

The notebooks are read and written as JSON with the standard library, in the layout
Jupyter writes (one space of indent, sorted keys), so an unsolved notebook is copied byte
for byte.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from engine.files import write_atomic

HERE = Path(__file__).resolve().parent
MARKER = ".class-copy"
SECTION = re.compile(r"^# %% (solution|wrong): (\w+)\s*$", re.MULTILINE)
# the sections of this folder's README that the copies reuse (the rest is for editors)
HEADING = re.compile(r"^## (.+)$", re.MULTILINE)


class CopyError(Exception):
    """Why a copy cannot be written; the command prints it and exits with status 2."""


# --- reading the course -------------------------------------------------------------------


def source_of(cell: dict[str, Any]) -> str:
    """A cell's source as one string (Jupyter stores it as a list of lines or a string)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def as_lines(text: str) -> list[str]:
    """A source string in Jupyter's stored form: lines that keep their newline."""
    return text.splitlines(keepends=True)


def notebooks(source: Path) -> list[Path]:
    """The course's notebooks, in order (their names start with their number)."""
    found = sorted(source.glob("*.ipynb"))
    if not found:
        raise CopyError(f"no notebooks (*.ipynb) in {source}")
    return found


def read_notebook(path: Path) -> dict[str, Any]:
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CopyError(f"{path.name} cannot be read as a notebook: {error}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise CopyError(f"{path.name} is not a notebook: it has no list of cells")
    return notebook


def notebook_text(notebook: dict[str, Any]) -> str:
    """The notebook as Jupyter writes it."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def exercises(notebook: dict[str, Any]) -> list[tuple[int, str]]:
    """(cell index, exercise name) of every cell tagged `exercise`."""
    return [
        (index, str(cell.get("metadata", {}).get("exercise", "")))
        for index, cell in enumerate(notebook["cells"])
        if "exercise" in cell.get("metadata", {}).get("tags", [])
    ]


def solution_sections(path: Path) -> dict[tuple[str, str], list[str]]:
    """{("solution" | "wrong", name): [cell source, ...]} of a solutions file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CopyError(f"cannot read the solutions {path}: {error}") from None
    parts = SECTION.split(text)
    sections: dict[tuple[str, str], list[str]] = {}
    # parts: the preamble, then kind, name, body for each section
    for kind, name, body in zip(parts[1::3], parts[2::3], parts[3::3]):
        sections.setdefault((kind, name), []).append(body.strip("\n"))
    return sections


def solutions_for(path: Path, notebook: dict[str, Any]) -> dict[str, str]:
    """{exercise name: its solved cell} for the notebook at `path`; every exercise has
    exactly one solution, and no solution names an exercise the notebook does not have."""
    sections = solution_sections(path.parent / "solutions" / f"{path.stem}.py")
    names = [name for _, name in exercises(notebook)]
    solved: dict[str, str] = {}
    for name in names:
        found = sections.get(("solution", name), [])
        if len(found) != 1:
            raise CopyError(
                f"{path.name}: exercise {name!r} has {len(found)} '# %% solution: {name}' "
                f"sections in solutions/{path.stem}.py; it needs exactly one"
            )
        solved[name] = found[0]
    stray = sorted({name for kind, name in sections if kind == "solution"} - set(names))
    if stray:
        raise CopyError(f"solutions/{path.stem}.py solves exercises {path.name} lacks: {stray}")
    return solved


def _printed(cell: dict[str, Any]) -> str:
    return "".join(
        source_of({"source": output.get("text", "")})
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )


def cleared(notebook: dict[str, Any], path: Path, solved: dict[str, str]) -> dict[str, Any]:
    """A copy of the notebook without outputs or execution counts, refusing one whose
    exercises are already solved (the student copy would hand the answers out)."""
    for index, name in exercises(notebook):
        cell = notebook["cells"][index]
        if "Correct:" in _printed(cell) or source_of(cell).strip() == solved[name].strip():
            raise CopyError(
                f"{path.name}: exercise {name!r} is solved in this notebook (cell {index}); "
                "hand out the notebooks as committed (e.g. `git checkout notebooks/`)"
            )
    copy: dict[str, Any] = json.loads(json.dumps(notebook))
    for cell in copy["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return copy


# --- the copies ---------------------------------------------------------------------------


def chainrule_version() -> str:
    try:
        return importlib.metadata.version("chainrule")
    except importlib.metadata.PackageNotFoundError:
        raise CopyError(
            "chainrule is not installed (the notebooks import it): pip install -e '.[notebooks]'"
        ) from None


def readme_sections(source: Path) -> tuple[str, dict[str, str]]:
    """This folder's README as (its top: title, introduction and the table of notebooks,
    {heading: section text})."""
    text = (source / "README.md").read_text(encoding="utf-8")
    parts = HEADING.split(text)
    top, sections = parts[0], dict(zip(parts[1::2], parts[2::2]))
    for needed in ("Exercises", "Solutions"):
        if needed not in sections:
            raise CopyError(f"{source / 'README.md'} has no '## {needed}' section to copy")
    return top.strip() + "\n", {name: body.strip() + "\n" for name, body in sections.items()}


def _opening(version: str) -> str:
    return f"""## Opening the course

The notebooks run on chainrule {version}, whose `nn.course` package holds the checkers.
Install it with the notebook extras (Jupyter, matplotlib), then open the notebooks from
this folder:

    pip install "chainrule[notebooks]=={version}"
    jupyter lab

(If you were given chainrule as a wheel or a source folder, install that instead, with
`[notebooks]` after its path.) As root (a container, a VM), Jupyter refuses to start without
`--allow-root`: `jupyter lab --allow-root`. PyTorch is optional: notebook 5 compares with it
when it is installed.

To run the whole course headless, top to bottom, without changing the notebooks (the
executed copies go to `executed/`):

    jupyter nbconvert --to notebook --execute --output-dir executed/ *.ipynb
"""


def readme(source: Path, kind: str, version: str) -> str:
    top, sections = readme_sections(source)
    parts = [top, _opening(version), "## Exercises\n\n" + sections["Exercises"]]
    if kind == "teacher":
        parts.append(
            "## This copy\n\n"
            "The teacher's copy: every exercise cell holds its solution, so running a notebook\n"
            'prints "Correct:" under each exercise. The students\' copy has the same notebooks\n'
            "with the exercises unsolved, and no `solutions/`.\n"
        )
        parts.append("## Solutions\n\n" + sections["Solutions"])
    return "\n".join(parts)


def student_copy(source: Path = HERE) -> dict[str, str]:
    """{relative path: text} of the student copy."""
    version = chainrule_version()
    files: dict[str, str] = {}
    for path in notebooks(source):
        notebook = read_notebook(path)
        solved = solutions_for(path, notebook)
        files[path.name] = notebook_text(cleared(notebook, path, solved))
    files["README.md"] = readme(source, "student", version)
    files[MARKER] = json.dumps({"copy": "student", "chainrule": version}) + "\n"
    return files


def teacher_copy(source: Path = HERE) -> dict[str, str]:
    """{relative path: text} of the teacher copy."""
    version = chainrule_version()
    files: dict[str, str] = {}
    for path in notebooks(source):
        notebook = read_notebook(path)
        solved = solutions_for(path, notebook)
        notebook = cleared(notebook, path, solved)
        for index, name in exercises(notebook):
            notebook["cells"][index]["source"] = as_lines(solved[name])
        files[path.name] = notebook_text(notebook)
        solutions = path.parent / "solutions" / f"{path.stem}.py"
        files[f"solutions/{solutions.name}"] = solutions.read_text(encoding="utf-8")
    files["README.md"] = readme(source, "teacher", version)
    files[MARKER] = json.dumps({"copy": "teacher", "chainrule": version}) + "\n"
    return files


# --- writing a copy -----------------------------------------------------------------------


def check_target(target: Path, replace: bool) -> None:
    """Refuse a target that is a file, or a folder with something in it, unless it is a
    class copy made before and `replace` was asked for."""
    if not target.exists():
        return
    if not target.is_dir():
        raise CopyError(f"{target} exists and is not a folder")
    if not any(target.iterdir()):
        return
    if not replace:
        raise CopyError(
            f"{target} is not empty; choose a new folder, or pass --replace to replace a "
            "copy this command wrote before"
        )
    if not (target / MARKER).is_file():
        raise CopyError(
            f"{target} is not a copy this command wrote (it has no {MARKER} file), so "
            "--replace leaves it alone; choose a new folder"
        )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def build(files: dict[str, str], target: Path) -> Path:
    """Write `files` into a new temporary folder beside `target`; its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        os.chmod(folder, 0o777 & ~_umask())  # mkdtemp's folder is private; a copy is shared
        for name in sorted(files):
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, files[name])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def put_in_place(built: Path, target: Path) -> None:
    """Give the built folder the target's name; an old copy there is removed afterwards."""
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
    try:
        os.rename(built, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old)


def _inside(a: Path, b: Path) -> bool:
    return a == b or b in a.parents


def write_copies(
    student: Path | None, teacher: Path | None, *, replace: bool = False, source: Path = HERE
) -> list[str]:
    """Write the copies asked for; one line per copy written, saying what it holds."""
    wanted = [
        (kind, path.resolve())
        for kind, path in (("student", student), ("teacher", teacher))
        if path is not None
    ]
    if not wanted:
        raise CopyError("nothing to write: give --student DIR, --teacher DIR or both")
    if len(wanted) == 2 and (
        _inside(wanted[0][1], wanted[1][1]) or _inside(wanted[1][1], wanted[0][1])
    ):
        raise CopyError("the student and the teacher copies need two separate folders")
    for _, path in wanted:
        if _inside(path, source.resolve()) or _inside(source.resolve(), path):
            raise CopyError(f"{path} is the course's own folder, or in it; choose another")
        check_target(path, replace)
    # both copies are made, then built, before either takes its name: a mistake in the
    # course stops both, and leaves every target as it was
    made = [
        (kind, path, student_copy(source) if kind == "student" else teacher_copy(source))
        for kind, path in wanted
    ]
    built: list[tuple[str, Path, dict[str, str], Path]] = []
    try:
        for kind, path, files in made:
            built.append((kind, path, files, build(files, path)))
    except BaseException:
        for *_, folder in built:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    lines = []
    for kind, path, files, folder in built:
        put_in_place(folder, path)
        count = sum(1 for name in files if name.endswith(".ipynb"))
        held = (
            "exercises unsolved, no solutions"
            if kind == "student"
            else "exercises solved, solutions/"
        )
        lines.append(f"{kind} copy: {path} ({count} notebooks, {held}, README.md)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make_class_copies.py",
        description="Write the course's student copy (no solutions) and teacher copy "
        "(exercises solved, with solutions/).",
    )
    parser.add_argument("--student", type=Path, metavar="DIR", help="folder for the student copy")
    parser.add_argument("--teacher", type=Path, metavar="DIR", help="folder for the teacher copy")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace a copy this command wrote before (never any other folder)",
    )
    args = parser.parse_args(argv)
    if args.student is None and args.teacher is None:
        parser.error("give --student DIR, --teacher DIR or both")
    try:
        for line in write_copies(args.student, args.teacher, replace=args.replace):
            print(line)
    except CopyError as error:
        print(f"make_class_copies.py: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a folder that cannot be written, a full disk, ...
        print(f"make_class_copies.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
