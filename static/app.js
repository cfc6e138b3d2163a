"use strict";
// The page: settings in, story out. The worker (worker.js) owns the model and does the work;
// this script only sends it start and stop and renders what it answers. Text from the model
// goes into the page as text, never as HTML.

const SETTINGS = ["prompt", "temperature", "topp", "steps", "seed"];
const BUSY = new Set(["loading", "ready", "generating"]);

const $ = (id) => document.getElementById(id);
const ui = {
  model: $("model"), urlChoice: $("url-choice"), filesChoice: $("files-choice"),
  modelUrl: $("model-url"), tokenizerUrl: $("tokenizer-url"), modelFile: $("model-file"), tokenizerFile: $("tokenizer-file"),
  prompt: $("prompt"), temperature: $("temperature"), topp: $("topp"), steps: $("steps"), seed: $("seed"),
  start: $("start"), stop: $("stop"), link: $("link"),
  progress: $("progress"), progressText: $("progress-text"), status: $("status"), output: $("output"),
  tokens: $("tokens"), speed: $("speed"), shape: $("shape"), dropVeil: $("drop-veil"),
};

fillModelChoices(ui.model);
const worker = new Worker("worker.js");
let story = document.createTextNode("");  // the story, one text node that grows
let usedSeed = null;                       // the seed of the last story, for links

// ----------------------------------------------------------------------------
// state

function setState(state, message) {
  ui.output.dataset.state = state;
  ui.start.disabled = BUSY.has(state);
  ui.stop.disabled = !BUSY.has(state);
  if (message !== undefined) {
    ui.status.textContent = message;
  }
  ui.status.classList.toggle("error", state === "error");
}

function showError(message) {
  setState("error", message);
}

// ----------------------------------------------------------------------------
// settings

function showChoice() {
  showModelChoice(ui);
}

/** Where the model and tokenizer come from: { url } or { file } each. Throws with a message. */
function sources() {
  return modelSources(ui.model.value, ui.modelUrl.value, ui.tokenizerUrl.value, ui.modelFile.files[0],
    ui.tokenizerFile.files[0]);
}

function settings() {
  const values = {};
  for (const name of SETTINGS) values[name] = ui[name].value;
  if (values.seed.trim() === "") values.seed = "0"; // 0 asks for a random seed, as in run.c
  values.threads = new URLSearchParams(location.search).get("threads") || "auto";
  return values;
}

/** The page's settings as a link that tells the last story again. */
function shareableUrl() {
  const params = new URLSearchParams();
  const choice = ui.model.value;
  if (PRESETS[choice]) {
    params.set("model", choice);
  } else if (choice === "url") {
    params.set("model", ui.modelUrl.value.trim());
    if (ui.tokenizerUrl.value.trim()) params.set("tokenizer", ui.tokenizerUrl.value.trim());
  }
  for (const name of SETTINGS) {
    const value = name === "seed" && ui.seed.value.trim() === "" && usedSeed ? usedSeed : ui[name].value;
    if (value !== "") params.set(name, value);
  }
  return location.origin + location.pathname + "?" + params.toString();
}

/** model, tokenizer, prompt, temperature, topp, steps, seed and autostart=1 from the address. */
function applyQuery() {
  const query = new URLSearchParams(location.search);
  const model = query.get("model");
  if (model !== null) {
    if (PRESETS[model]) {
      ui.model.value = model;
    } else {
      ui.model.value = "url";
      ui.modelUrl.value = model;
    }
  }
  if (query.get("tokenizer") !== null) {
    if (ui.model.value !== "url") {
      ui.model.value = "url";
      ui.modelUrl.value = PRESETS[model] ? PRESETS[model].model : ui.modelUrl.value;
    }
    ui.tokenizerUrl.value = query.get("tokenizer");
  }
  for (const name of SETTINGS) {
    if (query.get(name) !== null) ui[name].value = query.get(name);
  }
  showChoice();
  return query.get("autostart") === "1";
}

// ----------------------------------------------------------------------------
// talking to the worker

function start() {
  if (BUSY.has(ui.output.dataset.state)) return;
  let from;
  try {
    from = sources();
  } catch (e) {
    showError(e.message);
    return;
  }
  story = document.createTextNode("");
  ui.output.replaceChildren(story);
  ui.tokens.textContent = "0";
  ui.speed.textContent = "–";
  ui.progress.value = 0;
  ui.progressText.textContent = "";
  setState("loading", "Starting…");
  worker.postMessage({ type: "start", model: from.model, tokenizer: from.tokenizer, settings: settings() });
}

