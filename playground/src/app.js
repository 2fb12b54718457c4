// The playground page: the editor, the output area and the training panel.
//
// Python runs in worker.js (a Web Worker), so this page stays responsive while code runs
// or a network trains. The page sends it code and the panel's settings; it answers with
// printed lines, output items (a page for a sandboxed iframe, an SVG, a traceback) and,
// while training, snapshots of the parameters (several per epoch at first), from which
// the panel paints the decision boundary with nn/boundary.js (the training replay's own
// drawing, loaded before this script) and computes the accuracy of exactly those weights.
// The panel trains for the number of epochs in its Epochs field, as the code it shows does.
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
    trainer.restarted();
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
    "train-data": (message) => { trainer.created(); panel.setData(message.data); },
    snapshot: (message) => panel.draw(message.snapshot),
    "train-code": (message) => { $("[data-role=train-code]").textContent = message.code; },
    // the worker's answer to a step: that epoch is over (or failed, after a train-error)
    "train-state": (message) => trainer.epochDone(message.state),
    "train-error": (message) => { trainer.failed(); panel.error(message.text); },
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
  // Train runs the number of epochs in the Epochs field, then stops, as the code shown
  // (`for epoch in range(1, N + 1)`) does. The page asks the worker for one epoch at a
  // time (a "step") and for the next one when it is over, so it knows how many epochs the
  // weights have had: Train stops at N, Pause stops between two epochs. After the last
  // epoch, Train again starts from epoch 0 (the same weights and the same run: every
  // epoch's shuffle is seeded with its number); a larger N goes on from where it stopped,
  // which is what a fresh run of N epochs would give too.
  const EPOCHS_MAX = 10000;
  const trainBox = $("[data-role=train]");
  const trainButton = $("[data-action=train]");
  const fields = {}; // the settings that make the network: changing one starts again
  for (const name of ["dataset", "hidden", "activation", "lr", "optimizer"]) {
    fields[name] = trainBox.querySelector(`[data-field=${name}]`);
  }
  const epochsField = trainBox.querySelector("[data-field=epochs]");
  const settings = () => {
    const values = {};
    for (const name in fields) values[name] = fields[name].value;
    values.epochs = shownEpochs; // the last valid Epochs: the loop of the code shown
    return values;
  };

  // the Epochs field: a whole number from 1 to EPOCHS_MAX, or null (and the panel says why)
  let epochsError = false;
  let shownEpochs = 100; // the last valid value, which the code shows
  function epochsWanted() {
    const text = epochsField.value.trim();
    const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
    if (Number.isInteger(n) && n >= 1 && n <= EPOCHS_MAX) {
      if (epochsError) { epochsError = false; panel.error(""); }
      shownEpochs = n;
      return n;
    }
    epochsError = true;
    panel.error(`epochs must be a whole number from 1 to ${EPOCHS_MAX}, got "${epochsField.value}"`);
    return null;
  }
  // the code shown is the worker's (runtime.training_code), asked for again whenever the
  // Epochs it loops over change
  function showCode() { worker.postMessage({ type: "code", settings: settings() }); }

  // What the page asked the worker and has no answer to yet, in order (the worker answers
  // in the order asked): "settings" (answered by train-data, or by a train-error when the
  // settings are wrong) and "step" (answered by train-state; a failed epoch posts a
  // train-error first; with no network, the step's own try to make one fails with a
  // train-error and no train-state follows).
  const trainer = {
    asked: [],
    hasNetwork: false, // the worker has a network for the latest settings
    epochs: 0, // epochs the worker's network has had
    driving: false, // Train is on: a step is asked for whenever one is over
    stepFailed: false,
    created() { // a new network, at epoch 0
      if (this.asked[0] === "settings") this.asked.shift();
      this.hasNetwork = true;
      this.epochs = 0;
      updateTrainButton();
      this.drive();
    },
    failed() {
      this.driving = false;
      if (this.asked[0] === "settings") { this.asked.shift(); this.hasNetwork = false; }
      else if (this.asked[0] === "step" && !this.hasNetwork) this.asked.shift();
      else if (this.asked[0] === "step") this.stepFailed = true;
    },
    epochDone(state) {
      if (state !== "paused") return; // the worker answers every step with "paused"
      if (this.asked[0] === "step") this.asked.shift();
      if (this.stepFailed) this.stepFailed = false;
      else this.epochs += 1;
      // the field never says fewer epochs than the weights shown have had (Step past the
      // end, or Epochs lowered while training): the code shown stays that of the weights
      if (this.epochs > shownEpochs && !epochsError) {
        epochsField.value = String(this.epochs);
        epochsWanted();
        showCode();
      }
      updateTrainButton();
      if (this.driving) this.drive();
      else if (!this.asked.includes("step")) panel.setState("paused");
    },
    // while Train is on and the worker has nothing to do: the next epoch, or the end
    drive() {
      if (!this.driving || this.asked.length > 0) return;
      const wanted = epochsWanted();
      if (wanted !== null && this.epochs < wanted) { this.step(); return; }
      this.driving = false;
      panel.setState(wanted !== null ? "done" : "paused");
    },
    send(type) {
      this.asked.push(type === "settings" ? "settings" : "step");
      worker.postMessage({ type, settings: settings() });
    },
    step() { this.send("step"); },
    settings() {
      this.stop();
      this.send("settings");
    },
    // Train off: at once when no epoch is running, else when it is over (epochDone)
    stop() {
      if (!this.driving) return;
      this.driving = false;
      if (!this.asked.includes("step")) panel.setState("paused");
    },
    restarted() { // the worker was ended: nothing it was asked will be answered
      this.asked = [];
      this.hasNetwork = false;
      this.driving = false;
      this.stepFailed = false;
      this.epochs = 0;
    },
  };
  function updateTrainButton() {
    const over = trainer.epochs >= shownEpochs;
    trainButton.textContent = over ? "\u21bb Train again" : "\u25b6 Train";
    trainButton.title = over
      ? `from epoch 0 again, for ${shownEpochs} epochs (a larger Epochs goes on from here)`
      : `train until epoch ${shownEpochs}`;
  }

  function sendSettings() { trainer.settings(); }
  for (const name in fields) fields[name].addEventListener("change", () => {
    if (ready) sendSettings();
  });
  epochsField.addEventListener("change", () => {
    if (epochsWanted() === null) return;
    showCode();
    updateTrainButton();
  });
  trainButton.addEventListener("click", () => {
    if (!ready || trainer.driving) return;
    const wanted = epochsWanted();
    if (wanted === null) return;
    panel.error("");
    if (trainer.epochs >= wanted) sendSettings(); // over: the run again from epoch 0
    trainer.driving = true;
    panel.setState("training");
    trainer.drive(); // or, when the worker is busy with a step or settings, once it is done
  });
  $("[data-action=pause]").addEventListener("click", () => {
    trainer.stop(); // the epoch running ends; the panel says "paused" when it has
  });
  $("[data-action=step]").addEventListener("click", () => {
    if (!ready || trainer.driving || trainer.asked.includes("step")) return;
    panel.error("");
    trainer.step();
  });
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
