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

`grad()` runs the same rules on stand-ins (`_Shadow`) of the nodes, in the same order and
with the same arithmetic, so it gives the same numbers as `backward()` and touches no
`.grad`; with `create_graph=True` the stand-ins carry Values, and the rules' arithmetic
records the backward pass as a graph that can be differentiated again.

Threads: `backward()` passes run one at a time (a lock shared by all graphs, taken once
per pass, not per node; see "one pass at a time" below), so passes from several threads
over one graph add up as if they had run one after another. A `backward_steps()` pass
takes the lock for each step; if another pass reached one of its nodes between two steps,
its next step raises `RuntimeError` naming the node and the root (going on would push that
pass's share again).
"""

from __future__ import annotations

import contextlib
import itertools
import numbers
import sys
import threading
from collections.abc import Callable, Generator, Sequence
from types import CodeType, FrameType
from typing import Any, Literal, overload

from engine.messages import quote
from engine.mode import enable_grad
from engine.value import Value, _Constant, _copy_links, _parents, _to_float

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

    Passes from several threads take turns (one lock, taken once per pass): each adds its
    whole gradient, so the `.grad`s are those of the passes run one after another.
    """
    _exclusive(_backward, root, _seed(grad_output))


def _backward(root: Value, seed: float) -> None:
    """`backward()`'s pass, run under `_pass_lock`."""
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


# ---- one pass at a time ------------------------------------------------------------------
# A pass changes `.grad` and `_pending` of many nodes, so passes from several threads take
# turns: each runs whole under `_pass_lock`, taken in `_exclusive` and released by
# `_run_holding_the_lock`. An interrupt (Ctrl-C) can land after the lock is taken and
# before it is released without running the release (between two lines of a `with` block
# too), and then every other thread would wait forever. So a thread that finds the lock
# held looks at the other threads' stacks, every 5 ms:
# - none is inside `_exclusive`: no thread holds the lock for a pass, it is left over from
#   an interrupted one; take it over at once;
# - one is running a pass (a frame of `_run_holding_the_lock`): wait;
# - some are inside `_exclusive` but none runs a pass: they are waiting too, or one has
#   just taken the lock and is a few bytecodes from its `_run_holding_the_lock` frame;
#   after a quarter of a second of that (fifty thread switches), the lock is left over.
# Those looks and the lock's state are not seen at one instant: the pass that held the
# lock may release it and leave just before a look. So every release is counted
# (`_releases`), and a lock is taken over only if it was not released once since the try
# that found it held: then the same holder held it all along, the look included.
# Only one thread takes a left-over lock over (`_takeover`).

_pass_lock = threading.Lock()
_takeover = threading.Lock()
_POLL_SECONDS = 0.005
_IDLE_CHECKS_BEFORE_TAKEOVER = 50  # 50 checks 5 ms apart: a quarter of a second
_releases = 0  # releases of `_pass_lock` so far (by its holder only, so no race on it)


def _exclusive(work: Callable[..., Any], *args: Any) -> Any:
    """`work(*args)` as the only pass changing gradients (waiting for one under way)."""
    if _pass_lock.acquire(blocking=False):
        return _run_holding_the_lock(work, args)
    if _on_stack(sys._getframe(1), _RUN_CODE):
        return work(*args)  # a hook or rule of this thread's own pass runs a pass: nested
    me = threading.get_ident()
    idle_checks = 0
    released = _releases
    while True:
        if _pass_lock.acquire(timeout=_POLL_SECONDS):
            return _run_holding_the_lock(work, args)
        if _releases != released:  # it changed hands: a new holder, looked at afresh
            released = _releases
            idle_checks = 0
            continue
        others = [frame for thread, frame in sys._current_frames().items() if thread != me]
        if any(_on_stack(frame, _RUN_CODE) for frame in others):
            idle_checks = 0  # a pass is running: wait for it
        elif not any(_on_stack(frame, _EXCLUSIVE_CODE) for frame in others):
            idle_checks = _IDLE_CHECKS_BEFORE_TAKEOVER  # nobody holds it for a pass
        else:
            idle_checks += 1
        if idle_checks >= _IDLE_CHECKS_BEFORE_TAKEOVER and _takeover.acquire(blocking=False):
            try:  # held since before the look, never released: run under it, then free it
                if _releases == released:
                    return _run_holding_the_lock(work, args)
            finally:
                _takeover.release()


def _run_holding_the_lock(work: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Run `work` and release `_pass_lock`; while this frame exists, a pass is running."""
    global _releases
    try:
        return work(*args)
    finally:
        _releases += 1  # before the release: a waiter that sees the lock free sees this
        _pass_lock.release()


def _on_stack(frame: FrameType | None, code: CodeType) -> bool:
    """Whether a frame of `code` is on the stack that ends in `frame`."""
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


_RUN_CODE = _run_holding_the_lock.__code__
_EXCLUSIVE_CODE = _exclusive.__code__


def backward_steps(root: Value, grad_output: float = 1.0) -> Generator[Value, None, None]:
    """The same pass as `backward()`, yielding each node just after its rule has run.

    Between two steps, other passes may run (a `backward()`, in this thread or another).
    If one reaches a node whose rule this pass has yet to run, that node's `.grad` now
    holds the other pass's share too, which this pass must not push: the next step raises
    RuntimeError instead, naming the node and the root. An abandoned pass (never resumed)
    leaves nothing wrong behind.
    """
    seed = _seed(grad_output)
    order = topological_order(root)
    mark, earlier = _exclusive(_start_steps, root, order, seed)
    try:
        for node in reversed(order):
            if node._backward is not None:
                _exclusive(_step, root, node, mark)
            yield node
    finally:
        # accumulate, as documented (also when a rule raised or stepping stopped early)
        _exclusive(_add_back, earlier)


def _start_steps(
    root: Value, order: list[Value], seed: float
) -> tuple[int, list[tuple[Value, float]]]:
    # this pass's mark on each node with a rule; any later pass (backward() or another
    # backward_steps()) counts above a larger base, so a changed mark means one came by
    mark = next(_pass_bases) + 1
    for node in order:
        if node._backward is not None:
            node._pending = mark
    # only this pass's gradients in `.grad` while it runs (earlier ones are added back)
    earlier = [(node, node.grad) for node in order if node.grad != 0.0]
    for node, _ in earlier:
        node.grad = 0.0
    root.grad = seed
    return mark, earlier


def _step(root: Value, node: Value, mark: int) -> None:
    if node._pending != mark:
        raise RuntimeError(
            f"backward_steps(): another pass reached {quote(node)} of the graph of "
            f"{quote(root)} between two steps, so its gradient holds that pass's share "
            "too; start a new backward_steps() instead"
        )
    # every use of node has pushed its share: node.grad is complete
    node._backward(node, node.grad)  # type: ignore[misc]  # only nodes with a rule step


def _add_back(earlier: list[tuple[Value, float]]) -> None:
    for node, g in earlier:
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

    The same numbers as `backward()` (the same rules, in the same order, with the same
    arithmetic; nan and inf included). An input that `output` does not depend on, and a
    constant (a number operand, as `.parents` shows it), gets 0.0 (`Value(0.0)` with
    `create_graph=True`). With `create_graph=True` each gradient is a Value whose graph
    records how it was computed, so it can be differentiated again; the backward pass is
    recorded even inside `no_grad()`.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    if isinstance(inputs, Value):
        inputs = [inputs]
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}")

    # A float pass starts each gradient at 0.0, as backward() does (so 0.0 + -0.0 is 0.0
    # in both); a recorded one at _ZERO, which keeps `0.0 + ...` nodes out of its graph.
    start: Any = _ZERO if create_graph else 0.0
    shadows: dict[Value, _Shadow] = {}
    for node in topological_order(output):
        shadow = _Shadow()
        shadow.data = node if create_graph else node.data
        shadow.grad = start
        _copy_links(shadow, node, shadows.__getitem__)
        shadows[node] = shadow

    shadows[output].grad = 1.0
    # create_graph records the pass whatever the ambient mode (as PyTorch does)
    with enable_grad() if create_graph else contextlib.nullcontext():
        for node, shadow in reversed(shadows.items()):
            rule = node._backward
            if rule is not None:
                # every rule runs, also where no use passed anything back (relu(x) for
                # x < 0): its gradient is then 0, and 0 * inf is nan, as in backward()
                grad_output = shadow.grad
                rule(shadow, 0.0 if grad_output is _ZERO else grad_output)

    results: list[Any] = []
    for x in inputs:
        g: Any = shadows[x].grad if x in shadows else _ZERO
        if g is _ZERO or isinstance(x, _Constant):  # a constant gets no gradient
            g = 0.0
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
    return _to_float(grad_output)  # an int too large for a float is +-inf
