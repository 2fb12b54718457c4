"""What the course's checkers share: how they answer, how they run the learner's code, and
how they tell one typical mistake from another.

A checker is a function a notebook's exercise cell ends by calling. It prints one line that
starts with "Correct:" (and says what is right) or "Not yet:" (and gives a hint), and
returns True or False. The hint names the mistake it recognised, in the learner's terms,
without handing over the answer; an exception raised in the learner's code is reported as a
hint naming the learner's line, never as a traceback through the checker.

The API (stable; `nn.course.exercises` and `nn.course.network` build their checkers on it):

- `Verdict`: what a checker returns: true when the answer is right, false otherwise. It
  displays nothing in a notebook, so an exercise cell that ends with the checker's call
  shows only the printed line.
- `correct(message) -> Verdict` prints "Correct: <message>" (a true Verdict).
- `not_yet(hint) -> Verdict` prints "Not yet: <hint>" (a false Verdict).
- `NotYet(hint)`: the exception a check raises to stop at the first mistake it finds.
- `@checker`: decorates a check function that returns the success message (a str) or
  raises `NotYet`. The decorated function prints the verdict and returns the Verdict.
  An exception from the learner's code (through `call`) becomes a "Not yet:" hint; any
  other exception is the checker's own bug and propagates.
- `call(fn, *args, what="...", **kwargs)` runs the learner's `fn`; an exception raised there
  becomes `NotYet` whose hint names the exception, its message and the learner's line:
  "your __mul__ raised TypeError (unsupported operand ...) at cell In[7], line 4:
  `self.grad += other * out.grad`".
- `learner_line(error) -> str | None`: that "at cell In[7], line 4: `...`" part alone (the
  innermost frame of the traceback that is neither the standard library nor an installed
  package nor `engine`/`nn`, i.e. the learner's code).
- `is_number(x) -> bool`: a real number, not a bool.
- `close(a, b, tol=1e-9) -> bool`: both are real numbers (not bool) within `tol`, absolute
  or relative.
- `gradient_hint(name, got, *, local, upstream, before=0.0, known=(), tol=1e-9)` -> the
  hint for a gradient that a rule left in `name` (None when it is right). `local` is the
  local derivative, `upstream` the output's gradient the rule was run with (not 1, so a
  missing `* out.grad` shows), `before` what `name`'s gradient held before the rule ran
  (not 0, so `=` for `+=` shows). It recognises, in this order: a non-number (a Value where
  a number belongs), `=` for `+=`, a missing upstream gradient, a flipped sign, and then
  each `(wrong_value, hint)` of `known` (e.g. the other operand's number for a swapped
  factor); otherwise it says what the gradient is and what it should be.
- `same_code(f, g) -> bool`: two functions share their code (e.g. `out._backward` is still
  the do-nothing function every leaf gets: a closure never attached).
"""

from __future__ import annotations

import functools
import linecache
import numbers
import sys
import sysconfig
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

__all__ = [
    "NotYet",
    "Verdict",
    "call",
    "checker",
    "close",
    "correct",
    "gradient_hint",
    "is_number",
    "learner_line",
    "not_yet",
    "same_code",
]

T = TypeVar("T")


class NotYet(Exception):
    """A check found a mistake; its message is the hint shown after "Not yet:"."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


class Verdict:
    """A checker's answer: true when right. Jupyter shows nothing for it (the checker has
    printed its line already), unlike a bare True or False."""

    def __init__(self, ok: bool, message: str) -> None:
        self.ok = ok
        self.message = message

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"{'Correct' if self.ok else 'Not yet'}: {self.message}"

    def _ipython_display_(self) -> None:
        """Nothing to show: the verdict was printed when it was made."""


def correct(message: str) -> Verdict:
    """Print the verdict for a solved exercise; a true Verdict."""
    print(f"Correct: {message}")
    return Verdict(True, message)


def not_yet(hint: str) -> Verdict:
    """Print the verdict for an exercise not solved yet, with its hint; a false Verdict."""
    print(f"Not yet: {hint}")
    return Verdict(False, hint)


def checker(check: Callable[..., str]) -> Callable[..., Verdict]:
    """Turn `check` (returns the success message, raises NotYet) into a checker that prints
    one verdict line and returns its Verdict."""

    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> Verdict:
        try:
            message = check(*args, **kwargs)
        except NotYet as mistake:
            return not_yet(mistake.hint)
        return correct(message)

    return run


def _not_learner_folders() -> tuple[str, ...]:
    """Where code that is not the learner's lives: the standard library, installed packages
    and chainrule's own packages (engine/, nn/), wherever they are installed from."""
    paths = sysconfig.get_paths()
    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    folders = {str(Path(paths[key]).resolve()) for key in keys if paths.get(key)}
    here = Path(__file__).resolve().parent.parent.parent
    return tuple(sorted(folders | {str(here / name) for name in ("engine", "nn")}))


