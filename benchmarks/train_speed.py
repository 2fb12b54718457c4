"""The main job, before and after: `chainrule train --dataset moons` with its defaults.

    python benchmarks/train_speed.py              # 3 interleaved rounds
    python benchmarks/train_speed.py --rounds 5 --before 9caba11

"Before" is the training loop of `nn/train.py` at the commit `--before` (read with
`git show`, so the loop is exactly the old one) with that commit's defaults: Adam at lr
0.01, batches of 32, all 200 epochs, PyTorch's initial weights. "After" is today's
`nn.train.fit` with the command's defaults (nn/cli.py): Adam at lr 0.03, batches of 32,
stopping once every training point has been classified correctly for 10 epochs in a row,
with the replay's `Snapshots` recorder attached (it hears every step and every epoch, and
measures each snapshot's weights over the whole training set), and then the replay page
built and written.

Rounds alternate before and after in one process, so a change in the machine's load lands
on both; the table shows medians of CPU time (`time.process_time`), which other programs
on a shared machine do not inflate, and wall time for reference. Both runs use the same
engine, data (seed 0), 500 fresh test points and initial weights.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nn  # noqa: E402
from nn import cli, train  # noqa: E402
from nn.report import training_report  # noqa: E402

BEFORE = "9caba11"  # the last commit before the replay work changed nn/train.py


def load_before(revision: str) -> types.ModuleType:
    """nn/train.py as it was at `revision`, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{revision}:nn/train.py"],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    ).stdout
    module = types.ModuleType("train_before")
    exec(compile(source, f"{revision}:nn/train.py", "exec"), module.__dict__)
    return module


def data() -> tuple[list, list, list, list]:
    """The command's moons: 100 training points (seed 0), 500 fresh ones."""
    X, y = cli._make_data("moons", 100, 0.1, 0)
    X_test, y_test = cli._make_data("moons", 500, 0.1, 1_000_003)
    return X, y, X_test, y_test


def model() -> nn.MLP:
    """The command's network, with PyTorch's initial weights (both commits' starting point)."""
    if "init" in inspect.signature(nn.MLP).parameters:
        return nn.MLP(2, [16, 16, 1], seed=0, init="pytorch")
    return nn.MLP(2, [16, 16, 1], seed=0)


def run_before(before: types.ModuleType) -> dict[str, float]:
    X, y, X_test, y_test = data()
    net = model()
    optimizer = nn.Adam(net.parameters(), lr=0.01)
    cpu, wall = time.process_time(), time.perf_counter()
    history = before.fit(
        net, X, y, loss="bce", optimizer=optimizer, epochs=200, batch_size=32, seed=0, n_classes=2
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "cpu": cpu,
        "wall": wall,
        "epochs": len(history["loss"]),
        "train": train.accuracy(net, X, y, "bce"),
        "test": train.accuracy(net, X_test, y_test, "bce"),
        "replay": 0.0,
    }


def run_after(folder: str) -> dict[str, float]:
    X, y, X_test, y_test = data()
    net = model()
    optimizer = nn.Adam(net.parameters(), lr=cli.ADAM_LR)
    recorder_cpu = 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    recorder = train.Snapshots(net, X, y, loss="bce", n_classes=2)
    recorder_cpu += time.process_time() - cpu

    class Timed:
        """The recorder, its time on the clock: it hears every step and every epoch."""

        def on_step(self, end: train.StepEnd) -> bool:
            nonlocal recorder_cpu
            started = time.process_time()
            recorder.on_step(end)
            recorder_cpu += time.process_time() - started
            return False

        def __call__(self, end: train.EpochEnd) -> bool:
            nonlocal recorder_cpu
            started = time.process_time()
            recorder(end)
            recorder_cpu += time.process_time() - started
            return False

    history = train.fit(
        net,
        X,
        y,
        loss="bce",
        optimizer=optimizer,
        epochs=200,
        batch_size=cli.BATCH_SIZE,
        seed=0,
        n_classes=2,
        callbacks=[Timed()],
        stop_when_learned=cli.STOP_WHEN_LEARNED,
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # the command measures these for its printout anyway: not a cost of the replay
    train_accuracy = train.accuracy(net, X, y, "bce")
    test_accuracy = train.accuracy(net, X_test, y_test, "bce")
    page_cpu = time.process_time()
    snapshots = recorder.snapshots  # the last epoch's figures are measured here
    report = training_report(
        net,
        X,
        y,
        history,
        snapshots=snapshots,
        X_test=X_test,
        y_test=y_test,
        title="moons",
        final_accuracy={"train": train_accuracy, "test": test_accuracy},
        loss="bce",
    )
    report.save(os.path.join(folder, "report.html"))
    page_cpu = time.process_time() - page_cpu
    return {
        "cpu": cpu,
        "wall": wall,
        "epochs": len(history["loss"]),
        "train": train_accuracy,
        "test": test_accuracy,
        "replay": recorder_cpu + page_cpu,
        "page_bytes": len(report.html.encode("utf-8")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", default=BEFORE, help=f"git revision (default {BEFORE})")
    options = parser.parse_args()
    before = load_before(options.before)
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as folder:
        for round_number in range(options.rounds):
            results["before"].append(run_before(before))
            results["after"].append(run_after(folder))
            b, a = results["before"][-1], results["after"][-1]
            print(
                f"round {round_number + 1}: before {b['cpu']:.2f} s CPU, "
                f"after {a['cpu']:.2f} s CPU + replay {a['replay']:.3f} s",
                flush=True,
            )

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in results[side])

    print()
    print("| run | epochs | training, CPU s | wall s | train acc | test acc | replay, CPU s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for side in ("before", "after"):
        r = results[side][-1]
        print(
            f"| {side} | {r['epochs']:.0f} | {median(side, 'cpu'):.2f} | "
            f"{median(side, 'wall'):.2f} | {r['train']:.1%} | {r['test']:.1%} | "
            f"{median(side, 'replay'):.3f} |"
        )
    ratio = median("before", "cpu") / median("after", "cpu")
    share = median("after", "replay") / median("after", "cpu")
    page = results["after"][-1]["page_bytes"]
    print(
        f"\nafter is {ratio:.1f}x faster (CPU medians over {options.rounds} rounds); "
        f"the replay costs {share:.1%} of the training; report.html is {page / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
