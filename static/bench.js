"use strict";
// The benchmark page: asks a fresh worker for each of a number of runs and tabulates each run's
// speed and load time, with medians; #bench-json holds the same as JSON for scripts.

const $ = (id) => document.getElementById(id);
const ui = {
  notice: $("notice"),
  model: $("model"), urlChoice: $("url-choice"), filesChoice: $("files-choice"),
  modelUrl: $("model-url"), tokenizerUrl: $("tokenizer-url"), modelFile: $("model-file"), tokenizerFile: $("tokenizer-file"),
  runs: $("runs"), steps: $("steps"), threads: $("threads"), threadsHint: $("threads-hint"), inspect: $("inspect"),
  scalar: $("scalar"), start: $("start"), stop: $("stop"), progress: $("progress"),
  progressText: $("progress-text"), status: $("status"), bench: $("bench"), results: $("results"),
  medianSpeed: $("median-speed"), medianLoad: $("median-load"), shape: $("shape"), agent: $("agent"),
  json: $("bench-json"), announcer: $("announce"),
};

let worker = null;
let runs = [];
let wanted = 0;
let model = null;
let threads = 1;         // the threads the runs use, as the worker's ready message says
let inspect = false;     // whether the runs ask for each token's candidates
let simd = false;        // whether the runs' matrices are multiplied with SIMD, as the ready message says
let request = null;      // the bench message each run sends
let workerUsed = false;  // the worker has run: the next run starts a fresh one
let statusShown = 0;     // when the status last showed a run's progress (performance.now())
// A run's progress shows at most this often: each change is laid out and painted, and on two
// cores that both run a shard, every frame drawn holds the workers up (a change every 16 tokens
// cost stories15M 15% of its speed on two threads).
const STATUS_GAP_MS = 500;

// ----------------------------------------------------------------------------
// state

function setState(state, message) {
  const focused = document.activeElement;
  const running = state === "running";
  ui.bench.dataset.state = state;
  ui.start.disabled = running || worker === null;
  ui.stop.disabled = !running;
  if (focused && focused.disabled) (running ? ui.stop : ui.start).focus({ preventScroll: true });
  ui.status.textContent = message;
  ui.status.classList.toggle("error", state === "error");
  // for a browser that runs the page with no driver to ask it (the benchmark's memory runs); the
  // JSON URI-encoded, as browsers quote console strings in their own ways
  if (state === "done") console.info(`teallama-bench done ${encodeURIComponent(ui.json.textContent)}`);
  if (state === "error") console.info(`teallama-bench error ${message}`);
  if (state !== "running" || runs.length === 0) ui.announcer.textContent = message;
}

// ----------------------------------------------------------------------------
// runs

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function wholeNumber(input, name, least = 1) {
  const n = Number(input.value);
  if (!Number.isInteger(n) || n < least) {
    throw new Error(`${name} expects a whole number of at least ${least}, found '${input.value}'`);
  }
  return n;
}

function start() {
  if (worker === null) return;
  if (idle) {
    setState("running", "Starting the workers…");
    worker.postMessage({ type: "idle", threads: ui.threads.value });
    return;
  }
  let from;
  try {
    wanted = wholeNumber(ui.runs, "runs");
    wholeNumber(ui.steps, "steps", 2); // speed counts the positions after the first, as llama2.c does
    from = modelSources(ui.model.value, ui.modelUrl.value, ui.tokenizerUrl.value, ui.modelFile.files[0],
      ui.tokenizerFile.files[0]);
  } catch (e) {
    setState("error", e.message);
    return;
  }
  runs = [];
  model = null;
  inspect = ui.inspect.checked;
  ui.results.replaceChildren();
  ui.medianSpeed.textContent = "–";
  ui.medianLoad.textContent = "–";
  ui.json.textContent = "";
  setState("running", "Downloading…");
  request = { type: "bench", model: from.model, tokenizer: from.tokenizer, steps: Number(ui.steps.value),
    threads: ui.threads.value, inspect, kernels: ui.scalar.checked ? "scalar" : "simd" };
  nextRun();
}

/**
 * Each run in a worker of its own: the last run's model ends with its worker, where in the same
 * worker it would stay until the browser next collected garbage, beside the model loading again.
 */
function nextRun() {
  if (workerUsed) {
    worker.terminate();
    worker = startWorker();
  }
  workerUsed = true;
  worker.postMessage(request);
}

