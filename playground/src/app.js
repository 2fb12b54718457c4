// The playground page: the editor, the output area and the training panel.
//
// Python runs in worker.js (a Web Worker), so this page stays responsive while code runs
// or a network trains. The page sends it code and the panel's settings; it answers with
// printed lines, output items (a page for a sandboxed iframe, an SVG, a traceback) and,
// while training, one snapshot of the parameters per epoch, from which this script
// paints the decision boundary and computes the accuracy of exactly those weights.
"use strict";

(function () {
  const $ = (selector) => document.querySelector(selector);
  const statusBox = $("[data-role=status]");
  const output = $("[data-role=output]");
  const examplesMenu = $("select[data-role=examples]");
  const runButton = $("[data-action=run]");

  // ---- status ----
  const STATUS_TEXT = { loading: "Loading Python…", ready: "Ready", running: "Running…",
                        error: "Error" };
  function setStatus(state, text) {
    statusBox.dataset.state = state;
    statusBox.textContent = text || STATUS_TEXT[state];
    document.querySelector("[data-action=stop]").hidden = state !== "running";
  }

  // ---- the editor ----
  const editor = CodeMirror.fromTextArea($("textarea[data-role=source]"), {
    mode: "python",
    lineNumbers: true,
    indentUnit: 4,
    viewportMargin: Infinity,
    lineWrapping: true,
    extraKeys: {
      // Ctrl/Cmd+Enter reaches the document's listener below, inside the editor or not
      // spaces, never tab characters: Python's indentation
      Tab: (cm) => cm.somethingSelected() ? cm.indentSelection("add")
                                          : cm.replaceSelection(" ".repeat(cm.getOption("indentUnit"))),
    },
  });
  editor.getWrapperElement().setAttribute("data-role", "editor");
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
    }
  });

  // ---- the worker ----
  let worker = null;
  let ready = false;
  let runId = 0;
  let pendingRun = null; // code asked for before Python was ready
  function startWorker() {
    ready = false;
    setStatus("loading");
    worker = new Worker("worker.js");
    worker.onmessage = (event) => handlers[event.data.type](event.data);
    worker.onerror = (event) => {
      setStatus("error", "The Python worker failed: " + (event.message || "unknown error"));
    };
  }
  startWorker();
  // Stop: code that never ends (a `while True:`) cannot be interrupted inside Python
  // here, so the worker is ended and a fresh Python started
  const stopButton = $("[data-action=stop]");
  stopButton.addEventListener("click", () => {
    if (statusBox.dataset.state !== "running") return;
    worker.terminate();
    showItem("error", "Stopped. Python was restarted: the names your code defined are gone.");
    panel.setState("paused");
    startWorker();
  });
  const handlers = {
    ready(message) {
      ready = true;
      document.documentElement.dataset.bootSeconds = message.seconds.toFixed(2);
      document.documentElement.dataset.bootTimes = JSON.stringify(message.times);
      setStatus("ready");
      // the example first: the panel's network (and nn's import) can wait a moment
      if (pendingRun !== null) { const code = pendingRun; pendingRun = null; run(code); }
      sendSettings();
    },
    fatal(message) { setStatus("error", "Python could not start: " + message.text); },
    stdout(message) { printText(message.text); },
    display(message) { showItem(message.kind, message.text); },
    done(message) {
      if (message.id === runId) setStatus(message.ok ? "ready" : "error");
    },
    "train-data": (message) => panel.setData(message.data),
    snapshot: (message) => panel.draw(message.snapshot),
    "train-code": (message) => { $("[data-role=train-code]").textContent = message.code; },
    "train-state": (message) => panel.setState(message.state),
    "train-error": (message) => panel.error(message.text),
  };

  function run(code) {
    code = code === undefined ? editor.getValue() : code;
    if (!ready) { pendingRun = code; return; }
    output.replaceChildren();
    setStatus("running");
    worker.postMessage({ type: "run", id: ++runId, code });
  }
  runButton.addEventListener("click", () => run());
  $("[data-action=clear]").addEventListener("click", () => output.replaceChildren());

  // ---- the output area ----
  function printText(text) {
    let block = output.lastElementChild;
    if (!block || !block.matches("pre[data-kind=stdout]")) {
      block = document.createElement("pre");
      block.dataset.kind = "stdout";
      output.appendChild(block);
    }
    block.textContent += text;
  }
  function showItem(kind, text) {
    if (kind === "html") {
      // a page of its own (a Player, a training replay): its scripts run in a sandbox,
      // with no access to this page
      const frame = document.createElement("iframe");
      frame.setAttribute("sandbox", "allow-scripts");
      frame.setAttribute("title", "output page");
      frame.dataset.kind = "html";
      frame.srcdoc = text;
      output.appendChild(frame);
    } else if (kind === "svg") {
      const parsed = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
      const box = document.createElement("div");
      box.dataset.kind = "svg";
      if (parsed.nodeName === "svg") box.appendChild(document.importNode(parsed, true));
      else box.textContent = "(this SVG could not be read)";
      output.appendChild(box);
    } else {
      const block = document.createElement("pre");
      block.dataset.kind = kind; // "text" or "error"
      block.textContent = text;
      output.appendChild(block);
    }
  }

  // ---- examples ----
  fetch("examples.json").then((r) => r.json()).then((examples) => {
    examples.forEach((example, i) => examplesMenu.add(new Option(example.title, String(i))));
    const choose = () => {
      editor.setValue(examples[Number(examplesMenu.value)].code);
      run();
    };
    examplesMenu.addEventListener("change", choose);
    choose(); // the first example runs as soon as Python is ready
  });

  // ---- the training panel ----
  const trainBox = $("[data-role=train]");
  const fields = {};
  for (const name of ["dataset", "hidden", "activation", "lr", "optimizer"]) {
    fields[name] = trainBox.querySelector(`[data-field=${name}]`);
  }
  const settings = () => {
    const values = {};
    for (const name in fields) values[name] = fields[name].value;
    return values;
  };
  function sendSettings() { worker.postMessage({ type: "settings", settings: settings() }); }
  for (const name in fields) fields[name].addEventListener("change", () => {
    if (ready) sendSettings();
  });
  const act = (type) => () => {
    if (!ready) return;
    panel.error("");
    worker.postMessage({ type, settings: settings() });
  };
  $("[data-action=train]").addEventListener("click", act("train"));
  $("[data-action=pause]").addEventListener("click", act("pause"));
  $("[data-action=step]").addEventListener("click", act("step"));
  $("[data-action=reset]").addEventListener("click", () => { if (ready) sendSettings(); });
  $("[data-action=copy-code]").addEventListener("click", () => {
    editor.setValue($("[data-role=train-code]").textContent);
    editor.focus();
  });

  const panel = new BoundaryPanel(trainBox);
  window.addEventListener("load", () => {
    // offline after the first visit: sw.js keeps a copy of every file of the site
    if ("serviceWorker" in navigator && location.protocol.startsWith("http")) {
      navigator.serviceWorker.register("sw.js").catch(() => {});
    }
  });
})();

