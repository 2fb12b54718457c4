"""The training replay: one offline HTML page that shows a network learning, epoch by epoch.

`training_report(model, X, y, history, snapshots=...)` returns a `Report`; `Report.save(path)`
writes it (atomically), `Report.html` is the page as a string, and a notebook shows it
inline (`_repr_html_`, an iframe whose `srcdoc` is the page). `chainrule train` writes it
as `report.html`.

The page carries everything as JSON in one `<script type="application/json">`: the points,
the loss and accuracy history, and the parameters at each snapshot (nn/train.py's
`Snapshots`). A small script with no library recomputes the network's forward pass in the
browser to paint the decision boundary and the test accuracy of the chosen snapshot, so the
file stays small (about 0.1 MB for the default run) and needs nothing but a browser.

DOM contract (SPEC.md): `input[type=range][data-role=epoch]` picks the snapshot (its value is
the snapshot's index, 0 = before training); `[data-field=epoch]`, `[data-field=loss]` and
`[data-field=accuracy]` show that snapshot's epoch, training loss and training accuracy,
formatted as the training printout formats them; `[data-action=play]` plays and pauses.
Also `[data-field=test-accuracy]` and the checkbox `[data-role=test-points]`.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from engine.files import write_atomic
from nn.module import MLP

if TYPE_CHECKING:
    from nn.train import Snapshot

__all__ = ["Report", "training_report", "MAX_SNAPSHOTS", "MAX_NUMBERS"]

# at most this many snapshots, and this many parameter numbers over all snapshots, keep
# the page small (Snapshots keeps up to 100 epochs, plus epoch 0 and the last one)
MAX_SNAPSHOTS = 102
MAX_NUMBERS = 150_000
# parameters are stored with 6 significant digits: ~10 characters each instead of ~20,
# and a boundary that differs from the model's by far less than a pixel
DIGITS = 6


class Report:
    """A training replay page: `html` (str), `save(path)`, and inline display in Jupyter."""

    def __init__(self, page: str) -> None:
        self.html = page

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the page to `path` atomically (a failed write leaves the old file intact)."""
        write_atomic(path, self.html)

    def _repr_html_(self) -> str:
        """The page inside an iframe (`srcdoc`), so its script and styles stay its own."""
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width: 100%; height: 820px; border: 1px solid #ddd" '
            'title="training replay"></iframe>'
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
) -> Report:
    """The replay page of a training run of `model` (an MLP with 2 inputs) on `X`, `y`.

    `history` is what `nn.train.fit` returned. `snapshots` (from `nn.train.Snapshots`)
    are the epochs to replay; without them the page shows the model as it is now, as the
    last epoch of `history`. Test points, the command line and the settings are shown
    when given. `final_accuracy` (`{"train": ..., "test": ...}`, fractions) saves
    measuring the model's accuracy again when the caller already has it.
    """
    from nn.train import Snapshot, format_accuracy, format_loss

    if not isinstance(model, MLP) or model.nin != 2:
        raise ValueError("training_report draws 2-D data: it needs an MLP with 2 inputs")
    losses = [float(v) for v in history.get("loss", [])]
    accuracies = [float(v) for v in history.get("accuracy", [])]
    if snapshots is None or not snapshots:
        parameters = tuple(p.data for p in model.parameters())
        last = len(losses)
        snapshots = [
            Snapshot(
                last,
                losses[-1] if losses else math.nan,
                accuracies[-1] if accuracies else math.nan,
                parameters,
            )
        ]
    chosen = _thin(list(snapshots), max(1, MAX_NUMBERS // len(model.parameters())))

    def point_data(points: Sequence[Sequence[float]] | None, labels: Sequence[int] | None) -> Any:
        if points is None or labels is None:
            return None
        return {
            "x": [[round(float(a), 4), round(float(b), 4)] for a, b in points],
            "y": [int(c) for c in labels],
        }

    train_points, test_points = point_data(X, y), point_data(X_test, y_test)
    n_classes = 1 + max(int(c) for c in [*y, *(y_test or [])])
    known = final_accuracy or {}
    train_accuracy = known["train"] if "train" in known else _accuracy(model, X, y)
    final = {"train": format_accuracy(train_accuracy)}
    if test_points is not None:
        test_accuracy = known.get("test")
        if test_accuracy is None:
            test_accuracy = _accuracy(model, X_test or [], y_test or [])
        final["test"] = format_accuracy(test_accuracy)
    data = {
        "title": title,
        "command": command,
        "settings": [[k, v] for k, v in (settings or {}).items()],
        "sizes": [model.nin, *model.nouts],
        "activations": [layer.activation for layer in model.layers],
        "classes": n_classes,
        "train": train_points,
        "test": test_points,
        "history": {
            "loss": [_finite_or_none(v) for v in losses],
            "accuracy": [_finite_or_none(v) for v in accuracies],
        },
        "snapshots": [
            {
                "epoch": s.epoch,
                "loss": format_loss(s.loss),
                "accuracy": format_accuracy(s.accuracy),
                "lossValue": _finite_or_none(s.loss),
                "accuracyValue": _finite_or_none(s.accuracy),
                "w": [float(f"{p:.{DIGITS}g}") for p in s.parameters],
            }
            for s in chosen
        ],
        "final": final,
    }
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    # inside <script>, "</" could end the element early; \u003c is the same character in JSON
    payload = payload.replace("<", "\\u003c")
    page_title = html.escape(f"Training replay: {title}" if title else "Training replay")
    return Report(_PAGE.replace("%TITLE%", page_title).replace("%DATA%", payload))


def _thin(snapshots: list[Snapshot], limit: int) -> list[Snapshot]:
    """At most min(limit, MAX_SNAPSHOTS) snapshots, evenly spaced, keeping the first and
    the last."""
    limit = max(2, min(limit, MAX_SNAPSHOTS))
    if len(snapshots) <= limit:
        return snapshots
    picks = sorted({round(i * (len(snapshots) - 1) / (limit - 1)) for i in range(limit)})
    return [snapshots[i] for i in picks]


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _accuracy(model: MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """The model's accuracy on `X`, `y` with the page's rule: one output is a score
    (class 1 when > 0), several are per-class scores (the largest wins)."""
    from nn.train import predict

    if not X:
        return math.nan
    loss = "bce" if model.nouts[-1] == 1 else "ce"
    predictions = predict(model, X, loss)
    return sum(p == t for p, t in zip(predictions, y)) / len(y)


_PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%TITLE%</title>
<style>
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
         margin: 16px 24px; background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  code { background: #eee; padding: 1px 5px; border-radius: 3px; }
  .summary { margin: 0 0 12px; color: #444; }
  .controls { display: flex; align-items: center; gap: 14px; flex-wrap: wrap;
              background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; }
  .controls input[type=range] { flex: 1 1 300px; }
  button { font: inherit; padding: 4px 14px; min-width: 84px; cursor: pointer; }
  .readout span[data-field] { font-variant-numeric: tabular-nums; font-weight: 600; }
  .panels { display: flex; gap: 16px; flex-wrap: wrap; margin-top: 12px; }
  .panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px;
           max-width: 380px; }
  .panel h2 { font-size: 14px; margin: 0 0 6px; color: #333; }
  .legend { font-size: 12px; color: #555; margin-top: 4px; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
            margin: 0 4px 0 10px; vertical-align: -1px; border: 1px solid #333; }
  .line { display: inline-block; width: 18px; height: 3px; margin: 0 4px 0 10px;
          vertical-align: 3px; }
  table { border-collapse: collapse; }
  td { padding: 1px 10px 1px 0; }
  td:first-child { color: #666; }
  canvas { display: block; }
</style>
</head>
<body>
<h1 data-role="title"></h1>
<p class="summary">Final accuracy: train <b data-field="final-train"></b><span
  data-role="final-test"> · test <b data-field="final-test"></b></span>
  · <code data-role="command"></code></p>

<div class="controls">
  <button type="button" data-action="play" aria-label="play">&#9654; Play</button>
  <input type="range" data-role="epoch" min="0" max="0" step="1" value="0"
         aria-label="snapshot">
  <span class="readout">epoch <span data-field="epoch"></span>
    · loss <span data-field="loss"></span>
    · train accuracy <span data-field="accuracy"></span>
    <span data-role="test-readout">· test accuracy <span data-field="test-accuracy"></span></span>
  </span>
  <label data-role="test-toggle"><input type="checkbox" data-role="test-points"> test points</label>
</div>
<p class="legend">Loss and train accuracy of an epoch are its means over the training set,
  measured as the epoch ran (as the training printout shows them); epoch 0 is before
  training. Test accuracy is the snapshot's weights on the test points.</p>

<div class="panels">
  <div class="panel">
    <h2>Decision boundary</h2>
    <canvas data-role="boundary" width="360" height="360"></canvas>
    <div class="legend" data-role="class-legend"></div>
    <div class="legend">Shade: the model's confidence. Filled dots: training points;
      rings: test points.</div>
  </div>
  <div class="panel">
    <h2>Loss and accuracy</h2>
    <svg data-role="curves" width="380" height="360" role="img"
         aria-label="loss and accuracy curves"></svg>
    <div class="legend"><span class="line" style="background:#5b4bb7"></span>training loss
      (log scale)<span class="line" style="background:#1a9850"></span>train accuracy<span
      class="line" style="background:#999"></span>test accuracy</div>
  </div>
  <div class="panel">
    <h2>Network</h2>
    <svg data-role="network" width="380" height="360" role="img"
         aria-label="the network's weights"></svg>
    <div class="legend"><span class="line" style="background:#0877bd"></span>positive
      weight<span class="line" style="background:#e8710a"></span>negative weight;
      width and strength grow with the weight's size.</div>
  </div>
  <div class="panel">
    <h2>Settings</h2>
    <table data-role="settings"></table>
  </div>
</div>

<script type="application/json" id="replay-data">%DATA%</script>
<script>
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("replay-data").textContent);
  const $ = (selector) => document.querySelector(selector);
  const COLORS = ["#e8710a", "#0877bd", "#1a9850", "#b2182b", "#762a83"];
  const SVG = "http://www.w3.org/2000/svg";
  const snapshots = data.snapshots;
  const slider = $("input[data-role=epoch]");
  const playButton = $("[data-action=play]");
  const testBox = $("input[data-role=test-points]");

  // ---- the network, as the engine computes it: dot, then the activation ----
  const ACT = {
    relu: (a) => (a > 0 ? a : 0),
    tanh: Math.tanh,
    sigmoid: (a) => 0.5 * (1 + Math.tanh(0.5 * a)),
    linear: (a) => a,
  };
  function unpack(flat) {
    // parameters come layer by layer, neuron by neuron: nin weights then the bias
    const layers = [];
    let k = 0;
    for (let l = 0; l + 1 < data.sizes.length; l++) {
      const nin = data.sizes[l], nout = data.sizes[l + 1], neurons = [];
      for (let j = 0; j < nout; j++) {
        neurons.push({ w: flat.slice(k, k + nin), b: flat[k + nin] });
        k += nin + 1;
      }
      layers.push(neurons);
    }
    return layers;
  }
  const networks = snapshots.map((s) => unpack(s.w));
  function forward(layers, x) {
    let h = x;
    layers.forEach((neurons, l) => {
      const act = ACT[data.activations[l]];
      h = neurons.map((n) => {
        let s = n.b;
        for (let i = 0; i < h.length; i++) s += n.w[i] * h[i];
        return act(s);
      });
    });
    return h;
  }
  // class and confidence: one output is a score (class 1 when > 0), else the largest wins
  function classify(out) {
    if (out.length === 1) {
      const p = 0.5 * (1 + Math.tanh(0.5 * out[0]));
      return [out[0] > 0 ? 1 : 0, Math.abs(2 * p - 1)];
    }
    let best = 0;
    for (let i = 1; i < out.length; i++) if (out[i] > out[best]) best = i;
    const m = out[best];
    let total = 0;
    for (const o of out) total += Math.exp(o - m);
    return [best, (1 / total - 1 / out.length) / (1 - 1 / out.length)];
  }
  function percent(x) { return (100 * x).toFixed(1) + "%"; }
  const testAccuracy = networks.map((net) => {
    if (!data.test) return null;
    let correct = 0;
    data.test.x.forEach((p, i) => {
      if (classify(forward(net, p))[0] === data.test.y[i]) correct++;
    });
    return correct / data.test.x.length;
  });

  // ---- the plane: extent from every point, 10% padding ----
  const allPoints = data.train.x.concat(data.test ? data.test.x : []);
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [a, b] of allPoints) {
    x0 = Math.min(x0, a); x1 = Math.max(x1, a); y0 = Math.min(y0, b); y1 = Math.max(y1, b);
  }
  const padX = 0.1 * (x1 - x0) + 0.1, padY = 0.1 * (y1 - y0) + 0.1;
  x0 -= padX; x1 += padX; y0 -= padY; y1 += padY;
  // one unit is as long across as up, so shapes are not stretched: widen the shorter side
  const span = Math.max(x1 - x0, y1 - y0), cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  [x0, x1, y0, y1] = [cx - span / 2, cx + span / 2, cy - span / 2, cy + span / 2];
  const canvas = $("canvas[data-role=boundary]");
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, CELL = 4;
  const toPx = (a, b) => [((a - x0) / (x1 - x0)) * W, (1 - (b - y0) / (y1 - y0)) * H];
  function rgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }
  const RGB = COLORS.map(rgb);

  // the plane is computed at one point per CELL x CELL pixels and scaled up smoothly:
  // a sixteenth of the forward passes, and no staircase along the boundary
  const grid = document.createElement("canvas");
  grid.width = W / CELL; grid.height = H / CELL;
  const gridCtx = grid.getContext("2d");

  function drawBoundary(index) {
    const net = networks[index];
    const image = gridCtx.createImageData(grid.width, grid.height);
    for (let gy = 0; gy < grid.height; gy++) {
      for (let gx = 0; gx < grid.width; gx++) {
        const a = x0 + ((gx + 0.5) / grid.width) * (x1 - x0);
        const b = y1 - ((gy + 0.5) / grid.height) * (y1 - y0);
        const [c, confidence] = classify(forward(net, [a, b]));
        const alpha = 0.18 + 0.42 * confidence;
        const color = RGB[c % RGB.length];
        const o = 4 * (gy * grid.width + gx);
        for (let k = 0; k < 3; k++) image.data[o + k] = Math.round(255 + (color[k] - 255) * alpha);
        image.data[o + 3] = 255;
      }
    }
    gridCtx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(grid, 0, 0, W, H);
    if (data.test && testBox.checked) {
      data.test.x.forEach(([a, b], i) => {
        const [px, py] = toPx(a, b);
        ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI);
        ctx.strokeStyle = COLORS[data.test.y[i] % COLORS.length]; ctx.lineWidth = 1.3;
        ctx.stroke();
      });
    }
    data.train.x.forEach(([a, b], i) => {
      const [px, py] = toPx(a, b);
      ctx.beginPath(); ctx.arc(px, py, 4, 0, 2 * Math.PI);
      ctx.fillStyle = COLORS[data.train.y[i] % COLORS.length]; ctx.fill();
      ctx.strokeStyle = "#222"; ctx.lineWidth = 0.8; ctx.stroke();
    });
  }

  // ---- curves: loss (log scale when positive) and accuracy, the epoch marked ----
  function el(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const key in attributes) node.setAttribute(key, attributes[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  const curves = $("svg[data-role=curves]");
  const first = snapshots[0];
  // epoch 0 is the start (whole training set), then one entry per epoch run
  const lossSeries = [first.epoch === 0 ? first.lossValue : null].concat(data.history.loss);
  const accSeries = [first.epoch === 0 ? first.accuracyValue : null].concat(data.history.accuracy);
  const lastEpoch = Math.max(lossSeries.length - 1, snapshots[snapshots.length - 1].epoch, 1);
  const finiteLosses = lossSeries.filter((v) => v !== null);
  const logScale = finiteLosses.length > 0 && finiteLosses.every((v) => v > 0);
  const f = (v) => (logScale ? Math.log10(v) : v);
  let lo = Math.min(...finiteLosses.map(f)), hi = Math.max(...finiteLosses.map(f));
  if (!isFinite(lo)) { lo = 0; hi = 1; }
  if (hi - lo < 1e-9) { hi = lo + 1; }
  const L = 48, R = 372, charts = [[12, 160], [200, 340]];
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
       curves).textContent = "epoch " + lastEpoch;
    el("text", { x: L, y: bottom + 13, "font-size": 10, fill: "#666" }, curves).textContent = "0";
  }
  const lossY = (v) =>
    charts[0][1] - ((f(v) - lo) / (hi - lo)) * (charts[0][1] - charts[0][0] - 18);
  const accY = (v) => charts[1][1] - v * (charts[1][1] - charts[1][0] - 18);
  const tick = (t) => { const v = logScale ? 10 ** t : t; return [lossY(v), v.toPrecision(2)]; };
  const lossTicks = [tick(hi), tick(lo)];
  frame(charts[0][0], charts[0][1], "training loss", lossTicks);
  const accTicks = [[accY(1), "100%"], [accY(0.5), "50%"], [accY(0), "0%"]];
  frame(charts[1][0], charts[1][1], "accuracy", accTicks);
  function polyline(series, y, color, width, epochs) {
    const points = [];
    series.forEach((v, i) => {
      if (v !== null) points.push(ex(epochs ? epochs[i] : i) + "," + y(v));
    });
    if (points.length) el("polyline", { points: points.join(" "), fill: "none", stroke: color,
                                       "stroke-width": width }, curves);
  }
  polyline(lossSeries, lossY, "#5b4bb7", 1.6);
  if (data.test) polyline(testAccuracy, accY, "#999", 1.4, snapshots.map((s) => s.epoch));
  polyline(accSeries, accY, "#1a9850", 1.6);
  const marker = el("line", { y1: charts[0][0], y2: charts[1][1], stroke: "#d62728",
                              "stroke-width": 1.2, "stroke-dasharray": "4 3" }, curves);
  const lossDot = el("circle", { r: 3.5, fill: "#5b4bb7" }, curves);
  const accDot = el("circle", { r: 3.5, fill: "#1a9850" }, curves);

  // ---- the network: one column per layer, weights as coloured lines ----
  const net = $("svg[data-role=network]");
  const NW = 380, NH = 360, columns = data.sizes.length;
  const nodeX = (l) => 30 + (l / (columns - 1)) * (NW - 60);
  const nodeY = (l, j) => {
    const n = data.sizes[l], gap = Math.min(20, (NH - 40) / Math.max(1, n - 1));
    return NH / 2 + (j - (n - 1) / 2) * gap;
  };
  let maxAbs = 1e-12;
  for (const s of snapshots) for (const v of s.w) maxAbs = Math.max(maxAbs, Math.abs(v));
  const edges = [];
  const edgeGroup = el("g", {}, net);
  networks[0].forEach((neurons, l) => {
    neurons.forEach((n, j) => {
      n.w.forEach((_, i) => {
        edges.push([l, j, i, el("line", { x1: nodeX(l), y1: nodeY(l, i), x2: nodeX(l + 1),
                                          y2: nodeY(l + 1, j) }, edgeGroup)]);
      });
    });
  });
  const nodes = [];
  data.sizes.forEach((n, l) => {
    for (let j = 0; j < n; j++) {
      nodes.push([l, j, el("circle", { cx: nodeX(l), cy: nodeY(l, j), r: 5, stroke: "#333",
                                       "stroke-width": 0.8, fill: "#fff" }, net)]);
    }
    const label = l === 0 ? "input" : l === columns - 1 ? "output" : "hidden " + l;
    el("text", { x: nodeX(l), y: NH - 4, "text-anchor": "middle", "font-size": 10,
                 fill: "#666" }, net).textContent = label;
  });
  function drawNetwork(index) {
    const layers = networks[index];
    for (const [l, j, i, line] of edges) {
      const w = layers[l][j].w[i], size = Math.sqrt(Math.abs(w) / maxAbs);
      line.setAttribute("stroke", w >= 0 ? "#0877bd" : "#e8710a");
      line.setAttribute("stroke-width", (0.3 + 3.2 * size).toFixed(2));
      line.setAttribute("stroke-opacity", (0.15 + 0.85 * size).toFixed(2));
    }
    for (const [l, j, circle] of nodes) {
      // a neuron's fill is its bias: the same colours as the weights
      if (l === 0) { circle.setAttribute("fill", "#ddd"); continue; }
      const b = layers[l - 1][j].b, size = Math.min(1, Math.sqrt(Math.abs(b) / maxAbs));
      circle.setAttribute("fill", b >= 0 ? "#0877bd" : "#e8710a");
      circle.setAttribute("fill-opacity", (0.1 + 0.9 * size).toFixed(2));
    }
  }

  // ---- the text around it ----
  $("[data-role=title]").textContent = "Training replay" + (data.title ? ": " + data.title : "");
  $("[data-field=final-train]").textContent = data.final.train;
  if (data.final.test) $("[data-field=final-test]").textContent = data.final.test;
  else $("[data-role=final-test]").remove();
  const command = $("[data-role=command]");
  if (data.command) command.textContent = data.command; else command.remove();
  const settings = $("[data-role=settings]");
  for (const [key, value] of data.settings) {
    const row = settings.insertRow();
    row.insertCell().textContent = key;
    row.insertCell().textContent = value;
  }
  if (!data.test) { $("[data-role=test-toggle]").remove(); $("[data-role=test-readout]").remove(); }
  else testBox.checked = true;
  const legend = $("[data-role=class-legend]");
  for (let c = 0; c < data.classes; c++) {
    const swatch = document.createElement("span");
    swatch.className = "swatch"; swatch.style.background = COLORS[c % COLORS.length];
    legend.appendChild(swatch);
    legend.appendChild(document.createTextNode("class " + c));
  }

  // ---- choosing a snapshot ----
  function show(index) {
    const s = snapshots[index];
    $("[data-field=epoch]").textContent = String(s.epoch);
    $("[data-field=loss]").textContent = s.loss;
    $("[data-field=accuracy]").textContent = s.accuracy;
    if (data.test) $("[data-field=test-accuracy]").textContent = percent(testAccuracy[index]);
    drawBoundary(index);
    drawNetwork(index);
    marker.setAttribute("x1", ex(s.epoch)); marker.setAttribute("x2", ex(s.epoch));
    const lossValue = s.lossValue, accValue = s.accuracyValue;
    lossDot.setAttribute("visibility", lossValue === null ? "hidden" : "visible");
    if (lossValue !== null) {
      lossDot.setAttribute("cx", ex(s.epoch)); lossDot.setAttribute("cy", lossY(lossValue));
    }
    accDot.setAttribute("visibility", accValue === null ? "hidden" : "visible");
    if (accValue !== null) {
      accDot.setAttribute("cx", ex(s.epoch)); accDot.setAttribute("cy", accY(accValue));
    }
  }
  slider.max = String(snapshots.length - 1);
  slider.value = String(snapshots.length - 1);
  slider.addEventListener("input", () => show(Number(slider.value)));
  testBox.addEventListener("change", () => show(Number(slider.value)));

  let timer = null;
  function setPlaying(playing) {
    if (playing && timer === null) {
      if (Number(slider.value) >= snapshots.length - 1) slider.value = "0";
      show(Number(slider.value));
      timer = setInterval(() => {
        const next = Number(slider.value) + 1;
        if (next > snapshots.length - 1) { setPlaying(false); return; }
        slider.value = String(next);
        show(next);
      }, 120);
    } else if (!playing && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    playButton.innerHTML = timer === null ? "&#9654; Play" : "&#10074;&#10074; Pause";
    playButton.setAttribute("aria-label", timer === null ? "play" : "pause");
  }
  playButton.addEventListener("click", () => setPlaying(timer === null));
  document.addEventListener("keydown", (event) => {
    if (event.target === slider) return;  // the slider moves itself with the arrow keys
    const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (step === undefined) return;
    const index = Math.min(snapshots.length - 1, Math.max(0, Number(slider.value) + step));
    slider.value = String(index);
    show(index);
  });
  show(snapshots.length - 1);
})();
</script>
</body>
</html>
"""
