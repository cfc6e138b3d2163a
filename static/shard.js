"use strict";
// A worker that runs one shard of the model for worker.js, which starts it when the page may use
// more than one thread (see meeting.js). It reads its rows of the model from the chunks worker.js
// shares as they are downloaded, then serves forward passes until the story ends.
//
// worker.js -> shard.js: init {wasm, memoryBytes} | begin {meeting, shards, length, requested, shard,
//   name, size} | chunk {bytes} | end | run {positions, sequence} | abandon
// shard.js -> worker.js: ack {error} (one per chunk) | loaded {error} | serving {error}
importScripts("teallama.wasm-runtime.js", "meeting.js");

let api = null;
let memoryBytes = 0;
let queue = Promise.resolve(); // messages are handled one after another, in order

onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch((e) => {
    meeting.fail();
    postMessage({ type: "failed", message: e && e.message ? e.message : String(e) });
  });
};

async function handle(m) {
  switch (m.type) {
    case "init":
      api = (await TeaVM.wasmGC.load(new Uint8Array(m.wasm))).exports;
      memoryBytes = m.memoryBytes;
      break;
    case "begin":
      meeting.attach(m.meeting, m.shards, m.length);
      postMessage({ type: "ack", error: api.beginModel(m.name, m.requested, m.shard, m.size, memoryBytes) });
      break;
    case "chunk":
      postMessage({ type: "ack", error: api.acceptModel(m.bytes) });
      break;
    case "end":
      postMessage({ type: "loaded", error: api.finishModel() });
      break;
    case "run": {
      const error = api.prepareShard(m.positions, memoryBytes);
      postMessage({ type: "serving", error });
      if (!error) serve(m.sequence);
      break;
    }
    case "abandon":
      api.abandonModel();
      break;
  }
}

/** Runs this shard's part of every position shard 0 begins, until it releases the shards. */
function serve(seen) {
  for (;;) {
    const next = meeting.next(seen);
    seen = next.sequence;
    if (next.command === meeting.RELEASE) return;
    api.forwardShard(next.token, next.pos);
  }
}
