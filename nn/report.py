"""The training replay: one offline HTML page that shows a network learning, step by step.

`training_report(model, X, y, history, snapshots=...)` returns a `Report`; `Report.save(path)`
writes it (atomically), `Report.html` is the page as a string, and a notebook shows it
inline (`_repr_html_`, a sandboxed iframe whose `srcdoc` is the page). `chainrule train`
writes it as `report.html`.

The page carries the run as JSON in `<script type="application/json" id="chainrule-run">`
(SPEC.md): `model` (`nin`, `nouts`, `activation`), `loss`, `train` and `test` (`X`, `y`),
`settings`, and `snapshots`, each with its optimizer `step`, its `epoch` (fractional within
an epoch), its `parameters` (a state_dict), and the `train_loss`, `train_accuracy` and
`test_accuracy` of exactly those parameters (nn/train.py's `Snapshots` measures the train
figures over the whole training set; the test accuracy is measured here). Beside them:
`running_loss`/`running_accuracy` (the epoch's running means, when the snapshot ends an
epoch), `display` (the figures as the training printout formats them), and the per-epoch
running means in `history`. A small script with no library recomputes the network's
forward pass in the browser to paint the decision boundary, one activation map per hidden
neuron, and the class probabilities under the pointer, so the file needs nothing but a
browser. The forward pass, the classes and the painting of the plane are nn/boundary.js,
inlined here (`boundary_script()`) and loaded as a file by the playground's training panel,
so both pages draw a boundary with the same code.

DOM contract (SPEC.md): `input[type=range][data-role=epoch]` picks the snapshot (its value
is the snapshot's index, its `aria-valuetext` the epoch); `[data-field=epoch]`,
`[data-field=loss]`, `[data-field=accuracy]` show the snapshot's epoch, train loss and
train accuracy; `[data-action=play]` plays and pauses, `[data-role=speed]` sets the pace;
Home, End, Space and the arrow keys work; one `[data-role=neuron-map]` per hidden neuron.
Also `[data-field=test-accuracy]`, `[data-field=step]`, the checkbox
`[data-role=test-points]` and the hover text `[data-role=tooltip]`.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from importlib import resources

from engine.files import write_atomic
from nn.module import MLP
from nn.plots import CLASS_COLORS
from nn.train import (
    Snapshot,
    _Evaluator,
    accuracy,
    format_accuracy,
    format_loss,
    rounded,
)

__all__ = ["Report", "training_report", "MAX_SNAPSHOTS", "MAX_NUMBERS"]

# at most this many snapshots, and this many parameter numbers over all snapshots, keep
# the page a few MB at most (each number is stored with its state_dict name, ~37 bytes);
# Snapshots keeps up to 24 early ones, 100 later epochs, the start and the last epoch
MAX_SNAPSHOTS = 130
MAX_NUMBERS = 60_000


class Report:
    """A training replay page: `html` (str), `save(path)`, and inline display in Jupyter."""

    def __init__(self, page: str) -> None:
        self.html = page

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the page to `path` atomically (a failed write leaves the old file intact)."""
        write_atomic(path, self.html)

    def _repr_html_(self) -> str:
        """The page inside a sandboxed iframe (`srcdoc`): its script runs, but it cannot
        reach the notebook's page, cookies or kernel, and its styles stay its own."""
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width: 100%; height: 900px; border: 1px solid #ddd" '
            'sandbox="allow-scripts" title="training replay"></iframe>'
        )

    def __repr__(self) -> str:
        return f"Report({len(self.html):,} characters of HTML)"


