// The playground's Web Worker: Python (Pyodide) with chainrule, and Graphviz (WebAssembly).
//
// Everything is loaded from this site's own folder: the runtime files, the wheels named
// in manifest.json (unpacked into site-packages, no micropip, no network beyond this
// origin) and runtime.py, the Python half of this worker. The page talks to it in
// messages: run, settings, code, step; it answers with stdout lines, output items,
// snapshots (streamed by nn.Snapshots while nn.fit runs) and state changes. The panel
// trains by asking for one epoch (a step) at a time, so its Pause and its epoch count
// take effect between two epochs.
"use strict";

importScripts("pyodide/pyodide.js");

const post = (message) => self.postMessage(message);
let runtime = null; // the runtime.py module
let trainer = null; // runtime.Trainer for the panel's current settings
let busy = Promise.resolve(); // one thing at a time runs in Python

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load ${url}: HTTP ${response.status}`);
  return response;
}

async function boot() {
  const started = performance.now();
  const times = {};
  const lap = (name) => { times[name] = Math.round(performance.now() - started); };
  const base = new URL("./", self.location.href).href;
  // Pyodide's WebAssembly compiles off this thread while Graphviz's script is read here
  const python = loadPyodide({ indexURL: base + "pyodide/" }).then((p) => { lap("pyodide"); return p; });
  const manifestLoaded = fetchOk("manifest.json").then((r) => r.json());
  importScripts("viz/viz-global.js");
  const viz = await Viz.instance();
  lap("viz");
  const [pyodide, manifest] = await Promise.all([python, manifestLoaded]);
  pyodide.setStdout({ batched: (line) => post({ type: "stdout", text: line + "\n" }) });
  pyodide.setStderr({ batched: (line) => post({ type: "stdout", text: line + "\n" }) });
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  const wheels = await Promise.all(
    manifest.wheels.map((name) => fetchOk("wheels/" + name).then((r) => r.arrayBuffer()))
  );
  wheels.forEach((buffer) => pyodide.unpackArchive(buffer, "wheel", { extractDir: sitePackages }));
  const source = await (await fetchOk("runtime.py")).text();
  pyodide.FS.writeFile(sitePackages + "/playground_runtime.py", source);
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
  lap("wheels");
  runtime = pyodide.pyimport("playground_runtime");
  const layout = (dotSource, format) => viz.renderString(dotSource, { format, engine: "dot" });
  const emit = (kind, text) => post({ type: "display", kind, text });
  runtime.setup(layout, emit);
  pyodide.runPython("import engine"); // nn is imported by the first use (the panel's)
  lap("imports");
  post({ type: "ready", seconds: (performance.now() - started) / 1000, times });
}

// ---- the panel -----------------------------------------------------------------------

function newTrainer(settings) {
  if (trainer !== null) trainer.destroy();
  trainer = null;
  try {
    const sink = (json) => post({ type: "snapshot", snapshot: JSON.parse(json) });
    trainer = runtime.Trainer(JSON.stringify(settings), sink);
  } catch (error) {
    post({ type: "train-error", text: pythonMessage(error) });
    return false;
  }
  post({ type: "train-data", data: JSON.parse(trainer.data()) });
  post({ type: "snapshot", snapshot: JSON.parse(trainer.snapshot()) });
  post({ type: "train-code", code: runtime.training_code(JSON.stringify(settings)) });
  return true;
}

function oneEpoch() {
  try {
    trainer.train_epoch(); // its snapshots are posted by the sink as they are taken
    return true;
  } catch (error) {
    post({ type: "train-error", text: pythonMessage(error) });
    return false;
  }
}

function pythonMessage(error) {
  // a PythonError's message is the whole traceback; its last line says what was wrong
  const lines = String(error.message || error).trim().split("\n");
  return lines[lines.length - 1];
}

// ---- messages from the page ------------------------------------------------------------

const booted = boot().catch((error) => {
  post({ type: "fatal", text: String(error && error.message ? error.message : error) });
  throw error;
});

self.onmessage = (event) => {
  const message = event.data;
  busy = busy.then(() => booted).then(() => handle(message)).catch((error) => {
    // a fault of the playground itself: say so, and keep handling later messages
    post({ type: "fatal", text: pythonMessage(error) });
  });
};

async function handle(message) {
  if (message.type === "run") {
    const ok = runtime.run(message.code);
    post({ type: "done", id: message.id, ok });
  } else if (message.type === "settings") {
    newTrainer(message.settings);
  } else if (message.type === "code") {
    // the code for other Epochs; when the other settings are wrong, their train-error is
    // shown already and the code stays that of the last network made
    try {
      post({ type: "train-code", code: runtime.training_code(JSON.stringify(message.settings)) });
    } catch (error) {
      if (error.constructor.name !== "PythonError") throw error; // a fault of the playground
    }
  } else if (message.type === "step") {
    if (trainer === null && !newTrainer(message.settings)) return;
    oneEpoch();
    post({ type: "train-state", state: "paused" });
  }
}