function stop() {
  worker.postMessage({ type: "stop" });
}

worker.onmessage = (event) => {
  const m = event.data;
  switch (m.type) {
    case "progress": {
      showProgress(ui, m);
      setState("loading", `Downloading the ${m.what}…`);
      break;
    }
    case "ready":
      ui.progress.value = 100;
      ui.progressText.textContent = `${megabytes(m.model.bytes)} in memory`;
      ui.shape.textContent = `${describeModel(m.model)} · ${m.threads === 1 ? "one thread" : m.threads + " threads"}`;
      setState("ready", `Loaded ${baseName(m.model.name)} on ${m.threads === 1 ? "one thread" : m.threads + " threads"}.` +
        (m.threadNote ? ` (${m.threadNote})` : ""));
      break;
    case "started":
      usedSeed = m.seed;
      setState("generating", `Writing… (temperature ${round(m.temperature)}, top-p ${round(m.topp)}, ` +
        `${m.steps} steps, seed ${m.seed})`);
      break;
    case "token":
      append(m.text);
      ui.tokens.textContent = String(m.tokens);
      ui.speed.textContent = m.tokPerSec > 0 ? `${m.tokPerSec.toFixed(1)} tok/s` : "–";
      break;
    case "done": {
      append(m.text);
      ui.tokens.textContent = String(m.tokens);
      if (m.tokPerSec > 0) ui.speed.textContent = `${m.tokPerSec.toFixed(1)} tok/s`;
      const first = m.tokens > 0 ? ` First token after ${Math.round(m.firstTokenMs)} ms.` : "";
      const why = { end: "The story ended.", steps: "All steps used.", stopped: "Stopped." }[m.reason] + first;
      setState(m.reason === "stopped" ? "stopped" : "done", why);
      break;
    }
    case "error":
      showError(m.message);
      break;
  }
};

worker.onerror = (event) => {
  event.preventDefault();
  showError("The worker failed: " + (event.message || "unknown error"));
};

function append(text) {
  if (!text) return;
  const box = ui.output;
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
  story.appendData(text);
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// ----------------------------------------------------------------------------
// formatting

function round(x) {
  return Math.round(x * 1000) / 1000;
}

// ----------------------------------------------------------------------------
// local files, chosen or dropped

function useFiles(files) {
  const list = Array.from(files).sort((a, b) => b.size - a.size);
  if (list.length === 0) return;
  const assign = (input, file) => {
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
  };
  if (list.length >= 2) {
    assign(ui.modelFile, list[0]);
    assign(ui.tokenizerFile, list[1]);
  } else if (/tok/i.test(list[0].name)) {
    assign(ui.tokenizerFile, list[0]);
  } else {
    assign(ui.modelFile, list[0]);
  }
  ui.model.value = "files";
  showChoice();
  ui.status.textContent = ui.modelFile.files.length && ui.tokenizerFile.files.length
    ? `Ready to read ${ui.modelFile.files[0].name} and ${ui.tokenizerFile.files[0].name}. Press Start.`
    : "Now the other file: a model needs its tokenizer.";
}

let dragDepth = 0;
document.addEventListener("dragenter", (e) => {
  if (!e.dataTransfer || !Array.from(e.dataTransfer.types).includes("Files")) return;
  dragDepth++;
  ui.dropVeil.hidden = false;
});
document.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) ui.dropVeil.hidden = true;
});
document.addEventListener("dragover", (e) => e.preventDefault());
document.addEventListener("drop", (e) => {
  e.preventDefault();
  dragDepth = 0;
  ui.dropVeil.hidden = true;
  if (e.dataTransfer && e.dataTransfer.files.length) useFiles(e.dataTransfer.files);
});

// ----------------------------------------------------------------------------
// wiring

ui.model.addEventListener("change", showChoice);
ui.start.addEventListener("click", start);
ui.stop.addEventListener("click", stop);
ui.prompt.addEventListener("keydown", (e) => { if (e.key === "Enter") start(); });
ui.link.addEventListener("click", async () => {
  const url = shareableUrl();
  history.replaceState(null, "", url);
  try {
    await navigator.clipboard.writeText(url);
    ui.status.textContent = "Link copied: it tells this story again.";
  } catch (e) {
    ui.status.textContent = "The address bar now holds a link to this story.";
  }
});

setState("idle");
if (applyQuery()) start();
