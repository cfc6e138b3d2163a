"use strict";
// The page: settings in, story out. The worker (worker.js) owns the model and does the work;
// this script sends it start, stop, prompts to count and the candidates whose texts the inspector
// shows, and renders what it answers. Text from the model goes into the page as text, never as
// HTML. Settings live in settings.js, the story as shown in story.js.

const BUSY = new Set(["loading", "ready", "generating"]);

const $ = (id) => document.getElementById(id);
const ui = {
  notice: $("notice"), panel: document.querySelector(".panel"),
  model: $("model"), modelFrom: $("model-from"), urlChoice: $("url-choice"), filesChoice: $("files-choice"),
  modelUrl: $("model-url"), tokenizerUrl: $("tokenizer-url"), modelFile: $("model-file"), tokenizerFile: $("tokenizer-file"),
  prompt: $("prompt"), promptLength: $("prompt-length"),
  temperature: $("temperature"), topp: $("topp"), steps: $("steps"), seed: $("seed"), keep: $("keep"),
  threads: $("threads"), keepHint: $("keep-hint"), threadsHint: $("threads-hint"), inspect: $("inspect"),
  colour: $("colour"), legend: $("legend"), colourNote: $("colour-note"), inspector: $("inspector"),
  start: $("start"), stop: $("stop"), link: $("link"),
  progress: $("progress"), progressText: $("progress-text"), status: $("status"), output: $("output"),
  story: $("story"), tokens: $("tokens"), speed: $("speed"), shape: $("shape"), announcer: $("announce"), dropVeil: $("drop-veil"),
};

let worker = null;      // null where the page cannot run (see showWhyItCannotRun)
let loadedModel = null; // the ready message's model, once one has loaded
let loadedFrom = null;  // the sourcesKey of the files it was loaded from
let askedFrom = null;   // the sourcesKey of the story asked for, until its model is ready
let story = null;       // the story under way: { promptPieces, steps, keep }
let usedSeed = null;    // the seed of the last story, for links
let seedAsked = null;   // the Seed field as the story asked for was started
let storyAskedAtStart = null; // storyAsked() as the story asked for was started
let storySeed = null;   // { text, drawn, asked }: the Seed field the story shown started with, whether it
                        // drew its seed, and the storyAsked() it started with; null from a Start until its story starts
let maxSteps = 0;       // the most steps a story may take past the context (started's maxSteps), once known
let inspecting = false; // whether the story asked for is told with the inspector
let threadsAsked = null;   // the threads choice of the story asked for
let threadsRunning = null; // { choice, ready }: the threads choice of the model loaded, and its ready message
let workerKeeps = 0;    // bytes of linear memory the workers keep whatever they load next (the memory message's)

// A worker's WebAssembly memory never shrinks: one that held a large model's matrices (see
// LinearMatrices.java) would keep that much for the page's life whatever it loads next (418 MiB
// after 110M). A story of other files than the loaded ones then gets a fresh worker.
const FRESH_WORKER_ABOVE = 32 * 2 ** 20;

// ----------------------------------------------------------------------------
// state: what the buttons allow, what the page says

function state() {
  return ui.output.dataset.state;
}

function setState(next, message) {
  const focused = document.activeElement;
  const busy = BUSY.has(next);
  ui.output.dataset.state = next;
  ui.output.setAttribute("aria-busy", String(busy));
  ui.start.disabled = busy || worker === null;
  ui.stop.disabled = !busy;
  // the model stays as it is while it loads and writes, so the status keeps describing it
  for (const input of [ui.model, ui.modelUrl, ui.tokenizerUrl, ui.modelFile, ui.tokenizerFile]) {
    input.disabled = busy;
  }
  if (focused && focused.disabled) {
    (busy ? ui.stop : ui.start).focus({ preventScroll: true }); // Start or Stop disabled itself under the keyboard
  }
  if (message !== undefined && ui.status.textContent !== message) {
    ui.status.textContent = message;
  }
  ui.status.classList.toggle("error", next === "error");
}

