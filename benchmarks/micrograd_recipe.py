"""micrograd's demo recipe over many seeds: how often does it fit its training set?

The recipe, as micrograd's demo notebook has it and as a learner types it with chainrule's
names: `random.seed(seed)`, `nn.datasets.make_moons(100, noise=0.1)`, `nn.MLP(2, [16, 16,
1])`, the max-margin (hinge) loss's mean plus 1e-4 * sum(p * p), and 100 full-batch steps
of SGD with `lr = 1.0 - 0.9 * k / 100`. A seed counts when the trained model classifies
all 100 training points correctly.

It runs for chainrule with its default init, with `init="micrograd"` and with
`init="pytorch"`, and for micrograd itself on the same points (micrograd draws its weights
from the same global `random`, so it starts from the same weights as `init="micrograd"`).

    python benchmarks/micrograd_recipe.py                  # 40 seeds, every engine
    python benchmarks/micrograd_recipe.py --seeds 5 --no-micrograd
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import engine  # noqa: E402
import nn  # noqa: E402

STEPS = 100
N_POINTS = 100
NOISE = 0.1


def chainrule_recipe(seed: int, init: str | None = None) -> float:
    """The demo with chainrule; the trained model's training accuracy."""
    random.seed(seed)
    X, y = nn.datasets.make_moons(N_POINTS, noise=NOISE)
    y = [2 * label - 1 for label in y]  # the hinge loss wants labels -1 and +1
    model = nn.MLP(2, [16, 16, 1]) if init is None else nn.MLP(2, [16, 16, 1], init=init)
    optimizer = nn.SGD(model.parameters(), lr=1.0)
    for k in range(STEPS):
        scores = [model(x) for x in X]
        loss = nn.hinge_loss(scores, y) + 1e-4 * engine.sum(p * p for p in model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / 100
        optimizer.step()
    correct = sum((model(x).data > 0) == (label > 0) for x, label in zip(X, y))
    return correct / len(X)


def micrograd_recipe(seed: int) -> float:
    """The demo with micrograd's own Value and MLP, on chainrule's points for that seed."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(seed)
    X, y = nn.datasets.make_moons(N_POINTS, noise=NOISE)
    y = [2 * label - 1 for label in y]
    model = MLP(2, [16, 16, 1])
    for k in range(STEPS):
        scores = [model([Value(a) for a in x]) for x in X]
        losses = [(1 + -label * score).relu() for label, score in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
    correct = sum((model([Value(a) for a in x]).data > 0) == (label > 0) for x, label in zip(X, y))
    return correct / len(X)


def count(name: str, run: Callable[[int], float], seeds: range) -> int:
    """Run every seed, print one line for the engine, return how many reached 100%."""
    start = time.perf_counter()
    accuracies = [run(seed) for seed in seeds]
    perfect = sum(a == 1.0 for a in accuracies)
    missed = ", ".join(f"{s} ({a:.0%})" for s, a in zip(seeds, accuracies) if a < 1.0)
    print(
        f"{name:<28} {perfect:>2}/{len(accuracies)} seeds at 100%   "
        f"({time.perf_counter() - start:.0f} s){'   missed: ' + missed if missed else ''}",
        flush=True,
    )
    return perfect


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="seeds 0 .. N-1 (default: 40)")
    parser.add_argument("--no-micrograd", action="store_true", help="skip micrograd itself")
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    print(
        f"micrograd's demo recipe, seeds 0..{args.seeds - 1}, training accuracy after {STEPS} steps"
    )
    count(f"chainrule (default init={nn.module.DEFAULT_INIT!r})", chainrule_recipe, seeds)
    for init in nn.module.INITS:
        if init != nn.module.DEFAULT_INIT:
            count(f"chainrule init={init!r}", lambda s, i=init: chainrule_recipe(s, i), seeds)
    if args.no_micrograd:
        return 0
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("micrograd                    not installed (pip install micrograd==0.1.0)")
        return 0
    # micrograd's topological sort recurses once per node of the graph
    sys.setrecursionlimit(100_000)
    count("micrograd 0.1.0", micrograd_recipe, seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
