"use strict";
// Shared by the story page (app.js) and the benchmark page (bench.js): the models on offer, the
// threads setting, what this browser can run, download progress, the model's description, and
// the story worker (worker.js) with the shard workers the page starts for it.

// ----------------------------------------------------------------------------
// models

const HF = "https://huggingface.co/karpathy/tinyllamas/resolve/main/";
const LLAMA2_TOKENIZER = "https://raw.githubusercontent.com/karpathy/llama2.c/master/tokenizer.bin";
const HERE = "Served with this page.";
const HUGGING_FACE = "Downloaded from Hugging Face (karpathy/tinyllamas) when you press Start.";
// of no prototype, so that a link's model=constructor (or __proto__) is an address, not a preset
const PRESETS = Object.assign(Object.create(null), {
  "local-260K": { label: "stories260K · 1 MB", from: HERE, model: "models/stories260K.bin", tokenizer: "models/tok512.bin" },
  "stories260K": { label: "stories260K · 1 MB", from: HUGGING_FACE, model: HF + "stories260K/stories260K.bin",
    tokenizer: HF + "stories260K/tok512.bin" },
  "stories15M": { label: "stories15M · 58 MB", from: HUGGING_FACE, model: HF + "stories15M.bin", tokenizer: LLAMA2_TOKENIZER },
  "stories42M": { label: "stories42M · 160 MB", from: HUGGING_FACE, model: HF + "stories42M.bin", tokenizer: LLAMA2_TOKENIZER },
  "stories110M": { label: "stories110M · 418 MB", from: HUGGING_FACE, model: HF + "stories110M.bin",
    tokenizer: LLAMA2_TOKENIZER },
});

/** Fills a model select with the presets, grouped by where they come from, then an address and local files. */
function fillModelChoices(select) {
  const group = (label, options) => {
    const element = document.createElement("optgroup");
    element.label = label;
    element.append(...options);
    return element;
  };
  const presets = (from) => Object.entries(PRESETS).filter(([, preset]) => preset.from === from)
    .map(([value, preset]) => new Option(preset.label, value));
  select.replaceChildren(group("With this page", presets(HERE)), group("From Hugging Face", presets(HUGGING_FACE)),
    group("Your own", [new Option("Another address…", "url"), new Option("Files on this device…", "files")]));
}

/**
 * A link's model and tokenizer (each null when the link has none) into the page's model choice: a
 * preset's name picks it, anything else is an address. A tokenizer given with a preset goes with
 * the preset's model by its address, as a preset always comes with its own tokenizer.
 */
function chooseModelFromLink(ui, model, tokenizer) {
  if (model !== null) {
    if (PRESETS[model]) {
      ui.model.value = model;
    } else {
      ui.model.value = "url";
      ui.modelUrl.value = model;
    }
  }
  if (tokenizer !== null) {
    if (PRESETS[ui.model.value]) ui.modelUrl.value = PRESETS[ui.model.value].model;
    ui.model.value = "url";
    ui.tokenizerUrl.value = tokenizer;
  }
}

/** The model and tokenizer sources a model choice names: { url } or { file } each. Throws with a message. */
function modelSources(choice, modelUrl, tokenizerUrl, modelFile, tokenizerFile) {
  if (PRESETS[choice]) {
    return { model: { url: PRESETS[choice].model }, tokenizer: { url: PRESETS[choice].tokenizer } };
  }
  if (choice === "url") {
    const model = modelUrl.trim();
    if (!model) throw new Error("Enter the address of a model file, or pick a model from the list.");
    const address = fetchable(model, "model");
    const tokenizer = tokenizerUrl.trim() || new URL("tokenizer.bin", address).href;
    fetchable(tokenizer, "tokenizer");
    return { model: { url: model }, tokenizer: { url: tokenizer } };
  }
  if (!modelFile || !tokenizerFile) {
    throw new Error("Choose both a model file and its tokenizer file (or drop them on the page).");
  }
  return { model: { file: modelFile }, tokenizer: { file: tokenizerFile } };
}

/** The http(s) URL an address (maybe relative to the page) names; else an Error saying what was found. */
function fetchable(address, what) {
  let url = null;
  try {
    url = new URL(address, location.href);
  } catch (e) {
    // not an address at all
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new Error(`expected the address of a ${what} file (http or https), found '${address}'`);
  }
  if (url.username || url.password) {
    // fetch refuses such an address, and the status would show the password
    throw new Error(`expected the address of a ${what} file without a user name or password, which browsers do ` +
      `not download from, found one with them for ${url.host}`);
  }
  return url;
}