/** Says something to screen readers: only a story's start and end, errors, and answers to a click. */
function announce(message) {
  ui.announcer.textContent = message;
}

/** An answer to something the user did, shown and announced, that leaves the state alone. */
function tell(message) {
  ui.status.textContent = message;
  announce(message);
}

function showError(message) {
  setState("error", message);
  announce(message);
}

// ----------------------------------------------------------------------------
// the prompt's length, counted by the worker with the loaded model's tokenizer

let countAsked = null;   // the prompt the worker is counting
let promptCount = null;  // { prompt, tokens, seqLen, problem } of the last answer

function showPromptLength() {
  const prompt = setting("prompt");
  const model = chosenModel();
  const counted = model !== null && promptCount !== null && promptCount.prompt === prompt;
  if (!counted && model && worker && countAsked === null) {
    countAsked = prompt;
    worker.postMessage({ type: "encode", prompt });
  }
  if (counted) {
    ui.promptLength.textContent = promptCount.problem ||
      describePromptLength(promptCount.tokens, promptCount.seqLen);
    ui.promptLength.classList.toggle("warning",
      promptCount.problem !== "" || promptCount.tokens >= storySteps(promptCount.seqLen));
  } else if (!promptCount || !model) {
    // (with a count on show and a model loaded, the count stays until the worker answers)
    const characters = Array.from(prompt).length;
    ui.promptLength.textContent = `${characters} ${characters === 1 ? "character" : "characters"}` +
      (model ? "" : " · load a model to count tokens");
    ui.promptLength.classList.remove("warning");
  }
}

/**
 * The worker's answer: promptTokens counts BOS, which the prompt does not show; or the problem
 * that keeps the tokenizer from encoding the prompt, shown where the count would be (a Start with
 * that prompt then ends in that error; a story being written goes on).
 */
function countedPrompt(m) {
  countAsked = null;
  promptCount = m.seqLen > 0 ? { prompt: m.prompt, tokens: m.promptTokens - 1, seqLen: m.seqLen, problem: m.problem }
    : null;
  if (m.seqLen === 0) loadedModel = null;
  showPromptLength();
}

function describePromptLength(tokens, seqLen) {
  const length = `${tokens} / ${seqLen} tokens`;
  if (tokens >= seqLen && !keeping(seqLen)) {
    return `${length}: no room left in the model's context; shorten the prompt` +
      (seqLen > 1 ? `, or set Keep (1 to ${seqLen - 1}) to write past the context` : "");
  }
  const steps = storySteps(seqLen);
  if (tokens >= steps) return `${length}: the prompt takes all ${steps} steps; raise Steps or shorten the prompt`;
  if (tokens >= seqLen) return `${length}: longer than the context, which Keep ${Number(ui.keep.value)} carries on past`;
  return length;
}

/** Whether the Keep field keeps writing past the context: a Keep that Start refuses (see Settings.keep) keeps nothing. */
function keeping(seqLen) {
  const keep = Number(ui.keep.value);
  return Number.isInteger(keep) && keep > 0 && keep < seqLen;
}

/**
 * The steps a story will take: run.c's clamp of the Steps field (seq_len while it is not a
 * number), or the field itself when it keeps writing past the context.
 */
function storySteps(seqLen) {
  const steps = Number(ui.steps.value);
  if (!Number.isInteger(steps) || steps <= 0) return seqLen;
  return steps < seqLen || keeping(seqLen) ? steps : seqLen;
}

// ----------------------------------------------------------------------------
// what Keep and Threads will do with the model loaded

/** Which files a choice of model names (sources()), to tell whether they are the model loaded's. */
function sourcesKey(from) {
  const key = (source) => source.file
    ? `file:${source.file.name}:${source.file.size}:${source.file.lastModified}` : `url:${source.url}`;
  return `${key(from.model)} ${key(from.tokenizer)}`;
}

/**
 * The model loaded while it is the one chosen, else null: the prompt's length, Keep and Threads
 * speak of the model the next Start runs, and another one chosen has its own tokenizer and context.
 */
