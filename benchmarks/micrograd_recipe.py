"""micrograd's demo recipe over many seeds: how often does it fit its training set?

The recipe, as micrograd's demo notebook has it and as a learner types it with chainrule's
names: `random.seed(seed)`, `nn.datasets.make_moons(100, noise=0.1)`, `nn.MLP(2, [16, 16,
1])`, the max-margin (hinge) loss's mean plus 1e-4 * sum(p * p), and 100 full-batch steps
of SGD with `lr = 1.0 - 0.9 * k / 100`. A seed counts when the trained model classifies
all 100 training points correctly.

It runs chainrule with each init (`--init`), and micrograd itself, on the same points:
chainrule's `make_moons` drawing from the global `random`, or (`--data sklearn`)
scikit-learn's drawing from NumPy's, as micrograd's own notebook does. micrograd draws its
weights from the global `random` right after the data, so it starts from exactly the
weights of `init="micrograd"`. Each line also counts the accuracy the demo prints at its
last step (measured before that step's update).

    python benchmarks/micrograd_recipe.py                  # 40 seeds, every engine
    python benchmarks/micrograd_recipe.py --seeds 5 --no-micrograd --data both

micrograd takes minutes per seed here (about 4 CPU-minutes on this machine), chainrule
seconds. Measured on seeds 0..39 (final model at 100%): chainrule's data: init="micrograd"
34, init="pytorch" 13; scikit-learn's data: init="micrograd" 37.
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

Result = tuple[float, float]  # (trained model's accuracy, accuracy printed at the last step)


def moons(seed: int, data: str) -> tuple[list[list[float]], list[int]]:
    """The demo's first lines: seed the generators, make the points, labels -1 and +1.

    `data="chainrule"` is `nn.datasets.make_moons` drawing from the global `random`;
    `data="sklearn"` is micrograd's own notebook: scikit-learn's `make_moons` drawing from
    NumPy's global generator. Either way `random.seed(seed)` comes first, so the model's
    weights drawn next are the same.
    """
    random.seed(seed)
    if data == "sklearn":
        import numpy as np
        from sklearn.datasets import make_moons

        np.random.seed(seed)
        points, labels = make_moons(n_samples=N_POINTS, noise=NOISE)
        X, y = points.tolist(), [int(label) for label in labels]
    else:
        X, y = nn.datasets.make_moons(N_POINTS, noise=NOISE)
    return X, [2 * label - 1 for label in y]  # the hinge loss wants labels -1 and +1


def chainrule_recipe(seed: int, init: str | None = None, data: str = "chainrule") -> Result:
    """The demo with chainrule: the trained model's training accuracy, and the accuracy the
    demo prints at its last step (measured before that step's update)."""
    X, y = moons(seed, data)
    model = nn.MLP(2, [16, 16, 1]) if init is None else nn.MLP(2, [16, 16, 1], init=init)
    optimizer = nn.SGD(model.parameters(), lr=1.0)
    printed = 0.0
    for k in range(STEPS):
        scores = [model(x) for x in X]
        loss = nn.hinge_loss(scores, y) + 1e-4 * engine.sum(p * p for p in model.parameters())
        printed = accuracy([s.data for s in scores], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / 100
        optimizer.step()
    return accuracy([model(x).data for x in X], y), printed


def micrograd_recipe(seed: int, data: str = "chainrule") -> Result:
    """The demo with micrograd's own Value and MLP, on the same points."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    X, y = moons(seed, data)
    model = MLP(2, [16, 16, 1])
    printed = 0.0
    for k in range(STEPS):
        scores = [model([Value(a) for a in x]) for x in X]
        losses = [(1 + -label * score).relu() for label, score in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
        printed = accuracy([s.data for s in scores], y)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
    return accuracy([model([Value(a) for a in x]).data for x in X], y), printed


def accuracy(scores: list[float], labels: list[int]) -> float:
    return sum((s > 0) == (label > 0) for s, label in zip(scores, labels)) / len(labels)


def count(name: str, run: Callable[[int], Result], seeds: range) -> int:
    """Run every seed, print one line for the engine, return how many reached 100%."""
    start = time.perf_counter()
    results = [run(seed) for seed in seeds]
    perfect = sum(final == 1.0 for final, _ in results)
    printed = sum(last == 1.0 for _, last in results)
    missed = ", ".join(f"{s} ({f:.0%})" for s, (f, _) in zip(seeds, results) if f < 1.0)
    print(
        f"{name:<40} {perfect:>2}/{len(results)} trained models at 100% "
        f"({printed}/{len(results)} as printed at the last step), "
        f"{time.perf_counter() - start:.0f} s" + (f"; missed: {missed}" if missed else ""),
        flush=True,
    )
    return perfect


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40, help="seeds 0 .. N-1 (default: 40)")
    parser.add_argument("--no-micrograd", action="store_true", help="skip micrograd itself")
    parser.add_argument(
        "--data",
        choices=["chainrule", "sklearn", "both"],
        default="chainrule",
        help="whose make_moons draws the points (default: chainrule; sklearn is micrograd's)",
    )
    parser.add_argument(
        "--init",
        choices=[*nn.module.INITS, "all"],
        default="all",
        help="chainrule's init to run (default: all)",
    )
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    sources = ["chainrule", "sklearn"] if args.data == "both" else [args.data]
    print(f"micrograd's demo recipe, seeds 0..{args.seeds - 1}, {STEPS} steps")
    inits = [nn.module.DEFAULT_INIT, *(i for i in nn.module.INITS if i != nn.module.DEFAULT_INIT)]
    if args.init != "all":
        inits = [args.init]
    for data in sources:
        for init in inits:
            default = " (default)" if init == nn.module.DEFAULT_INIT else ""
            count(
                f"chainrule init={init!r}{default}, {data} data",
                lambda s, i=init, d=data: chainrule_recipe(s, i, d),
                seeds,
            )
    if args.no_micrograd:
        return 0
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("micrograd: not installed (pip install micrograd==0.1.0)")
        return 0
    # micrograd's topological sort recurses once per node of the graph
    sys.setrecursionlimit(100_000)
    for data in sources:
        count(f"micrograd 0.1.0, {data} data", lambda s, d=data: micrograd_recipe(s, d), seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
