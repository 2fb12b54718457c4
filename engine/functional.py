"""Whole derivative matrices of a function: `jacobian` and `hessian`.

In the manner of `torch.autograd.functional`: pass a function and the point to
differentiate it at, get the matrix back as nested lists. Both are built on `grad`, one
reverse pass per output row; the Hessian differentiates the gradient's own graph
(`grad(..., create_graph=True)`) once more.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from engine.autograd import grad
from engine.mode import enable_grad
from engine.value import Value

__all__ = ["jacobian", "hessian"]


def jacobian(
    f: Callable[..., Any], inputs: Sequence[float | Value], create_graph: bool = False
) -> list[Any]:
    """d f_i / d x_j at `inputs`, one row per output of `f`.

    `f` takes one Value per input and returns a Value (the result is then one row, a
    list with one entry per input) or a list of Values (a list of rows). An input may be a
    number or a Value; with `create_graph=True` the entries are Values whose graph reaches
    the given Values, so they can be differentiated again; else they are floats.
    """
    values = _input_values(inputs, "jacobian")
    with enable_grad():
        outputs = f(*values)
    if isinstance(outputs, (Value, numbers.Real)):
        return _row(outputs, values, create_graph, "jacobian")
    if not isinstance(outputs, Sequence) or isinstance(outputs, (str, bytes)):
        raise TypeError(
            f"jacobian: f must return a Value or a list of Values, got {type(outputs).__name__}"
        )
    return [_row(out, values, create_graph, "jacobian") for out in outputs]


def hessian(
    f: Callable[..., Value], inputs: Sequence[float | Value], create_graph: bool = False
) -> list[list[Any]]:
    """d^2 f / (d x_i d x_j) at `inputs`, as a list of rows; `f` returns one Value.

    `create_graph=True` gives Values that can be differentiated once more.
    """
    values = _input_values(inputs, "hessian")
    with enable_grad():
        output = f(*values)
        if not isinstance(output, Value):
            raise TypeError(f"hessian: f must return a Value, got {type(output).__name__}")
        first = grad(output, values, create_graph=True)
    return [_row(d, values, create_graph, "hessian") for d in first]


def _input_values(inputs: Sequence[float | Value], who: str) -> list[Value]:
    if isinstance(inputs, (Value, numbers.Real)):
        inputs = [inputs]  # type: ignore[list-item]
    values = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            values.append(x)
        elif isinstance(x, numbers.Real):
            values.append(Value(x))
        else:
            raise TypeError(
                f"{who}: inputs[{i}] must be a number or a Value, got {type(x).__name__}"
            )
    return values


def _row(output: object, values: list[Value], create_graph: bool, who: str) -> list[Any]:
    """The gradient of one output with respect to every input (zeros for a number)."""
    if isinstance(output, Value):
        with enable_grad():
            return list(grad(output, values, create_graph=create_graph))
    if isinstance(output, numbers.Real):  # a constant: it depends on no input
        return [Value(0.0) if create_graph else 0.0 for _ in values]
    raise TypeError(f"{who}: each output of f must be a Value, got {type(output).__name__}")
