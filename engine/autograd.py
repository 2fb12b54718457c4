"""The backward pass: a topological order of the graph, then the chain rule node by node.

Reverse mode in three steps:
1. order the nodes so that every node comes after its parents: count how often each node
   is used as a parent, then place nodes from the root down, each once all of its uses are
   placed (Kahn's algorithm; iterative, so a chain of a million ops is fine);
2. seed the output's gradient (d out / d out = 1);
3. walk the order backwards; each node's rule adds its gradient times the local
   derivative to its parents' gradients. Every use of a node has pushed its share before
   the node itself is reached, so its gradient is complete when its rule runs.

A pass works on this pass's gradients only: a `.grad` left by an earlier pass is set
aside and added back at the end, so calling `backward()` twice adds the same amount twice
(as in PyTorch) instead of pushing the first pass's gradient through the graph again.

`grad()` runs the same rules on stand-ins (`_Shadow`) of the nodes, so no `.grad` is
touched; with `create_graph=True` the stand-ins carry Values, and the rules' arithmetic
records the backward pass as a graph that can be differentiated again.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, overload

from engine.value import Value, _copy_links, _parents

__all__ = ["topological_order", "backward", "backward_steps", "grad"]


def topological_order(root: Value) -> list[Value]:
    """Every node that `root` depends on, each after all of its parents; `root` last.

    The order depends on the graph alone (parents in operand order), never on memory
    addresses, so the same graph always gives the same order.
    """
    uses = _count_uses(root)
    order: list[Value] = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            # a parent is placed once every node made from it is placed
            left = uses[parent] - 1
            uses[parent] = left
            if left == 0:
                ready.append(parent)
    order.reverse()
    return order


def _count_uses(root: Value) -> dict[Value, int]:
    """For each node `root` depends on, how many times it is a parent (`a*a` uses a twice)."""
    uses = {root: 0}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent in uses:
                uses[parent] += 1
            else:
                uses[parent] = 1
                stack.append(parent)
    return uses


def backward(root: Value, grad_output: float = 1.0) -> None:
    """Add d(root)/d(node) * grad_output to `.grad` of every node `root` depends on.

    The training loop's hot path, so ordering and the chain rule share one loop: a node's
    rule runs as soon as every node made from it has run its own (Kahn's algorithm from
    the root; the same order as `backward_steps`). The count of uses still to run is kept
    on each node (`_pending`) instead of in a dict: no hashing.

    A count belongs to one pass: it is stored above that pass's own base number, which
    grows from pass to pass, so a count left behind by a pass that was interrupted (an
    exception in a rule, Ctrl-C at any moment) is below the next base and is taken for
    "not seen yet". No clean-up is needed, so none can be interrupted half-way.
    One pass at a time per graph: two threads running `backward()` at once over shared
    nodes are not supported (their `+=` on `.grad` would race anyway).
    """
    seed = _seed(grad_output)
    if root._backward is None:  # a leaf: d root/d root = 1, and nothing below it
        root.grad += seed
        return
    base = next(_pass_bases)
    last_use = base + 1  # the count of a node with one use left
    earlier: list[tuple[Value, float]] = []
    try:
        # a gradient left by an earlier pass must not be pushed again (see the module doc)
        earlier = [(node, node.grad) for node in _count_pending(root, base)]
        for node, _ in earlier:
            node.grad = 0.0
        root.grad += seed
        ready = [root]
        while ready:
            node = ready.pop()
            # every use of node has pushed its share: node.grad is complete
            node._backward(node, node.grad)  # type: ignore[misc]  # only interior nodes are ready
            a, b = node._a, node._b  # node.parents, inlined: this loop is the hot path
            for parent in node._rest if a is None else (a,) if b is None else (a, b):
                if parent._backward is None:
                    continue  # a leaf has nothing to pass on: its gradient is final
                left = parent._pending
                if left == last_use:
                    ready.append(parent)
                else:
                    parent._pending = left - 1
    finally:
        for node, g in earlier:
            node.grad += g


# Each pass counts uses above a base of its own, 2**40 above the last pass's: more uses
# than that would not fit in memory, so no count of one pass reaches the next's base.
_pass_bases = itertools.count(1 << 40, 1 << 40)


def _count_pending(root: Value, base: int) -> list[Value]:
    """Set `_pending` of every interior node below the interior node `root` to `base` plus
    its number of uses. Leaves are left out: no rule to run, no parents to wait for.

    Returns the interior nodes that already hold a gradient (from an earlier pass).
    """
    nodes = [root]
    held = [root] if root.grad else []
    first_use = base + 1
    for node in nodes:  # the list grows as new parents are found: each is appended once
        a, b = node._a, node._b  # node.parents, inlined: this loop is the hot path
        for parent in node._rest if a is None else (a,) if b is None else (a, b):
            if parent._backward is None:
                continue
            pending = parent._pending
            if pending > base:  # seen before in this pass
                parent._pending = pending + 1
            else:  # first seen (a smaller number is a count from an earlier pass)
                parent._pending = first_use
                nodes.append(parent)
                if parent.grad:
                    held.append(parent)
    return held


def backward_steps(root: Value, grad_output: float = 1.0) -> Generator[Value, None, None]:
    """The same pass as `backward()`, yielding each node just after its rule has run."""
    seed = _seed(grad_output)
    order = topological_order(root)
    with _this_pass_only(order):
        root.grad = seed
        for node in reversed(order):
            # every use of node has pushed its share: node.grad is complete
            if node._backward is not None:
                node._backward(node, node.grad)
            yield node


@contextmanager
def _this_pass_only(order: list[Value]) -> Iterator[None]:
    """Inside: `.grad` holds this pass's gradients only. After: earlier ones are added back.

    The rules push whatever `.grad` holds, so a gradient left by an earlier pass must be
    out of the way, or a second `backward()` would push the first pass's gradient again.
    """
    earlier = {node: node.grad for node in order if node.grad != 0.0}
    for node in earlier:
        node.grad = 0.0
    try:
        yield
    finally:
        # accumulate, as documented (and also when a rule raised or stepping stopped early)
        for node, g in earlier.items():
            node.grad += g


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

    __slots__ = ("data", "grad", "_a", "_b", "_rest", "_k")
    data: Any  # the node's float, or the node itself when the pass is recorded
    grad: Any  # _ZERO until a gradient arrives; then a float or a Value
    parents = property(_parents)  # for rules that read out.parents, as Value has


@overload
def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: Literal[False] = False
) -> list[float]: ...


@overload
def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: Literal[True]
) -> list[Value]: ...


@overload
def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool
) -> list[float] | list[Value]: ...


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
        _copy_links(shadow, node, shadows.__getitem__)
        shadows[node] = shadow

    shadows[output].grad = 1.0
    for node in reversed(list(shadows)):
        shadow = shadows[node]
        if node._backward is not None and shadow.grad is not _ZERO:
            node._backward(shadow, shadow.grad)

    results: list[Any] = []
    for x in inputs:
        g: Any = shadows[x].grad if x in shadows else _ZERO
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