_NOT_LEARNER = _not_learner_folders()


def _is_learner_file(filename: str) -> bool:
    if filename.startswith("<frozen") or not filename:
        return False
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        return True
    return not any(resolved == root or resolved.startswith(root + "/") for root in _NOT_LEARNER)


def _where(filename: str, lineno: int) -> str:
    """'cell In[7], line 4' for a notebook cell (IPython keeps the map), else file, line."""
    shell = sys.modules.get("IPython")
    if shell is not None:
        try:
            ip = shell.get_ipython()
            count = ip.compile._filename_map.get(filename) if ip is not None else None
        except AttributeError:
            count = None
        if count is not None:
            return f"cell In[{count}], line {lineno}"
    return f"{Path(filename).name}, line {lineno}"


def learner_line(error: BaseException) -> str | None:
    """Where in the learner's code `error` was raised: "at cell In[7], line 4: `...`"."""
    frames = traceback.extract_tb(error.__traceback__)
    for frame in reversed(frames):
        if _is_learner_file(frame.filename):
            text = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
            where = f"at {_where(frame.filename, frame.lineno or 0)}"
            return f"{where}: `{text}`" if text else where
    return None


def call(fn: Callable[..., T], *args: Any, what: str = "", **kwargs: Any) -> T:
    """`fn(*args, **kwargs)`, with an exception raised in it turned into a NotYet hint that
    names the exception and the learner's line (`what` names the code, e.g. "your __add__";
    by default "your <fn's name>")."""
    try:
        return fn(*args, **kwargs)
    except NotYet:
        raise
    except Exception as error:  # the learner's mistake, whatever it is, becomes a hint
        name = what or f"your {getattr(fn, '__name__', 'code')}"
        message = str(error)
        detail = f" ({message})" if message else ""
        place = learner_line(error)
        hint = f"{name} raised {type(error).__name__}{detail}" + (f" {place}" if place else "")
        raise NotYet(hint + ".") from None


def is_number(x: object) -> bool:
    """A real number: int, float, Fraction, numpy float, ...; not a bool (True is no answer)."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def close(a: object, b: object, tol: float = 1e-9) -> bool:
    """Both real numbers, equal within `tol` (absolute, or relative to the larger)."""
    if not (is_number(a) and is_number(b)):
        return False
    x, y = float(a), float(b)  # type: ignore[arg-type]
    return abs(x - y) <= tol * max(1.0, abs(x), abs(y))


def same_code(f: object, g: object) -> bool:
    """`f` and `g` are functions with the same code: made by the same `def` or lambda."""
    return getattr(f, "__code__", None) is getattr(g, "__code__", object())


def gradient_hint(
    name: str,
    got: object,
    *,
    local: float,
    upstream: float,
    before: float = 0.0,
    known: Iterable[tuple[float, str]] = (),
    tol: float = 1e-9,
) -> str | None:
    """None if `got == before + local * upstream`, else a hint naming the mistake."""
    right = before + local * upstream
    if close(got, right, tol):
        return None
    if not is_number(got):
        return (
            f"{name}.grad became a {type(got).__name__}, not a number: a rule computes "
            "with numbers (a node's .data and .grad), not with the nodes themselves."
        )
    got = float(cast(float, got))
    if before != 0.0 and close(got, local * upstream, tol):
        return (
            f"{name}.grad held {before} before the rule ran and afterwards holds only this "
            "rule's share: the rule replaced the gradient instead of adding to it. A node "
            "used twice gets a share from each use."
        )
    if upstream != 1.0 and close(got, before + local, tol):
        return (
            f"{name}.grad grew by {got - before:.6g}, the local derivative alone: the chain "
            "rule multiplies it by the gradient that arrived at the output (out.grad, "
            f"{upstream} here)."
        )
    if close(got, before - local * upstream, tol):
        return f"{name}.grad moved by the right amount in the wrong direction: check a sign."
    for value, hint in known:
        if close(got, value, tol):
            return hint
    return (
        f"{name}.grad is {got:.6g} after the rule ran with out.grad = {upstream} and "
        f"{name}.grad = {before} before; it should be {right:.6g}. Work out the local "
        f"derivative of the output with respect to {name} again."
    )
