"""Side-by-side timings of chainrule, micrograd and PyTorch (0-dim tensors) in one process.

Every workload runs on every engine, interleaved (chainrule, micrograd, torch, chainrule,
...) for several rounds, so drift in the machine's speed lands on all engines alike; the
table shows each engine's median and its ratio to micrograd's median. Then it checks the
project's speed and memory targets and prints PASS or MISS for each.

    python benchmarks/run.py              # the full run (a few minutes)
    python benchmarks/run.py --quick      # small sizes, two rounds: a smoke run
    python benchmarks/run.py --json out.json

Times are this process's CPU time (`time.process_time`), so other programs competing for
the CPU do not inflate them; `--wall` uses wall-clock time (`time.perf_counter`) instead.
The garbage collector stays on, as in real use: collecting is part of an engine's cost.
Each timed run starts after `gc.collect()`, so no engine pays for another's garbage.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import engine  # noqa: E402

# micrograd's topological sort recurses once per node of the graph
sys.setrecursionlimit(1_000_000)

MICROGRAD = "micrograd"
ENGINE_NAMES = ("chainrule", MICROGRAD, "torch")

clock = time.process_time  # --wall switches to time.perf_counter


# ---- the engines: how each makes a leaf ---------------------------------------------


def _leaf_makers(skip_torch: bool) -> tuple[dict[str, Callable[[float], Any]], dict[str, str]]:
    """One `leaf(x)` per engine that can be imported, and a note for each one that cannot.

    With `skip_torch`, torch is not even imported: its import leaves ~160k long-lived
    objects that every full garbage collection walks, whichever engine is running.
    """
    makers: dict[str, Callable[[float], Any]] = {"chainrule": engine.Value}
    missing: dict[str, str] = {}
    try:
        from micrograd.engine import Value as MicrogradValue

        makers[MICROGRAD] = MicrogradValue
    except ImportError as error:
        missing[MICROGRAD] = f"micrograd not importable ({error})"
    if skip_torch:
        missing["torch"] = "torch left out and not imported (--no-torch)"
        return makers, missing
    try:
        import torch

        def torch_leaf(x: float) -> Any:
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        makers["torch"] = torch_leaf
    except ImportError as error:
        missing["torch"] = f"torch not importable ({error})"
    return makers, missing


# ---- W1, W2: the same code runs on every engine ----------------------------------------


def chain(x: Any, n: int) -> Any:
    """W1: n steps of y = y * 1.0001 + 0.0001, a graph 2n ops deep."""
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    return y


def wide(ws: list[Any], xs: list[Any]) -> Any:
    """W2: sum(w_i * x_i) with Python's builtin sum, a graph 2n ops wide and n deep."""
    return sum(w * x for w, x in zip(ws, xs))


def time_chain(
    leaf: Callable[[float], Any], n: int, collector: bool = True
) -> tuple[float, float, int]:
    """Seconds for the forward pass and for the backward pass of W1, and how many full
    collections (the collector's walks of every live object) ran meanwhile.

    `collector=False` switches the cyclic garbage collector off for the timed part: not
    how anyone runs, but it shows how much of an engine's time the collector takes.
    """
    x = leaf(1.0)
    gc.collect()
    full_before = _full_collections()
    if not collector:
        gc.disable()
    try:
        start = clock()
        y = chain(x, n)
        middle = clock()
        y.backward()
        end = clock()
    finally:
        gc.enable()
    return middle - start, end - middle, _full_collections() - full_before


def _full_collections() -> int:
    """How many times the collector has walked its oldest generation (every object)."""
    return gc.get_stats()[2]["collections"]


def time_wide(leaf: Callable[[float], Any], n: int) -> tuple[float, int]:
    """Seconds for W2's forward and backward pass together, and the full collections."""
    ws = [leaf(0.5 + (i % 7) / 10) for i in range(n)]
    xs = [leaf(1.0 - (i % 5) / 10) for i in range(n)]
    gc.collect()
    full_before = _full_collections()
    start = clock()
    y = wide(ws, xs)
    y.backward()
    seconds = clock() - start
    full = _full_collections() - full_before
    # y is freed after the clock stops, as in W1: micrograd's graphs (cycles) are freed
    # only by a later collection, so timing chainrule's freeing would not be like for like
    del y
    return seconds, full


# ---- W3: one step of micrograd's demo, each engine with its own nn ----------------------

HIDDEN = [16, 16, 1]
L2 = 1e-4
LR = 0.1


