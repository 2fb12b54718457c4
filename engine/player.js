// chainrule's backprop player: shows the steps that engine/player.py worked out.
//
// The page's data (JSON, below the graph) is a list of steps. Each step says which node it
// is about, which nodes it reads or passes a gradient to, and which number fields it fills
// in, with the text exactly as Python formatted it: this script does no arithmetic beyond
// comparing a practice answer with the engine's number. The state at step s is the start
// plus every step up to s, so the slider can jump anywhere.
//
// The graph comes in two layouts (<template data-layout>): the one asked for, and top to
// bottom, which narrow windows (below 700 px) use. One is in the page at a time.
"use strict";

(function () {
  const data = JSON.parse(document.getElementById("player-data").textContent);
  const steps = data.steps;
  const last = steps.length - 1;
  const PLAY_INTERVAL_MS = 1100;
  const NARROW_PX = 700;        // below this width the graph is laid out top to bottom
  const MIN_TEXT_PX = 14;       // graph text is never made smaller than this by itself
  const PRESENT_TEXT_PX = 18;   // ... nor, when presenting, than this
  const MAX_ZOOM = 1.6;         // a small graph is not blown up past this
  const PT = 4 / 3;             // Graphviz's units are points: 4/3 px each

  const slider = document.querySelector("input[type=range][data-role=step]");
  const status = document.querySelector("[data-role=status]");
  const title = document.querySelector("[data-role=title]");
  const explanation = document.querySelector("[data-role=explanation]");
  const stepText = document.querySelector(".step-text");  // scrolls: the legend stays put
  const graph = document.querySelector("[data-role=graph]");
  const overview = document.querySelector("[data-role=overview]");
  const zoomLabel = document.querySelector("[data-role=zoom]");
  const practicePanel = document.querySelector("[data-role=practice]");
  const questionsBox = document.querySelector("[data-role=questions]");
  const feedback = document.querySelector("[data-role=feedback]");
  const scoreLine = document.querySelector("[data-role=score]");
  const button = (action) => document.querySelector(`[data-action=${action}]`);
  const SVG_NS = "http://www.w3.org/2000/svg";

  const HIGHLIGHTS = ["current", "forward", "backward", "input", "changed"];
  const PHASE_NAMES = { start: "start", forward: "forward pass", seed: "backward pass", backward: "backward pass" };
  const ruleSteps = steps.filter((step) => step.phase === "backward").length;

  let current = 0;
  let timer = null;
  let layoutDirection = null;
  let svg = null, values = new Map(), ops = new Map(), edgesInto = new Map(), edgeOut = new Map();
  let naturalWidth = 1, naturalHeight = 1, fontPoints = 14;
  let zoom = 1, zoomMode = "auto";  // auto: fit, but readable; fit: the whole graph; manual
  let practising = false;
  const revealed = new Set();      // rule steps the learner has seen the answer of
  const rightAnswers = new Set();  // ... those they answered right
  const skipped = new Set();       // ... and those they stepped past unanswered
  let lastFeedback = null;         // {step, verdict, text}

  // ---- the layout in use -----------------------------------------------------------

  function useLayout(direction) {
    const template = document.querySelector(`template[data-layout=${direction}]`);
    const fresh = template.content.querySelector("svg").cloneNode(true);
    graph.replaceChildren(fresh);
    svg = fresh;
    svg.setAttribute("aria-label", graph.getAttribute("aria-label"));
    layoutDirection = direction;
    graph.dataset.rankdir = direction;
    const box = svg.viewBox.baseVal;
    naturalWidth = box.width * PT;
    naturalHeight = box.height * PT;
    const someText = svg.querySelector("text[font-size]");
    fontPoints = someText ? Number(someText.getAttribute("font-size")) : 14;

    values = new Map();
    for (const group of svg.querySelectorAll("[data-node]")) {
      values.set(group.dataset.node, {
        group: group,
        data: group.querySelector("[data-field=data]"),
        grad: group.querySelector("[data-field=grad]"),
      });
    }
    ops = new Map();
    for (const group of svg.querySelectorAll("[data-op]")) ops.set(group.dataset.op, group);
    edgesInto = new Map();  // parent -> op edges, by the op's Value
    edgeOut = new Map();    // op -> Value edge
    for (const group of svg.querySelectorAll("[data-into]")) {
      const list = edgesInto.get(group.dataset.into) || [];
      list.push(group);
      edgesInto.set(group.dataset.into, list);
    }
    for (const group of svg.querySelectorAll("[data-out]")) edgeOut.set(group.dataset.out, group);
    buildOverview();
  }

  // The explanation beside the graph or below it: whichever leaves the graph more room
  // (a wide graph wants the whole width, a tall one the whole height).
  function arrange() {
    const width = window.innerWidth;
    const height = window.innerHeight - document.querySelector("header").offsetHeight;
    let side = false;
    if (width >= 1000) {
      const beside = Math.min((width - Math.max(300, 0.3 * width) - 24) / naturalWidth, (height - 24) / naturalHeight);
      const below = Math.min((width - 24) / naturalWidth, (height - Math.max(120, 0.34 * height) - 24) / naturalHeight);
      side = beside > below;
    }
    document.body.classList.toggle("side", side);
  }

  function wantedLayout() {
    return window.innerWidth < NARROW_PX ? "TB" : graph.dataset.wide;
  }

  // ---- what a step shows -----------------------------------------------------------

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

  function asking(s) {
    return practising && steps[s].phase === "backward" && !revealed.has(s);
  }

  function show(s) {
    const previous = current;
    current = Math.max(0, Math.min(last, s));
    // a question stepped past unanswered is given away by the steps after it (the graph
    // shows the gradients it asked for): it counts as skipped, not right
    if (practising) {
      for (let i = previous; i < current; i++) {
        if (asking(i)) {
          revealed.add(i);
          skipped.add(i);
        }
      }
    }
    const step = steps[current];
    const quiz = asking(current);
    // a question shows the graph as it was before the step
    const { fields, rulesRun } = stateAt(quiz ? current - 1 : current);
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

    const phase = step.phase === "seed" ? "backward" : step.phase;
    if (step.node !== null) {
      const highlighted = [values.get(step.node).group, ops.get(step.node), edgeOut.get(step.node)];
      if (step.phase !== "seed") highlighted.push(...(edgesInto.get(step.node) || []));
      for (const element of highlighted) if (element) element.classList.add("current", phase);
      if (step.phase === "forward") {
        for (const id of step.inputs) values.get(id).group.classList.add("input");
      }
      if (!quiz) for (const id of step.changed || []) values.get(id).group.classList.add("changed");
    }

    slider.value = String(current);
    slider.setAttribute("aria-valuetext", `Step ${current} of ${last}: ${step.title}`);
    status.textContent = `Step ${current} of ${last} \u00b7 ${PHASE_NAMES[step.phase]}`;
    title.textContent = step.title;
    title.className = step.phase;
    writeExplanation(step, quiz);
    showPractice(step, quiz);
    if (current !== previous) stepText.scrollTop = 0;  // a new step is read from its top
    button("prev").disabled = current === 0;
    button("reset").disabled = current === 0;
    button("next").disabled = current === last;
    if (step.node !== null) reveal(step, false);
    updateOverview();
  }

  function paragraph(text, className) {
    const element = document.createElement("p");
    element.textContent = text;
    if (className) element.className = className;
    return element;
  }

  // The step's text; in a backward step one element per use of a parent, carrying the
  // numbers (data-local, data-grad-before, data-grad-after) as Python wrote them.
  function writeExplanation(step, quiz) {
    const parts = [paragraph(step.text)];
    if (quiz) {
      parts.push(paragraph("Practice: work out the gradients below, then Check.", "ask"));
    } else {
      for (const use of step.uses || []) {
        const element = document.createElement("div");
        element.className = "use";
        element.dataset.parent = use.parent;
        element.dataset.local = use.local;
        element.dataset.gradBefore = use.before;
        element.dataset.gradAfter = use.after;
        if (use.constant) element.dataset.constant = "";
        for (const line of use.lines) element.append(paragraph(line));
        parts.push(element);
      }
      if (step.note) parts.push(paragraph(step.note, "note"));
    }
    explanation.replaceChildren(...parts);
  }

  // ---- practice mode ---------------------------------------------------------------

  function showPractice(step, quiz) {
    practicePanel.hidden = !practising;
    if (!practising) return;
    const questions = quiz ? step.questions || [] : [];
    const boxes = [];
    for (const question of questions) {
      const label = document.createElement("label");
      label.className = "question";
      const words = document.createElement("span");
      words.textContent = `${question.prompt} (it holds ${question.before} so far) = `;
      const input = document.createElement("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.autocomplete = "off";
      input.dataset.role = "answer";
      input.dataset.parent = question.parent;
      input.setAttribute("aria-label", `${question.prompt}`);
      label.append(words, input);
      boxes.push(label);
    }
    questionsBox.replaceChildren(...boxes);
    button("check").hidden = !quiz;
    button("reveal").hidden = !quiz;
    practicePanel.querySelector(".prompt").hidden = !quiz;
    if (lastFeedback && lastFeedback.step === current) {
      feedback.textContent = lastFeedback.text;
      feedback.dataset.verdict = lastFeedback.verdict;
    } else {
      feedback.textContent = "";
      delete feedback.dataset.verdict;
    }
    scoreLine.textContent = scoreText();
  }

  // what was answered, honestly: a step given away (stepped past, or shown on request)
  // is not a right answer, and says so
  function scoreText() {
    const shown = revealed.size - rightAnswers.size - skipped.size;
    const others = [];
    if (skipped.size) others.push(`${skipped.size} skipped`);
    if (shown) others.push(`${shown} shown without an answer`);
    return (
      `Right answers: ${rightAnswers.size} of ${ruleSteps} backward steps` +
      (others.length ? ` (${others.join(", ")})` : "")
    );
  }

  function parseAnswer(text) {
    const cleaned = text.trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
    if (/^[-+]?inf(inity)?$/i.test(cleaned)) return cleaned.startsWith("-") ? -Infinity : Infinity;
    if (/^nan$/i.test(cleaned)) return NaN;
    if (cleaned === "" || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(cleaned)) return null;
    return Number(cleaned);
  }

  // right at the precision the page shows: within 0.1% (hand work from rounded figures)
  function close(answer, expected) {
    if (Number.isNaN(expected)) return Number.isNaN(answer);
    if (!Number.isFinite(expected)) return answer === expected;
    return Math.abs(answer - expected) <= 1e-3 * Math.abs(expected) + 1e-9;
  }

  function check() {
    const step = steps[current];
    if (!asking(current)) return;
    let verdict = "right";
    let text = "Right! ";
    for (const question of step.questions) {
      const input = questionsBox.querySelector(`input[data-parent="${question.parent}"]`);
      const answer = parseAnswer(input.value);
      if (answer === null) {
        verdict = "wrong";
        text = `Type a number for ${question.prompt}, such as 0.5 or \u22123.`;
        break;
      }
      const expected = parseAnswer(question.answer);  // a Python repr: inf and nan too
      if (close(answer, expected)) continue;
      verdict = "wrong";
      const slip = question.hints.find(([value]) => close(answer, parseAnswer(value)));
      text = `Not yet: ${question.prompt} is not ${input.value.trim()}. ` + (slip ? slip[1] : question.hint);
      break;
    }
    if (verdict === "right") {
      text += step.questions.map((q) => `${q.prompt} = ${q.shown}`).join("; ") + ".";
      if (!revealed.has(current)) rightAnswers.add(current);
      revealed.add(current);
    }
    lastFeedback = { step: current, verdict: verdict, text: text };
    if (verdict === "right") {
      show(current);  // the step revealed
    } else {
      // what was typed stays, so the learner can correct it
      feedback.textContent = text;
      feedback.dataset.verdict = verdict;
      feedback.scrollIntoView({ block: "nearest" });  // a short panel scrolls to it
    }
  }

  function giveUp() {
    if (!asking(current)) return;
    revealed.add(current);
    lastFeedback = { step: current, verdict: "shown", text: "The answer is shown below." };
    show(current);
  }

  function setPractice(on) {
    practising = on;
    if (on) {  // a new round: nothing answered yet
      revealed.clear();
      rightAnswers.clear();
      skipped.clear();
    }
    button("practice").setAttribute("aria-pressed", String(on));
    if (on && timer !== null) pause();
    lastFeedback = null;
    show(current);
  }

  // ---- following the step in the graph -----------------------------------------------

  // Scroll the graph so that the step is in view: its node and the nodes it reads or
  // passes a gradient to, or at least its node when they do not all fit.
  function reveal(step, centre) {
    const view = graph.getBoundingClientRect();
    const margin = 30;
    const nodeBox = values.get(step.node).group.getBoundingClientRect();
    let box = nodeBox;
    for (const id of step.inputs) box = union(box, values.get(id).group.getBoundingClientRect());
    if (box.right - box.left > view.width - 2 * margin) box = nodeBox;
    if (box.bottom - box.top > view.height - 2 * margin) box = nodeBox;
    if (centre || box.left < view.left + margin || box.right > view.right - margin) {
      graph.scrollLeft += (box.left + box.right) / 2 - (view.left + view.right) / 2;
    }
    if (centre || box.top < view.top + margin || box.bottom > view.bottom - margin) {
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

  // ---- the overview: every Value as a box, the current step marked, the view framed --

  function buildOverview() {
    overview.replaceChildren();
    const box = svg.viewBox.baseVal;
    overview.setAttribute("viewBox", `${box.x} ${box.y} ${box.width} ${box.height}`);
    const inner = document.createElementNS(SVG_NS, "g");
    const graphGroup = svg.querySelector("g.graph");
    if (graphGroup && graphGroup.getAttribute("transform")) {
      inner.setAttribute("transform", graphGroup.getAttribute("transform"));
    }
    overview.append(inner);
    overview.boxes = new Map();
    overview.inner = inner;
    const frame = document.createElementNS(SVG_NS, "rect");
    frame.setAttribute("class", "frame");
    overview.append(frame);
    overview.frame = frame;
    // the overview has the graph's shape, within 190 x 130 px
    const aspect = box.width / box.height;
    const width = Math.max(50, Math.min(190, 130 * aspect));
    overview.style.width = `${width}px`;
    overview.style.height = `${Math.max(40, Math.min(130, width / aspect))}px`;
  }

  // the overview never hides the current node: it moves to another corner
  function keepOverviewClear(step) {
    if (step.node === null) return;
    const node = values.get(step.node).group.getBoundingClientRect();
    const overlaps = () => {
      const box = overview.getBoundingClientRect();
      return !(node.right < box.left || node.left > box.right || node.bottom < box.top || node.top > box.bottom);
    };
    for (const corner of [[false, false], [true, false], [true, true], [false, true]]) {
      overview.classList.toggle("top", corner[0]);
      overview.classList.toggle("left", corner[1]);
      if (!overlaps()) return;
    }
  }

  // boxes are measured once the graph is in the page (getBBox needs layout)
  function measureOverview() {
    if (overview.boxes.size) return;
    for (const [id, value] of values) {
      const shape = value.group.querySelector("polygon, path");
      if (!shape) continue;
      const b = shape.getBBox();
      const rect = document.createElementNS(SVG_NS, "rect");
      rect.setAttribute("x", b.x);
      rect.setAttribute("y", b.y);
      rect.setAttribute("width", b.width);
      rect.setAttribute("height", b.height);
      rect.dataset.of = id;
      overview.inner.append(rect);
      overview.boxes.set(id, rect);
    }
  }

  function updateOverview() {
    const overflowing = graph.scrollWidth > graph.clientWidth + 2 || graph.scrollHeight > graph.clientHeight + 2;
    overview.toggleAttribute("hidden", !overflowing);  // an SVG element has no .hidden
    if (!overflowing) return;
    measureOverview();
    const step = steps[current];
    for (const [id, rect] of overview.boxes) {
      rect.classList.toggle("current", id === step.node);
      rect.classList.toggle("input", step.inputs.includes(id));
    }
    const box = svg.viewBox.baseVal;
    const scale = svg.getBoundingClientRect().width / box.width;
    const frame = overview.frame;
    frame.setAttribute("x", box.x + graph.scrollLeft / scale);
    frame.setAttribute("y", box.y + graph.scrollTop / scale);
    frame.setAttribute("width", Math.min(box.width, graph.clientWidth / scale));
    frame.setAttribute("height", Math.min(box.height, graph.clientHeight / scale));
    keepOverviewClear(step);
  }

  overview.addEventListener("click", (event) => {
    const bounds = overview.getBoundingClientRect();
    const x = (event.clientX - bounds.left) / bounds.width;
    const y = (event.clientY - bounds.top) / bounds.height;
    graph.scrollLeft = x * graph.scrollWidth - graph.clientWidth / 2;
    graph.scrollTop = y * graph.scrollHeight - graph.clientHeight / 2;
  });
  graph.addEventListener("scroll", () => updateOverview());

  // ---- zoom: the graph and the explanation together ----------------------------------

  function fitFactor() {
    const width = graph.clientWidth - 12;
    const height = graph.clientHeight - 12;
    return Math.min(width / naturalWidth, height / naturalHeight);
  }

  function readableZoom() {
    const px = document.body.classList.contains("present") ? PRESENT_TEXT_PX : MIN_TEXT_PX;
    return px / (fontPoints * PT);
  }

  function autoZoom() {
    return Math.min(MAX_ZOOM, Math.max(readableZoom(), fitFactor()));
  }

  function setZoom(factor, mode) {
    zoomMode = mode;
    zoom = Math.max(0.1, Math.min(6, factor));
    svg.style.width = `${naturalWidth * zoom}px`;
    svg.style.height = `${naturalHeight * zoom}px`;
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
    // the explanation grows and shrinks with a zoom chosen by hand
    const scale = mode === "manual" ? Math.max(0.7, Math.min(2.5, zoom / autoZoom())) : 1;
    document.body.style.setProperty("--text-scale", String(scale));
    updateOverview();
  }

  function refit() {
    if (zoomMode === "auto") setZoom(autoZoom(), "auto");
    else if (zoomMode === "fit") setZoom(Math.min(MAX_ZOOM, fitFactor()), "fit");
  }

  function zoomBy(factor) {
    setZoom(zoom * factor, "manual");
    const step = steps[current];
    if (step.node !== null) reveal(step, true);  // the current node stays in view
    updateOverview();
  }

  // ---- controls ----------------------------------------------------------------------

  // The status and the Play button keep the width of their longest text, so that no step
  // (nor Play / Pause) changes how the toolbar wraps: the graph below never moves.
  function reserveWidth(element, texts) {
    const kept = element.textContent;
    element.style.boxSizing = "border-box";
    element.style.minWidth = "";
    let widest = 0;
    for (const text of texts) {
      element.textContent = text;
      widest = Math.max(widest, element.getBoundingClientRect().width);
    }
    element.textContent = kept;
    element.style.minWidth = `${Math.ceil(widest)}px`;
  }

  function reserveWidths() {
    const phases = [...new Set(Object.values(PHASE_NAMES))];
    reserveWidth(status, phases.map((phase) => `Step ${last} of ${last} \u00b7 ${phase}`));
    reserveWidth(button("play"), ["Play", "Pause"]);
  }

  function play() {
    if (current === last) show(0);
    // playing stops at the end, and in practice mode at each question
    timer = setInterval(
      () => (current >= last || asking(current) ? pause() : show(current + 1)),
      PLAY_INTERVAL_MS,
    );
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

  button("prev").addEventListener("click", () => go(current - 1));
  button("next").addEventListener("click", () => go(current + 1));
  button("reset").addEventListener("click", () => go(0));
  button("play").addEventListener("click", () => (timer === null ? play() : pause()));
  button("zoom-in").addEventListener("click", () => zoomBy(1.25));
  button("zoom-out").addEventListener("click", () => zoomBy(1 / 1.25));
  button("fit").addEventListener("click", () => setZoom(Math.min(MAX_ZOOM, fitFactor()), "fit"));
  button("present").addEventListener("click", () => {
    const on = document.body.classList.toggle("present");
    button("present").setAttribute("aria-pressed", String(on));
    reserveWidths();  // the text is larger
    zoomMode = "auto";
    arrange();  // the header grew or shrank
    refit();
    show(current);
  });
  button("practice").addEventListener("click", () => setPractice(!practising));
  button("check").addEventListener("click", check);
  button("reveal").addEventListener("click", giveUp);
  slider.addEventListener("input", () => go(Number(slider.value)));
  questionsBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      check();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    // the slider moves itself on arrow keys and reports it as "input"; typed answers
    // keep their keys
    if (event.target === slider) return;
    if (event.target instanceof HTMLInputElement && event.target.type === "text") return;
    const onControl = event.target instanceof HTMLElement && event.target.closest("button, input");
    if (event.key === "ArrowRight") go(current + 1);
    else if (event.key === "ArrowLeft") go(current - 1);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(last);
    else if (event.key === " " && !onControl) (timer === null ? play() : pause());
    else return;
    event.preventDefault();
  });

  // a new window size: the layout for it (top to bottom when narrow), fitted again
  let resizeFrame = null;
  window.addEventListener("resize", () => {
    if (resizeFrame !== null) cancelAnimationFrame(resizeFrame);
    resizeFrame = requestAnimationFrame(() => {
      resizeFrame = null;
      reserveWidths();  // measured again: a page that started hidden measured nothing
      if (wantedLayout() !== layoutDirection) {
        useLayout(wantedLayout());
        setZoom(zoom, zoomMode);
      }
      arrange();
      refit();
      show(current);
    });
  });

  graph.dataset.wide = graph.dataset.rankdir;
  reserveWidths();
  useLayout(wantedLayout());
  arrange();
  setZoom(autoZoom(), "auto");
  show(0);
})();