function chosenModel() {
  if (loadedModel === null) return null;
  try {
    return sourcesKey(sources()) === loadedFrom ? loadedModel : null;
  } catch (e) {
    return null; // no whole choice yet: an address or a file missing
  }
}

/** The model chosen changed: what the page says of the model loaded holds only if it is the one chosen. */
function modelChosen() {
  showModelChoice(ui);
  showPromptLength();
  showKeepHint();
  showThreadsHint();
}

function showKeepHint() {
  const model = chosenModel();
  if (!model) {
    ui.keepHint.textContent = "Keep: 0 stops when the model's context is full, as run.c does; a number N keeps " +
      "the last N tokens then, and writes on.";
    return;
  }
  const seqLen = model.seqLen;
  if (seqLen < 2) {
    ui.keepHint.textContent = `Keep: 0 stops when this model's ${seqLen}-token context is full, as run.c does; ` +
      "a context of one token cannot be written past.";
    return;
  }
  ui.keepHint.textContent = `Keep: 0 stops when this model's ${seqLen}-token context is full, as run.c does; ` +
    `1 to ${seqLen - 1} keeps that many tokens then, and writes on` +
    (maxSteps > 0 ? `, for Steps up to ${maxSteps}.` : ".");
}

/** Threads: what runs, or what the choice will run from the next Start. */
function showThreadsHint() {
  const choice = ui.threads.value;
  const model = chosenModel();
  ui.threadsHint.textContent = "Threads: " + (threadsRunning && threadsRunning.choice === choice && model
    ? runningThreads(threadsRunning.ready) : expectedThreads(choice, model) + ".");
}

/** The colours need the inspector's data: where the story shown, or the next one, has none, the page says so. */
function showColours() {
  ui.output.classList.toggle("tinted", ui.colour.checked);
  ui.legend.hidden = !ui.colour.checked;
  const withoutData = !ui.inspect.checked || (story !== null && !inspecting);
  ui.colourNote.hidden = !ui.colour.checked || !withoutData;
}

// ----------------------------------------------------------------------------
// what the page says of the story (story.js shows the story itself)

function showSpeed(m) {
  ui.tokens.textContent = String(m.tokens);
  if (m.tokPerSec > 0) ui.speed.textContent = `${m.tokPerSec.toFixed(1)} tok/s`;
}

function endOfStory(m) {
  if (m.reason === "stopped") return "Stopped.";
  const first = m.tokens > 0 ? ` First token after ${milliseconds(m.firstTokenMs)}, counted from Start.` : "";
  if (m.reason === "end") return "The story ended." + first;
  // without Keep, steps past the context are clamped to it, as run.c clamps them
  const contextFull = story && story.keep === 0 && loadedModel && story.steps >= loadedModel.seqLen;
  if (story && story.promptPieces >= story.steps) {
    return contextFull
      ? `The prompt took all ${story.steps} steps, the model's whole context: shorten the prompt.`
      : `The prompt took all ${story.steps} steps: raise Steps or shorten the prompt.`;
  }
  if (contextFull) {
    return `The model's ${loadedModel.seqLen}-token context is full` +
      (loadedModel.seqLen > 1 ? ": set Keep to write on." : ".") + first;
  }
  return "All steps used." + first;
}

