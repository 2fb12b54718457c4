"""Tests for nn.train (the loop, its step and epoch callbacks, the snapshots) and the
`chainrule train` command of nn/cli.py (run in-process through `nn.cli.main`), and a
step-for-step reproduction of micrograd's demo.

The replay page has its own tests (test_report.py), and so does the top-level command
(test_cli.py)."""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import sys

import pytest

import engine
import nn
import nn.cli
import nn.plots
import nn.report
import nn.train
from nn.cli import estimate_run_bytes, main
from nn.plots import grid_classes
from nn.train import (
    EpochEnd,
    Snapshots,
    StepEnd,
    accuracy,
    evaluate,
    fit,
    format_accuracy,
    format_loss,
    predict,
)

SMALL_RUN = ["--n-samples", "24", "--n-test", "20", "--epochs", "2", "--no-progress"]


def test_train_writes_model_and_images_and_says_where(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "moons", *SMALL_RUN, "--out", str(out)]) == 0
    for name in ("model.json", "loss_curve.png", "decision_boundary.png", "report.html"):
        assert (out / name).stat().st_size > 0
    printed = capsys.readouterr()
    model = nn.MLP.load(out / "model.json")
    architecture = model.architecture()
    assert architecture["nouts"] == [16, 16, 1] and architecture["activation"] == "relu"
    assert (out / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert printed.err == ""


def test_train_prints_accuracies_and_paths(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *SMALL_RUN, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "train accuracy" in printed and "test accuracy" in printed
    assert str(out / "decision_boundary.png") in printed


def test_train_defaults_to_runs_dataset_under_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["train", "--dataset", "spirals", "--n-samples", "12", "--n-test", "6"]
    assert main([*args, "--epochs", "1", "--no-progress"]) == 0
    document = json.loads((tmp_path / "runs" / "spirals" / "model.json").read_text())
    # three classes: cross-entropy by default, one output per class
    assert document["architecture"]["nouts"] == [16, 16, 3]


@pytest.mark.parametrize(
    "options",
    [
        ["--loss", "hinge", "--optimizer", "sgd", "--hidden", "4"],
        ["--loss", "mse", "--activation", "tanh", "--hidden", "3,1", "--batch-size", "5"],
        ["--dataset", "circles", "--loss", "ce", "--lr", "0.05"],
        ["--dataset", "blobs", "--weight-decay", "0.001", "--activation", "sigmoid"],
        ["--init", "micrograd", "--stop-when-learned", "0"],
    ],
)
def test_train_accepts_its_options(options, tmp_path):
    assert main(["train", *SMALL_RUN, "--out", str(tmp_path), *options]) == 0
    assert (tmp_path / "model.json").exists()


@pytest.mark.parametrize(
    "options, message",
    [
        (["--hidden", "16,x"], "--hidden"),
        (["--hidden", "16,0"], "--hidden"),
        (["--lr", "-1"], "--lr"),
        (["--lr", "nan"], "--lr"),
        (["--dataset", "mnist"], "--dataset"),
        (["--epochs", "0"], "--epochs"),
        (["--noise", "-0.1"], "--noise"),
        (["--loss", "hinge", "--dataset", "spirals"], "two classes"),
        (["--no-such-option"], "unrecognized"),
    ],
)
def test_bad_options_give_one_line_error_and_status_2(options, message, tmp_path, capsys):
    assert main(["train", *options, "--out", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "model.json").exists()


def test_no_subcommand_and_help(capsys):
    assert main([]) == 2
    assert main(["train", "--help"]) == 0
    assert "--dataset" in capsys.readouterr().out


def test_short_training_run_classifies_moons_well():
    X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
    X_test, y_test = nn.datasets.make_moons(200, noise=0.1, seed=1)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    history = fit(model, X, y, loss="bce", epochs=40, batch_size=32, seed=0)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert accuracy(model, X, y, "bce") >= 0.95
    assert accuracy(model, X_test, y_test, "bce") >= 0.95


@pytest.mark.parametrize("loss", ["hinge", "bce", "ce", "mse"])
def test_every_loss_trains(loss):
    X, y = nn.datasets.make_blobs(30, centers=[(-2.0, 0.0), (2.0, 0.0)], noise=0.5, seed=0)
    model = nn.MLP(2, [4, 1 if loss in ("hinge", "bce") else 2], seed=0)
    history = fit(model, X, y, loss=loss, epochs=15, batch_size=5, seed=0)
    assert history["loss"][-1] < history["loss"][0]
    assert accuracy(model, X, y, loss) >= 0.9


def test_fit_rejects_a_loss_that_does_not_fit_the_classes():
    X, y = nn.datasets.make_spirals(9, seed=0)
    with pytest.raises(ValueError, match="two classes"):
        fit(nn.MLP(2, [1], seed=0), X, y, loss="hinge", epochs=1)


@pytest.mark.parametrize(
    "activation, nouts", [("relu", [5, 1]), ("tanh", [4, 3]), ("sigmoid", [3])]
)
def test_numpy_grid_agrees_with_the_model(activation, nouts):
    model = nn.MLP(2, nouts, activation=activation, seed=0)
    xs, ys = [-1.0, 0.0, 0.5, 2.0], [-0.5, 0.25, 1.0]
    classes = grid_classes(model, xs, ys)
    loss = "bce" if nouts[-1] == 1 else "ce"
    expected = [predict(model, [[x, y] for x in xs], loss) for y in ys]
    assert classes.tolist() == expected


def test_reproduces_micrograd_demo_steps():
    """micrograd's demo: MLP(2, [16, 16, 1]), SVM hinge loss + 1e-4 L2, SGD with the
    learning rate falling from 1.0; the same start gives the same losses and weights."""
    micrograd_nn = pytest.importorskip("micrograd.nn")
    from micrograd.engine import Value as MicrogradValue

    X, y = nn.datasets.make_moons(40, noise=0.1, seed=0)  # fewer points: micrograd is slow
    signs = [2 * label - 1 for label in y]
    ours = nn.MLP(2, [16, 16, 1], seed=0)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    assert len(theirs.parameters()) == len(ours.parameters())
    for p, q in zip(ours.parameters(), theirs.parameters()):  # same order: w then b
        q.data = p.data
    sgd = nn.SGD(ours.parameters(), lr=1.0)

    for k in range(5):
        scores = [ours(x) for x in X]
        reg = 1e-4 * engine.sum([p * p for p in ours.parameters()])
        loss = nn.hinge_loss(scores, signs) + reg
        sgd.zero_grad()
        loss.backward()
        sgd.lr = 1.0 - 0.9 * k / 100
        sgd.step()

        # micrograd's demo, verbatim in substance
        m_scores = [theirs([MicrogradValue(a) for a in x]) for x in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(signs, m_scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in theirs.parameters())
        m_loss = data_loss + reg_loss
        theirs.zero_grad()
        m_loss.backward()
        for p in theirs.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad

        assert loss.data == pytest.approx(m_loss.data, rel=0, abs=1e-9)
    assert [p.data for p in ours.parameters()] == pytest.approx(
        [q.data for q in theirs.parameters()], rel=0, abs=1e-9
    )


@pytest.mark.parametrize("dataset", ["moons", "circles", "spirals", "blobs"])
def test_fresh_test_points_come_from_the_training_distribution(dataset):
    from nn.cli import _make_data

    def class_means(seed):
        X, y = _make_data(dataset, 600, 0.1, seed)
        means = []
        for c in sorted(set(y)):
            members = [p for p, label in zip(X, y) if label == c]
            means.append([sum(p[i] for p in members) / len(members) for i in range(2)])
        return means

    for a, b in zip(class_means(0), class_means(1_000_003)):
        assert a == pytest.approx(b, abs=0.1)


def _accuracies(printed: str) -> tuple[float, float]:
    found = re.search(r"train accuracy ([\d.]+)%, test accuracy ([\d.]+)%", printed)
    assert found is not None, printed
    return float(found.group(1)), float(found.group(2))


def test_default_moons_run_fits_training_set_and_generalises(tmp_path, capsys):
    """The README's promise: `chainrule train --dataset moons` with default settings gives
    100% on its 100 training points and at least 99% on 500 fresh points, and stops once
    the training set is learned (its speed is benchmarks/train_speed.py's business)."""
    assert main(["train", "--dataset", "moons", "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    train_accuracy, test_accuracy = _accuracies(printed)
    assert train_accuracy == 100.0
    assert test_accuracy >= 99.0
    epochs = int(re.search(r"trained (\d+) epochs", printed).group(1))
    assert epochs < 200 and "stopped early" in printed
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert len(page.encode("utf-8")) < 2_000_000
    data = json.loads(re.search(r'id="chainrule-run">(.*?)</script>', page).group(1))
    snapshots = data["snapshots"]
    # several snapshots in each of the first epochs (4 steps each), then one per epoch
    assert [s["step"] for s in snapshots[:13]] == list(range(13))
    assert [s["epoch"] for s in snapshots[12:]] == list(range(3, epochs + 1))
    assert snapshots[-1]["display"]["train_accuracy"] == "100.0%"
    assert data["final"] == {"train": "100.0%", "test": f"{test_accuracy:.1f}%"}


def test_default_circles_run_generalises(tmp_path, capsys):
    assert main(["train", "--dataset", "circles", "--out", str(tmp_path), "--no-progress"]) == 0
    assert _accuracies(capsys.readouterr().out)[1] >= 97.0


def test_default_spirals_run_fits_training_set(tmp_path, capsys):
    assert main(["train", "--dataset", "spirals", "--out", str(tmp_path), "--no-progress"]) == 0
    assert _accuracies(capsys.readouterr().out)[0] >= 95.0


# ---- options the data sets or the machine would reject -------------------------------


@pytest.mark.parametrize(
    "options, flag",
    [
        (["--n-samples", "1"], "--n-samples"),
        (["--n-test", "1"], "--n-test"),
        (["--dataset", "spirals", "--n-samples", "2"], "--n-samples"),
        (["--dataset", "blobs", "--n-samples", "2"], "--n-samples"),
        (["--dataset", "blobs", "--n-test", "2"], "--n-test"),
        (["--momentum", "0.5"], "--momentum"),
        (["--stop-when-learned", "-1"], "--stop-when-learned"),
    ],
)
def test_counts_the_data_sets_reject_are_usage_errors(options, flag, tmp_path, capsys):
    assert main(["train", *options, "--out", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert flag in err and "n_samples" not in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()  # refused before anything was made


def test_momentum_is_accepted_with_sgd(tmp_path):
    options = ["--optimizer", "sgd", "--momentum", "0.5"]
    assert main(["train", *SMALL_RUN, *options, "--out", str(tmp_path)]) == 0


@pytest.mark.parametrize(
    "options, flag",
    [
        (["--n-samples", "1000000000"], "--n-samples"),
        (["--n-test", "1000000000"], "--n-test"),
        (["--hidden", "100000,100000"], "--hidden"),
    ],
)
def test_runs_too_big_to_fit_are_refused_before_any_work(
    options, flag, tmp_path, capsys, monkeypatch
):
    def no_work(*args, **kwargs):
        raise AssertionError("data was made for a run that cannot fit")

    monkeypatch.setattr(nn.cli, "_make_data", no_work)
    assert main(["train", *options, "--out", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "memory" in err and "limit" in err and flag in err
    assert sum(f in err for f in ("--n-samples", "--n-test", "--hidden")) == 1


def test_memory_estimate_grows_with_every_size():
    base = estimate_run_bytes(100, 500, [2, 16, 16, 1], 32)
    assert base < 10_000_000
    assert estimate_run_bytes(10**9, 500, [2, 16, 16, 1], 32) > 100 * 1024**3
    assert estimate_run_bytes(100, 500, [2, 10**5, 10**5, 1], 32) > 100 * 1024**3
    assert estimate_run_bytes(100, 500, [2, 16, 16, 1], 64) > base


# ---- the output folder -----------------------------------------------------------------


def test_out_that_cannot_be_made_is_found_before_training(tmp_path, capsys, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained although --out cannot be written")

    monkeypatch.setattr(nn.train, "fit", no_training)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["train", *SMALL_RUN, "--out", str(blocker / "run")]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and len(err.strip().splitlines()) == 1


def test_out_that_refuses_files_is_found_before_training(tmp_path, capsys, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    def no_training(*args, **kwargs):
        raise AssertionError("trained although --out cannot be written")

    # a read-only folder, as seen by a user who is not root (tests may run as root)
    monkeypatch.setattr(nn.cli.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(nn.train, "fit", no_training)
    assert main(["train", *SMALL_RUN, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Permission denied" in err


def test_an_output_name_taken_by_a_folder_is_found_before_training(tmp_path, capsys):
    (tmp_path / "report.html").mkdir()
    assert main(["train", *SMALL_RUN, "--out", str(tmp_path)]) == 2
    assert "report.html" in capsys.readouterr().err
    assert not (tmp_path / "model.json").exists()


def test_every_file_is_written_atomically(tmp_path, monkeypatch):
    written = []

    def spy(path, content):
        written.append(os.path.basename(os.fspath(path)))
        engine.files.write_atomic(path, content)

    monkeypatch.setattr(nn.plots, "write_atomic", spy)
    monkeypatch.setattr(nn.report, "write_atomic", spy)
    assert main(["train", *SMALL_RUN, "--out", str(tmp_path)]) == 0
    assert sorted(written) == ["decision_boundary.png", "loss_curve.png", "report.html"]


def test_a_failed_picture_leaves_the_previous_one(tmp_path, monkeypatch):
    path = tmp_path / "loss_curve.png"
    path.write_bytes(b"previous")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        nn.plots.plot_loss_curve({"loss": [1.0, 0.5], "accuracy": [0.5, 0.9]}, path)
    assert path.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["loss_curve.png"]


# ---- a run that diverges ---------------------------------------------------------------


def test_diverged_run_says_so_writes_the_report_and_exits_1(tmp_path, capsys):
    assert main(["train", *SMALL_RUN, "--lr", "1e308", "--out", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    lines = printed.err.strip().splitlines()
    assert len(lines) == 1 and "diverged" in lines[0] and "--lr" in lines[0]
    assert "Traceback" not in printed.err and "cannot write" not in printed.err
    assert (tmp_path / "report.html").exists()
    assert not (tmp_path / "model.json").exists()
    assert re.search(r"\d{20}", printed.out + printed.err) is None  # no 300-digit losses


def test_weights_that_blow_up_with_a_finite_loss_are_a_divergence(tmp_path, capsys, monkeypatch):
    real_fit = nn.cli.fit

    def fit_then_blow_up(model, *args, **kwargs):
        history = real_fit(model, *args, **{**kwargs, "epochs": 2})
        model.parameters()[0].data = math.inf  # as a last step with a huge lr would
        return history

    monkeypatch.setattr(nn.cli, "fit", fit_then_blow_up)
    assert main(["train", *SMALL_RUN, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "diverged" in err and "weights" in err and "cannot write" not in err
    assert (tmp_path / "report.html").exists() and not (tmp_path / "model.json").exists()


@pytest.mark.parametrize(
    "x, text",
    [
        (0.69314718, "0.6931"),
        (0.0, "0.0000"),
        (math.inf, "inf"),
        (math.nan, "nan"),
        (1e300, "1.000e+300"),
        (2.5e-7, "2.500e-07"),
    ],
)
def test_losses_print_short_even_when_huge(x, text):
    assert format_loss(x) == text


def test_accuracy_prints_as_percent():
    assert format_accuracy(0.998) == "99.8%" and format_accuracy(1.0) == "100.0%"


# ---- fit's callbacks, early stop and snapshots -----------------------------------------


def _blobs():
    return nn.datasets.make_blobs(30, centers=[(-2.0, 0.0), (2.0, 0.0)], noise=0.3, seed=0)


def test_callbacks_see_every_epoch_and_can_stop():
    X, y = _blobs()
    seen = []

    def stop_after_three(end: EpochEnd) -> bool:
        seen.append((end.epoch, end.epochs, end.loss, end.accuracy))
        return end.epoch == 3

    model = nn.MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce", epochs=10, seed=0, callbacks=[stop_after_three])
    assert [s[0] for s in seen] == [1, 2, 3] and all(s[1] == 10 for s in seen)
    assert [s[2] for s in seen] == history["loss"]
    assert [s[3] for s in seen] == history["accuracy"]


def test_stop_when_learned_stops_after_k_perfect_epochs():
    X, y = _blobs()
    model = nn.MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce", epochs=200, batch_size=5, seed=0, stop_when_learned=3)
    assert len(history["accuracy"]) < 200
    assert history["accuracy"][-3:] == [1.0, 1.0, 1.0]
    assert history["accuracy"][-4] < 1.0 or len(history["accuracy"]) == 3


def test_step_callbacks_hear_every_optimizer_step_with_a_fractional_epoch():
    X, y = _blobs()  # 30 points, batches of 8: 4 steps per epoch, the last one short
    heard: list[StepEnd] = []
    model = nn.MLP(2, [4, 1], seed=0)
    fit(model, X, y, loss="bce", epochs=2, batch_size=8, seed=0, step_callbacks=[heard.append])
    assert [e.step for e in heard] == list(range(1, 9))
    assert [e.batch for e in heard] == [1, 2, 3, 4] * 2 and {e.batches for e in heard} == {4}
    assert [e.epoch for e in heard] == pytest.approx(
        [8 / 30, 16 / 30, 24 / 30, 1.0, 1 + 8 / 30, 1 + 16 / 30, 1 + 24 / 30, 2.0]
    )
    assert all(e.model is model and e.epochs == 2 and math.isfinite(e.loss) for e in heard)


def test_a_callback_object_with_on_step_hears_steps_and_epochs():
    X, y = _blobs()

    class Both:
        def __init__(self) -> None:
            self.heard: list[str] = []

        def on_step(self, end: StepEnd) -> None:
            self.heard.append(f"step {end.step}")

        def __call__(self, end: EpochEnd) -> None:
            self.heard.append(f"epoch {end.epoch}")

    both = Both()
    fit(nn.MLP(2, [3, 1], seed=0), X, y, loss="bce", epochs=2, batch_size=15, callbacks=[both])
    assert both.heard == ["step 1", "step 2", "epoch 1", "step 3", "step 4", "epoch 2"]


def test_a_step_callback_can_stop_mid_epoch_and_the_epoch_is_not_in_the_history():
    X, y = _blobs()
    history = fit(
        nn.MLP(2, [3, 1], seed=0),
        X,
        y,
        loss="bce",
        epochs=5,
        batch_size=8,
        step_callbacks=[lambda end: end.step == 6],
    )
    assert len(history["loss"]) == 1  # epoch 2 stopped at its second step


def test_evaluate_gives_the_figures_of_the_weights_now_over_the_whole_set():
    X, y = _blobs()
    model = nn.MLP(2, [4, 1], seed=0)
    with engine.no_grad():
        expected_loss = nn.binary_cross_entropy([model(x) for x in X], y).data
    loss, acc = evaluate(model, X, y, "bce")
    assert loss == expected_loss
    assert acc == accuracy(model, X, y, "bce")


@pytest.mark.parametrize(
    "loss, nouts, activation",
    [("bce", 1, "relu"), ("hinge", 1, "tanh"), ("ce", 3, "sigmoid"), ("mse", 3, "relu")],
)
def test_snapshot_figures_are_those_of_the_snapshot_weights_over_the_whole_set(
    loss, nouts, activation
):
    if nouts == 3:
        X, y = nn.datasets.make_blobs(45, noise=0.8, seed=1)
    else:
        X, y = _blobs()
    model = nn.MLP(2, [6, nouts], activation=activation, seed=0)
    recorder = Snapshots(model, X, y, loss=loss)
    fit(model, X, y, loss=loss, epochs=6, batch_size=8, seed=0, callbacks=[recorder])
    replay = nn.MLP(2, [6, nouts], activation=activation, seed=1)
    for snapshot in recorder.snapshots:
        for p, value in zip(replay.parameters(), snapshot.parameters):
            p.data = value
        expected_loss, expected_accuracy = evaluate(replay, X, y, loss)
        assert snapshot.train_loss == pytest.approx(expected_loss, rel=1e-12, abs=1e-15)
        assert snapshot.train_accuracy == expected_accuracy


def test_snapshots_are_dense_in_the_first_epochs_then_one_per_epoch():
    X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)  # 4 steps per epoch at 32
    model = nn.MLP(2, [4, 1], seed=0)
    start = [p.data for p in model.parameters()]
    recorder = Snapshots(model, X, y, loss="bce")
    history = fit(model, X, y, loss="bce", epochs=6, batch_size=32, seed=0, callbacks=[recorder])
    snapshots = recorder.snapshots
    assert [s.step for s in snapshots] == [*range(0, 13), 16, 20, 24]
    assert [s.epoch for s in snapshots[:5]] == [0, 0.32, 0.64, 0.96, 1]
    assert [s.epoch for s in snapshots[-3:]] == [4, 5, 6]
    assert snapshots[0].parameters == nn.train.rounded(start)
    assert snapshots[-1].parameters == nn.train.rounded([p.data for p in model.parameters()])
    # epoch ends carry the epoch's running means beside the figures of their weights
    ends = [s for s in snapshots if s.epoch == int(s.epoch) and s.step > 0]
    assert [s.running_loss for s in ends] == history["loss"]
    assert all(s.running_loss is None for s in snapshots if s.epoch != int(s.epoch))


def test_snapshots_of_a_long_run_are_evenly_spaced_and_end_at_the_last_epoch():
    X, y = _blobs()
    model = nn.MLP(2, [3, 1], seed=0)
    recorder = Snapshots(model, X, y, loss="bce", max_snapshots=10, dense_epochs=0)
    fit(model, X, y, loss="bce", epochs=25, seed=0, callbacks=[recorder])
    assert [s.epoch for s in recorder.snapshots] == [0, 4, 8, 12, 16, 20, 24, 25]


def test_snapshots_stream_each_snapshot_as_it_is_taken():
    X, y = _blobs()
    streamed = []
    model = nn.MLP(2, [3, 1], seed=0)
    recorder = Snapshots(model, X, y, loss="bce", on_record=streamed.append)
    fit(model, X, y, loss="bce", epochs=5, batch_size=10, seed=0, callbacks=[recorder])
    assert streamed[0].step == 0 and [s.step for s in streamed] == sorted(s.step for s in streamed)
    assert {s.step for s in recorder.snapshots} <= {s.step for s in streamed}


@pytest.mark.parametrize("streamed", [False, True])
def test_snapshots_evaluate_each_set_of_weights_once(streamed: bool) -> None:
    # a streamed last epoch is not evaluated again when `snapshots` is read (twice here),
    # and one that was not streamed is evaluated once, on the first read
    X, y = _blobs()
    model = nn.MLP(2, [3, 1], seed=0)
    on_record = [].append if streamed else None
    recorder = Snapshots(
        model, X, y, loss="bce", max_snapshots=2, dense_epochs=0, on_record=on_record
    )
    evaluated = []
    figures = recorder._evaluate
    recorder._evaluate = lambda weights: evaluated.append(weights) or figures(weights)
    fit(model, X, y, loss="bce", epochs=7, seed=0, callbacks=[recorder])
    during_fit = len(evaluated)
    first, second = recorder.snapshots, recorder.snapshots
    assert first == second and first[-1].epoch == 7
    assert len(evaluated) == during_fit + (0 if streamed else 1)
    assert evaluated[-1] == first[-1].parameters
    assert len(evaluated) == len(set(evaluated))


def test_snapshots_skip_weights_that_are_not_finite():
    X, y = _blobs()
    model = nn.MLP(2, [3, 1], seed=0)
    recorder = Snapshots(model, X, y, loss="bce", dense_epochs=0)
    recorder(EpochEnd(1, 3, 0.5, 0.5, model))
    model.parameters()[0].data = math.inf
    recorder(EpochEnd(2, 3, math.inf, 0.5, model))
    assert [s.epoch for s in recorder.snapshots] == [0, 1]


# ---- progress ----------------------------------------------------------------------------


class _Stream(io.StringIO):
    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def test_progress_off_a_terminal_is_plain_lines(monkeypatch):
    stream = _Stream(terminal=False)
    monkeypatch.setattr(sys, "stderr", stream)
    X, y = _blobs()
    fit(nn.MLP(2, [3, 1], seed=0), X, y, loss="bce", epochs=20, seed=0, progress=True)
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 10 and lines[-1].startswith("epoch 20/20: loss ")


def test_progress_on_a_terminal_is_a_bar(monkeypatch):
    pytest.importorskip("tqdm")
    stream = _Stream(terminal=True)
    monkeypatch.setattr(sys, "stderr", stream)
    X, y = _blobs()
    fit(nn.MLP(2, [3, 1], seed=0), X, y, loss="bce", epochs=5, seed=0, progress=True)
    assert "\r" in stream.getvalue() and "5/5" in stream.getvalue()


def test_progress_without_tqdm_is_plain_lines_not_silence(monkeypatch):
    stream = _Stream(terminal=True)
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now raises ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    X, y = _blobs()
    fit(nn.MLP(2, [3, 1], seed=0), X, y, loss="bce", epochs=3, seed=0, progress=True)
    assert stream.getvalue().splitlines()[-1].startswith("epoch 3/3: loss ")


def test_no_progress_prints_nothing_on_stderr(tmp_path, capsys):
    assert main(["train", *SMALL_RUN, "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""


# ---- pictures without pyplot -------------------------------------------------------------


def test_pictures_leave_matplotlibs_backend_and_pyplot_alone(tmp_path):
    pytest.importorskip("matplotlib")
    script = f"""
import sys, matplotlib
matplotlib.use("svg")
import nn
from nn.plots import plot_decision_boundary, plot_loss_curve
X, y = nn.datasets.make_moons(20, noise=0.1, seed=0)
plot_loss_curve({{"loss": [0.7, 0.3], "accuracy": [0.5, 0.9]}}, {str(tmp_path / "a.png")!r})
plot_decision_boundary(nn.MLP(2, [3, 1], seed=0), X, y, {str(tmp_path / "b.png")!r}, "t")
assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
assert "matplotlib.pyplot" not in sys.modules
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ("a.png", "b.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_help_shows_every_default(capsys):
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    from nn.cli import build_parser

    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]  # argparse keeps them here
    for action in train._actions:
        if action.dest == "help":
            continue
        assert action.help and "default" in action.help, action.dest
    assert "(default: moons)" in text and "(default: 32)" in text


def test_one_recorder_follows_a_run_made_of_several_fit_calls():
    X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
    whole, pieces = nn.MLP(2, [4, 1], seed=0), nn.MLP(2, [4, 1], seed=0)
    at_once = Snapshots(whole, X, y, loss="bce")
    fit(whole, X, y, "bce", epochs=5, batch_size=32, seed=0, callbacks=[at_once])
    one_by_one = Snapshots(pieces, X, y, loss="bce")
    optimizer = nn.Adam(pieces.parameters(), lr=0.01)
    for epoch in range(5):  # as a live view that pauses between epochs runs it
        fit(pieces, X, y, "bce", optimizer, 1, 32, seed=epoch, callbacks=[one_by_one])
    assert [(s.step, s.epoch) for s in one_by_one.snapshots] == [
        (s.step, s.epoch) for s in at_once.snapshots
    ]
    assert one_by_one.snapshots[-1].step == 20 and one_by_one.snapshots[-1].epoch == 5
