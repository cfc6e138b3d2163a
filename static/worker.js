"use strict";
// The worker owns the model and the story. It downloads the model and hands its bytes to Java
// (TeaVM's WebAssembly build of teallama.web.WorkerApi) as they arrive, and runs generation in
// short slices so that a stop is heard between tokens. The messages about a model and a story
// are built in Java (Messages.java). With more than one thread, this worker runs shard 0 of the
// model and shard.js workers run the others (shard-workers.js keeps them, meeting.js is where
// they meet). Downloads are read in download.js; a model or tokenizer downloaded from an
// address is kept in the model store (store.js) once the whole load succeeded, and read from
// there the next time.
//
// page -> worker: start {model, tokenizer, settings} | bench {model, tokenizer, steps, threads, inspect,
//   kernels ("simd", the default, or "scalar")}
//   | idle {threads} | stop | encode {prompt} | texts {story, tokens} (see answerTexts)
//   | shards {set, ports} | shard failed {set, message} | unwatched (task-lock.js)
// worker -> page: watch {lock} | unwatch {lock} (task-lock.js); the messages of Messages.java (token messages gathered in tokens {tokens}, see
//   sendTokens); texts {story, texts}; shards {count, set}: end the shard.js workers and start
//   this many (maybe none), the set numbered set; meeting {buffer}: where they meet now, for the
//   page to end every wait in it when one of them ends; memory {keptBytes}: what the workers
//   keep, before a load's end is told (see tellMemory); idle {threads}: the workers are up;
//   threads {threads, threadNote}: a start keeps the model in memory, on as many threads, where a
//   load would say ready; error {message} when the WebAssembly module cannot start
importScripts("teallama.wasm-runtime.js", "simd.js", "meeting.js", "threads.js", "task-lock.js", "shard-workers.js",
  "store.js", "download.js");

// The longest run of tokens between two looks at the message queue (a stop is heard within it),
// and between two messages that bring the page its tokens: each message wakes the page's thread,
// which, where every core runs a shard, takes a worker's core while the others wait for it at
// their next meeting. Chromium, 110M int8 on two threads, before the SIMD kernels: bench.html 94.3 tok/s sending every
// 10 ms, 96.5 every 100 ms, as fast as sending none; the story page 86.6 every 40 ms, 88.8 every 100.
// The page draws the story every 100 ms at most (story.js); a story's first piece goes at once.
const SLICE_MS = 100;

const wasmReady = fetchWasm();
const apiReady = wasmReady.then((bytes) => TeaVM.wasmGC.load(new Uint8Array(bytes), { installImports: simd.install }))
  .then((teavm) => teavm.exports);
let api = null;
let loadedKey = null;      // which model, tokenizer, threads and kernels are in memory
let loadedShards = 0;      // how many shards it is split into
let generating = false;
let download = null;       // the AbortController of a download under way
let starts = 0;            // start and bench messages received
let stoppedStarts = 0;     // a stop ends every start that arrived before it, even after its load
let startsAtHand = 0;      // start and bench messages not yet handled to their end

shardWorkers.whenLost(() => {
  loadedKey = null;
  loadedShards = 0;
});

const tick = new MessageChannel();
tick.port1.onmessage = generateSlice;

// Token messages (Messages.java posts one per position) reach the page a slice at a time, as one
// tokens message {type: "tokens", tokens: [...]}: each message wakes the page's thread, and on a
// machine whose cores all run shards, the woken thread took the core of the shard that posted,
// for 80 to 200 microseconds at a time (a 15M token takes 3 ms on two threads). Any other
// message sends the tokens before it first.
const postToPage = self.postMessage.bind(self);
let pendingTokens = [];
self.postMessage = (message, transfer) => {
  if (message && message.type === "token") {
    pendingTokens.push(message);
    if (message.tokens === 1) sendTokens(); // a story's first piece shows at once
    return;
  }
  sendTokens();
  postToPage(message, transfer);
};

function sendTokens() {
  if (pendingTokens.length > 0) {
    postToPage({ type: "tokens", tokens: pendingTokens });
    pendingTokens = [];
  }
}

// ----------------------------------------------------------------------------
// the WebAssembly module

/** The module's bytes; a missing or mistyped file is the server's problem, and says so. */
async function fetchWasm() {
  let response;
  try {
    response = await fetch("teallama.wasm");
  } catch (e) {
    throw new Error(`could not download teallama.wasm (${describe(e)}); is the server running?`);
  }
  if (!response.ok) {
    throw new Error(`the server answered ${response.status} for teallama.wasm: the site is incomplete ` +
      "(build it with mvn -B package -DskipTests and serve web/target/site)");
  }
  const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
  if (type !== "application/wasm") {
    throw new Error(`the server sends teallama.wasm as "${type || "no type"}"; it must send ` +
      "Content-Type: application/wasm");
  }
  return response.arrayBuffer();
}

function describe(e) {
  return e && e.message ? e.message : String(e);
}

/** What this browser lets the heap hold, for Java to check a model and a story against. */
function memoryBytes() {
  const limit = self.performance && performance.memory && performance.memory.jsHeapSizeLimit;
  return limit || 4 * 2 ** 30;
}

