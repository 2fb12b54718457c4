"""The backward pass: a topological order of the graph, then the chain rule node by node.

Reverse mode in three steps:
1. order the nodes so that every node comes after its parents (an iterative depth-first
   search: no recursion, so a chain of a million ops is fine);
2. seed the output's gradient (d out / d out = 1);
3. walk the order backwards; each node's rule adds its gradient times the local
   derivative to its parents' gradients. Every use of a node has pushed its share before
   the node itself is reached, so its gradient is complete when its rule runs.

`grad()` runs the same rules on stand-ins (`_Shadow`) of the nodes, so no `.grad` is
touched; with `create_graph=True` the stand-ins carry Values, and the rules' arithmetic
records the backward pass as a graph that can be differentiated again.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence

from engine.value import Value

__all__ = ["topological_order", "backward", "backward_steps", "grad"]


def topological_order(root: Value) -> list[Value]:
    """Every node that `root` depends on, each after all of its parents; `root` last.

    Depth-first, parents in operand order, so the same graph always gives the same order.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            for parent in reversed(node.parents):
                if parent not in visited:
                    stack.append((parent, False))
    return order


def backward(root: Value, grad_output: float = 1.0) -> None:
    """Add d(root)/d(node) * grad_output to `.grad` of every node `root` depends on."""
    order = topological_order(root)
    root.grad += _seed(grad_output)
    for node in reversed(order):
        if node._backward is not None:
            node._backward(node, node.grad)


def backward_steps(root: Value, grad_output: float = 1.0) -> Iterator[Value]:
    """The same pass as `backward()`, yielding each node just after its rule has run."""
    order = topological_order(root)
    root.grad += _seed(grad_output)
    for node in reversed(order):
        if node._backward is not None:
            node._backward(node, node.grad)
        yield node


class _ZeroGrad:
    """The gradient of a stand-in before anything reached it: `0 + x` is just `x`.

    Starting from this instead of 0.0 keeps `0.0 + ...` nodes out of a recorded graph.
    """

    __slots__ = ()
    data = 0.0

    def __add__(self, other: object) -> object:
        return other

    def __sub__(self, other: object) -> object:
        return -other  # type: ignore[operator]


_ZERO = _ZeroGrad()


class _Shadow:
    """A node's stand-in during `grad()`: same shape, its own gradient slot."""

    __slots__ = ("data", "grad", "parents")


def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool = False
) -> list[float] | list[Value]:
    """d(output)/d(input) for each input, in order, without touching any `.grad`.

    An input that `output` does not depend on gets 0.0 (`Value(0.0)` with
    `create_graph=True`). With `create_graph=True` each gradient is a Value whose graph
    records how it was computed, so it can be differentiated again.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value):
        inputs = [inputs]
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}")

    shadows: dict[Value, _Shadow] = {}
    for node in topological_order(output):
        shadow = _Shadow()
        shadow.data = node if create_graph else node.data
        shadow.grad = _ZERO
        shadow.parents = tuple(shadows[p] for p in node.parents)
        shadows[node] = shadow

    shadows[output].grad = 1.0
    for node in reversed(list(shadows)):
        shadow = shadows[node]
        if node._backward is not None and shadow.grad is not _ZERO:
            node._backward(shadow, shadow.grad)  # type: ignore[arg-type]

    results = []
    for x in inputs:
        g = shadows[x].grad if x in shadows else _ZERO
        g = 0.0 if g is _ZERO else g
        if create_graph and not isinstance(g, Value):
            g = Value(g)
        elif not create_graph:
            g = float(g)
        results.append(g)
    return results


def _seed(grad_output: float) -> float:
    if isinstance(grad_output, Value) or not isinstance(grad_output, numbers.Real):
        raise TypeError(
            f"backward: grad_output must be a real number, got {type(grad_output).__name__}"
        )
    return float(grad_output)
