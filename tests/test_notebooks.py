"""The course in `notebooks/`: committed clean (no outputs), shaped as the course promises,
every notebook runs from top to bottom and ends by asserting its key result, and every
exercise's checker accepts the solution and rejects a wrong answer with a hint.

Each notebook is executed in a fresh Jupyter kernel of the current interpreter, with a
temporary working directory, so it sees the installed `engine` and `nn` packages and
nothing from the repository checkout by accident.

Exercises are code cells tagged `exercise` whose metadata names them (`"exercise": NAME`).
`notebooks/solutions/NN_topic.py` holds, for each, a `# %% solution: NAME` section (the
whole cell, solved) and two or more `# %% wrong: NAME` sections (plausible mistakes, each a
different one). A checker prints a line starting "Correct:" or "Not yet:" (followed by its
hint); different mistakes get different hints, and no hint quotes a line of the solution.
The checkers, and the answers they compute, are imported from `nn.course`, never written in
a notebook (tests/test_class_copies.py checks the copies a teacher hands out).

Notebook 03 ends by saving the learner's engine (`nn.course.value.save_engine`) to
my_engine.py, where 06 and 07 load it (`load_engine`, which falls back to the course's
Value, saying why); the tests save the class notebook 03 makes cell by cell when every
exercise is solved (its class cell and the solutions), load it back, and check that a
broken one falls back.

Every notebook ends, after its final assert cell, with a Markdown recap: what was built,
what to remember, and two or three questions to think about.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
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

# seconds per cell; the whole file ran in 45 s on 2026-12-06 on two cores shared with other
# jobs (load ~3; 96 tests: each notebook twice, top to bottom, then with the exercise
# answers; 07 and 08 take ~13 s and ~11 s a run); tests/test_class_copies.py adds ~10 s
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


def _solutions(path: Path) -> dict[tuple[str, str], list[str]]:
    """{("solution" | "wrong", name): [cell source, ...]} from the notebook's solutions
    file: one solution per exercise, any number of wrong answers."""
    text = (SOLUTION_DIR / f"{path.stem}.py").read_text(encoding="utf-8")
    parts = SECTION.split(text)
    # parts: preamble, kind, name, body, kind, name, body, ...
    sections: dict[tuple[str, str], list[str]] = {}
    for kind, name, body in zip(parts[1::3], parts[2::3], parts[3::3]):
        bodies = sections.setdefault((kind, name), [])
        assert kind == "wrong" or not bodies, f"{path.stem}: two 'solution: {name}' sections"
        bodies.append(body.strip("\n"))
    return sections


def _quoted_solution_lines(solution: str, given_sources: list[str], hint: str) -> list[str]:
    """The lines of the solution that a hint repeats verbatim, except those the learner has
    already (in the skeleton, or written in the wrong answer the hint is about): a first
    hint must not hand over the answer."""
    given = {
        line.split("  #", 1)[0].strip() for source in given_sources for line in source.splitlines()
    }
    quoted = []
    for line in solution.splitlines():
        code = line.split("  #", 1)[0].strip()
        if len(code) < 12 or code in given or code.startswith(("def ", "#", "check_")):
            continue
        if code in hint:
            quoted.append(code)
    return quoted


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
def test_notebook_ends_with_a_recap_and_questions_after_the_final_assert(path: Path) -> None:
    cells = _read(path).cells
    last_code = max(i for i, cell in enumerate(cells) if cell.cell_type == "code")
    after = "\n".join(cell.source for cell in cells[last_code + 1 :])
    assert all(cell.cell_type == "markdown" for cell in cells[last_code + 1 :])
    assert re.search(r"^#+ Recap", after, re.MULTILINE), f"{path.stem}: no '## Recap' at the end"
    assert len(after.partition("Questions to think about")[0]) > 200, (
        f"{path.stem}: the recap before the questions is too short to say what was built"
    )
    _, _, questions = after.partition("Questions to think about")
    assert questions and 2 <= len(re.findall(r"^\d+\. ", questions, re.MULTILINE)) <= 3, (
        f"{path.stem}: the recap needs two or three numbered questions to think about"
    )
    assert questions.count("?") >= 2, f"{path.stem}: the questions do not ask anything"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_imports_the_installed_packages_without_path_hacks(path: Path) -> None:
    sources = "\n".join(cell.source for cell in _code_cells(_read(path)))
    assert "sys.path" not in sources
    assert "import engine" in sources


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_has_two_to_five_exercises_each_with_a_solution_and_wrong_answers(
    path: Path,
) -> None:
    exercises = _exercises(_read(path))
    names = [name for _, name in exercises]
    assert 2 <= len(names) <= 5, f"{path.stem}: {len(names)} exercises"
    assert all(names) and len(set(names)) == len(names), names
    sections = _solutions(path)
    for name in names:
        assert ("solution", name) in sections, f"{path.stem}: no solution for {name}"
        wrong = sections.get(("wrong", name), [])
        assert len(wrong) >= 2, f"{path.stem}: {len(wrong)} wrong answer(s) for {name}, not several"
        assert len(set(wrong)) == len(wrong), f"{path.stem}: the same wrong answer twice for {name}"
    stray = {name for _, name in sections} - set(names)
    assert not stray, f"{path.stem}: solutions for exercises that do not exist: {stray}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_the_checkers_and_their_answers_live_in_the_course_package(path: Path) -> None:
    """A learner reading the notebook does not read the answers: every checker an exercise
    calls is imported from `nn.course`, none is written in the notebook."""
    sources = [cell.source for cell in _code_cells(_read(path))]
    assert not [s for s in sources if re.search(r"^\s*def check_", s, re.MULTILINE)]
    imported = {
        name
        for source in sources
        for group, line in re.findall(
            r"^from nn\.course\.\w+ import (?:\(([^)]*)\)|([^\n#]*))", source, re.M
        )
        for name in re.split(r"[\s,]+", group + line)
        if name
    }
    notebook = _read(path)
    for index, name in _exercises(notebook):
        called = set(re.findall(r"\b(check_\w+)\(", notebook.cells[index].source))
        assert called and called <= imported, f"{path.stem} {name}: checker {called} not imported"


def test_the_course_checking_module_is_the_machinery_alone() -> None:
    """One job per module: nn.course.checking holds what checkers share, the checkers live in
    nn.course.exercises (01, 02, 03, 05, 10) and nn.course.network (04, 06 to 09)."""
    from nn.course import checking, exercises

    assert not [name for name in dir(checking) if name.startswith("check_")]
    for name in ("NotYet", "call", "checker", "close"):  # what nn.course.network builds on
        assert hasattr(checking, name), name
    assert set(exercises.__all__) == {
        name
        for notebook in COURSE
        if notebook[:2] in {"01", "02", "03", "05", "10"}
        for name in re.findall(
            r"\b(check_\w+)\(",
            "\n".join(
                cell.source for cell in _code_cells(_read(NOTEBOOK_DIR / f"{notebook}.ipynb"))
            ),
        )
    }


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
def test_notebook_runs_top_to_bottom(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    notebook = _read(path)
    _client(notebook, tmp_path).execute()  # raises CellExecutionError, naming the cell
    # the exercises as committed are unsolved: their checkers answer with a hint
    for index, name in _exercises(notebook):
        printed = _printed(notebook.cells[index].outputs)
        assert "Not yet:" in printed and "Correct:" not in printed, (name, printed)
    if path.stem == "03_build_your_own_value":
        # 03 saves the learner's engine (here with the reference methods the unsolved
        # exercises put on the class) where 06 and 07 load it
        from nn.course.value import Value, load_engine

        monkeypatch.chdir(tmp_path / "cwd")
        sys.modules.pop("my_engine", None)
        try:
            loaded = load_engine()
            assert capsys.readouterr().out == "using your Value from my_engine.py\n"
            assert loaded is not Value and loaded.__module__ == "my_engine"
        finally:
            sys.modules.pop("my_engine", None)


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
            (solution,) = sections["solution", name]
            hints = []
            for source in sections["wrong", name]:
                wrong = nbformat.v4.new_code_cell(source)
                client.execute_cell(wrong, index)
                printed = _printed(wrong.outputs)
                assert "Not yet:" in printed and "Correct:" not in printed, (name, printed)
                assert not [o for o in wrong.outputs if o.output_type == "error"], (name, printed)
                hint = printed.split("Not yet:", 1)[1].strip()
                assert len(hint) > 20, f"{name}: the hint says too little: {hint!r}"
                quoted = _quoted_solution_lines(solution, [cell.source, source], hint)
                assert not quoted, f"{name}: the hint hands over the answer: {quoted}"
                hints.append(hint)
            assert len(set(hints)) == len(hints), f"{name}: different mistakes, one hint: {hints}"
            solved = nbformat.v4.new_code_cell(solution)
            client.execute_cell(solved, index)
            printed = _printed(solved.outputs)
            assert "Correct:" in printed and "Not yet:" not in printed, (name, printed)
        if path.stem == "03_build_your_own_value":
            # every exercise solved: the saved engine is the learner's code alone
            save = nbformat.v4.new_code_cell(
                "from nn.course.value import save_engine\n\nsaved = save_engine(Value)"
            )
            client.execute_cell(save, last + 1)
            printed = _printed(save.outputs)
            assert printed == "Saved your Value to my_engine.py: notebooks 06 and 07 build on it.\n"
            saved = (tmp_path / "cwd" / "my_engine.py").read_text(encoding="utf-8")
            assert "nn.course" not in saved.partition('"""\n')[2].partition('"""')[2]
            for line in ("class Value:", "def backward(root):", "def topological_order(root):"):
                assert f"\n{line}\n" in saved, line


# --- nn.course: the checkers' machinery and the reference Value ------------------------


def test_an_exception_in_the_learners_code_is_a_hint_naming_the_learners_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    from nn.course.checking import call, checker

    learner = tmp_path / "learner_cell.py"
    learner.write_text("def slope(x):\n    y = x * 2\n    return y / (x - x)\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("learner_cell", learner)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    @checker
    def check_slope(fn):  # type: ignore[no-untyped-def]
        call(fn, 3.0)
        return "fine"

    verdict = check_slope(module.slope)
    printed = capsys.readouterr().out
    assert not verdict and repr(verdict).startswith("Not yet:")
    assert printed.startswith("Not yet: your slope raised ZeroDivisionError"), printed
    assert "learner_cell.py, line 3: `return y / (x - x)`" in printed, printed
    assert "Traceback" not in printed and "checking.py" not in printed


def test_gradient_hints_tell_the_typical_mistakes_apart() -> None:
    from nn.course.checking import gradient_hint

    local, upstream, before = 2.0, 1.5, 0.25
    right = before + local * upstream
    assert gradient_hint("x", right, local=local, upstream=upstream, before=before) is None
    mistakes = {
        "assigned": local * upstream,  # = for +=
        "no upstream": before + local,  # a missing * out.grad
        "sign": before - local * upstream,
        "known": 7.5,
        "other": 11.0,
    }
    hints = {
        kind: gradient_hint(
            "x", got, local=local, upstream=upstream, before=before, known=[(7.5, "it is 7.5")]
        )
        for kind, got in mistakes.items()
    }
    assert all(hints.values()) and len(set(hints.values())) == len(hints), hints
    assert "adding" in str(hints["assigned"]) and "out.grad" in str(hints["no upstream"])
    assert "sign" in str(hints["sign"]) and hints["known"] == "it is 7.5"
    assert "not a number" in str(gradient_hint("x", object(), local=1.0, upstream=1.0))


def _reference_expression(V, x):  # type: ignore[no-untyped-def]
    # every op of the reference Value, x used several times, numbers on both sides
    return (2 * x).exp() * x / (1 + x) - x**3 + (-x).tanh() + x.relu() + x.log() - 3 / x


def test_the_reference_value_agrees_with_central_differences_engine_and_torch() -> None:
    import math

    import engine
    from nn.course.value import Value, topological_order

    for x0 in (0.3, 1.7):
        x = Value(x0)
        out = _reference_expression(Value, x)
        out.backward()
        ex = engine.Value(x0)
        eout = _reference_expression(engine.Value, ex)
        eout.backward()

        def number(v: float) -> float:
            return float(_reference_expression(Value, Value(v)).data)

        h = 1e-6
        numeric = (number(x0 + h) - number(x0 - h)) / (2 * h)
        assert math.isclose(out.data, eout.data, rel_tol=1e-12)
        assert math.isclose(x.grad, ex.grad, rel_tol=1e-9)
        assert math.isclose(x.grad, numeric, rel_tol=1e-6)
        torch = pytest.importorskip("torch")
        t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        tout = (2 * t).exp() * t / (1 + t) - t**3 + torch.tanh(-t) + torch.relu(t)
        tout = tout + torch.log(t) - 3 / t
        tout.backward()
        assert math.isclose(x.grad, t.grad.item(), rel_tol=1e-9)
    deep = start = Value(0.001)
    for _ in range(20_000):  # deeper than Python's recursion limit
        deep = deep.tanh()
    assert len(topological_order(deep)) == 20_001
    deep.backward()
    assert 0.97 < start.grad < 0.99


# --- the learner's own engine, saved in 03 and loaded in 06 and 07 ---------------------

_NOTEBOOK_03 = NOTEBOOK_DIR / "03_build_your_own_value.ipynb"
# the call that ends an exercise's solution: check_NAME(Value, function, ...)
_CHECK_CALL = re.compile(r"^(?:\w+ = )?check_\w+\(Value, (?P<functions>[\w, ]+)\)$")


def _learner_cells() -> list[str]:
    """Notebook 03 as a learner who solved every exercise runs it: the first code cell (its
    imports), the class cell, then each exercise's solution (notebooks/solutions/), its
    checker call replaced by what a passing checker does, the functions put on the class
    (all but topological_order, which backward calls by name)."""
    notebook = _read(_NOTEBOOK_03)
    code = _code_cells(notebook)
    (class_cell,) = [cell.source for cell in code if cell.source.startswith("class Value:")]
    cells = [code[0].source, class_cell]
    sections = _solutions(_NOTEBOOK_03)
    for _, name in _exercises(notebook):
        (solution,) = sections["solution", name]
        body, _, call = solution.rpartition("\n\n\n")
        match = _CHECK_CALL.match(call)
        assert match, f"03's solution {name} does not end with its checker call: {call!r}"
        if name != "topological_order":
            functions = match["functions"].split(", ")
            body += "\n\n\n" + "".join(f"Value.{fn} = {fn}\n" for fn in functions)
        cells.append(body)
    return cells


@pytest.fixture
def no_engine_module() -> Iterator[None]:
    """No module named my_engine before or after: load_engine registers the one it loads."""
    sys.modules.pop("my_engine", None)
    yield
    sys.modules.pop("my_engine", None)


def _run_cell(source: str, namespace: dict[str, object], name: str) -> None:
    """Run `source` as a notebook cell: compiled under a name of its own and kept in
    linecache, as IPython does, so that inspect finds the source of what it defines."""
    import linecache

    filename = f"<ipython-input-{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def _learner_namespace(edit: tuple[str, str] = ("", "")) -> dict[str, object]:
    """The globals of a notebook whose cells made the learner's Value."""
    cells = _learner_cells()
    if edit[0]:
        assert sum(cell.count(edit[0]) for cell in cells) == 1, f"{edit[0]!r} is not in 03 once"
        cells = [cell.replace(*edit) for cell in cells]
    namespace: dict[str, object] = {"__name__": "__main__"}
    for number, cell in enumerate(cells):
        _run_cell(cell, namespace, f"{number}-learner")
    return namespace