function milliseconds(ms) {
  return ms < 1 ? "under 1 ms" : ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** A setting the worker read as a float, as typed: 0.9 rather than 0.899999976, and 0.0001 rather than 0. */
function round(x) {
  return Number(x.toPrecision(4));
}

// ----------------------------------------------------------------------------
// talking to the worker

function start() {
  if (worker === null || BUSY.has(state())) return;
  let from;
  try {
    from = sources();
  } catch (e) {
    showError(e.message);
    return;
  }
  story = null;
  storySeed = null; // the story shown is gone: until the next starts, a link tells one with these settings
  clearStory();
  ui.progress.value = 0;
  ui.progressText.textContent = "";
  setState("loading", "Starting…");
  announce("Starting the story.");
  bringStoryIntoView();
  const values = settings();
  askedFrom = sourcesKey(from);
  if (workerKeeps > FRESH_WORKER_ABOVE && askedFrom !== loadedFrom) {
    replaceWorker();
    if (worker === null) return; // it says why
  }
  inspecting = values.inspect;
  threadsAsked = values.threads;
  seedAsked = ui.seed.value;
  storyAskedAtStart = storyAsked();
  worker.postMessage({ type: "start", model: from.model, tokenizer: from.tokenizer, settings: values });
}

/** Ends the worker and starts a new one, which holds no model. */
function replaceWorker() {
  worker.terminate();
  worker = startWorker();
  workerKeeps = 0;
  countAsked = null; // the old worker's count never comes
  forgetModel();
}

function stop() {
  if (worker) worker.postMessage({ type: "stop" });
}

function onWorkerMessage(m) {
  const stateBefore = state();
  switch (m.type) {
    case "progress":
      if (m.what === "model" && m.loaded === 0) forgetModel();
      showProgress(ui, m);
      // from the store or a local file nothing is downloaded: offline, that word would mislead
      setState("loading", m.from === "network" ? `Downloading the ${m.what}…`
        : `Reading the ${m.what}${m.from === "storage" ? " from storage" : ""}…`);
      break;
    case "ready":
      forgetProgress();
      loadedModel = m.model;
      loadedFrom = askedFrom;
      ui.progress.value = 100;
      ui.progressText.textContent = `${megabytes(m.model.bytes)} in memory`;
      setState("ready", `Loaded ${baseName(m.model.name)} on ${threadCount(m.threads)}.` +
        (m.threadNote ? ` (${m.threadNote})` : ""));
      promptCount = null; // another model may count otherwise
      showPromptLength();
      showKeepHint();
      threadsRun(m);
      break;
    case "threads": // the model in memory runs this start, as a ready message would say it
      threadsRun(m);
      break;
    case "memory":
      workerKeeps = m.keptBytes;
      break;
    case "encoded":
      countedPrompt(m);
      break;
    case "texts":
      candidateTextsArrived(m.story, m.texts);
      break;
    case "started":
      usedSeed = m.seed;
      storySeed = { text: seedAsked, drawn: m.seedDrawn, asked: storyAskedAtStart };
      story = { promptPieces: m.promptTokens - 1, steps: m.steps, keep: m.keep };
      maxSteps = m.maxSteps;
      showKeepHint();
      showColours();
      inspectNewStory({ temperature: round(m.temperature), topp: round(m.topp), inspect: inspecting });
      setState("generating", `Writing… (temperature ${round(m.temperature)}, top-p ${round(m.topp)}, ` +
        `${m.steps} steps, seed ${m.seed})`);
      announce("Writing the story.");
      keepStoryInView();
      break;
    case "token":
      appendPiece(m);
      lastCount = m;
      break;
    case "done": {
      if (stateBefore === "loading" && m.reason === "stopped") settleProgress(ui, "stopped");
      showPieces();
      showSpeed(m);
      const end = endOfStory(m);
      setState(m.reason === "stopped" ? "stopped" : "done", end);
      announce(m.tokens > 0 ? `${end} ${m.tokens} ${m.tokens === 1 ? "token" : "tokens"}.` : end);
      keepStoryInView();
      break;
    }
    case "error":
      endWithError(m.message, stateBefore);
      break;
  }
  storageHears(m, stateBefore);
}

/** The loaded model runs the story asked for on m.threads (a ready or threads message): the page says so. */
function threadsRun(m) {
  threadsRunning = { choice: threadsAsked, ready: m };
  if (loadedModel) ui.shape.textContent = `${describeModel(loadedModel)} · ${threadCount(m.threads)}`;
  showThreadsHint();
}

/** A story or load that ends in an error; stateBefore is the page's state before it. */
function endWithError(message, stateBefore) {
  if (stateBefore === "loading") settleProgress(ui, "not loaded");
  showPieces();
  countAsked = null; // a count that failed asks again with the next prompt
  showError(message);
}

/** The worker let the model go as another began to load: nothing here describes it any more. */
function forgetModel() {
  loadedModel = null;
  threadsRunning = null;
  promptCount = null;
  ui.shape.textContent = "not loaded";
  showPromptLength();
  showKeepHint();
  showThreadsHint();
}

function startWorker() {
  try {
    const w = newStoryWorker();
    w.onmessage = eachWorkerMessage(onWorkerMessage);
    hearWorkerErrors(w, showError, () => {
      if (worker === w) worker = null;
    });
    // it ended without a word while it loaded or told a story (see newStoryWorker): a new one
    // takes its place, as a worker that failed has nothing for the next Start. It may have ended
    // after it said its story was done but before it let go of the story's lock: that story
    // stands as it was told.
    w.addEventListener("ended", (event) => {
      if (worker !== w) return;
      const stateBefore = state();
      replaceWorker();
      if (!BUSY.has(stateBefore)) {
        candidateTextsGone(); // the new worker holds no tokenizer for the story shown
        return;
      }
      // as a worker's error, but the model is not to blame: storage is not told (see storageHears)
      endWithError(event.detail.silent
        ? `The page's worker did not answer within ${STORY_ANSWER_MS / 1000} s, as one that ended since the last ` +
          "story does; Start loads the model again on a new worker."
        : "The page's worker ended before the story did; Start loads the model again on a new worker.", stateBefore);
    });
    return w;
  } catch (e) {
    showError("This browser could not start the page's worker: " + e.message);
    return null;
  }
}

// ----------------------------------------------------------------------------
// local files, chosen or dropped

function useFiles(files) {
  const list = Array.from(files).sort((a, b) => b.size - a.size);
  if (list.length === 0) return;
  if (BUSY.has(state())) {
    tell("Stop the story first, then drop the files again.");
    return;
  }
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
  modelChosen();
  linkedSettingChosen();
  tell(ui.modelFile.files.length && ui.tokenizerFile.files.length
    ? `Ready to read ${ui.modelFile.files[0].name} and ${ui.tokenizerFile.files[0].name}. Press Start.`
    : "Now the other file: a model needs its tokenizer.");
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

ui.model.addEventListener("change", modelChosen);
ui.modelUrl.addEventListener("input", modelChosen);
ui.tokenizerUrl.addEventListener("input", modelChosen);
ui.modelFile.addEventListener("change", modelChosen);
ui.tokenizerFile.addEventListener("change", modelChosen);
ui.start.addEventListener("click", start);
ui.stop.addEventListener("click", stop);
ui.link.addEventListener("click", copyLink);
ui.prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault(); // Enter tells the story; Shift+Enter starts a new line
    start();
  }
});
ui.prompt.addEventListener("input", showPromptLength);
ui.steps.addEventListener("input", showPromptLength);
ui.keep.addEventListener("input", showPromptLength);
ui.threads.addEventListener("change", showThreadsHint);
ui.inspect.addEventListener("change", () => {
  if (story === null) inspectNewStory({ inspect: ui.inspect.checked });
  showColours();
});
ui.colour.addEventListener("change", () => {
  showColours();
  saveSettings();
});
ui.panel.addEventListener("input", settingChanged);
ui.panel.addEventListener("change", settingChanged);
wireInspector(ui.output, ui.inspector,
  (storyNumber, tokens) => worker.postMessage({ type: "texts", story: storyNumber, tokens }));

fillModelChoices(ui.model);
fillThreadChoices(ui.threads);
const link = loadSettings();
if (!showWhyItCannotRun(ui.notice)) worker = startWorker();
if (link.problem) {
  showError(link.problem);
} else if (worker) {
  setState("idle");
} else if (state() !== "error") {
  setState("unsupported", "Teallama cannot run here; the note above says why.");
}
showPromptLength();
showKeepHint();
showThreadsHint();
showColours();
inspectNewStory({ inspect: ui.inspect.checked });
const modelsReady = prepareModels(); // storage.js: the demo kit's models, the stored ones
if (link.autostart && worker) modelsReady.then(start);