/** A run writes its whole story without yielding, so Stop ends the worker and starts a fresh one. */
function stop() {
  worker.terminate();
  worker = startWorker();
  workerUsed = false;
  setState("stopped", runs.length ? `Stopped after ${runs.length} of ${wanted} runs.` : "Stopped.");
  if (runs.length) showMedians();
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function onWorkerMessage(m) {
  switch (m.type) {
    case "progress":
      showProgress(ui, m);
      break;
    case "ready":
      model = m.model;
      threads = m.threads;
      simd = m.simd;
      ui.progress.value = 100;
      ui.shape.textContent = `${describeModel(m.model)} · ${threadCount(m.threads)}` + (inspect ? " · inspector on" : "") +
        (simd ? " · SIMD" : "");
      ui.threadsHint.textContent = "Threads: " + runningThreads(m);
      setState("running", `Run ${runs.length + 1} of ${wanted}…`);
      break;
    case "token":
      if (performance.now() - statusShown >= STATUS_GAP_MS) {
        statusShown = performance.now();
        ui.status.textContent = `Run ${runs.length + 1} of ${wanted}: ${m.tokens} tokens, ${m.tokPerSec.toFixed(1)} tok/s`;
      }
      break;
    case "done": {
      const run = { tokens: m.tokens, tokPerSec: m.tokPerSec, firstTokenMs: m.firstTokenMs };
      runs.push(run);
      const row = document.createElement("tr");
      row.append(cell(String(runs.length)), cell(String(run.tokens)), cell(run.tokPerSec.toFixed(1)),
        cell(`${Math.round(run.firstTokenMs)} ms`));
      ui.results.append(row);
      if (runs.length === wanted) {
        finish();
      } else {
        nextRun();
      }
      break;
    }
    case "idle":
      ui.json.textContent = JSON.stringify({ userAgent: navigator.userAgent, idle: true, threads: m.threads });
      setState("done", `Workers started for ${threadCount(m.threads)}, with no model.`);
      break;
    case "error":
      setState("error", m.message);
      break;
  }
}

function showMedians() {
  const speed = median(runs.map((r) => r.tokPerSec));
  const load = median(runs.map((r) => r.firstTokenMs));
  ui.medianSpeed.textContent = speed.toFixed(1);
  ui.medianLoad.textContent = `${Math.round(load)} ms`;
  return { speed, load };
}

function finish() {
  const { speed, load } = showMedians();
  ui.json.textContent = JSON.stringify({ userAgent: navigator.userAgent, model, threads, inspect, simd, runs,
    medianTokPerSec: speed, medianFirstTokenMs: load });
  setState("done", `${wanted} ${wanted === 1 ? "run" : "runs"}: median ${speed.toFixed(1)} tok/s.`);
}

function startWorker() {
  const w = newStoryWorker();
  w.onmessage = eachWorkerMessage(onWorkerMessage);
  hearWorkerErrors(w, (message) => setState("error", message), () => {
    if (worker === w) worker = null;
  });
  // one that ended after it said its run was done, before it let go of the run's lock, did its
  // part; the next run is on a new worker anyway
  w.addEventListener("ended", () => {
    if (worker === w && ui.bench.dataset.state === "running") {
      setState("error", "The page's worker ended before the run did.");
    }
  });
  return w;
}

// ----------------------------------------------------------------------------
// wiring

ui.model.addEventListener("change", () => showModelChoice(ui));
ui.threads.addEventListener("change", () => {
  ui.threadsHint.textContent = "Threads: " + expectedThreads(ui.threads.value) + ".";
});
ui.start.addEventListener("click", start);
ui.stop.addEventListener("click", stop);
ui.agent.textContent = navigator.userAgent;
fillModelChoices(ui.model);
fillThreadChoices(ui.threads);

// model (a preset name or a URL), tokenizer, runs, steps, threads, inspect=1, kernels=scalar and
// autostart=1 from the address; idle=1 only starts the workers and loads no model (the benchmark's
// baseline of memory)
const query = new URLSearchParams(location.search);
const idle = query.get("idle") === "1";
chooseModelFromLink(ui, query.get("model"), query.get("tokenizer"));
if (query.get("runs") !== null) ui.runs.value = query.get("runs");
if (query.get("steps") !== null) ui.steps.value = query.get("steps");
const threadsProblem = query.get("threads") === null ? "" : chooseThreads(ui.threads, query.get("threads"));
ui.inspect.checked = query.get("inspect") === "1";
ui.scalar.checked = query.get("kernels") === "scalar";
ui.threadsHint.textContent = "Threads: " + expectedThreads(ui.threads.value) + ".";
showModelChoice(ui);
if (!showWhyItCannotRun(ui.notice)) worker = startWorker();
if (threadsProblem) {
  setState("error", threadsProblem);
} else {
  if (worker) {
    setState("idle", "Press Run.");
  } else {
    setState("unsupported", "The benchmark cannot run here; the note above says why.");
  }
  if (query.get("autostart") === "1") start();
}
