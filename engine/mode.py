"""The switches that change how ops record: `no_grad` and `detect_anomaly`.

Both live in one `ContextVar`, so each thread (and each asyncio task) has its own
setting and a block can be nested inside another. An op reads the switch once; the
common case (recording, no anomaly checks) is a single comparison.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import sys
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import FrameType
from typing import Any, TypeVar

__all__ = ["AnomalyError", "detect_anomaly", "no_grad", "is_grad_enabled"]

GRAD = 1  # record parents and the local-gradient rule
ANOMALY = 2  # check every result and gradient for NaN and infinity
RECORDING = GRAD  # the default: record, no checks

mode: ContextVar[int] = ContextVar("chainrule_mode", default=RECORDING)

# The tokens of the `no_grad`/`enable_grad` blocks entered in this context, innermost last.
# They live in a ContextVar, not on the switch object: one `@no_grad()` function running
# in two threads at once must restore each thread's own setting.
_entered: ContextVar[tuple[Token[int], ...]] = ContextVar("chainrule_entered", default=())

F = TypeVar("F", bound=Callable[..., Any])


class AnomalyError(RuntimeError):
    """An op produced NaN or infinity while `detect_anomaly()` was on."""


class _ModeSwitch:
    """A context manager (and decorator) that sets or clears one bit of the mode."""

    def __init__(self, bit: int, on: bool) -> None:
        self._bit = bit
        self._on = on

    def __enter__(self) -> None:
        current = mode.get()
        new = current | self._bit if self._on else current & ~self._bit
        _entered.set((*_entered.get(), mode.set(new)))

    def __exit__(self, *exc_info: object) -> None:
        *outer, token = _entered.get()
        _entered.set(tuple(outer))
        mode.reset(token)

    def __call__(self, fn: F) -> F:
        """Use as a decorator: `fn` runs inside the block. For a generator function, each
        step of the generator runs inside it (and the caller's code between steps does
        not), as with PyTorch's decorators."""
        if inspect.isgeneratorfunction(fn):
            return self._wrap_generator(fn)  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _wrap_generator(self, fn: Callable[..., Generator[Any, Any, Any]]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def generator_wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            steps = fn(*args, **kwargs)
            try:
                with self:
                    item = steps.send(None)
                while True:
                    try:
                        sent = yield item
                    except GeneratorExit:
                        with self:
                            steps.close()
                        raise
                    except BaseException as error:  # thrown in by the caller: pass it on
                        with self:
                            item = steps.throw(error)
                    else:
                        with self:
                            item = steps.send(sent)
            except StopIteration as stop:
                return stop.value

        return generator_wrapper


def no_grad() -> _ModeSwitch:
    """Inside this block every result is a leaf: no parents, no rule, nothing to free.

    Use it for evaluation and for optimizer updates, exactly like `torch.no_grad()`.
    Works as a decorator too: `@no_grad()`.
    """
    return _ModeSwitch(GRAD, on=False)


def enable_grad() -> _ModeSwitch:
    """Turn recording back on inside a `no_grad()` block."""
    return _ModeSwitch(GRAD, on=True)


def is_grad_enabled() -> bool:
    """Whether ops made now record their parents."""
    return bool(mode.get() & GRAD)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise `AnomalyError` at the first op whose result or gradient is NaN or infinite.

    The error names the op, its inputs and the line of your code that made the node.
    Finding that line costs a stack walk per op, so it happens only inside this block.
    """
    token = mode.set(mode.get() | ANOMALY)
    try:
        yield
    finally:
        mode.reset(token)


_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_line() -> str:
    """`file:line` of the innermost frame outside the engine package (iterative walk)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == (
        _ENGINE_DIR
    ):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def is_finite(x: Any) -> bool:
    """True for a finite float, or a Value whose data is finite."""
    return math.isfinite(getattr(x, "data", x))
