"""Tests for nn.train and the `chainrule train` command (run in-process through
`nn.cli.main`), and a step-for-step reproduction of micrograd's demo."""

from __future__ import annotations

import json
import re

import pytest

import engine
import nn
from nn.cli import main
from nn.train import accuracy, fit, grid_classes, predict

SMALL_RUN = ["--n-samples", "24", "--n-test", "20", "--epochs", "2", "--no-progress"]


def test_train_writes_model_and_images_and_says_where(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "moons", *SMALL_RUN, "--out", str(out)]) == 0
    for name in ("model.json", "loss_curve.png", "decision_boundary.png"):
        assert (out / name).stat().st_size > 0
    printed = capsys.readouterr()
    model = nn.MLP.load(out / "model.json")
    assert model.architecture() == {"nin": 2, "nouts": [16, 16, 1], "activation": "relu"}
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
    from nn.train import _make_data

    def class_means(seed):
        X, y = _make_data(dataset, 600, 0.1, seed)
        means = []
        for c in sorted(set(y)):
            members = [p for p, label in zip(X, y) if label == c]
            means.append([sum(p[i] for p in members) / len(members) for i in range(2)])
        return means

    for a, b in zip(class_means(0), class_means(1_000_003)):
        assert a == pytest.approx(b, abs=0.1)


def test_default_moons_run_fits_training_set_and_generalises(tmp_path, capsys):
    """The README's promise: `chainrule train --dataset moons` with default settings gives
    100% on its 100 training points and at least 97% on 500 fresh points."""
    assert main(["train", "--dataset", "moons", "--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    found = re.search(r"train accuracy ([\d.]+)%, test accuracy ([\d.]+)%", printed)
    assert found is not None, printed
    assert float(found.group(1)) == 100.0
    assert float(found.group(2)) >= 97.0
