// The playground page: the editor, the output area and the training panel.
//
// Python runs in worker.js (a Web Worker), so this page stays responsive while code runs
// or a network trains. The page sends it code and the panel's settings; it answers with
// printed lines, output items (a page for a sandboxed iframe, an SVG, a traceback) and,
// while training, snapshots of the parameters (several per epoch at first), from which
// the panel paints the decision boundary with nn/boundary.js (the training replay's own
// drawing, loaded before this script) and computes the accuracy of exactly those weights.
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
      output.appendChild(box);
      if (parsed.nodeName === "svg") showDrawing(box, document.importNode(parsed, true));
      else box.textContent = "(this SVG could not be read)";
    } else {
      const block = document.createElement("pre");
      block.dataset.kind = kind; // "text" or "error"
      block.textContent = text;
      output.appendChild(block);
    }
  }

  // A drawing (draw_dot's SVG) is scaled down to the output's width, so a phone shows all
  // of it without scrolling sideways; "Full size" shows it at its own size in a box that
  // scrolls. The button appears only when the drawing is wider than the output.
  function showDrawing(box, svg) {
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.dataset.action = "full-size";
    toggle.setAttribute("aria-pressed", "false");
    toggle.textContent = "Full size";
    toggle.addEventListener("click", () => {
      const full = !box.classList.contains("full-size");
      box.classList.toggle("full-size", full);
      toggle.setAttribute("aria-pressed", String(full));
      toggle.textContent = full ? "Fit to width" : "Full size";
    });
    box.append(toggle, svg);
    fitButton(box);
  }
  // its own width (Graphviz writes it in pt; baseVal gives it in CSS px)
  function fitButton(box) {
    const svg = box.querySelector("svg"), toggle = box.querySelector("[data-action=full-size]");
    toggle.hidden = !(svg.width.baseVal.value > box.clientWidth + 0.5);
    if (toggle.hidden && box.classList.contains("full-size")) toggle.click();
  }
  window.addEventListener("resize", () => {
    output.querySelectorAll("div[data-kind=svg]").forEach((box) => {
      if (box.querySelector("[data-action=full-size]")) fitButton(box);
    });
  });

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

// The training panel's picture and figures. The drawing is nn/boundary.js (the global
// ChainruleBoundary), the very file the training replay inlines: the forward pass from the
// snapshot's weights, the class of each point of the plane, the painting, the legend.
function BoundaryPanel(box) {
  const B = ChainruleBoundary;
  const canvas = box.querySelector("[data-role=boundary]");
  const field = (name) => box.querySelector(`[data-field=${name}]`);
  const message = box.querySelector("[data-role=train-message]");
  let data = null, points = null, names = null, boundary = null;

  this.setData = (d) => {
    data = d;
    points = { X: data.X, y: data.y };
    // a snapshot's weights come in the state_dict's order: these are their names
    names = B.parameterNames(data.sizes);
    boundary = new B.BoundaryCanvas(canvas, new B.Plane(data.X, canvas.width, canvas.height));
    B.legend(box.querySelector("[data-role=class-legend]"), data.classes);
  };

  this.draw = (snapshot) => {
    if (data === null) return;
    if (snapshot.weights.length !== names.length) {
      this.error("a snapshot has " + snapshot.weights.length + " weights, the network " +
                 names.length + ": press Reset");
      return;
    }
    const parameters = {};
    names.forEach((name, k) => { parameters[name] = snapshot.weights[k]; });
    // a snapshot's weights are always finite (a diverged run stops before one is sent)
    const network = new B.Network(data.sizes, data.activations, parameters);
    boundary.draw(network, points, null);
    canvas.dataset.frame = String(Number(canvas.dataset.frame) + 1);
    // within the first epochs a snapshot comes every few steps: epoch 0.25 is a quarter
    const epoch = snapshot.epoch;
    field("epoch").textContent = Number.isInteger(epoch) ? String(epoch) : epoch.toFixed(2);
    field("loss").textContent = formatLoss(snapshot.loss);
    // the accuracy of exactly the weights drawn, by the classes the drawing shows
    field("accuracy").textContent = (100 * B.accuracy(network, points)).toFixed(1) + "%";
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
}
