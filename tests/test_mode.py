"""Tests for the recording switches: `no_grad` / `enable_grad` (leaf results, nesting,
decorator, per thread) and `detect_anomaly` (NaN and infinity in results and gradients,
reported with the op, its inputs and the line of the test that made the node).
"""

from __future__ import annotations

import inspect
import math
import threading

import pytest

import engine
from engine import AnomalyError, Value


def _is_leaf(v: Value) -> bool:
    return v.op == "" and v.parents == ()


# ---- no_grad -----------------------------------------------------------------------------


def test_results_inside_no_grad_are_leaves_with_the_right_data() -> None:
    x = Value(2.0)
    with engine.no_grad():
        results = [x * 3, x + 1, -x, x.tanh(), x.exp(), engine.dot([x], [x]), engine.sum([x])]
    assert all(_is_leaf(r) for r in results)
    assert [r.data for r in results] == [6.0, 3.0, -2.0, math.tanh(2.0), math.exp(2.0), 4.0, 2.0]


def test_backward_through_a_no_grad_result_reaches_nothing() -> None:
    x = Value(2.0)
    with engine.no_grad():
        y = x * 3
    (y * 2).backward()
    assert x.grad == 0.0 and y.grad == 2.0


def test_recording_resumes_after_no_grad() -> None:
    with engine.no_grad():
        assert not engine.is_grad_enabled()
    assert engine.is_grad_enabled()
    x = Value(1.0)
    assert (x * 2).parents[0] is x


def test_no_grad_is_restored_after_an_exception() -> None:
    with pytest.raises(KeyError), engine.no_grad():
        raise KeyError("boom")
    assert engine.is_grad_enabled()


def test_no_grad_blocks_nest() -> None:
    x = Value(1.0)
    with engine.no_grad():
        with engine.no_grad():
            assert _is_leaf(x * 2)
        assert _is_leaf(x * 2)  # leaving the inner block keeps the outer one on
        with engine.enable_grad():
            assert not _is_leaf(x * 2)
        assert _is_leaf(x * 2)
    assert not _is_leaf(x * 2)


def test_the_same_no_grad_object_can_be_reentered() -> None:
    switch = engine.no_grad()
    with switch:
        with switch:
            assert not engine.is_grad_enabled()
        assert not engine.is_grad_enabled()
    assert engine.is_grad_enabled()


def test_no_grad_works_as_a_decorator() -> None:
    @engine.no_grad()
    def evaluate(x: Value) -> Value:
        return x * x + 1

    x = Value(3.0)
    y = evaluate(x)
    assert _is_leaf(y) and y.data == 10.0
    assert evaluate.__name__ == "evaluate"
    assert not _is_leaf(x * x)


def test_no_grad_applies_only_to_its_own_thread() -> None:
    inside = threading.Event()
    other_done = threading.Event()
    results: dict[str, bool] = {}

    def evaluating_thread() -> None:
        with engine.no_grad():
            inside.set()
            other_done.wait(timeout=10)
            results["no_grad_thread_made_leaf"] = _is_leaf(Value(1.0) * 2)

    def training_thread() -> None:
        inside.wait(timeout=10)
        results["other_thread_recorded"] = not _is_leaf(Value(1.0) * 2)
        other_done.set()

    threads = [threading.Thread(target=evaluating_thread), threading.Thread(target=training_thread)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results == {"no_grad_thread_made_leaf": True, "other_thread_recorded": True}
    assert engine.is_grad_enabled()


def test_no_grad_decorated_function_runs_in_two_threads_at_once() -> None:
    # thread a enters first and leaves first, while b is still inside: each must restore
    # its own setting
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    results: dict[str, object] = {}

    @engine.no_grad()
    def evaluate(name: str, entered: threading.Event, wait_for: threading.Event) -> None:
        entered.set()
        wait_for.wait(timeout=10)
        results[name + " leaf"] = _is_leaf(Value(1.0) * 2)

    def run(name: str, after: threading.Event | None, *events: threading.Event) -> None:
        if after is not None:
            after.wait(timeout=10)
        try:
            evaluate(name, *events)
            results[name + " recording after"] = engine.is_grad_enabled()
        except Exception as error:  # noqa: BLE001 - reported through results
            results[name + " error"] = repr(error)
        finally:
            if name == "a":
                a_left.set()

    threads = [
        threading.Thread(target=run, args=("a", None, a_inside, b_inside)),
        threading.Thread(target=run, args=("b", a_inside, b_inside, a_left)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results == {
        "a leaf": True,
        "a recording after": True,
        "b leaf": True,
        "b recording after": True,
    }


# ---- detect_anomaly --------------------------------------------------------------------------


def _next_line() -> str:
    """`this_file:N` where N is the line after the caller's."""
    caller = inspect.currentframe().f_back  # type: ignore[union-attr]
    return f"{caller.f_code.co_filename}:{caller.f_lineno + 1}"  # type: ignore[union-attr]


def test_anomaly_error_is_a_runtime_error() -> None:
    assert issubclass(AnomalyError, RuntimeError)


def test_ops_outside_detect_anomaly_give_inf_quietly() -> None:
    assert Value(1000.0).exp().data == math.inf


def test_infinite_result_raises_naming_op_input_and_line() -> None:
    with engine.detect_anomaly(), pytest.raises(AnomalyError) as info:
        where = _next_line()
        Value(1000.0).exp()
    message = str(info.value)
    assert "exp" in message
    assert "1000.0" in message
    assert where in message


def test_nan_result_raises() -> None:
    inf = Value(1000.0).exp()
    with engine.detect_anomaly(), pytest.raises(AnomalyError, match=r"'-'.*inf"):
        inf - inf


def test_infinite_gradient_raises_in_backward_naming_op_and_line() -> None:
    x = Value(0.0)
    with engine.detect_anomaly():
        where = _next_line()
        y = x.sqrt()
        with pytest.raises(AnomalyError) as info:
            y.backward()
    message = str(info.value)
    assert "sqrt" in message and "0.0" in message and "gradient" in message
    assert where in message


def test_detect_anomaly_leaves_finite_graphs_alone() -> None:
    with engine.detect_anomaly():
        x = Value(0.5)
        y = (x * 3).tanh() + x.exp()
        y.backward()
    assert x.grad == pytest.approx(3 * (1 - math.tanh(1.5) ** 2) + math.exp(0.5))


def test_detect_anomaly_is_switched_off_after_the_block() -> None:
    with pytest.raises(AnomalyError), engine.detect_anomaly():
        Value(1000.0).exp()
    assert Value(1000.0).exp().data == math.inf


def test_detect_anomaly_inside_no_grad_still_checks_results() -> None:
    with engine.no_grad(), engine.detect_anomaly():
        assert _is_leaf(Value(1.0) * 2)
        with pytest.raises(AnomalyError):
            Value(1000.0).exp()


def test_anomaly_mode_catches_a_nan_gradient_in_grad_as_in_backward() -> None:
    # relu passes back 0 to sqrt(0), whose rule makes 0 * inf = nan: in grad() too
    with engine.detect_anomaly():
        x = Value(0.0)
        y = (x.sqrt() - 1).relu()
    with pytest.raises(AnomalyError, match="op 'sqrt'.*gradient nan"):
        engine.grad(y, [x])
    with pytest.raises(AnomalyError, match="op 'sqrt'.*gradient nan"):
        y.backward()
