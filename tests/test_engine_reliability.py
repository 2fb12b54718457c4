"""The engine's promises under stress: IEEE results instead of exceptions, NaN never hidden,
and a backward pass that an interrupt, at any moment, cannot leave a graph wrong for.

Each test here failed before the fix it guards (found by fuzzing, issue 15).
"""

from __future__ import annotations

import linecache
import math
import random
import sys
import threading
from collections.abc import Callable
from fractions import Fraction
from types import FrameType
from typing import Any

import pytest
from conftest import torch_leaves
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import engine
from engine import Value

# ---- engine.sum and engine.dot: IEEE results, fsum's accuracy where it can -------------


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ([1e308, 1e308], math.inf),
        ([-1e308, -1e308], -math.inf),
        ([math.inf, 1.0], math.inf),
        ([-math.inf, 1e308, 1e308], -math.inf),
    ],
)
def test_sum_that_overflows_is_an_infinity(terms: list[float], expected: float) -> None:
    assert engine.sum([Value(t) for t in terms]).data == expected


def test_sum_of_plus_and_minus_infinity_is_nan() -> None:
    assert math.isnan(engine.sum([Value(math.inf), Value(-math.inf)]).data)


def test_sum_matches_pytorch_where_it_overflows(torch) -> None:
    for terms in ([1e308, 1e308], [math.inf, -math.inf], [-math.inf, 1e308, 1e308]):
        ours = engine.sum([Value(t) for t in terms]).data
        theirs = sum(torch.tensor(t, dtype=torch.float64) for t in terms).item()
        assert ours == theirs or (math.isnan(ours) and math.isnan(theirs))


def test_sum_with_an_infinity_does_not_depend_on_the_order_of_the_terms() -> None:
    # the finite terms add up to the real number 2e308, so the sum is -inf; left-to-right
    # addition (PyTorch's) gives nan in the order [1e308, 1e308, -inf]: inf + -inf
    for order in ([1e308, 1e308, -math.inf], [1e308, -math.inf, 1e308], [-math.inf, 1e308, 1e308]):
        assert engine.sum([Value(t) for t in order]).data == -math.inf


def test_sum_of_finite_terms_keeps_the_correctly_rounded_result() -> None:
    # plain left-to-right addition gives 0.0 here: 1e16 + 1.0 rounds the 1.0 away
    assert engine.sum([Value(1e16), Value(1.0), Value(-1e16)]).data == 1.0


def test_dot_that_overflows_is_an_infinity_and_its_gradients_are_numbers() -> None:
    w = [Value(1e308), Value(1e308)]
    x = [Value(10.0), Value(10.0)]
    out = engine.dot(w, x, Value(0.0))
    assert out.data == math.inf
    out.backward()
    assert [v.grad for v in x] == [1e308, 1e308]


def test_dot_with_plus_and_minus_infinity_is_nan() -> None:
    out = engine.dot([Value(math.inf), Value(-math.inf)], [Value(1.0), Value(1.0)])
    assert math.isnan(out.data)


# ---- one rounding for the whole sum, checked against exact rationals (issue 24) ----------

FINITE = st.floats(allow_nan=False, allow_infinity=False)


def _rounded(exact: Fraction) -> float:
    """The float nearest to an exact rational (ties to even), +-inf beyond the largest."""
    try:
        return float(exact)
    except OverflowError:
        return math.inf if exact > 0 else -math.inf


def test_dot_adds_the_bias_in_the_same_single_rounding() -> None:
    # fsum(products) + bias rounds twice: 1e16 + 1 rounds to 1e16, then - 1e16 gives 0.0
    out = engine.dot([Value(1.0), Value(1.0)], [Value(1e16), Value(1.0)], Value(-1e16))
    assert out.data == 1.0


def test_sum_whose_partial_sums_overflow_is_its_finite_exact_sum() -> None:
    assert engine.sum([Value(1e308), Value(1e308), Value(-1e308)]).data == 1e308
    assert engine.sum([1e308, -1e308, 1e308, 1e308, -1e308, -1e308, 5.0]).data == 5.0
    assert engine.dot([1e308, 1e308], [1.0, 1.0], -1e308).data == 1e308


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(FINITE, FINITE), max_size=12), FINITE)
def test_dot_is_the_correctly_rounded_sum_of_its_products_and_bias(pairs, bias) -> None:
    products = [w * x for w, x in pairs]  # each rounded once, as `*` rounds it
    assume(all(math.isfinite(p) for p in products))
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    expected = _rounded(sum(map(Fraction, products), Fraction(bias)))
    assert engine.dot(ws, xs, Value(bias)).data == expected
    assert engine.dot([w for w, _ in pairs], [x for _, x in pairs], bias).data == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(FINITE | st.sampled_from([1e308, -1e308, 1.7976931348623157e308]), min_size=1))