/** Shows where a preset comes from, or the URL inputs or the file inputs that the model choice needs. */
function showModelChoice(ui) {
  const preset = PRESETS[ui.model.value];
  if (ui.modelFrom) ui.modelFrom.textContent = preset ? preset.from : "";
  ui.urlChoice.hidden = ui.model.value !== "url";
  ui.filesChoice.hidden = ui.model.value !== "files";
}

// ----------------------------------------------------------------------------
// threads

/** Fills a threads select: auto, then 1 to 16. */
function fillThreadChoices(select) {
  select.replaceChildren(new Option("auto", "auto"),
    ...Array.from({ length: MAX_THREADS }, (_, i) => new Option(String(i + 1), String(i + 1))));
}

/**
 * Sets a threads select from a link's text: auto in any case, or none, for auto; a whole number
 * in digits (leading zeros and spaces allowed; 2.0 or 1e1 are none). Returns "" or why the text
 * is no choice, the select then staying as it was.
 */
function chooseThreads(select, text) {
  const trimmed = text.trim().toLowerCase();
  const choice = trimmed === "" ? "auto" : /^[0-9]+$/.test(trimmed) ? String(Number(trimmed)) : trimmed;
  if (Array.from(select.options).some((option) => option.value === choice)) {
    select.value = choice;
    return "";
  }
  return `${notAThreadsChoice(text)}; Threads is left at ${select.value}`;
}

/**
 * What a threads choice will run here; where a model runs fewer threads than asked, in the words
 * worker.js will use once it runs it (see threads.js): on model (a ready message's), the model
 * loaded, where it is the one the next Start runs, else before a model says.
 */
function expectedThreads(choice, model) {
  const plan = threadPlan(choice);
  if (plan.threads < plan.wanted) {
    return `${choice === "auto" ? "auto" : threadCount(plan.wanted)}; it will run on ${plan.note}`;
  }
  const cores = navigator.hardwareConcurrency || 1;
  if (model) {
    const n = Math.min(plan.threads, model.splitsInto, plan.auto ? model.threadsWorthRunning : plan.threads);
    if (n < plan.threads) return threadNote(plan, n, model.splitsInto);
    if (plan.auto) return `auto: ${threadCount(n)} here, this device's ${cores} cores, at most ${AUTO_MAX_THREADS}`;
  }
  return plan.auto ? `auto: up to ${threadCount(plan.threads)} here (this device's ${cores} cores, at most ` +
    `${AUTO_MAX_THREADS}, one per 16 MB of model)` : threadCount(plan.threads);
}

/** What a worker's ready message says about its threads: how many run and, if fewer than asked, why. */
function runningThreads(m) {
  return `running on ${m.threadNote || threadCount(m.threads)}.`;
}

// ----------------------------------------------------------------------------
// what this browser and this address can run

const SERVE_COMMAND = "mvn -B package -DskipTests && java -jar web/target/teallama-web.jar";

// (module (type (struct (field i32))) (type (func (param (ref null 0))))): valid only where
// WebAssembly GC is, which TeaVM's output needs
const WASM_GC_PROBE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x0a, 0x02, 0x5f, 0x01, 0x7f, 0x00, 0x60, 0x01, 0x63, 0x00, 0x00]);

function hasWasmGc() {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(WASM_GC_PROBE);
  } catch (e) {
    return false;
  }
}

/**
 * Fills the notice with why the page cannot run here and returns true, or returns false when it
 * can: a page opened as a file has no worker, and a browser without WebAssembly GC no Java.
 */
function showWhyItCannotRun(notice) {
  if (location.protocol === "file:") {
    const command = document.createElement("code");
    command.textContent = SERVE_COMMAND;
    notice.replaceChildren("This page was opened as a file, and browsers start its worker only when a web server " +
      "serves it. In the Teallama folder, run", command, "and open http://127.0.0.1:8080/ (or put web/target/site " +
      "on any static web server).");
  } else if (!hasWasmGc()) {
    notice.replaceChildren("This browser cannot run Teallama: it needs WebAssembly GC, which Chrome and Edge 119, " +
      "Firefox 120 and Safari 18.2 and their later versions have. Update this browser or open the page in one of those.");
  } else {
    return false;
  }
  notice.hidden = false;
  return true;
}

