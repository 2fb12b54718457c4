// chainrule's backprop player: shows the steps that engine/player.py worked out.
//
// The page's data (JSON, below the graph) is a list of steps. Each step says which node it
// is about, which nodes it reads or passes a gradient to, and which number fields it fills
// in, with the text exactly as Python formatted it: this script does no arithmetic. The
// state at step s is the start plus every step up to s, so the slider can jump anywhere.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("player-data").textContent);
  const steps = data.steps;
  const last = steps.length - 1;
  const PLAY_INTERVAL_MS = 900;
  const MIN_START_ZOOM = 0.75;

  const slider = document.querySelector("input[type=range][data-role=step]");
  const status = document.querySelector("[data-role=status]");
  const title = document.querySelector("[data-role=title]");
  const explanation = document.querySelector("[data-role=explanation]");
  const graph = document.querySelector("[data-role=graph]");
  const zoomLabel = document.querySelector("[data-role=zoom]");
  const svg = graph.querySelector("svg");
  const button = (action) => document.querySelector(`[data-action=${action}]`);

  // the graph's elements, by the draw_dot id of the Value they belong to
  const values = new Map();
  for (const group of document.querySelectorAll("[data-node]")) {
    values.set(group.dataset.node, {
      group: group,
      data: group.querySelector("[data-field=data]"),
      grad: group.querySelector("[data-field=grad]"),
    });
  }
  const ops = new Map();
  for (const group of document.querySelectorAll("[data-op]")) ops.set(group.dataset.op, group);
  const edgesInto = new Map();  // parent -> op edges, by the op's Value
  const edgeOut = new Map();    // op -> Value edge
  for (const group of document.querySelectorAll("[data-into]")) {
    const list = edgesInto.get(group.dataset.into) || [];
    list.push(group);
    edgesInto.set(group.dataset.into, list);
  }
  for (const group of document.querySelectorAll("[data-out]")) edgeOut.set(group.dataset.out, group);

  const HIGHLIGHTS = ["current", "forward", "backward", "input", "changed"];
  const PHASE_NAMES = { start: "start", forward: "forward pass", seed: "backward pass", backward: "backward pass" };
  let current = 0;
  let timer = null;

  // The fields shown and the rules run after step s.
  function stateAt(s) {
    const fields = new Map();
    const rulesRun = new Set();
    for (let i = 0; i <= s; i++) {
      for (const [id, field, text] of steps[i].set) fields.set(`${id} ${field}`, text);
      if (steps[i].phase === "backward") rulesRun.add(steps[i].node);
    }
    return { fields, rulesRun };
  }

  function show(s) {
    current = Math.max(0, Math.min(last, s));
    const { fields, rulesRun } = stateAt(current);
    for (const [id, value] of values) {
      const dataText = fields.get(`${id} data`) || "";
      value.data.textContent = dataText;
      value.grad.textContent = fields.get(`${id} grad`) || "";
      value.group.classList.remove(...HIGHLIGHTS);
      value.group.classList.toggle("pending", dataText === "");
      value.group.classList.toggle("done", rulesRun.has(id));
      const op = ops.get(id);
      if (op) {
        op.classList.remove(...HIGHLIGHTS);
        op.classList.toggle("pending", dataText === "");
      }
      for (const edge of [...(edgesInto.get(id) || []), edgeOut.get(id)]) {
        if (!edge) continue;
        edge.classList.remove(...HIGHLIGHTS);
        edge.classList.toggle("pending", dataText === "");
      }
    }

    const step = steps[current];
    const phase = step.phase === "seed" ? "backward" : step.phase;
    if (step.node !== null) {
      const highlighted = [values.get(step.node).group, ops.get(step.node), edgeOut.get(step.node)];
      if (step.phase !== "seed") highlighted.push(...(edgesInto.get(step.node) || []));
      for (const element of highlighted) if (element) element.classList.add("current", phase);
      if (step.phase === "forward") {
        for (const id of step.inputs) values.get(id).group.classList.add("input");
      }
      for (const id of step.changed || []) values.get(id).group.classList.add("changed");
    }

    slider.value = String(current);
    status.textContent = `Step ${current} of ${last} \u00b7 ${PHASE_NAMES[step.phase]}`;
    title.textContent = step.title;
    title.className = step.phase;
    explanation.textContent = step.text;
    button("prev").disabled = current === 0;
    button("reset").disabled = current === 0;
    button("next").disabled = current === last;
    if (step.node !== null) reveal(step);
  }

  // Scroll the graph so that the step is in view: its node and the nodes it reads or
  // passes a gradient to, or at least its node when they do not all fit.
  function reveal(step) {
    const view = graph.getBoundingClientRect();
    const margin = 30;
    const nodeBox = values.get(step.node).group.getBoundingClientRect();
    let box = nodeBox;
    for (const id of step.inputs) box = union(box, values.get(id).group.getBoundingClientRect());
    if (box.right - box.left > view.width - 2 * margin) box = nodeBox;
    if (box.bottom - box.top > view.height - 2 * margin) box = nodeBox;
    if (box.left < view.left + margin || box.right > view.right - margin) {
      graph.scrollLeft += (box.left + box.right) / 2 - (view.left + view.right) / 2;
    }
    if (box.top < view.top + margin || box.bottom > view.bottom - margin) {
      graph.scrollTop += (box.top + box.bottom) / 2 - (view.top + view.bottom) / 2;
    }
  }

  function union(a, b) {
    return {
      left: Math.min(a.left, b.left),
      right: Math.max(a.right, b.right),
      top: Math.min(a.top, b.top),
      bottom: Math.max(a.bottom, b.bottom),
    };
  }

  function play() {
    if (current === last) show(0);
    timer = setInterval(() => (current >= last ? pause() : show(current + 1)), PLAY_INTERVAL_MS);
    button("play").textContent = "Pause";
    button("play").setAttribute("aria-pressed", "true");
  }

  function pause() {
    clearInterval(timer);
    timer = null;
    button("play").textContent = "Play";
    button("play").setAttribute("aria-pressed", "false");
  }

  // a step chosen by hand ends playing
  function go(s) {
    if (timer !== null) pause();
    show(s);
  }

  // Zoom: the SVG's own size (Graphviz's points) times a factor; the graph area scrolls.
  const naturalWidth = svg.width.baseVal.value;
  const naturalHeight = svg.height.baseVal.value;
  let zoom = 1;
  function setZoom(factor) {
    zoom = Math.max(0.1, Math.min(4, factor));
    svg.style.width = `${naturalWidth * zoom}px`;
    svg.style.height = `${naturalHeight * zoom}px`;
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
  }
  function fitFactor() {
    const width = graph.clientWidth - 12;
    const height = graph.clientHeight - 12;
    return Math.min(width / naturalWidth, height / naturalHeight);
  }

  button("prev").addEventListener("click", () => go(current - 1));
  button("next").addEventListener("click", () => go(current + 1));
  button("reset").addEventListener("click", () => go(0));
  button("play").addEventListener("click", () => (timer === null ? play() : pause()));
  button("zoom-in").addEventListener("click", () => setZoom(zoom * 1.25));
  button("zoom-out").addEventListener("click", () => setZoom(zoom / 1.25));
  button("fit").addEventListener("click", () => setZoom(fitFactor()));
  slider.addEventListener("input", () => go(Number(slider.value)));

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    // the slider moves itself on arrow keys and reports it as "input"
    if (event.target === slider) return;
    const onControl = event.target instanceof HTMLElement && event.target.closest("button, input");
    if (event.key === "ArrowRight") go(current + 1);
    else if (event.key === "ArrowLeft") go(current - 1);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(last);
    else if (event.key === " " && !onControl) (timer === null ? play() : pause());
    else return;
    event.preventDefault();
  });

  // Small graphs at full size; a big one shrunk to fit, but never below 75%, where the
  // numbers stop being readable: past that the graph area scrolls and follows the steps.
  setZoom(Math.max(MIN_START_ZOOM, Math.min(1, fitFactor())));
  show(0);
})();