def test_sum_is_the_correctly_rounded_exact_sum_in_every_order(terms) -> None:
    expected = _rounded(sum(map(Fraction, terms), Fraction(0)))
    assert engine.sum(terms).data == expected
    assert engine.sum(list(reversed(terms))).data == expected


# ---- NaN passes through relu; pow at exponent 0 ----------------------------------------
# ---- NaN passes through relu; pow at exponent 0 ----------------------------------------


def test_relu_of_nan_is_nan() -> None:
    assert math.isnan(Value(math.nan).relu().data)


def test_relu_of_nan_passes_the_gradient_as_pytorch_does(torch) -> None:
    x = Value(math.nan)
    x.relu().backward()
    (t,) = torch_leaves(torch, [math.nan])
    t.relu().backward()
    assert x.grad == t.grad.item()


def test_nan_in_relu_is_reported_by_anomaly_mode() -> None:
    with engine.detect_anomaly(), pytest.raises(engine.AnomalyError, match="relu"):
        Value(math.nan).relu()


@pytest.mark.parametrize("a", [math.nan, 5e-324, 0.0, 2.0, -3.0])
def test_power_zero_has_zero_base_gradient_on_both_paths(a: float, torch) -> None:
    x1, x2 = Value(a), Value(a)
    (x1 ** Value(0.0)).backward()
    (x2**0.0).backward()
    t, e = torch_leaves(torch, [a, 0.0])
    (t**e).backward()
    assert x1.grad == x2.grad == t.grad.item() == 0.0


# ---- ints too large for a float --------------------------------------------------------


def test_value_of_a_huge_int_is_infinite() -> None:
    assert Value(10**400).data == math.inf
    assert Value(-(10**400)).data == -math.inf


@pytest.mark.parametrize(
    "make",
    [
        lambda x: x * 10**400,
        lambda x: 10**400 * x,
        lambda x: x + 10**400,
        lambda x: x - 10**400,
        lambda x: engine.sum([x, 10**400]),
    ],
)
def test_a_huge_int_operand_acts_as_infinity(make) -> None:
    assert math.isinf(make(Value(2.0)).data)


# ---- no_grad on a generator function ---------------------------------------------------


def test_no_grad_decorates_a_generator_function_for_each_of_its_steps() -> None:
    x = Value(2.0)

    @engine.no_grad()
    def doubles(n: int):
        for _ in range(n):
            yield x * 2  # made inside no_grad: a leaf
            assert not engine.is_grad_enabled()

    produced = []
    for y in doubles(3):
        assert engine.is_grad_enabled()  # the caller's code between steps records
        produced.append(y)
    assert [y.op for y in produced] == ["", "", ""]
    assert (x * 2).op == "*"


def test_no_grad_generator_returns_its_value_and_receives_sends() -> None:
    @engine.no_grad()
    def echo():
        received = yield engine.is_grad_enabled()
        yield received
        return "done"

    steps = echo()
    assert next(steps) is False
    assert steps.send("hello") == "hello"
    with pytest.raises(StopIteration) as stop:
        next(steps)
    assert stop.value.value == "done"


def test_no_grad_generator_passes_thrown_exceptions_in() -> None:
    seen = []

    @engine.no_grad()
    def catcher():
        try:
            yield 1
        except ValueError as error:
            seen.append((str(error), engine.is_grad_enabled()))
            yield 2

    steps = catcher()
    next(steps)
    assert steps.throw(ValueError("boom")) == 2
    assert seen == [("boom", False)]


# ---- interrupts: no pass leaves anything behind that the next pass acts on -------------