// ----------------------------------------------------------------------------
// download progress

let downloadClock = null; // { what, since } of the download under way, for its speed
let lastProgress = null;  // the last progress message shown, until its download ends

/** Shows a download's progress: { what, loaded, total } from the worker, total 0 when the size is unknown. */
function showProgress(ui, m) {
  lastProgress = m;
  if (!downloadClock || downloadClock.what !== m.what || m.loaded === 0) {
    downloadClock = { what: m.what, since: performance.now() };
  }
  const seconds = (performance.now() - downloadClock.since) / 1000;
  const speed = seconds >= 0.25 && m.loaded > 0 ? m.loaded / seconds : 0;
  if (m.total > 0) {
    ui.progress.value = Math.min(100, (100 * m.loaded) / m.total);
  } else {
    ui.progress.removeAttribute("value"); // a size nobody told: the bar only shows that it moves
  }
  const parts = [progressSoFar(m)];
  if (speed > 0) parts.push(`${megabytes(speed)}/s`);
  if (speed > 0 && m.total > m.loaded) parts.push(`${duration((m.total - m.loaded) / speed)} left`);
  ui.progressText.textContent = parts.join(" · ");
}

/** What a progress message says has arrived: "model: 3.1 MB of 16.3 MB (19%)". */
function progressSoFar(m) {
  const what = m.from === "storage" ? `${m.what} from storage` : m.what;
  if (m.total <= 0) return `${what}: ${megabytes(m.loaded)}`;
  return `${what}: ${megabytes(m.loaded)} of ${megabytes(m.total)} (${Math.floor(Math.min(100, (100 * m.loaded) / m.total))}%)`;
}

/** The download ended in a loaded model, which says so itself. */
function forgetProgress() {
  lastProgress = null;
}

/**
 * A download that ended without its model loading (stopped, or an error): the line keeps how far
 * it got, with how it ended in place of a speed and a time left that no longer hold.
 */
function settleProgress(ui, how) {
  if (lastProgress === null) return;
  ui.progressText.textContent = `${progressSoFar(lastProgress)} · ${how}`;
  lastProgress = null;
}