// ----------------------------------------------------------------------------
// loading a model into one or more workers

/**
 * Streams the model into Java (shard 0 here, the other shards in shard workers) and reads its
 * tokenizer; returns whether a model is ready. Download and reading errors stop the download at
 * once and are posted to the page. With store, stored files are read from the model store and
 * downloads are kept there once both files have loaded.
 */
async function load(model, tokenizer, threadSetting, store) {
  const plan = threadPlan(threadSetting);
  const key = `${downloads.sourceKey(model)} ${downloads.sourceKey(tokenizer)} ${simd.enabled}`;
  if (key === loadedKey && api.shardsFor(plan.threads, plan.auto) === loadedShards) {
    // asked for other threads that split it as it is: the page hears what runs now
    postMessage({ type: "threads", threads: loadedShards,
      threadNote: threadNote(plan, loadedShards, api.shardsFor(MAX_THREADS, false)) });
    return true;
  }
  loadedKey = null;
  loadedShards = 0;
  download = new AbortController();
  const signal = download.signal;
  const name = downloads.sourceName(model);
  const memory = memoryBytes();
  let modelSize = -1;
  let shards = null;       // the shard workers of this model, once its header is in
  let early = [];          // blocks read before the header said how the model splits
  const keepers = store ? [] : null;
  const check = (error) => {
    if (error) throw new Error(error);
  };
  const consume = async (bytes) => {
    check(api.acceptModel(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    if (shards === null) {
      early.push(bytes);
      const n = api.modelShards();
      if (n === 0) return;
      const wasm = await wasmReady;
      shards = n > 1 ? await shardWorkers.begin(n, wasm, memory, api.exchangeLength(), name, modelSize)
        : await shardWorkers.forThreads(1, wasm, memory);
    }
    const blocks = shards.length > 0 ? (early || [bytes]) : [];
    early = null;
    for (const block of blocks) {
      await shardWorkers.deliverBlock(shards, new Int8Array(block.buffer, block.byteOffset, block.byteLength));
    }
  };
  try {
    const modelBytes = await downloads.readBlocks(model, "model", signal, {
      onSize: (size, estimate) => {
        modelSize = estimate ? -1 : size; // this worker's reader alone checks an estimate
        check(api.beginModel(name, plan.threads, plan.auto, 0, size, estimate, memory));
      },
      consume, inFlight: plan.threads > 1 ? shardWorkers.CHUNKS_IN_FLIGHT : 0, keepers, progress: api.progress,
    });
    check(api.finishModel());
    await shardWorkers.end(shards || []);
    const note = threadNote(plan, (shards || []).length + 1, api.shardsFor(MAX_THREADS, false));
    const tokenizerName = downloads.sourceName(tokenizer);
    const tokenizerBytes = await downloads.readWhole(tokenizer, "tokenizer", signal, {
      check: (bytes) => check(api.checkTokenizerSize(tokenizerName, bytes)), keepers, progress: api.progress,
    });
    tellMemory();
    if (!api.loadTokenizer(new Int8Array(tokenizerBytes.buffer), tokenizerName, modelBytes, note)) {
      abortKeeping(keepers);
      return false;
    }
    loadedKey = key;
    loadedShards = shards.length + 1;
    commitKeeping(keepers);
    return true;
  } catch (e) {
    abortKeeping(keepers);
    api.abandonModel();
    shardWorkers.abandon(shards || []);
    tellMemory();
    if (!signal.aborted) {
      api.fail(describe(e));
    } else if (signal.reason === "stop") {
      api.cancelled();
    }
    return false;
  } finally {
    if (download && download.signal === signal) download = null;
  }
}

/**
 * Tells the page, before it hears how a load ended, the linear memory this worker and its shard
 * workers keep whatever they load next: what this one's matrices ever took at most, for each of
 * them, as every shard holds about as much of a model. A stopped load keeps what it had taken.
 */
function tellMemory() {
  postMessage({ type: "memory", keptBytes: api.keptBytes() * (shardWorkers.count() + 1) });
}

/** The load succeeded: what was downloaded is stored now, and the page hears whether it could be. */
function commitKeeping(keepers) {
  for (const { what, keeper } of keepers || []) {
    keeper.commit().then((kept) => api.kept(what, kept.url, kept.bytes, kept.failure));
  }
}

function abortKeeping(keepers) {
  for (const { keeper } of keepers || []) keeper.abort();
}

// ----------------------------------------------------------------------------
// stories

function generateSlice() {
  const until = performance.now() + SLICE_MS;
  try {
    while (generating && performance.now() < until) {
      generating = api.step();
    }
  } catch (e) {
    generating = false;
    shardWorkers.forget();
    api.fail("generation failed: " + describe(e));
  }
  sendTokens();
  if (generating) {
    tick.port2.postMessage(null);
  } else {
    shardWorkers.release();
    settleTaskLock();
  }
}

/**
 * The page watches a lock this worker holds from a start until its story ends (task-lock.js), so
 * that it hears if the worker ends without a word in between; here, once nothing is at hand, it
 * is let go.
 */
function settleTaskLock() {
  if (startsAtHand === 0 && !generating) taskLock.release();
}

/**
 * Loads what the story needs and starts it, unless a stop came meanwhile: a stop is heard at once
 * (see onmessage), while this waits for the load and for the shard workers.
 */
async function start(message, arrival) {
  const stopped = () => arrival <= stoppedStarts;
  const cancelled = () => {
    if (arrival === starts) api.cancelled(); // else a newer start says what happens
  };
  if (stopped()) return cancelled();
  simd.enabled = true;
  if (!(await load(message.model, message.tokenizer, message.settings.threads, true))) return; // it says why
  if (stopped()) return cancelled();
  const s = message.settings;
  if (!api.start(s.prompt, s.temperature, s.topp, s.steps, s.seed, s.keep || "0", !!s.inspect, memoryBytes())) return;
  await shardWorkers.serve(loadedShards - 1, api.storyPositions());
  if (stopped()) {
    api.stop();
    shardWorkers.release();
    return;
  }
  generating = true;
  tick.port2.postMessage(null);
}

/**
 * A run of the benchmark: loads the model (downloaded, never from the model store) and writes a
 * whole story without yielding, so the done message times load-to-first-token and tok/s. The
 * page gives each run a fresh worker (bench.js).
 */
async function bench(message) {
  loadedKey = null;
  simd.enabled = message.kernels !== "scalar";
  if (!(await load(message.model, message.tokenizer, message.threads, false))) return;
  if (!api.start("", "0", "0.9", String(message.steps), "1", "0", !!message.inspect, memoryBytes())) return;
  await shardWorkers.serve(loadedShards - 1, api.storyPositions());
  try {
    let send = performance.now() + SLICE_MS;
    while (api.step()) { // one position per call, as in a story; the page hears every token
      if (performance.now() >= send) {
        sendTokens();
        send = performance.now() + SLICE_MS;
      }
    }
  } finally {
    shardWorkers.release();
  }
}

/**
 * The benchmark's baseline: the workers a model would run on, this one and the shard workers for
 * threads, each with the WebAssembly module instantiated, and no model.
 */
async function idle(message) {
  const plan = threadPlan(message.threads);
  if (plan.threads > 1) await shardWorkers.forThreads(plan.threads, await wasmReady, memoryBytes());
  postMessage({ type: "idle", threads: plan.threads });
}

/** Ends the download or the story under way; why is "stop" (the user's) or "restart". */
function stop(why) {
  stoppedStarts = why === "restart" ? starts - 1 : starts;
  if (download) {
    download.abort(why);
  }
  shardWorkers.stopWaiting();
  if (generating) {
    generating = false;
    api.stop();
    shardWorkers.release();
  }
}

/**
 * The page asks for the texts of the candidates it shows, {type: "texts", story, tokens: [id, ...]},
 * rather than have them in every token message; the answer {type: "texts", story, texts: [[id,
 * text], ...]} names the story it answers and leaves out ids the tokenizer in memory does not have.
 */
function answerTexts(message) {
  const texts = [];
  for (const token of Array.isArray(message.tokens) ? message.tokens : []) {
    const text = Number.isInteger(token) ? api.readable(token) : null;
    if (typeof text === "string") texts.push([token, text]);
  }
  postMessage({ type: "texts", story: message.story, texts });
}

// Stops, the shard workers' news and the page's questions are heard at once; a start, a bench
// or an idle waits for the one before to be done (it may be loading a model), so that two
// stories never interleave.
let handled = Promise.resolve();

onmessage = (event) => {
  const message = event.data;
  if (taskLock.heard(message)) return;
  if (message.type === "shards") {
    shardWorkers.portsReceived(message.set, message.ports);
    return;
  }
  if (message.type === "shard failed") {
    shardWorkers.failedInSet(message.set, message.message);
    return;
  }
  if (message.type === "stop") {
    stop("stop");
    return;
  }
  if (message.type === "encode" || message.type === "texts") {
    handle(message, 0);
    return;
  }
  let arrival = 0;
  if (message.type === "start" || message.type === "bench") {
    arrival = ++starts;
    startsAtHand++;
    taskLock.hold();
    stop("restart");
  }
  handled = handled.then(() => handle(message, arrival)).finally(() => {
    if (arrival === 0) return;
    startsAtHand--;
    settleTaskLock();
  });
};

async function handle(message, arrival) {
  try {
    api = await apiReady;
  } catch (e) {
    // the one message Java cannot build: Java did not start
    postMessage({ type: "error", message: "this browser could not start Teallama's WebAssembly: " + describe(e) });
    return;
  }
  try {
    if (message.type === "start") {
      api.pressedStart();
      await start(message, arrival);
    } else if (message.type === "bench") {
      await bench(message);
    } else if (message.type === "idle") {
      await idle(message);
    } else if (message.type === "encode") {
      api.encode(message.prompt);
    } else if (message.type === "texts") {
      answerTexts(message);
    }
  } catch (e) {
    generating = false;
    shardWorkers.release();
    api.fail(describe(e));
  }
}