def _graph(seed: int) -> tuple[list[Value], Value]:
    """A random graph with reused nodes: every node feeds several later ones."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(0.5, 1.5)) for _ in range(4)]
    nodes = list(leaves)
    for _ in range(30):
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(rng.choice([a * b, a + b, (a - b).tanh(), a.sigmoid() * 0.5]))
    return leaves, engine.sum(nodes[-6:])


def _clean_gradients(seed: int) -> list[float]:
    leaves, root = _graph(seed)
    root.backward()
    return [leaf.grad for leaf in leaves]


class _Interrupt(BaseException):
    """Stands in for KeyboardInterrupt, so a real Ctrl-C still stops the test run."""


def _backward_interrupted_at(root: Value, stops: set[int]) -> int:
    """Run `root.backward()`, raising an interrupt at each of its `stops`-th lines of engine
    code (the count walk, the rule loop, the rules, any clean-up after the first interrupt:
    Ctrl-C held down); returns how many lines it ran."""
    lines = 0

    def tracer(frame, event, arg):
        nonlocal lines
        if event == "line" and frame.f_code.co_filename.endswith(("autograd.py", "value.py")):
            lines += 1
            if lines in stops:
                raise _Interrupt
        return tracer

    sys.settrace(tracer)
    try:
        root.backward()
    except _Interrupt:
        pass
    finally:
        sys.settrace(None)
    return lines


@pytest.mark.parametrize("seed", range(2))
def test_interrupting_backward_at_any_line_leaves_the_next_pass_correct(seed: int) -> None:
    expected = _clean_gradients(seed)
    total = _backward_interrupted_at(_graph(seed)[1], stops=set())
    assert total > 100  # the tracer saw the pass
    for first in range(1, total + 1):
        for second in (None, 1, 2, 4):  # a second interrupt soon after the first
            stops = {first} if second is None else {first, first + second}
            leaves, root = _graph(seed)
            _backward_interrupted_at(root, stops)
            for node in [*leaves, *engine.topological_order(root)]:
                node.zero_grad()
            root.backward()
            assert [leaf.grad for leaf in leaves] == pytest.approx(expected, rel=1e-12), stops


def test_counts_left_by_any_interrupted_pass_are_ignored() -> None:
    # whatever an interrupt leaves in the use counts, in the count walk or the rule loop,
    # is a count of an earlier pass: put arbitrary earlier-pass numbers everywhere
    expected = _clean_gradients(7)
    leaves, root = _graph(7)
    rng = random.Random(0)
    root.backward()  # one real pass, so counts near the newest base are in play too
    for leaf in leaves:
        leaf.zero_grad()
    order = engine.topological_order(root)
    for node in order:
        node.zero_grad()
        if node.op:
            node._pending = rng.choice([0, 1, 2, 5, node._pending, node._pending + 3])
    root.backward()
    assert [leaf.grad for leaf in leaves] == pytest.approx(expected, rel=1e-12)


# ---- threads (issue 24) ------------------------------------------------------------------


def _a_deep_graph(xs: list[Value]) -> Value:
    """Thousands of interior nodes reusing a few leaves: a pass long enough to be cut by
    thread switches many times."""
    y = xs[0]
    for i in range(3000):
        y = (y * 0.999 + xs[i % len(xs)]).tanh() * 1.5
    return y


def test_backward_from_several_threads_on_one_graph_adds_every_pass() -> None:
    xs = [Value(0.1 * i) for i in range(1, 6)]
    y = _a_deep_graph(xs)
    passes = 12
    for _ in range(passes):  # the reference: the passes one after another
        y.backward()
    expected = [x.grad for x in xs]
    for x in xs:
        x.zero_grad()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(passes // 4):
                y.backward()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert [x.grad for x in xs] == expected


def test_grad_in_several_threads_beside_backward_gives_the_same_numbers() -> None:
    xs = [Value(0.1 * i) for i in range(1, 4)]
    y = _a_deep_graph(xs)
    expected = engine.grad(y, xs)
    results: list[list[float]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for _ in range(3):
                results.append(engine.grad(y, xs))
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for _ in range(3):
            y.backward()  # changes .grad and the use counts while grad() runs elsewhere
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == [] and len(results) == 9
    assert all(result == expected for result in results)


def test_a_pass_between_two_steps_of_backward_steps_stops_the_stepping_with_a_clear_error() -> None:
    x = Value(2.0, label="x")
    y = x * x + x
    y.label = "y"
    steps = y.backward_steps()
    next(steps)  # y's own rule has run
    (y * 3).backward()  # another pass reaches y's nodes
    with pytest.raises(RuntimeError, match=r"another pass reached .* of the graph of .*'y'"):
        list(steps)
    # the other pass's gradients are whole, and a new stepping pass is right
    x.zero_grad()
    assert [node.grad for node in y.backward_steps()][-1] == 5.0


def test_backward_in_another_thread_between_two_steps_stops_the_stepping_pass() -> None:
    x = Value(0.5)
    y = _a_deep_graph([x])
    y.backward()
    expected = x.grad
    x.zero_grad()
    stepped, resume = threading.Event(), threading.Event()
    outcome: list[BaseException] = []

    def step_through() -> None:
        steps = y.backward_steps()
        try:
            next(steps)
            next(steps)
            stepped.set()
            resume.wait(timeout=30.0)
            for _ in steps:
                pass
        except BaseException as error:  # reported below, not lost in the thread
            outcome.append(error)

    thread = threading.Thread(target=step_through)
    thread.start()
    assert stepped.wait(timeout=30.0)
    y.backward()  # this thread's pass runs whole between the other thread's steps
    resume.set()
    thread.join(timeout=30.0)
    (error,) = outcome
    assert isinstance(error, RuntimeError) and "another pass reached" in str(error)
    # this thread's pass is whole; the stopped one added only what its two steps pushed,
    # which for a leaf is nothing yet
    assert x.grad == expected


def test_a_pass_interrupted_at_any_line_never_blocks_another_threads_pass() -> None:
    # an interrupt may land between taking the pass lock and releasing it; the lock left
    # over must not make the next pass, in any thread, wait forever
    expected = _clean_gradients(3)
    total = _backward_interrupted_at(_graph(3)[1], stops=set())
    for first in range(1, total + 1, 3):
        leaves, root = _graph(3)
        _backward_interrupted_at(root, {first, first + 1})
        for node in [*leaves, *engine.topological_order(root)]:
            node.zero_grad()
        thread = threading.Thread(target=root.backward, daemon=True)
        thread.start()
        thread.join(timeout=10.0)
        assert not thread.is_alive(), f"a pass after an interrupt at line {first} hangs"
        assert [leaf.grad for leaf in leaves] == pytest.approx(expected, rel=1e-12), first
        for node in [*leaves, *engine.topological_order(root)]:
            node.zero_grad()
        root.backward()  # and in this thread
        assert [leaf.grad for leaf in leaves] == pytest.approx(expected, rel=1e-12), first


def test_a_lock_released_while_a_waiting_thread_looks_around_is_not_taken_over() -> None:
    # a waiting thread tries the lock (held), then looks at the other threads' stacks; if
    # the holder finished in between, the look finds no pass, but the lock is free, not
    # left over: the waiter must take it as usual, so a third pass waits for it
    x = Value(1.0)
    a_running, a_may_finish, b_looking, a_done = (threading.Event() for _ in range(4))
    b_running, b_may_finish, c_ran = (threading.Event() for _ in range(3))

    def hold(started: threading.Event, until: threading.Event) -> Callable[[float], None]:
        def hook(g: float) -> None:
            started.set()
            assert until.wait(timeout=30.0)

        return hook

    ya, yb, yc = x * 2.0, x * 3.0, x * 5.0
    ya.register_hook(hold(a_running, a_may_finish))
    yb.register_hook(hold(b_running, b_may_finish))
    yc.register_hook(lambda g: c_ran.set())

    def pause_before_the_look(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code.co_name != "_exclusive":
            return None
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
        if event == "line" and "_current_frames" in line and not b_looking.is_set():
            b_looking.set()  # the lock was found held just before this line
            assert a_done.wait(timeout=30.0)
        return pause_before_the_look

    def run_b() -> None:
        sys.settrace(pause_before_the_look)
        try:
            yb.backward()
        finally:
            sys.settrace(None)

    thread_a = threading.Thread(target=ya.backward, daemon=True)
    thread_b = threading.Thread(target=run_b, daemon=True)
    thread_a.start()
    assert a_running.wait(timeout=30.0)
    thread_b.start()
    assert b_looking.wait(timeout=30.0)
    a_may_finish.set()  # a's pass ends and its thread leaves: the lock is free
    thread_a.join(timeout=30.0)
    a_done.set()
    assert b_running.wait(timeout=30.0)
    thread_c = threading.Thread(target=yc.backward, daemon=True)
    thread_c.start()
    c_ran_beside_b = c_ran.wait(timeout=0.5)
    b_may_finish.set()
    thread_b.join(timeout=30.0)
    thread_c.join(timeout=30.0)
    assert not c_ran_beside_b, "a pass ran while another thread's pass was running"
    assert c_ran.is_set() and x.grad == 10.0