def moons(n_samples: int, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaved half circles with a little noise; labels -1 and +1 (hinge loss)."""
    rng = random.Random(seed)
    points, labels = [], []
    for i in range(n_samples):
        upper = i % 2 == 0
        t = math.pi * rng.random()
        x, y = (math.cos(t), math.sin(t)) if upper else (1 - math.cos(t), 0.5 - math.sin(t))
        points.append([x + rng.gauss(0, 0.1), y + rng.gauss(0, 0.1)])
        labels.append(1 if upper else -1)
    return points, labels


def chainrule_nn_missing() -> str | None:
    """Why chainrule's nn cannot run W3 yet, or None when it can."""
    try:
        import nn

        nn.MLP, nn.hinge_loss  # noqa: B018 - the names W3 needs
    except (ImportError, AttributeError) as error:
        return f"W3 skipped: chainrule's nn is not ready ({error})"
    return None


def chainrule_demo(points: list[list[float]], labels: list[int]) -> Callable[[], None]:
    import nn

    model = nn.MLP(2, HIDDEN, seed=0)
    params = model.parameters()
    optimizer = nn.SGD(params, lr=LR) if hasattr(nn, "SGD") else None

    def step() -> None:
        scores = [model(x) for x in points]
        loss = nn.hinge_loss(scores, labels) + L2 * engine.sum([p * p for p in params])
        model.zero_grad()
        loss.backward()
        if optimizer is not None:
            optimizer.step()
        else:
            for p in params:
                p.data -= LR * p.grad

    return step


def micrograd_demo(points: list[list[float]], labels: list[int]) -> Callable[[], None]:
    from micrograd import nn as micrograd_nn
    from micrograd.engine import Value

    random.seed(0)
    model = micrograd_nn.MLP(2, HIDDEN)
    params = model.parameters()

    def step() -> None:
        # as in micrograd's demo.ipynb: inputs wrapped as Values, mean hinge loss, L2
        inputs = [list(map(Value, x)) for x in points]
        scores = [model(x) for x in inputs]
        losses = [(1 + -y * s).relu() for y, s in zip(labels, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + L2 * sum(p * p for p in params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad

    return step


def torch_demo(points: list[list[float]], labels: list[int]) -> Callable[[], None]:
    """The same network built from 0-dim float64 tensors, one per weight, as micrograd."""
    import torch

    rng = random.Random(0)
    sizes = [2, *HIDDEN]
    layers = [
        [
            (
                [torch.tensor(rng.uniform(-1, 1), dtype=torch.float64, requires_grad=True)
                 for _ in range(nin)],
                torch.tensor(0.0, dtype=torch.float64, requires_grad=True),
            )
            for _ in range(nout)
        ]
        for nin, nout in zip(sizes, sizes[1:])
    ]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]

    def model(x: list[Any]) -> Any:
        for depth, layer in enumerate(layers):
            x = [sum((w * xi for w, xi in zip(ws, x)), b) for ws, b in layer]
            if depth < len(layers) - 1:  # the last layer is linear
                x = [torch.relu(a) for a in x]
        return x[0]

    def step() -> None:
        scores = [model(x) for x in points]
        losses = [torch.relu(1 - y * s) for y, s in zip(labels, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + L2 * sum(p * p for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad

    return step


def time_call(step: Callable[[], None]) -> float:
    gc.collect()
    start = clock()
    step()
    return clock() - start


# ---- memory -------------------------------------------------------------------------


def graph_size(root: Any) -> int:
    """Distinct nodes reachable from root (chainrule `.parents`, micrograd `._prev`)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        parents = node.parents if hasattr(node, "parents") else node._prev
        for parent in parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


class _BareNode:
    """The least an engine can keep per op: one Python object with its number and parent."""

    __slots__ = ("data", "parent")


def collector_floor(n: int, collector: bool) -> float:
    """Seconds to build W1's 2n nodes as bare linked objects (no arithmetic, no rules).

    With the collector on, most of this is the cyclic collector walking the objects that
    stay alive, plus every other live object in the process (PyTorch's, once imported):
    the part of W1's forward time that no engine keeping a Python object per op can avoid.
    """
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = clock()
        node = _BareNode()
        for _ in range(2 * n):
            nxt = _BareNode()
            nxt.data = 1.0001
            nxt.parent = node
            node = nxt
        seconds = clock() - start
    finally:
        gc.enable()
    return seconds


def full_collection() -> tuple[float, int]:
    """Seconds for one full collection with no graph alive, and the objects it walks: the
    process's other objects (PyTorch's, once imported), which every full collection during
    a run walks again, whatever engine triggered it."""
    gc.collect()
    start = clock()
    gc.collect()
    return clock() - start, len(gc.get_objects())


def bytes_per_node(leaf: Callable[[float], Any], n: int) -> tuple[float, int, int]:
    """tracemalloc's peak while building an n-step chain, over the nodes it created."""
    x = leaf(1.0)
    gc.collect()
    tracemalloc.start()
    y = chain(x, n)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes = graph_size(y) - 1  # x was made before tracing started
    return peak / nodes, peak, nodes


# ---- the run ------------------------------------------------------------------------


def run(quick: bool, rounds: int | None, skip_torch: bool) -> dict[str, Any]:
    chain_sizes = [100, 1_000] if quick else [1_000, 10_000, 100_000]
    wide_sizes = [1_000] if quick else [10_000, 100_000]
    demo_points = 8 if quick else 100
    memory_chain = 1_000 if quick else 100_000
    rounds = rounds or (2 if quick else 5)

    makers, notes = _leaf_makers(skip_torch)
    names = [name for name in ENGINE_NAMES if name in makers]

    demo_note = chainrule_nn_missing()
    demos: dict[str, Callable[[], None]] = {}
    if demo_note is None:
        points, labels = moons(demo_points)
        builders = {"chainrule": chainrule_demo, MICROGRAD: micrograd_demo, "torch": torch_demo}
        demos = {name: builders[name](points, labels) for name in names}
        for step in demos.values():
            step()  # warm-up: first calls pay for imports and caches

    samples: dict[str, dict[str, list[float]]] = {}
    floor: dict[bool, list[float]] = {}
    heap_walks: list[tuple[float, int]] = []
    w1_large, w2_large = f"W1 N={chain_sizes[-1]:,}", f"W2 N={wide_sizes[-1]:,}"
    full_collections: dict[str, dict[str, list[int]]] = {w1_large: {}, w2_large: {}}

    def record(row: str, name: str, seconds: float) -> None:
        samples.setdefault(row, {}).setdefault(name, []).append(seconds)

    for _ in range(rounds):
        for n in chain_sizes:
            for name in names:
                forward, backward, full = time_chain(makers[name], n)
                if n == chain_sizes[-1]:
                    full_collections[w1_large].setdefault(name, []).append(full)
                record(f"W1 chain N={n} forward", name, forward)
                record(f"W1 chain N={n} backward", name, backward)
                record(f"W1 chain N={n} fwd+bwd", name, forward + backward)
        for name in names:
            if name != "torch":  # torch's graph has no Python objects for it to walk
                forward, backward, _ = time_chain(makers[name], chain_sizes[-1], collector=False)
                record(f"W1 N={chain_sizes[-1]} fwd+bwd, no GC", name, forward + backward)
        for n in wide_sizes:
            for name in names:
                seconds, full = time_wide(makers[name], n)
                if n == wide_sizes[-1]:
                    full_collections[w2_large].setdefault(name, []).append(full)
                record(f"W2 wide N={n} fwd+bwd", name, seconds)
        for name in demos:
            record(f"W3 demo step ({demo_points} points)", name, time_call(demos[name]))
        for collector in (True, False):
            floor.setdefault(collector, []).append(collector_floor(chain_sizes[-1], collector))
        heap_walks.append(full_collection())

    medians = {
        row: {name: statistics.median(times) for name, times in by_engine.items()}
        for row, by_engine in samples.items()
    }
    memory = {}
    for name in ("chainrule", MICROGRAD):
        if name in makers:
            per_node, peak, nodes = bytes_per_node(makers[name], memory_chain)
            memory[name] = {"bytes_per_node": per_node, "peak_bytes": peak, "nodes": nodes}

    results = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "quick": quick,
        "rounds": rounds,
        "clock": clock.__name__,
        "engines": names,
        "notes": [*notes.values(), *([demo_note] if demo_note else [])],
        "medians_seconds": medians,
        "collector_floor_seconds": {
            "n": chain_sizes[-1],
            "collector_on": statistics.median(floor[True]),
            "collector_off": statistics.median(floor[False]),
        },
        "heap": {
            "objects": statistics.median(objects for _, objects in heap_walks),
            "full_collection_seconds": statistics.median(seconds for seconds, _ in heap_walks),
            "full_collections": {
                workload: {name: statistics.median(counts) for name, counts in by_engine.items()}
                for workload, by_engine in full_collections.items()
            },
        },
        "memory_chain_steps": memory_chain,
        "memory": memory,
    }
    results["heap"]["w1_growth_from_heap_walks"] = heap_walk_growth(results, chain_sizes)
    results["targets"] = targets(results, chain_sizes, wide_sizes, demo_points)
    return results


def heap_walk_growth(results: dict[str, Any], chain_sizes: list[int]) -> float | None:
    """chainrule's W1 cost-per-op growth (N = largest / smallest) if its own work were
    exactly linear and its own nodes cost the collector nothing: only the full collections
    that its run triggers, each walking the rest of the process's heap, added on top."""
    small, large = chain_sizes[0], chain_sizes[-1]
    full = results["heap"]["full_collections"][f"W1 N={large:,}"].get("chainrule")
    if full is None:
        return None
    linear = results["medians_seconds"][f"W1 chain N={small} fwd+bwd"]["chainrule"] * large / small
    return 1.0 + full * results["heap"]["full_collection_seconds"] / linear


def _ratio(medians: dict[str, dict[str, float]], row: str, a: str, b: str) -> float | None:
    times = medians.get(row, {})
    return times[a] / times[b] if a in times and b in times else None


def targets(
    results: dict[str, Any], chain_sizes: list[int], wide_sizes: list[int], demo_points: int
) -> list[dict[str, Any]]:
    """The project's targets, each measured on this run (None where an engine is missing)."""
    medians = results["medians_seconds"]
    small, large = chain_sizes[0], chain_sizes[-1]
    demo = f"W3 demo step ({demo_points} points)"
    cr_large = medians[f"W1 chain N={large} fwd+bwd"]["chainrule"] / large
    per_op = cr_large / (medians[f"W1 chain N={small} fwd+bwd"]["chainrule"] / small)
    memory = results["memory"].get("chainrule", {}).get("bytes_per_node")
    rows = [
        ("W3 step / micrograd's", _ratio(medians, demo, "chainrule", MICROGRAD), 0.05),
        (
            f"W1 N={large} fwd+bwd / micrograd's",
            _ratio(medians, f"W1 chain N={large} fwd+bwd", "chainrule", MICROGRAD),
            0.20,
        ),
        (
            f"W2 N={wide_sizes[-1]} fwd+bwd / micrograd's",
            _ratio(medians, f"W2 wide N={wide_sizes[-1]} fwd+bwd", "chainrule", MICROGRAD),
            0.20,
        ),
        (f"W1 cost per op at N={large} / at N={small}", per_op, 1.5),
        (f"bytes per node ({results['memory_chain_steps']}-step chain)", memory, 500.0),
        ("W3 step / PyTorch scalar's", _ratio(medians, demo, "chainrule", "torch"), 0.05),
    ]
    return [
        {
            "target": name,
            "measured": value,
            "limit": limit,
            "status": "n/a" if value is None else ("PASS" if value <= limit else "MISS"),
        }
        for name, value, limit in rows
    ]


def _milliseconds(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.3g} ms"


def print_table(results: dict[str, Any]) -> None:
    names = results["engines"]
    medians = results["medians_seconds"]
    ratio_names = [name for name in names if name != MICROGRAD]
    header = f"{'workload':<32}" + "".join(f"{name:>13}" for name in names)
    if MICROGRAD in names:
        header += "".join(f"{name + '/mg':>14}" for name in ratio_names)
    print(
        f"medians of {results['rounds']} interleaved rounds ({results['clock']}), "
        f"Python {results['python']}"
    )
    print(header)
    print("-" * len(header))
    for row, times in medians.items():
        line = f"{row:<32}" + "".join(f"{_milliseconds(times.get(name)):>13}" for name in names)
        if MICROGRAD in names:
            for name in ratio_names:
                ratio = _ratio(medians, row, name, MICROGRAD)
                line += f"{'-' if ratio is None else f'{ratio:.3f}':>14}"
        print(line)
    print()
    floor = results["collector_floor_seconds"]
    print(
        f"collector floor: 2N = {2 * floor['n']:,} linked bare objects take "
        f"{_milliseconds(floor['collector_off'])} with the collector off, "
        f"{_milliseconds(floor['collector_on'])} with it on"
    )
    heap = results["heap"]
    print(
        f"heap: one full collection with no graph alive walks {heap['objects']:,.0f} objects "
        f"in {_milliseconds(heap['full_collection_seconds'])}"
    )
    for workload, by_engine in heap["full_collections"].items():
        counts = ", ".join(f"{name} {n:g}" for name, n in by_engine.items())
        print(f"  full collections during {workload}: {counts}")
    if heap["w1_growth_from_heap_walks"] is not None:
        print(
            "  chainrule's W1 growth if its own work were linear and free to collect, "
            f"with only those walks added: {heap['w1_growth_from_heap_walks']:.3f}"
        )
    steps = results["memory_chain_steps"]
    for name, entry in results["memory"].items():
        print(
            f"memory {name:<10} {entry['bytes_per_node']:8.1f} bytes per node, "
            f"{entry['peak_bytes'] / steps:6.0f} per step "
            f"(tracemalloc peak {entry['peak_bytes']:,} B over {entry['nodes']:,} nodes)"
        )
    for note in results["notes"]:
        print(f"note: {note}")
    print()
    if results["quick"]:
        print("targets (quick run: smaller sizes than the targets are set for)")
    else:
        print("targets")
    for target in results["targets"]:
        value = target["measured"]
        shown = "-" if value is None else f"{value:.3f}"
        print(f"  {target['status']:<5} {target['target']:<44} {shown:>10} <= {target['limit']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="dump results")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out, unimported")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    args = parser.parse_args(argv)
    global clock
    clock = time.perf_counter if args.wall else time.process_time
    results = run(args.quick, args.rounds, args.no_torch)
    print_table(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
