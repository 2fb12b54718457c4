"""Tests for the backward pass: reused nodes, diamonds, accumulation, the seed gradient,
`backward_steps`, the deterministic topological order, a million-op chain at the default
recursion limit, and graphs that are freed without the cyclic garbage collector.
"""

from __future__ import annotations

import gc
import sys

import pytest
from conftest import micrograd_readme_expression, torch_leaves

import engine
from engine import Value


def test_reused_node_accumulates_from_every_use() -> None:
    # d(a + a)/da = 2, d(a * a)/da = 2a
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0


def test_diamond_sums_both_paths() -> None:
    # y = (x*2) * (x+1): dy/dx = 2(x+1) + 2x = 4x + 2 = 14 at x = 3
    x = Value(3.0)
    left, right = x * 2, x + 1
    (left * right).backward()
    assert x.grad == 14.0


def test_node_reached_by_many_paths_gets_one_backward_per_node(torch) -> None:
    # a deep ladder of diamonds: every level doubles the paths, 2**40 in all
    x = Value(1.1)
    y = x
    for _ in range(40):
        y = y.tanh() * 0.5 + y * 0.5
    y.backward()
    (t,) = torch_leaves(torch, [1.1])
    ty = t
    for _ in range(40):
        ty = ty.tanh() * 0.5 + ty * 0.5
    ty.backward()
    assert x.grad == pytest.approx(t.grad.item(), rel=1e-12)


def test_gradients_accumulate_over_two_backward_calls() -> None:
    x = Value(2.0)
    y = x * x
    z = y * 3
    z.backward()
    z.backward()
    # each pass adds dz/dx = 6x = 12 to x.grad and dz/dy = 3 to y.grad, as in PyTorch
    assert x.grad == 24.0
    assert y.grad == 6.0
    assert z.grad == 2.0


def test_gradients_of_leaves_accumulate_over_two_graphs() -> None:
    x = Value(2.0)
    (x * x).backward()
    (x * 3).backward()
    assert x.grad == 4.0 + 3.0


def test_zero_grad_resets_a_node() -> None:
    x = Value(2.0)
    (x * 3).backward()
    x.zero_grad()
    assert x.grad == 0.0


def test_backward_with_seed_scales_every_gradient() -> None:
    x = Value(2.0)
    (x * 5).backward(0.5)
    assert x.grad == 2.5


@pytest.mark.parametrize("seed", ["1", None, Value(1.0)])
def test_backward_rejects_a_non_number_seed(seed) -> None:
    with pytest.raises(TypeError):
        (Value(2.0) * 3).backward(seed)


def test_backward_of_a_leaf_sets_its_own_gradient() -> None:
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0


def test_backward_of_a_leaf_accumulates_like_any_node() -> None:
    x = Value(2.0)
    x.backward()
    x.backward(0.5)
    assert x.grad == 1.5


def test_a_rule_that_raises_leaves_the_next_pass_correct() -> None:
    x = Value(-1.0)
    y = x * x + x  # 0, and dy/dx = 2x + 1 = -1
    with engine.detect_anomaly():
        bad = y.sqrt()  # sqrt'(0) is infinite: its rule raises half way through the pass
    with pytest.raises(engine.AnomalyError):
        bad.backward()
    x.zero_grad()
    y.zero_grad()
    y.backward()
    assert x.grad == -1.0


def test_backward_after_an_abandoned_backward_steps_is_correct() -> None:
    x = Value(3.0)
    y = x * x + x
    steps = y.backward_steps()
    next(steps)  # a learner stops half way
    x2 = Value(3.0)
    z = (x2 * x2 + x2) * y  # shares y's graph
    z.backward()
    assert x2.grad == 7.0 * y.data
    del steps


def test_micrograd_readme_example_gives_the_published_numbers() -> None:
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_readme_expression(a, b)
    g.backward()
    # micrograd's README prints these, rounded to 4 places
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_micrograd_readme_example_matches_pytorch(torch) -> None:
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_readme_expression(a, b)
    g.backward()
    ta, tb = torch_leaves(torch, [-4.0, 2.0])
    tg = micrograd_readme_expression(ta, tb)
    tg.backward()
    assert g.data == pytest.approx(tg.item(), rel=1e-12)
    assert (a.grad, b.grad) == pytest.approx((ta.grad.item(), tb.grad.item()), rel=1e-12)


# ---- topological order and backward_steps --------------------------------------------


def _small_graph():
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    b = Value(6.88, "b")
    n = x * w + b
    return x, w, b, n.tanh() * n


def test_topological_order_puts_parents_first_and_root_last() -> None:
    *_, root = _small_graph()
    order = engine.topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert order[-1] is root
    assert len(position) == len(order)
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]


def test_topological_order_is_the_same_for_the_same_graph() -> None:
    def labels_in_order() -> list[tuple[str, float]]:
        *_, root = _small_graph()
        return [(node.op, node.data) for node in engine.topological_order(root)]

    assert labels_in_order() == labels_in_order()


def test_backward_steps_yields_nodes_in_reverse_topological_order() -> None:
    *_, root = _small_graph()
    expected = list(reversed(engine.topological_order(root)))
    assert list(root.backward_steps()) == expected


def test_backward_steps_ends_with_the_same_gradients_as_backward() -> None:
    *leaves_a, root_a = _small_graph()
    root_a.backward()
    *leaves_b, root_b = _small_graph()
    for _ in root_b.backward_steps():
        pass
    assert [v.grad for v in leaves_b] == [v.grad for v in leaves_a]
    order_a = engine.topological_order(root_a)
    order_b = engine.topological_order(root_b)
    assert [n.grad for n in order_b] == [n.grad for n in order_a]


def test_backward_steps_yields_each_node_after_its_rule_pushed_to_parents() -> None:
    x = Value(2.0)
    y = x * 3
    steps = y.backward_steps()
    assert x.grad == 0.0  # a generator does nothing until asked
    assert next(steps) is y
    assert x.grad == 3.0


def test_engine_backward_steps_function_matches_the_method() -> None:
    *_, root = _small_graph()
    assert list(engine.backward_steps(root)) == list(reversed(engine.topological_order(root)))


# ---- size: no recursion, no cycles ----------------------------------------------------


def test_million_op_chain_runs_forward_and_backward_at_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 1000 or pytest.skip("recursion limit was raised")
    steps = 500_000  # two ops per step: one million ops in a chain
    x = Value(1.0)
    y = x
    for _ in range(steps):
        y = y * 1.0001 + 0.0001
    y.backward()
    # dy/dx = 1.0001 ** steps
    assert x.grad == pytest.approx(1.0001**steps, rel=1e-9)
    del y  # tearing the chain down must not recurse either
    gc.collect()


def test_dropping_a_large_graph_leaves_nothing_for_the_garbage_collector() -> None:
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()  # so no automatic collection can hide a cycle from the check below
    try:
        x, w = Value(0.5), Value(-0.3)
        y = x
        for i in range(12_500):  # 8 ops, 8 new nodes + constants per step: ~100,000 nodes
            y = (y * w + i % 3).tanh() + x.leaky_relu() - (y**2).sigmoid() / 3
        y = engine.sum([y, engine.dot([w, x], [y, y], 1.0)])
        assert len(engine.topological_order(y)) >= 100_000
        y.backward()
        engine.grad(y, [x, w], create_graph=True)
        del x, w, y
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