// The decision boundary of a snapshot: the network's forward pass recomputed here from
// the snapshot's weights (as the engine computes it: dot, then the activation), on a grid
// of the plane, with the training points on top.
function BoundaryPanel(box) {
  const COLORS = ["#e8710a", "#0877bd", "#1a9850"];
  const ACT = {
    relu: (a) => (a > 0 ? a : 0),
    tanh: Math.tanh,
    sigmoid: (a) => 0.5 * (1 + Math.tanh(0.5 * a)),
    linear: (a) => a,
  };
  const canvas = box.querySelector("[data-role=boundary]");
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, CELL = 4;
  const grid = document.createElement("canvas");
  grid.width = W / CELL; grid.height = H / CELL;
  const gridCtx = grid.getContext("2d");
  const field = (name) => box.querySelector(`[data-field=${name}]`);
  const message = box.querySelector("[data-role=train-message]");
  let data = null, extent = null;

  this.setData = (d) => {
    data = d;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [a, b] of data.X) {
      x0 = Math.min(x0, a); x1 = Math.max(x1, a); y0 = Math.min(y0, b); y1 = Math.max(y1, b);
    }
    // 10% padding, and one unit as long across as up
    const span = 1.2 * Math.max(x1 - x0, y1 - y0) + 0.2, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    extent = [cx - span / 2, cx + span / 2, cy - span / 2, cy + span / 2];
    const legend = box.querySelector("[data-role=class-legend]");
    legend.replaceChildren();
    for (let c = 0; c < data.classes; c++) {
      const swatch = document.createElement("span");
      swatch.className = "swatch swatch-" + c;
      legend.append(swatch, "class " + c + " ");
    }
  };

  function unpack(flat) {
    // parameters come layer by layer, neuron by neuron: nin weights, then the bias
    const layers = [];
    let k = 0;
    for (let l = 0; l + 1 < data.sizes.length; l++) {
      const nin = data.sizes[l], neurons = [];
      for (let j = 0; j < data.sizes[l + 1]; j++) {
        neurons.push({ w: flat.slice(k, k + nin), b: flat[k + nin] });
        k += nin + 1;
      }
      layers.push(neurons);
    }
    return layers;
  }
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
  // the class (one output: a score, class 1 when > 0; several: the largest) and a
  // confidence in [0, 1] for the shade
  function classify(out) {
    if (out.length === 1) return [out[0] > 0 ? 1 : 0, Math.abs(Math.tanh(0.5 * out[0]))];
    let best = 0;
    for (let i = 1; i < out.length; i++) if (out[i] > out[best]) best = i;
    let total = 0;
    for (const o of out) total += Math.exp(o - out[best]);
    return [best, (1 / total - 1 / out.length) / (1 - 1 / out.length)];
  }

  this.draw = (snapshot) => {
    if (data === null) return;
    const net = unpack(snapshot.weights); // a snapshot's weights are always finite
    const [x0, x1, y0, y1] = extent;
    const image = gridCtx.createImageData(grid.width, grid.height);
    for (let gy = 0; gy < grid.height; gy++) {
      for (let gx = 0; gx < grid.width; gx++) {
        const a = x0 + ((gx + 0.5) / grid.width) * (x1 - x0);
        const b = y1 - ((gy + 0.5) / grid.height) * (y1 - y0);
        const [c, confidence] = classify(forward(net, [a, b]));
        const alpha = 0.15 + 0.45 * confidence;
        const color = rgb(COLORS[c % COLORS.length]);
        const o = 4 * (gy * grid.width + gx);
        for (let k = 0; k < 3; k++) image.data[o + k] = Math.round(255 + (color[k] - 255) * alpha);
        image.data[o + 3] = 255;
      }
    }
    gridCtx.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(grid, 0, 0, W, H);
    let correct = 0;
    data.X.forEach(([a, b], i) => {
      if (classify(forward(net, [a, b]))[0] === data.y[i]) correct++;
      const px = ((a - x0) / (x1 - x0)) * W, py = (1 - (b - y0) / (y1 - y0)) * H;
      ctx.beginPath(); ctx.arc(px, py, 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = COLORS[data.y[i] % COLORS.length]; ctx.fill();
      ctx.strokeStyle = "#222"; ctx.lineWidth = 0.8; ctx.stroke();
    });
    canvas.dataset.frame = String(Number(canvas.dataset.frame) + 1);
    // within the first epochs a snapshot comes every few steps: epoch 0.25 is a quarter
    const epoch = snapshot.epoch;
    field("epoch").textContent = Number.isInteger(epoch) ? String(epoch) : epoch.toFixed(2);
    field("loss").textContent = formatLoss(snapshot.loss);
    // the accuracy of exactly the weights drawn, computed here as the boundary is
    field("accuracy").textContent = (100 * correct / data.X.length).toFixed(1) + "%";
    canvas.dataset.step = String(snapshot.step);
    canvas.dataset.trainAccuracy = String(snapshot.accuracy); // Python's figure, to compare
  };
  this.setState = (state) => {
    if (box.dataset.state !== "error" || state === "training") box.dataset.state = state;
  };
  this.error = (text) => {
    message.textContent = text;
    if (text) box.dataset.state = "error";
    else if (box.dataset.state === "error") box.dataset.state = "idle";
  };
  // as the training printout (nn.train.format_loss): 4 decimals, scientific when far out
  function formatLoss(x) {
    const size = Math.abs(x);
    return x !== 0 && (size < 1e-4 || size >= 1e5) ? x.toExponential(3) : x.toFixed(4);
  }
  function rgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }
}