def _learner_class(edit: tuple[str, str] = ("", "")) -> type:
    cls = _learner_namespace(edit)["Value"]
    assert isinstance(cls, type)
    return cls


@pytest.mark.parametrize(
    ("exercise", "marker", "says", "not_said"),
    [
        ("add_mul", "a line dropped", ["one operand's gradient is never updated"], ["again"]),
        ("more_ops", "a sign flipped inside", ["sign", "tanh"], ["should be", "0.9", "1.1"]),
        ("backward", "after the rules have run", ["seed must be set before"], ["never ran"]),
        ("backward", "without calling it", ["without calling it", "parentheses"], ["seed"]),
    ],
)
def test_the_03_checkers_name_these_mistakes(
    exercise: str,
    marker: str,
    says: list[str],
    not_said: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each hint names its mistake, truly, and gives no target number away."""
    from nn.course import exercises

    sections = _solutions(_NOTEBOOK_03)
    (wrong,) = [source for source in sections["wrong", exercise] if marker in source]
    namespace = _learner_namespace()
    namespace.update({name: getattr(exercises, name) for name in exercises.__all__})
    _run_cell(wrong, namespace, f"wrong-{exercise}")
    hint = capsys.readouterr().out
    assert hint.startswith("Not yet: "), hint
    assert all(words in hint for words in says), hint
    assert not any(words in hint for words in not_said), hint


def test_save_engine_writes_the_learners_value_and_load_engine_brings_it_back(
    no_engine_module: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nn.course.value import Value as CourseValue
    from nn.course.value import load_engine, save_engine

    monkeypatch.chdir(tmp_path)
    learner = _learner_class()
    saved = save_engine(learner)
    assert saved == Path("my_engine.py")
    assert capsys.readouterr().out == (
        "Saved your Value to my_engine.py: notebooks 06 and 07 build on it.\n"
    )
    text = (tmp_path / "my_engine.py").read_text(encoding="utf-8")
    # the learner's code, as written (its __mul__, comments and all), and nothing of the course's
    (add_mul,) = _solutions(_NOTEBOOK_03)["solution", "add_mul"]
    mul = add_mul[add_mul.index("def __mul__(") :].partition("\n\n\n")[0]
    assert "other.grad += self.data * out.grad" in mul and f"\n{mul}\n" in text
    assert "def topological_order(root):" in text and "Value.backward = backward" in text
    assert "nn.course" not in text.split('"""')[2] and "import math" in text
    assert not [p for p in tmp_path.iterdir() if p.name != "my_engine.py"]  # no temporary left

    mine = load_engine()
    assert capsys.readouterr().out == "using your Value from my_engine.py\n"
    assert mine is not CourseValue and mine is not learner and mine.__module__ == "my_engine"
    x = mine(3.0)
    y = x * x + x  # x used three times
    y.backward()
    assert (y.data, x.grad) == (12.0, 7.0)
    w = mine(-0.5)
    out = (2 * w + 1).tanh() / (w - 1) ** 2  # 03 has no __rsub__: 1 - w is not an op
    out.backward()
    h = 1e-6

    def f(v: float) -> float:
        return math.tanh(2 * v + 1) / (1 - v) ** 2

    assert abs(w.grad - (f(-0.5 + h) - f(-0.5 - h)) / (2 * h)) < 1e-7


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (("        other.grad += self.data * out.grad\n", ""), "a * b"),
        (("(1 - out.data**2)", "(1 + out.data**2)"), "a.tanh()"),
        (("    root.grad = 1.0  # d root / d root\n", ""), "a + b"),
    ],
    ids=["mul-rule-drops-a-line", "tanh-sign", "no-seed"],
)
def test_a_broken_learner_engine_falls_back_to_the_course_value_saying_why(
    no_engine_module: None,
    edit: tuple[str, str],
    named: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nn.course.value import Value as CourseValue
    from nn.course.value import load_engine, save_engine

    monkeypatch.chdir(tmp_path)
    assert save_engine(_learner_class(edit)) is None
    printed = capsys.readouterr().out
    assert printed.startswith("Saved to my_engine.py, but it does not pass the check: ")
    assert named in printed and "use the course's Value (nn.course.value) instead" in printed
    assert load_engine() is CourseValue
    printed = capsys.readouterr().out
    assert printed.startswith("using the course's Value (nn.course.value): your Value from ")
    assert named in printed and printed.count("\n") == 1


def test_load_engine_without_a_saved_engine_uses_the_course_value(
    no_engine_module: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nn.course.value import Value as CourseValue
    from nn.course.value import load_engine, save_engine

    monkeypatch.chdir(tmp_path)
    assert load_engine() is CourseValue
    assert capsys.readouterr().out == (
        "using the course's Value (nn.course.value): there is no my_engine.py here "
        "(notebook 03's last section saves it)\n"
    )
    (tmp_path / "my_engine.py").write_text("raise RuntimeError('half written')\n")
    assert load_engine() is CourseValue
    assert "importing my_engine.py raised RuntimeError: half written" in capsys.readouterr().out
    with pytest.raises(TypeError, match="save_engine takes your Value class"):
        save_engine(CourseValue(1.0))  # type: ignore[arg-type]


def test_save_engine_names_what_it_cannot_write_and_writes_nothing(
    no_engine_module: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nn.course.value import save_engine

    monkeypatch.chdir(tmp_path)
    learner = _learner_class()
    learner.__radd__ = lambda self, other: self + other  # type: ignore[attr-defined]
    assert save_engine(learner) is None
    assert capsys.readouterr().out == (
        "Not saved: Value.__radd__ is a lambda; write it with def to save it. my_engine.py "
        "was not written, so notebooks 06 and 07 use the course's Value (nn.course.value) "
        "instead.\n"
    )
    assert list(tmp_path.iterdir()) == []


# ---- notebook 06 to 07: the learner's Neuron, Layer and MLP, saved and loaded again ------

_NETWORK_CLASSES = ("Neuron", "Layer", "MLP")
_LAYER_CALL = "        outs = [neuron(x) for neuron in self.neurons]\n"


def _solution_class(name: str) -> str:
    """The class statement of notebook 06's solution NAME, without its checker call."""
    (solution,) = _solutions(NOTEBOOK_DIR / "06_build_an_mlp.ipynb")["solution", name]
    statement = solution.split(f"\n\n\ncheck_{name.lower()}(")[0]
    assert statement.startswith(f"class {name}:") and "check_" not in statement
    return statement


@pytest.fixture
def learner_network(tmp_path: Path) -> Iterator[object]:
    """Notebook 06's three solution classes, defined in a module file of tmp_path (so that
    their source is found, as a cell's is), on the course's Value."""
    import importlib.util

    source = "import random\n\nfrom nn.course.value import Value\n\n\n" + "\n\n\n".join(
        _solution_class(name) for name in _NETWORK_CLASSES
    )
    path = tmp_path / "learner_network_06.py"
    path.write_text(source + "\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("learner_network_06", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["learner_network_06"] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules["learner_network_06"]


def test_save_network_writes_the_learners_classes_and_load_network_brings_them_back(
    learner_network: object,
    no_engine_module: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import nn.course.network as network

    monkeypatch.chdir(tmp_path)
    neuron, layer, mlp = (getattr(learner_network, name) for name in _NETWORK_CLASSES)
    network.check_neuron(neuron)
    network.check_layer(layer)
    network.check_mlp(mlp)
    verdicts = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in verdicts] == ["Correct"] * 3, verdicts

    saved = network.save_network(neuron, layer, mlp)
    assert saved == Path("my_network.py")
    assert capsys.readouterr().out == (
        "Saved your Neuron, Layer and MLP (on the course's Value) to my_network.py: "
        "notebook 07 trains your MLP.\n"
    )
    text = (tmp_path / "my_network.py").read_text(encoding="utf-8")
    for name in _NETWORK_CLASSES:  # each class as the learner wrote it
        assert _solution_class(name) in text
    assert "import random" in text and "from nn.course.value import Value" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "learner_network_06.py",
        "my_network.py",
    ]  # no temporary file left

    mine = network.load_network()
    assert capsys.readouterr().out == (
        "using your Neuron, Layer and MLP from my_network.py, on the course's Value\n"
    )
    assert mine is not network.MLP and mine is not mlp
    assert mine.__module__.startswith("_chainrule_learner_network_")  # a fresh import
    assert mine.__module__ not in sys.modules  # and not kept once it ran
    model = mine(3, [4, 1])
    x = [0.5, -1.0, 2.0]
    out = model(x)
    assert isinstance(out, network.Value)
    assert len(model.parameters()) == 4 * 4 + 5  # (3 + 1) * 4 + (4 + 1) * 1
    # by hand: a tanh layer of 4, then one linear neuron
    hidden_layer, last_layer = model.layers
    hidden = [
        math.tanh(sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data)
        for n in hidden_layer.neurons
    ]
    (last,) = last_layer.neurons
    expected = sum(w.data * h for w, h in zip(last.w, hidden)) + last.b.data
    assert math.isclose(out.data, expected, rel_tol=1e-12)
    out.backward()
    assert last.b.grad == 1.0 and [w.grad for w in last.w] == pytest.approx(hidden)

    # the written file broken: Layer answers with its first neuron's output alone
    broken = text.replace(_LAYER_CALL, _LAYER_CALL + "        outs = outs[:1]\n")
    assert broken != text
    (tmp_path / "my_network.py").write_text(broken, encoding="utf-8")
    assert network.load_network() is network.MLP
    printed = capsys.readouterr().out
    assert printed.startswith(
        "using the course's MLP (nn.course.network.MLP, on the course's Value): my_network.py "
        "does not pass the check: its Layer: "
    ), printed
    assert "a list of 2 Values, one per neuron." in printed and printed.count("\n") == 1

    # the checker's test images never reach the notebook by name
    assert "held_out_digits" not in dir(network)
    assert not [name for name in dir(network) if "held_out_digits" in name]


def test_save_network_saves_nothing_until_the_three_classes_pass(
    learner_network: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import nn.course.network as network

    monkeypatch.chdir(tmp_path)
    neuron, layer, mlp = (getattr(learner_network, name) for name in _NETWORK_CLASSES)
    network.check_neuron(neuron)
    capsys.readouterr()
    assert network.save_network(neuron, layer, mlp) is None
    assert capsys.readouterr().out == (
        "Nothing saved: your Layer and MLP have not passed the check yet (run this cell again "
        "once they all have). Without my_network.py, notebook 07 trains the course's MLP.\n"
    )
    assert not (tmp_path / "my_network.py").exists()
    assert network.load_network() is network.MLP
    assert capsys.readouterr().out == (
        "using the course's MLP (nn.course.network.MLP, on the course's Value): there is no "
        "my_network.py here (notebook 06 saves it once your three classes pass)\n"
    )
    with pytest.raises(TypeError, match="save_network takes your three classes; Layer is"):
        network.save_network(neuron, "Layer", mlp)  # type: ignore[arg-type]