function duration(seconds) {
  return seconds < 90 ? `${Math.ceil(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

// ----------------------------------------------------------------------------
// formatting

function megabytes(bytes) {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GB`; // a browser's quota: "289412.3 MB" reads badly
  if (bytes < 1024) { // "0 KB of 0 KB" said nothing of a 27-byte file
    const whole = Math.round(bytes); // a speed is a fraction
    return `${whole} ${whole === 1 ? "byte" : "bytes"}`;
  }
  return bytes < 1048576 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

function count(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}K` : String(n);
}

function baseName(name) {
  return name.split(/[/\\]/).pop();
}

function describeModel(m) {
  const heads = m.nKvHeads < m.nHeads ? `${m.nHeads} heads (${m.nKvHeads} kv)` : `${m.nHeads} heads`;
  return `${baseName(m.name)} · ${count(m.parameters)} parameters · ${m.format} · dim ${m.dim} · ` +
    `${m.nLayers} layers · ${heads} · hidden ${m.hiddenDim} · vocab ${m.vocabSize} · context ${m.seqLen}`;
}

// ----------------------------------------------------------------------------
// the story worker

/**
 * An onmessage handler for a story worker that gives handle each of worker.js's messages, one by
 * one also the token messages that it gathers in one tokens message (see sendTokens there).
 */
function eachWorkerMessage(handle) {
  return (event) => {
    const m = event.data;
    if (m.type === "tokens") m.tokens.forEach((token) => handle(token));
    else handle(m);
  };
}

/** worker.js and what it imports, in that order; then a shard worker's (shard.js's) own. */
const STORY_WORKER_SCRIPTS = ["worker.js", "teallama.wasm-runtime.js", "simd.js", "meeting.js", "threads.js",
  "task-lock.js", "shard-workers.js", "store.js", "download.js"];
const SHARD_WORKER_SCRIPTS = ["shard.js", "teallama.wasm-runtime.js", "simd.js", "meeting.js", "task-lock.js"];

/**
 * Why a worker of these scripts did not start, as far as the page can tell: browsers say little
 * more than that it failed (Firefox: nothing), and run a worker's scripts only when they come as
 * JavaScript. reason is what the browser said, if anything.
 */
async function whyTheWorkerDidNotStart(reason, scripts = STORY_WORKER_SCRIPTS) {
  for (const script of scripts) {
    let answer;
    try {
      answer = await fetch(script, { cache: "no-store" });
    } catch (e) {
      break; // offline, or the server is gone: no more to learn from it
    }
    if (answer.body) answer.body.cancel();
    const type = (answer.headers.get("Content-Type") || "").split(";")[0].trim();
    if (!answer.ok) return `the server answers ${answer.status} for ${script}, one of its scripts.`;
    if (!/^(text|application)\/(javascript|ecmascript|x-javascript)$/i.test(type)) {
      return `the server sends ${script} as "${type || "no type"}"; browsers run a worker only from JavaScript: ` +
        "serve the site's .js files with Content-Type: text/javascript.";
    }
  }
  return `${reason || "the browser gave no reason"}. A Content-Security-Policy of the site must allow it ` +
    "(worker-src 'self').";
}

/**
 * Hears a story worker's errors: one after its first message is the worker's own; one before it
 * means its scripts never ran, so it would hear no Start: it is ended (notStarted is told at once)
 * and the message says why, as far as whyTheWorkerDidNotStart can tell. failed gets the message.
 */
function hearWorkerErrors(w, failed, notStarted) {
  let heard = false;
  w.addEventListener("message", () => {
    heard = true;
  });
  w.onerror = (event) => {
    event.preventDefault();
    if (heard) {
      failed("The worker failed: " + (event.message || "unknown error"));
      return;
    }
    w.terminate();
    notStarted();
    whyTheWorkerDidNotStart(event.message).then((why) => failed("The page's worker could not start: " + why));
  };
}

/**
 * Watches the task locks of a worker (task-lock.js) as it asks, through the handler this returns
 * for its messages (true where it took one): ended is called if the page gets a lock the worker
 * did not let go, that is, where the worker ended without a word. endAll stops every wait.
 */
function watchTaskLocks(worker, ended) {
  const watched = new Map(); // the name of each lock the worker holds -> the AbortController of the wait for it
  return {
    heard(m) {
      if (m.type === "watch") {
        const wait = new AbortController();
        watched.set(m.lock, wait);
        navigator.locks.request(m.lock, { signal: wait.signal }, () => {
          if (!wait.signal.aborted) ended();
        }).catch(() => {}); // the wait was ended: the worker let go of the lock
      } else if (m.type === "unwatch") {
        if (watched.has(m.lock)) watched.get(m.lock).abort();
        watched.delete(m.lock);
        worker.postMessage({ type: "unwatched" });
      } else {
        return false;
      }
      return true;
    },
    endAll() {
      watched.forEach((wait) => wait.abort());
      watched.clear();
    },
  };
}

/** A name for a worker whose task locks the page watches, or none where there are no locks. */
function lockingWorkerName(kind) {
  return navigator.locks ? `teallama-${kind}-${crypto.randomUUID()}` : "";
}

/** How long worker.js, once it has spoken, has to take a story's lock after a start. */
const STORY_ANSWER_MS = 10000;

/** How long a new shard worker has to send its channel, and how many are tried for each shard. */
const SHARD_START_MS = 10000;
const SHARD_START_TRIES = 2;

/**
 * worker.js, and the shard.js workers it asks for to run a model on several threads. The page
 * starts those: Firefox can hang for good in the constructor of a worker started from a worker.
 * Each shard worker sends the page one end of a channel, which goes on to worker.js; terminating
 * worker.js terminates them too. A shard worker that fails, or ends without a word while it loads
 * or serves a story (it holds a lock then, which the page waits for; see task-lock.js), ends
 * every wait in the workers' meeting (meeting.js): worker.js, waiting there for it, would hear
 * neither the failure nor Stop. worker.js holds a lock too while it loads or tells a story; where
 * it ends without a word then, or does not take the lock of a start within STORY_ANSWER_MS (it
 * ended between stories), the worker this returns gets an "ended" event, and is dead.
 */
function newStoryWorker() {
  const worker = new Worker("worker.js", { name: lockingWorkerName("story") });
  let shards = [];          // the shard workers of the set asked for last: {worker, locks, starting} each
  let shardSet = 0;         // that set's number (worker.js numbers them)
  let meetingBuffer = null; // where the shard workers meet now
  const endShard = (shard) => {
    clearTimeout(shard.starting);
    shard.worker.terminate();
    shard.locks.endAll();
  };
  const endShards = () => {
    shards.splice(0).forEach(endShard);
  };
  const failed = (shard, message) => {
    if (!shards.includes(shard)) return; // ended here
    if (meetingBuffer !== null) meeting.failFromOutside(meetingBuffer);
    worker.postMessage({ type: "shard failed", set: shardSet, message });
  };
  let spoken = false;   // the worker has said something: its scripts ran
  let silence = null;   // the timer of a start or bench that no lock has answered yet
  // detail.silent: it did not take a start's lock in time, rather than let one go without a word
  const ended = (silent) => {
    clearTimeout(silence);
    endShards();
    worker.dispatchEvent(new CustomEvent("ended", { detail: { silent: silent === true } }));
  };
  const storyLocks = watchTaskLocks(worker, ended);
  worker.addEventListener("message", (event) => {
    spoken = true;
    if (event.data.type === "watch") clearTimeout(silence);
    if (storyLocks.heard(event.data)) return;
    if (event.data.type === "meeting") meetingBuffer = event.data.buffer;
    if (event.data.type !== "shards") return;
    endShards();
    meetingBuffer = null;
    shardSet = event.data.set;
    const ports = new Array(event.data.count).fill(null);
    for (let i = 0; i < ports.length; i++) shards.push(newShardWorker(shardSet, ports, i, SHARD_START_TRIES));
    if (ports.length === 0) sendPorts(shardSet, ports);
  });

  /** The channels of a set of shard workers, to worker.js, once every one of them has sent its own. */
  function sendPorts(set, ports) {
    if (ports.every(Boolean)) worker.postMessage({ type: "shards", set, ports }, ports);
  }

  /**
   * Shard worker i of set, which sends its end of a channel into ports[i]. One that does not
   * start (its script did not load or run, or no word came within SHARD_START_MS) is replaced by
   * a new one while tries are left; then the set fails, saying why.
   */
  function newShardWorker(set, ports, i, tries) {
    const shard = { worker: new Worker("shard.js", { name: lockingWorkerName("shard") }), locks: null, starting: null };
    shard.locks = watchTaskLocks(shard.worker, () => failed(shard, "a shard worker ended"));
    const didNotStart = (why) => {
      if (!shards.includes(shard)) return;
      if (tries > 1) {
        endShard(shard);
        shards[shards.indexOf(shard)] = newShardWorker(set, ports, i, tries - 1);
      } else {
        failed(shard, `a shard worker did not start: ${why}`);
        endShards();
      }
    };
    shard.starting = setTimeout(() => didNotStart(`no word from it within ${SHARD_START_MS / 1000} s`), SHARD_START_MS);
    shard.worker.onerror = (error) => {
      error.preventDefault();
      if (ports[i] !== null) {
        failed(shard, error.message || "a shard worker failed");
      } else if (tries > 1) {
        didNotStart("");
      } else {
        clearTimeout(shard.starting);
        whyTheWorkerDidNotStart(error.message, SHARD_WORKER_SCRIPTS).then((why) => didNotStart(why.replace(/\.$/, "")));
      }
    };
    shard.worker.onmessage = (message) => {
      if (!shards.includes(shard) || shard.locks.heard(message.data)) return;
      clearTimeout(shard.starting);
      ports[i] = message.ports[0];
      sendPorts(set, ports);
    };
    return shard;
  }

  // worker.js takes a story's lock as the start arrives (see task-lock.js); one that ended
  // between stories, holding none, is heard as silence
  const post = worker.postMessage.bind(worker);
  worker.postMessage = (message, transfer) => {
    if (navigator.locks && spoken && (message.type === "start" || message.type === "bench")) {
      clearTimeout(silence);
      silence = setTimeout(() => ended(true), STORY_ANSWER_MS);
    }
    post(message, transfer);
  };
  const terminate = worker.terminate.bind(worker);
  worker.terminate = () => {
    clearTimeout(silence);
    storyLocks.endAll();
    endShards();
    terminate();
  };
  return worker;
}
