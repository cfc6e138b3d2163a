"use strict";
// The worker owns the model and the story. It downloads, hands the bytes to Java (TeaVM's
// WebAssembly build of teallama.web.WorkerApi) and runs generation in short slices so that a
// stop is heard between tokens. Every message to the page is built in Java (Messages.java).
importScripts("teallama.wasm-runtime.js");

const apiReady = TeaVM.wasmGC.load("teallama.wasm").then((teavm) => teavm.exports);
let api = null;
let loadedKey = null;      // which model and tokenizer are in memory
let generating = false;
let download = null;       // the AbortController of a download under way

const SLICE_MS = 10;       // longest run of tokens between two looks at the message queue
const tick = new MessageChannel();
tick.port1.onmessage = generateSlice;

function generateSlice() {
  const until = performance.now() + SLICE_MS;
  try {
    while (generating && performance.now() < until) {
      generating = api.step();
    }
  } catch (e) {
    generating = false;
    api.fail("generation failed: " + describe(e));
  }
  if (generating) {
    tick.port2.postMessage(null);
  }
}

function describe(e) {
  return e && e.message ? e.message : String(e);
}

function sourceKey(source) {
  return source.file ? `file:${source.file.name}:${source.file.size}:${source.file.lastModified}` : `url:${source.url}`;
}

function sourceName(source) {
  return source.file ? source.file.name : source.url;
}

/** The bytes of a URL or a local file, reporting progress as they arrive. */
async function readSource(source, what, signal) {
  if (source.file) {
    api.progress(what, 0, source.file.size);
    const buffer = await source.file.arrayBuffer();
    api.progress(what, buffer.byteLength, buffer.byteLength);
    return buffer;
  }
  let response;
  try {
    response = await fetch(source.url, { signal });
  } catch (e) {
    if (signal.aborted) throw e;
    throw new Error(`${source.url}: could not download it (${describe(e)}); check the address and your ` +
      "connection, and that the server allows downloads from other sites (CORS)");
  }
  if (!response.ok) {
    throw new Error(`${source.url}: the server answered ${response.status} ${response.statusText}`.trim());
  }
  const total = Number(response.headers.get("Content-Length")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let loaded = 0;
  let reported = -1;
  api.progress(what, 0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    const percent = total ? Math.floor((100 * loaded) / total) : Math.floor(loaded / 1048576);
    if (percent !== reported) {
      reported = percent;
      api.progress(what, loaded, total);
    }
  }
  api.progress(what, loaded, loaded);
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes.buffer;
}

async function load(model, tokenizer) {
  const key = sourceKey(model) + " " + sourceKey(tokenizer);
  if (key === loadedKey) return true;
  loadedKey = null;
  download = new AbortController();
  const signal = download.signal;
  try {
    const modelBuffer = await readSource(model, "model", signal);
    const tokenizerBuffer = await readSource(tokenizer, "tokenizer", signal);
    if (!api.load(modelBuffer, sourceName(model), tokenizerBuffer, sourceName(tokenizer))) return false;
    loadedKey = key;
    return true;
  } catch (e) {
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

async function start(message) {
  if (!(await load(message.model, message.tokenizer))) return;
  const s = message.settings;
  if (api.start(s.prompt, s.temperature, s.topp, s.steps, s.seed)) {
    generating = true;
    tick.port2.postMessage(null);
  }
}

/**
 * The benchmark: downloads once, then per run hands the bytes to Java again and writes a whole
 * story without yielding, so each run's done message times load-to-first-token and tok/s.
 */
async function bench(message) {
  loadedKey = null;
  download = new AbortController();
  const signal = download.signal;
  let modelBuffer;
  let tokenizerBuffer;
  try {
    modelBuffer = await readSource(message.model, "model", signal);
    tokenizerBuffer = await readSource(message.tokenizer, "tokenizer", signal);
  } catch (e) {
    if (!signal.aborted) api.fail(describe(e));
    return;
  } finally {
    download = null;
  }
  for (let run = 0; run < message.runs; run++) {
    if (!api.load(modelBuffer, sourceName(message.model), tokenizerBuffer, sourceName(message.tokenizer))) return;
    if (!api.start("", "0", "0.9", String(message.steps), "1")) return;
    while (api.step()) {
      // one position per call, as in a story; the page hears every token
    }
  }
}

/** Ends the download or the story under way; why is "stop" (the user's) or "restart". */
function stop(why) {
  if (download) {
    download.abort(why);
  }
  if (generating) {
    generating = false;
    api.stop();
  }
}

onmessage = async (event) => {
  const message = event.data;
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
      stop("restart");
      await start(message);
    } else if (message.type === "bench") {
      stop("restart");
      await bench(message);
    } else if (message.type === "stop") {
      stop("stop");
    } else if (message.type === "encode") {
      api.encode(message.prompt);
    }
  } catch (e) {
    generating = false;
    api.fail(describe(e));
  }
};