def training_report(
    model: MLP,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    history: Mapping[str, Sequence[float]],
    snapshots: Sequence[Snapshot] | None = None,
    X_test: Sequence[Sequence[float]] | None = None,
    y_test: Sequence[int] | None = None,
    command: str = "",
    settings: Mapping[str, str] | None = None,
    title: str = "",
    final_accuracy: Mapping[str, float] | None = None,
    loss: str | None = None,
) -> Report:
    """The replay page of a training run of `model` (an MLP with 2 inputs) on `X`, `y`.

    `history` is what `nn.fit` returned (its per-epoch running means are drawn as such).
    `snapshots` (from `nn.Snapshots`) are the moments to replay; without them the page
    shows the model as it is now. `loss` names the loss trained with (default: "bce" for
    one output, "ce" for several); it decides the loss shown and how outputs become
    classes and probabilities. Test points, the command line and the settings are shown
    when given, and only then. `final_accuracy` (`{"train": ..., "test": ...}`, fractions)
    saves measuring the model's accuracy again when the caller already has it.
    """
    if not isinstance(model, MLP) or model.nin != 2:
        raise ValueError("training_report draws 2-D data: it needs an MLP with 2 inputs")
    if len(X) != len(y) or not X:
        raise ValueError(f"training_report needs as many labels as points, got {len(X)}, {len(y)}")
    has_test = X_test is not None and y_test is not None and len(X_test) > 0
    if has_test and len(X_test or []) != len(y_test or []):
        raise ValueError("training_report needs as many test labels as test points")
    loss = loss or ("bce" if model.nouts[-1] == 1 else "ce")
    n_classes = 1 + max(int(c) for c in [*y, *(y_test or [])])
    names = [name for name, _ in model.named_parameters()]
    losses = [float(v) for v in history.get("loss", [])]
    accuracies = [float(v) for v in history.get("accuracy", [])]
    train_figures = _Evaluator(model, X, y, loss, max(n_classes, 2))
    if not snapshots:
        # the model as it is now, as the last epoch of the history
        now = rounded([p.data for p in model.parameters()])
        train_loss, train_accuracy = train_figures(now)
        snapshots = [Snapshot(-1, float(len(losses)), train_loss, train_accuracy, now)]
    chosen = _thin(list(snapshots), max(2, MAX_NUMBERS // len(names)))
    test_figures = (
        _Evaluator(model, X_test or [], y_test or [], loss, max(n_classes, 2)) if has_test else None
    )

    def shown(s: Snapshot) -> dict[str, object]:
        test = test_figures(s.parameters)[1] if test_figures is not None else None
        return {
            "step": s.step if s.step >= 0 else None,
            "epoch": int(s.epoch) if s.epoch == int(s.epoch) else s.epoch,
            "parameters": dict(zip(names, s.parameters)),
            "train_loss": _finite_or_none(s.train_loss),
            "train_accuracy": _finite_or_none(s.train_accuracy),
            "test_accuracy": None if test is None else _finite_or_none(test),
            "running_loss": _finite_or_none(s.running_loss),
            "running_accuracy": _finite_or_none(s.running_accuracy),
            "display": {
                "epoch": _epoch_text(s.epoch),
                "train_loss": format_loss(s.train_loss),
                "train_accuracy": format_accuracy(s.train_accuracy),
                "test_accuracy": None if test is None else format_accuracy(test),
            },
        }

    known = final_accuracy or {}
    final_train = known["train"] if "train" in known else accuracy(model, X, y, loss)
    final = {"train": format_accuracy(final_train), "test": None}
    if has_test:
        final_test = known.get("test")
        if final_test is None:
            final_test = accuracy(model, X_test or [], y_test or [], loss)
        final["test"] = format_accuracy(final_test)
    data = {
        "model": {"nin": model.nin, "nouts": list(model.nouts), "activation": model.activation},
        "loss": loss,
        "train": _points(X, y),
        "test": _points(X_test or [], y_test or []) if has_test else None,
        "settings": dict(settings or {}),
        "snapshots": [shown(s) for s in chosen],
        "title": title,
        "command": command,
        "classes": max(n_classes, 2),
        "colors": list(CLASS_COLORS),
        "history": {
            "loss": [_finite_or_none(v) for v in losses],
            "accuracy": [_finite_or_none(v) for v in accuracies],
        },
        "final": final,
    }
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    # inside <script>, "</" could end the element early; \u003c is the same character in JSON
    payload = payload.replace("<", "\\u003c")
    page_title = html.escape(f"Training replay: {title}" if title else "Training replay")
    # one pass: a title holding "%DATA%" stays text
    values = {"TITLE": page_title, "DATA": payload, "BOUNDARY": boundary_script()}
    return Report(re.sub(r"%(TITLE|DATA|BOUNDARY)%", lambda m: values[m.group(1)], _PAGE))


def boundary_script() -> str:
    """nn/boundary.js, the drawing of the decision boundary that this page inlines and the
    playground's training panel loads: the same file, byte for byte."""
    script = resources.files("nn").joinpath("boundary.js").read_text(encoding="utf-8")
    # inlined in <script>, a "</script" inside would end the element early
    if "</script" in script.lower():
        raise ValueError("nn/boundary.js holds '</script', which would end the page's script")
    return script


def _points(points: Sequence[Sequence[float]], labels: Sequence[int]) -> dict[str, list[object]]:
    # exact coordinates: the figures shown are recomputable from the page alone
    return {"X": [[float(a), float(b)] for a, b in points], "y": [int(c) for c in labels]}


def _epoch_text(epoch: float) -> str:
    """An epoch as the page shows it: 3 at an epoch's end, 2.25 within one."""
    return f"{epoch:g}" if epoch == int(epoch) else f"{epoch:.2f}"


def _thin(snapshots: list[Snapshot], limit: int) -> list[Snapshot]:
    """At most min(limit, MAX_SNAPSHOTS) snapshots, evenly spaced in the list (so the
    early, dense ones stay dense), keeping the first and the last."""
    limit = max(2, min(limit, MAX_SNAPSHOTS))
    if len(snapshots) <= limit:
        return snapshots
    picks = sorted({round(i * (len(snapshots) - 1) / (limit - 1)) for i in range(limit)})
    return [snapshots[i] for i in picks]


def _finite_or_none(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


_PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
  * { box-sizing: border-box; }
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
         margin: 14px 20px; background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  code { background: #eee; padding: 1px 5px; border-radius: 3px; overflow-wrap: anywhere; }
  .summary { margin: 0 0 10px; color: #444; }
  .controls { display: flex; align-items: center; gap: 8px 14px; flex-wrap: wrap;
              background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; }
  .controls input[type=range] { flex: 1 1 220px; min-width: 0; }
  button, select { font: inherit; }
  button { padding: 4px 14px; min-width: 84px; cursor: pointer; }
  .readout { font-variant-numeric: tabular-nums; }
  .readout span[data-field] { font-weight: 600; }
  .note { font-size: 12px; color: #555; margin: 6px 0 0; max-width: 1220px; }
  .panels { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 10px; align-items: flex-start; }
  .panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px;
           width: 392px; max-width: 100%; }
  .panel.wide { width: auto; flex: 1 1 392px; }
  .panel h2 { font-size: 14px; margin: 0 0 6px; color: #333; }
  .legend { font-size: 12px; color: #555; margin-top: 4px; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
            margin: 0 4px 0 10px; vertical-align: -1px; border: 1px solid #333; }
  .swatch.ring { background: #fff !important; border-width: 2px; }
  .line { display: inline-block; width: 18px; height: 3px; margin: 0 4px 0 10px;
          vertical-align: 3px; }
  .line.dashed { background: repeating-linear-gradient(90deg, currentColor 0 4px,
                 transparent 4px 7px) !important; }
  canvas[data-role=boundary], svg { display: block; width: 100%; height: auto; max-width: 376px; }
  canvas[data-role=boundary] { cursor: crosshair; }
  .layer-maps { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin: 2px 0 8px; }
  .layer-maps > b { font-size: 12px; font-weight: 600; color: #555; width: 100%; }
  canvas[data-role=neuron-map] { width: 44px; height: 44px; border: 1px solid #bbb;
                                 image-rendering: auto; }
  canvas[data-role=neuron-map].lit { outline: 2px solid #d62728; }
  table { border-collapse: collapse; }
  td { padding: 1px 10px 1px 0; vertical-align: top; }
  td:first-child { color: #666; }
  [data-role=tooltip] { position: fixed; z-index: 2; pointer-events: none; background: #222;
                        color: #fff; font-size: 12px; padding: 4px 7px; border-radius: 4px;
                        max-width: 300px; white-space: pre-line; }
  .network-hit { stroke: transparent; stroke-width: 7; cursor: help; }
  @media (max-width: 600px) {
    body { margin: 8px; }
    .panel { width: 100%; }
  }
  @media print {
    @page { size: A4 landscape; margin: 8mm; }
    body { margin: 0; background: #fff; font-size: 10px; }
    h1 { font-size: 14px; }
    [data-action=play], .speed, [data-role=test-toggle], [data-role=tooltip],
    input[type=range], .hint { display: none !important; }
    .controls, .panel { border-color: #bbb; padding: 4px; }
    .panels { gap: 6px; margin-top: 6px; flex-wrap: wrap; }
    .panel { width: 31%; break-inside: avoid; }
    .panel.wide { width: 64%; flex: none; }
    .panel.settings { width: 33%; }
    canvas[data-role=boundary], svg { max-width: 100%; }
    canvas[data-role=neuron-map] { width: 26px; height: 26px; }
    .note, .legend { font-size: 9px; }
    .panel h2 { font-size: 11px; margin: 0 0 2px; }
    /* the settings two to a line: the replay stays on one landscape page */
    [data-role=settings] { font-size: 9px; width: 100%; }
    [data-role=settings] tr { display: inline-flex; width: 49%; }
    [data-role=settings] td:first-child { width: 58%; }
  }
</style>
</head>
<body>
<h1 data-role="title"></h1>
<p class="summary" data-role="summary"></p>

<div class="controls">
  <button type="button" data-action="play" aria-label="play">&#9654; Play</button>
  <input type="range" data-role="epoch" min="0" max="0" step="1" value="0"
         aria-label="moment of training (snapshot)">
  <label class="speed">speed <select data-role="speed" aria-label="playback speed">
    <option value="0.25">0.25&times;</option><option value="0.5">0.5&times;</option>
    <option value="1" selected>1&times;</option><option value="2">2&times;</option>
    <option value="4">4&times;</option></select></label>
  <span class="readout" aria-live="polite">epoch <span data-field="epoch"></span>
    (step <span data-field="step"></span>)
    · train loss <span data-field="loss"></span>
    · train accuracy <span data-field="accuracy"></span><span data-role="test-readout">
    · test accuracy <span data-field="test-accuracy"></span></span>
  </span>
  <label data-role="test-toggle"><input type="checkbox" data-role="test-points"> test points</label>
</div>
<p class="note">Train loss and accuracy are those of the weights shown, over the whole
  training set; <span data-role="test-note">test accuracy is the same weights on the test
  points; </span>epoch 0 is before training, 2.5 is halfway through the third epoch.
  The dashed curves are each epoch's running mean, measured while the weights changed (what
  the training printout shows).
  <span class="hint">Keys: &larr; &rarr; step, Home / End first / last, Space plays. Point
  at the plane, a neuron or a weight to read its values.</span></p>

<div class="panels">
  <div class="panel">
    <h2>Decision boundary</h2>
    <canvas data-role="boundary" width="376" height="376"
            aria-label="the plane coloured by the class the network predicts"></canvas>
    <div class="legend" data-role="class-legend"></div>
    <div class="legend" data-role="point-legend"></div>
  </div>
  <div class="panel">
    <h2>Network</h2>
    <svg data-role="network" viewBox="0 0 376 376" width="376" height="376" role="img"
         aria-label="the network's weights and biases"></svg>
    <div class="legend"><span class="line" style="background:#0072b2"></span>positive<span
      class="line" style="background:#d55e00"></span>negative weight (line) or bias (fill);
      width and strength grow with size.</div>
  </div>
  <div class="panel">
    <h2>Loss and accuracy</h2>
    <svg data-role="curves" viewBox="0 0 376 376" width="376" height="376" role="img"
         aria-label="loss and accuracy curves"></svg>
    <div class="legend" data-role="curve-legend"></div>
  </div>
  <div class="panel wide">
    <h2>Hidden neurons</h2>
    <div data-role="neuron-maps"></div>
    <div class="legend">Each square is the plane again, coloured by one hidden neuron's
      output: <span class="line" style="background:#0072b2"></span>positive, white zero,
      <span class="line" style="background:#d55e00"></span>negative, scaled per neuron.</div>
  </div>
  <div class="panel settings" data-role="settings-panel">
    <h2>Settings</h2>
    <table data-role="settings"></table>
  </div>
</div>
<div data-role="tooltip" hidden></div>

<script type="application/json" id="chainrule-run">%DATA%</script>
<script>
%BOUNDARY%</script>
<script>
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("chainrule-run").textContent);
  const $ = (selector) => document.querySelector(selector);
  // the PNG pictures' class colours (nn/plots.py): Okabe and Ito's colour-blind safe palette
  const COLORS = data.colors;
  const POSITIVE = "#0072b2", NEGATIVE = "#d55e00";
  const SVG = "http://www.w3.org/2000/svg";
  const snapshots = data.snapshots;
  const slider = $("input[data-role=epoch]");
  const playButton = $("[data-action=play]");
  const speed = $("select[data-role=speed]");
  const testBox = $("input[data-role=test-points]");
  const tooltip = $("[data-role=tooltip]");
  const sizes = [data.model.nin].concat(data.model.nouts);
  const oneOutput = sizes[sizes.length - 1] === 1;

  // ---- the network and the plane: nn/boundary.js, the playground's drawing too ----
  const B = ChainruleBoundary;
  // hidden layers use the model's activation, the output layer none
  const activations = sizes.slice(1).map((_, l) =>
    l === sizes.length - 2 ? "linear" : data.model.activation);
  // networks[i].layers[l][j] = {w, b, name}: snapshot i's weights, by state_dict name
  const networks = snapshots.map((s) => new B.Network(sizes, activations, s.parameters));
  const canvas = $("canvas[data-role=boundary]");
  const W = canvas.width, H = canvas.height;
  const plane = new B.Plane(data.train.X.concat(data.test ? data.test.X : []), W, H);
  const toPx = (a, b) => plane.toPx(a, b), fromPx = (px, py) => plane.fromPx(px, py);
  const boundary = new B.BoundaryCanvas(canvas, plane, COLORS);
  const rgb = B.rgb;
  const MAP = 22;  // the neuron maps are MAP x MAP samples of the plane

  function drawBoundary(index) {
    boundary.draw(networks[index], data.train, data.test && testBox.checked ? data.test : null);
  }

  // ---- one small map per hidden neuron: its output over the plane ----
  const mapsBox = $("[data-role=neuron-maps]");
  const maps = [];  // [layer, neuron, canvas]
  for (let l = 0; l + 2 < sizes.length; l++) {
    const row = document.createElement("div");
    row.className = "layer-maps";
    const label = document.createElement("b");
    label.textContent = "hidden layer " + (l + 1) + " (" + activations[l] + ")";
    row.appendChild(label);
    for (let j = 0; j < sizes[l + 1]; j++) {
      const map = document.createElement("canvas");
      map.width = MAP; map.height = MAP;
      map.dataset.role = "neuron-map"; map.dataset.layer = String(l + 1);
      map.dataset.neuron = String(j);
      map.setAttribute("aria-label", "hidden layer " + (l + 1) + ", neuron " + (j + 1));
      row.appendChild(map);
      maps.push([l, j, map]);
    }
    mapsBox.appendChild(row);
  }
  if (!maps.length) mapsBox.parentNode.remove();
  function drawMaps(index) {
    if (!maps.length) return;
    const net = networks[index];
    const values = maps.map(() => new Float64Array(MAP * MAP));
    for (let gy = 0; gy < MAP; gy++) {
      for (let gx = 0; gx < MAP; gx++) {
        const [a, b] = fromPx((gx + 0.5) / MAP * W, (gy + 0.5) / MAP * H);
        const outs = net.forwardAll([a, b]);
        maps.forEach(([l, j], k) => { values[k][gy * MAP + gx] = outs[l][j]; });
      }
    }
    maps.forEach(([l, j, map], k) => {
      let top = 1e-12;
      for (const v of values[k]) if (isFinite(v)) top = Math.max(top, Math.abs(v));
      const c = map.getContext("2d"), image = c.createImageData(MAP, MAP);
      const pos = rgb(POSITIVE), neg = rgb(NEGATIVE);
      values[k].forEach((v, p) => {
        const s = Math.min(1, Math.abs(v) / top), color = v >= 0 ? pos : neg;
        for (let q = 0; q < 3; q++) image.data[4 * p + q] = Math.round(255 + (color[q] - 255) * s);
        image.data[4 * p + 3] = 255;
      });
      c.putImageData(image, 0, 0);
      map.dataset.max = String(top);
      // a blank map: the neuron outputs 0 all over the plane (a dead ReLU, here)
      map.title = top <= 1e-12 ? "zero everywhere on this plane" : "";
    });
  }

  // ---- curves: loss (log scale when positive) and accuracy, the moment marked ----
  function el(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const key in attributes) node.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  const curves = $("svg[data-role=curves]");
  const epochs = snapshots.map((s) => s.epoch);
  const runningEpochs = data.history.loss.map((_, i) => i + 1);
  const lastEpoch = Math.max(epochs[epochs.length - 1], runningEpochs.length, 1e-9);
  const allLosses = snapshots.map((s) => s.train_loss).concat(data.history.loss)
    .filter((v) => v !== null);
  const logScale = allLosses.length > 0 && allLosses.every((v) => v > 0);
  const f = (v) => (logScale ? Math.log10(v) : v);
  let lo = Math.min(...allLosses.map(f)), hi = Math.max(...allLosses.map(f));
  if (!isFinite(lo) || !isFinite(hi)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-9) { hi = lo + 1; }
  const L = 46, R = 368, charts = [[12, 164], [196, 348]];
  const ex = (e) => L + (e / lastEpoch) * (R - L);
  function frame(top, bottom, label, ticks) {
    el("rect", { x: L, y: top, width: R - L, height: bottom - top, fill: "#fcfcfc",
                 stroke: "#ccc" }, curves);
    for (const [v, text] of ticks) {
      el("line", { x1: L - 3, x2: R, y1: v, y2: v, stroke: "#eee" }, curves);
      el("text", { x: L - 5, y: v + 4, "text-anchor": "end", "font-size": 10,
                   fill: "#666" }, curves).textContent = text;
    }
    el("text", { x: L + 4, y: top + 13, "font-size": 11, fill: "#444" },
       curves).textContent = label;
    el("text", { x: R, y: bottom + 13, "text-anchor": "end", "font-size": 10, fill: "#666" },
       curves).textContent = "epoch " + (+lastEpoch.toFixed(2));
    el("text", { x: L, y: bottom + 13, "font-size": 10, fill: "#666" }, curves).textContent = "0";
  }
  const lossY = (v) =>
    charts[0][1] - ((f(v) - lo) / (hi - lo)) * (charts[0][1] - charts[0][0] - 18);
  const accY = (v) => charts[1][1] - v * (charts[1][1] - charts[1][0] - 18);
  const lossTick = (t) => {
    const v = logScale ? 10 ** t : t;
    return [lossY(v), v.toPrecision(2)];
  };
  frame(charts[0][0], charts[0][1], "train loss", [lossTick(hi), lossTick(lo)]);
  frame(charts[1][0], charts[1][1], "accuracy",
        [[accY(1), "100%"], [accY(0.5), "50%"], [accY(0), "0%"]]);
  function polyline(series, xs, y, color, width, dashed) {
    const points = [];
    series.forEach((v, i) => { if (v !== null) points.push(ex(xs[i]) + "," + y(v)); });
    const attributes = { points: points.join(" "), fill: "none", stroke: color,
                         "stroke-width": width };
    if (dashed) attributes["stroke-dasharray"] = "4 3";
    if (points.length) el("polyline", attributes, curves);
  }
  const LOSS = "#5b4bb7", TRAIN = "#009e73", TEST = "#777";
  polyline(data.history.loss, runningEpochs, lossY, LOSS, 1.1, true);
  polyline(snapshots.map((s) => s.train_loss), epochs, lossY, LOSS, 1.8);
  polyline(data.history.accuracy, runningEpochs, accY, TRAIN, 1.1, true);
  if (data.test) polyline(snapshots.map((s) => s.test_accuracy), epochs, accY, TEST, 1.4);
  polyline(snapshots.map((s) => s.train_accuracy), epochs, accY, TRAIN, 1.8);
  const marker = el("line", { y1: charts[0][0], y2: charts[1][1], stroke: "#d62728",
                              "stroke-width": 1.2, "stroke-dasharray": "4 3" }, curves);
  const lossDot = el("circle", { r: 3.5, fill: LOSS }, curves);
  const accDot = el("circle", { r: 3.5, fill: TRAIN }, curves);
  const curveLegend = $("[data-role=curve-legend]");
  curveLegend.innerHTML =
    '<span class="line" style="background:' + LOSS + '"></span>train loss' +
    (logScale ? " (log scale)" : "") +
    '<span class="line" style="background:' + TRAIN + '"></span>train accuracy' +
    (data.test ? '<span class="line" style="background:' + TEST + '"></span>test accuracy' : "") +
    (data.history.loss.length ? '<br><span class="line dashed" style="color:' + LOSS +
      '"></span><span class="line dashed" style="color:' + TRAIN +
      '"></span>running means over each epoch' : "");

  // ---- the network: one column per layer, weights as coloured lines ----
  const net = $("svg[data-role=network]");
  const NW = 376, NH = 376, columns = sizes.length;
  const nodeX = (l) => 28 + (l / (columns - 1)) * (NW - 56);
  const nodeY = (l, j) => {
    const n = sizes[l], gap = Math.min(22, (NH - 44) / Math.max(1, n - 1));
    return (NH - 14) / 2 + (j - (n - 1) / 2) * gap;
  };
  let maxAbs = 1e-12;
  for (const network of networks) for (const neurons of network.layers) for (const n of neurons) {
    for (const w of n.w) maxAbs = Math.max(maxAbs, Math.abs(w));
  }
  const edges = [];
  const edgeGroup = el("g", {}, net), hitGroup = el("g", {}, net);
  networks[0].layers.forEach((neurons, l) => {
    neurons.forEach((n, j) => {
      n.w.forEach((_, i) => {
        const ends = { x1: nodeX(l), y1: nodeY(l, i), x2: nodeX(l + 1), y2: nodeY(l + 1, j) };
        const line = el("line", ends, edgeGroup);
        const hit = el("line", Object.assign({ class: "network-hit" }, ends), hitGroup);
        hit.dataset.layer = String(l); hit.dataset.neuron = String(j);
        hit.dataset.input = String(i);
        edges.push([l, j, i, line, hit]);
      });
    });
  });
  const nodeName = (l, j) => l === 0 ? "input x" + (j + 1)
    : l === columns - 1 ? (sizes[l] === 1 ? "output" : "output " + j)
    : "hidden layer " + l + ", neuron " + (j + 1);
  const nodes = [];
  sizes.forEach((n, l) => {
    for (let j = 0; j < n; j++) {
      const circle = el("circle", { cx: nodeX(l), cy: nodeY(l, j), r: 5.5, stroke: "#333",
                                    "stroke-width": 0.8, fill: "#fff", cursor: "help" }, net);
      circle.dataset.layer = String(l); circle.dataset.neuron = String(j);
      nodes.push([l, j, circle]);
    }
    const label = l === 0 ? "input" : l === columns - 1 ? "output" : "hidden " + l;
    el("text", { x: nodeX(l), y: NH - 4, "text-anchor": "middle", "font-size": 11,
                 fill: "#555" }, net).textContent = label;
  });
  function drawNetwork(index) {
    const layers = networks[index].layers;
    for (const [l, j, i, line] of edges) {
      const w = layers[l][j].w[i], size = Math.sqrt(Math.min(1, Math.abs(w) / maxAbs));
      line.setAttribute("stroke", w >= 0 ? POSITIVE : NEGATIVE);
      line.setAttribute("stroke-width", (0.3 + 3.2 * size).toFixed(2));
      line.setAttribute("stroke-opacity", (0.15 + 0.85 * size).toFixed(2));
    }
    for (const [l, j, circle] of nodes) {
      // a neuron's fill is its bias: the same colours as the weights
      if (l === 0) { circle.setAttribute("fill", "#ddd"); continue; }
      const b = layers[l - 1][j].b, size = Math.min(1, Math.sqrt(Math.abs(b) / maxAbs));
      circle.setAttribute("fill", b >= 0 ? POSITIVE : NEGATIVE);
      circle.setAttribute("fill-opacity", (0.1 + 0.9 * size).toFixed(2));
    }
  }

  // ---- hover: values under the pointer ----
  const number = (v) => (v === null || v === undefined ? "—" : (+v).toPrecision(4));
  function showTip(event, text) {
    tooltip.textContent = text;
    tooltip.hidden = false;
    const x = Math.min(event.clientX + 14, window.innerWidth - tooltip.offsetWidth - 4);
    const y = Math.min(event.clientY + 14, window.innerHeight - tooltip.offsetHeight - 4);
    tooltip.style.left = Math.max(0, x) + "px"; tooltip.style.top = Math.max(0, y) + "px";
  }
  function hideTip() {
    tooltip.hidden = true;
    for (const [, , m] of maps) m.classList.remove("lit");
  }
  function outputText(out) {
    if (data.loss === "bce" || data.loss === "ce") {
      return B.probabilities(out).map((p, c) => "P(class " + c + ") = " + p.toFixed(3)).join("\n");
    }
    // hinge and mse outputs are scores, not probabilities
    if (oneOutput) return "score " + number(out[0]) + " (class 1 when > 0)";
    return out.map((o, c) => "score of class " + c + " = " + number(o)).join("\n");
  }
  canvas.addEventListener("mousemove", (event) => {
    const box = canvas.getBoundingClientRect();
    const px = (event.clientX - box.left) * W / box.width;
    const py = (event.clientY - box.top) * H / box.height;
    const net = networks[Number(slider.value)];
    let best = null, bestDistance = 8 * 8;
    const sets = [["training point", data.train]];
    if (data.test && testBox.checked) sets.push(["test point", data.test]);
    for (const [kind, set] of sets) {
      set.X.forEach((p, i) => {
        const [qx, qy] = toPx(p[0], p[1]);
        const d = (qx - px) ** 2 + (qy - py) ** 2;
        if (d < bestDistance) { bestDistance = d; best = [kind, p, set.y[i]]; }
      });
    }
    if (best) {
      const [kind, p, label] = best;
      showTip(event, kind + " (" + p[0].toFixed(3) + ", " + p[1].toFixed(3) + "), class " +
              label + "\n" +
              outputText(net.forward(p)));
    } else {
      const [a, b] = fromPx(px, py);
      showTip(event, "at (" + a.toFixed(2) + ", " + b.toFixed(2) + ")\n" +
              outputText(net.forward([a, b])));
    }
  });
  canvas.addEventListener("mouseleave", hideTip);
  net.addEventListener("mouseover", (event) => {
    const target = event.target, layers = networks[Number(slider.value)].layers;
    if (!target.dataset || target.dataset.layer === undefined) return;
    const l = Number(target.dataset.layer), j = Number(target.dataset.neuron);
    if (target.dataset.input !== undefined) {
      const i = Number(target.dataset.input), n = layers[l][j];
      showTip(event, "weight " + n.name + "w." + i + " = " + number(n.w[i]) + "\nfrom " +
              nodeName(l, i) + " to " + nodeName(l + 1, j));
    } else if (l === 0) {
      showTip(event, nodeName(0, j));
    } else {
      const n = layers[l - 1][j];
      showTip(event, nodeName(l, j) + "\nbias " + n.name + "b = " + number(n.b) +
              (l < columns - 1 ? "\nactivation " + activations[l - 1] : ""));
      for (const [ml, mj, m] of maps) m.classList.toggle("lit", ml === l - 1 && mj === j);
    }
  });
  net.addEventListener("mouseleave", hideTip);
  mapsBox.addEventListener("mousemove", (event) => {
    const map = event.target;
    if (map.dataset.role !== "neuron-map") return;
    const l = Number(map.dataset.layer), j = Number(map.dataset.neuron);
    const box = map.getBoundingClientRect();
    const px = (event.clientX - box.left) / box.width * W;
    const py = (event.clientY - box.top) / box.height * H;
    const [a, b] = fromPx(px, py);
    const outs = networks[Number(slider.value)].forwardAll([a, b]);
    showTip(event, nodeName(l, j) + "\noutput at (" + a.toFixed(2) + ", " + b.toFixed(2) +
            ") = " + number(outs[l - 1][j]) + (Number(map.dataset.max) <= 1e-12
              ? "\nzero everywhere on this plane" : "\nlargest on the map: " +
              number(map.dataset.max)));
  });
  mapsBox.addEventListener("mouseleave", hideTip);

  // ---- the text around it: only what the run has ----
  $("[data-role=title]").textContent = "Training replay" + (data.title ? ": " + data.title : "");
  const summary = $("[data-role=summary]");
  const parts = [];
  function bold(label, value) {
    const span = document.createElement("span");
    span.append(label + " ");
    const b = document.createElement("b"); b.textContent = value; span.append(b);
    return span;
  }
  const finalTrain = bold("Final accuracy: train", data.final.train);
  finalTrain.firstElementChild.dataset.field = "final-train";
  parts.push(finalTrain);
  if (data.final.test) {
    const finalTest = bold("test", data.final.test);
    finalTest.firstElementChild.dataset.field = "final-test";
    parts.push(finalTest);
  }
  if (data.command) {
    const code = document.createElement("code");
    code.dataset.role = "command"; code.textContent = data.command;
    parts.push(code);
  }
  parts.forEach((part, i) => { if (i) summary.append(" · "); summary.append(part); });
  const settings = Object.entries(data.settings || {});
  if (settings.length) {
    const table = $("[data-role=settings]");
    for (const [key, value] of settings) {
      const row = table.insertRow();
      row.insertCell().textContent = key;
      row.insertCell().textContent = value;
    }
  } else {
    $("[data-role=settings-panel]").remove();
  }
  if (!data.test) {
    for (const role of ["test-toggle", "test-readout", "test-note"]) {
      $("[data-role=" + role + "]").remove();
    }
  } else {
    testBox.checked = true;
  }
  B.legend($("[data-role=class-legend]"), data.classes, COLORS);
  $("[data-role=point-legend]").textContent = "Shade: the class predicted, stronger where the " +
    "model is surer. Filled dots: training points" + (data.test ? "; rings: test points." : ".");

  // ---- choosing a snapshot ----
  function show(index) {
    const s = snapshots[index];
    $("[data-field=epoch]").textContent = s.display.epoch;
    $("[data-field=step]").textContent = s.step === null ? "—" : String(s.step);
    $("[data-field=loss]").textContent = s.display.train_loss;
    $("[data-field=accuracy]").textContent = s.display.train_accuracy;
    if (data.test) $("[data-field=test-accuracy]").textContent = s.display.test_accuracy;
    slider.setAttribute("aria-valuetext", "epoch " + s.display.epoch);
    drawBoundary(index);
    drawNetwork(index);
    drawMaps(index);
    marker.setAttribute("x1", ex(s.epoch)); marker.setAttribute("x2", ex(s.epoch));
    lossDot.setAttribute("visibility", s.train_loss === null ? "hidden" : "visible");
    if (s.train_loss !== null) {
      lossDot.setAttribute("cx", ex(s.epoch)); lossDot.setAttribute("cy", lossY(s.train_loss));
    }
    accDot.setAttribute("visibility", s.train_accuracy === null ? "hidden" : "visible");
    if (s.train_accuracy !== null) {
      accDot.setAttribute("cx", ex(s.epoch)); accDot.setAttribute("cy", accY(s.train_accuracy));
    }
  }
  function go(index) {
    index = Math.min(snapshots.length - 1, Math.max(0, index));
    slider.value = String(index);
    show(index);
  }
  slider.max = String(snapshots.length - 1);
  slider.addEventListener("input", () => show(Number(slider.value)));
  testBox.addEventListener("change", () => show(Number(slider.value)));

  // a whole replay takes about 8 s at 1x, whatever the number of snapshots
  const frameMs = () => Math.max(16, Math.min(400, 8000 / snapshots.length)) / Number(speed.value);
  let timer = null;
  function tick() {
    const next = Number(slider.value) + 1;
    if (next > snapshots.length - 1) { setPlaying(false); return; }
    go(next);
    timer = setTimeout(tick, frameMs());
  }
  function setPlaying(playing) {
    if (playing && timer === null) {
      if (Number(slider.value) >= snapshots.length - 1) go(0);
      timer = setTimeout(tick, frameMs());
    } else if (!playing && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    playButton.innerHTML = timer === null ? "&#9654; Play" : "&#10074;&#10074; Pause";
    playButton.setAttribute("aria-label", timer === null ? "play" : "pause");
  }
  playButton.addEventListener("click", () => setPlaying(timer === null));
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const tag = event.target.tagName;
    if (event.key === " ") {
      // buttons, boxes and menus use Space themselves
      if (tag === "BUTTON" || tag === "SELECT" || event.target.type === "checkbox") return;
      event.preventDefault();
      setPlaying(timer === null);
      return;
    }
    if (event.target === slider || tag === "SELECT") return;  // they move themselves
    const moves = { ArrowLeft: -1, ArrowRight: 1 };
    if (event.key in moves) go(Number(slider.value) + moves[event.key]);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(snapshots.length - 1);
    else return;
    event.preventDefault();
  });
  go(snapshots.length - 1);
})();
</script>
</body>
</html>
"""
