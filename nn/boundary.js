// The decision boundary of an MLP, drawn in the browser from its weights.
//
// One file for the two pages that draw it: nn/report.py inlines it into the training
// replay, and the playground's build copies it into its site, where the training panel
// loads it. The network's forward pass is recomputed here from a state_dict as the engine
// computes it (each neuron: the dot of weights and inputs plus the bias, then the
// activation; the last layer linear), so a page needs nothing but a browser.
//
// It defines one global, ChainruleBoundary:
//   COLORS                      the class colours (nn/plots.py's CLASS_COLORS)
//   parameterNames(sizes)       a state_dict's names in nn's order (MLP.named_parameters)
//   new Network(sizes, activations, parameters)
//                               .layers[l][j] = {w, b, name}; .forwardAll(x); .forward(x)
//   probabilities(out), classify(out), accuracy(network, points)
//   new Plane(points, width, height)    the square of the plane drawn: toPx, fromPx
//   new BoundaryCanvas(canvas, plane, colors)  .draw(network, train, rings)
//   legend(element, classes, colors)
/* exported ChainruleBoundary */
var ChainruleBoundary = (function () {
  "use strict";

  // Okabe and Ito's colour-blind safe palette: class c is COLORS[c % COLORS.length]
  const COLORS = ["#e69f00", "#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000"];

  const ACTIVATIONS = {
    relu: (a) => (a > 0 ? a : 0),
    tanh: Math.tanh,
    // sigmoid(a) = (1 + tanh(a / 2)) / 2: no overflow of exp for large |a|
    sigmoid: (a) => 0.5 * (1 + Math.tanh(0.5 * a)),
    linear: (a) => a,
  };

  // sizes = [nin, hidden..., nout]: layer l, neuron j has sizes[l] weights, then its bias
  function parameterNames(sizes) {
    const names = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      for (let j = 0; j < sizes[l + 1]; j++) {
        const name = "layers." + l + ".neurons." + j + ".";
        for (let i = 0; i < sizes[l]; i++) names.push(name + "w." + i);
        names.push(name + "b");
      }
    }
    return names;
  }

  // `parameters` is a state_dict ({name: number}); `activations[l]` is layer l's
  function Network(sizes, activations, parameters) {
    this.sizes = sizes;
    this.activations = activations;
    this.layers = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const neurons = [];
      for (let j = 0; j < sizes[l + 1]; j++) {
        const name = "layers." + l + ".neurons." + j + ".";
        const w = [];
        for (let i = 0; i < sizes[l]; i++) w.push(parameters[name + "w." + i]);
        neurons.push({ w: w, b: parameters[name + "b"], name: name });
      }
      this.layers.push(neurons);
    }
  }
  // every layer's outputs for the input x: h_j = act(b_j + sum_i w_ji h_i)
  Network.prototype.forwardAll = function (x) {
    const outs = [];
    let h = x;
    this.layers.forEach((neurons, l) => {
      const act = ACTIVATIONS[this.activations[l]];
      h = neurons.map((n) => {
        let s = n.b;
        for (let i = 0; i < h.length; i++) s += n.w[i] * h[i];
        return act(s);
      });
      outs.push(h);
    });
    return outs;
  };
  Network.prototype.forward = function (x) {
    const outs = this.forwardAll(x);
    return outs[outs.length - 1];
  };

  // one output is a score, P(class 1) = sigmoid(score); several are per-class scores,
  // P = softmax(scores) (shifted by the largest: exp never overflows)
  function probabilities(out) {
    if (out.length === 1) {
      const p = 0.5 * (1 + Math.tanh(0.5 * out[0]));
      return [1 - p, p];
    }
    const m = Math.max(...out);
    const e = out.map((o) => Math.exp(o - m));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  }
  // the class (one output: 1 when the score > 0; several: the largest score) and a
  // confidence, 0 at a tie and 1 when sure: |2p - 1| for one output, and
  // (p - 1/k) / (1 - 1/k) for k classes
  function classify(out) {
    if (out.length === 1) {
      const p = 0.5 * (1 + Math.tanh(0.5 * out[0]));
      return [out[0] > 0 ? 1 : 0, Math.abs(2 * p - 1)];
    }
    let best = 0;
    for (let i = 1; i < out.length; i++) if (out[i] > out[best]) best = i;
    const p = probabilities(out), k = out.length;
    return [best, (p[best] - 1 / k) / (1 - 1 / k)];
  }
  // the fraction of points ({X, y}) whose class the network gives as drawn
  function accuracy(network, points) {
    let correct = 0;
    points.X.forEach((x, i) => {
      if (classify(network.forward(x))[0] === points.y[i]) correct++;
    });
    return correct / points.X.length;
  }

  // the square of the plane drawn: every point inside, 10% padding, one unit as long
  // across as up, on a width x height canvas
  function Plane(points, width, height) {
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [a, b] of points) {
      x0 = Math.min(x0, a); x1 = Math.max(x1, a); y0 = Math.min(y0, b); y1 = Math.max(y1, b);
    }
    // halves: the span of huge coordinates must not overflow to Infinity
    this.half = Math.min(Math.max(x1 / 2 - x0 / 2, y1 / 2 - y0 / 2) * 1.1 + 0.05, 8e307);
    this.cx = x0 / 2 + x1 / 2;
    this.cy = y0 / 2 + y1 / 2;
    this.width = width;
    this.height = height;
  }
  Plane.prototype.toPx = function (a, b) {
    return [((a - this.cx) / this.half + 1) * this.width / 2,
            (1 - (b - this.cy) / this.half) * this.height / 2];
  };
  Plane.prototype.fromPx = function (px, py) {
    return [this.cx + (px / this.width * 2 - 1) * this.half,
            this.cy + (1 - py / this.height * 2) * this.half];
  };

  function rgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }

  // the plane is computed at one point per CELL x CELL pixels and scaled up smoothly:
  // a sixteenth of the forward passes, and no staircase along the boundary
  const CELL = 4;
  function BoundaryCanvas(canvas, plane, colors) {
    this.canvas = canvas;
    this.plane = plane;
    this.colors = colors || COLORS;
    this.rgb = this.colors.map(rgb);
    this.context = canvas.getContext("2d");
    this.grid = document.createElement("canvas");
    this.grid.width = canvas.width / CELL;
    this.grid.height = canvas.height / CELL;
    this.gridContext = this.grid.getContext("2d");
  }
  // each point of the plane shaded with the class predicted there, stronger where the
  // network is surer; `train` ({X, y}) as filled dots on top, `rings` (test points,
  // or null) as rings
  BoundaryCanvas.prototype.draw = function (network, train, rings) {
    const grid = this.grid, ctx = this.context, plane = this.plane, colors = this.colors;
    const W = this.canvas.width, H = this.canvas.height;
    const image = this.gridContext.createImageData(grid.width, grid.height);
    for (let gy = 0; gy < grid.height; gy++) {
      for (let gx = 0; gx < grid.width; gx++) {
        const [a, b] = plane.fromPx((gx + 0.5) * CELL, (gy + 0.5) * CELL);
        const [c, confidence] = classify(network.forward([a, b]));
        const alpha = 0.15 + 0.45 * (isFinite(confidence) ? confidence : 1);
        const color = this.rgb[c % this.rgb.length];
        const o = 4 * (gy * grid.width + gx);
        for (let k = 0; k < 3; k++) image.data[o + k] = Math.round(255 + (color[k] - 255) * alpha);
        image.data[o + 3] = 255;
      }
    }
    this.gridContext.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(grid, 0, 0, W, H);
    if (rings) {
      rings.X.forEach(([a, b], i) => {
        const [px, py] = plane.toPx(a, b);
        ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI);
        ctx.strokeStyle = colors[rings.y[i] % colors.length]; ctx.lineWidth = 1.5;
        ctx.stroke();
      });
    }
    train.X.forEach(([a, b], i) => {
      const [px, py] = plane.toPx(a, b);
      ctx.beginPath(); ctx.arc(px, py, 4, 0, 2 * Math.PI);
      ctx.fillStyle = colors[train.y[i] % colors.length]; ctx.fill();
      ctx.strokeStyle = "#222"; ctx.lineWidth = 0.8; ctx.stroke();
    });
  };

  // a swatch and "class c" for each class, in `element` (its children replaced); the
  // spaces between keep the text "class 0 class 1" for a screen reader or a copy
  function legend(element, classes, colors) {
    colors = colors || COLORS;
    element.replaceChildren();
    for (let c = 0; c < classes; c++) {
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colors[c % colors.length];
      element.append(c ? " " : "", swatch, "class " + c);
    }
  }

  return { COLORS, ACTIVATIONS, parameterNames, Network, probabilities, classify, accuracy,
           Plane, BoundaryCanvas, legend, rgb };
})();
