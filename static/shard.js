"use strict";
// A worker that runs one shard of the model for worker.js, when the page may use more than one
// thread (see meeting.js). The page starts it (see newStoryWorker in common.js); it makes a
// channel, keeps one end and sends the other through the page to worker.js, and everything else
// comes through it. (Firefox loses messages posted to a port while its other end is being
// transferred, so the end that moves is the one that is used last.) It reads its rows of the
// model from the chunks worker.js shares as they are downloaded, then serves forward passes until
// the story ends. While it loads or serves, the tasks that worker.js waits on, it holds a Web Lock
// that the page watches, so the page hears when it ends without a word (see task-lock.js).
//
// shard.js -> page: port (the channel's other end in its ports) | watch {lock} | unwatch {lock}
// page -> shard.js: unwatched
// worker.js -> shard.js: init {wasm, memoryBytes} | begin {meeting, shards, length, shard,
//   name, size, simd} | chunk {bytes} | end | run {positions, sequence} | abandon
// shard.js -> worker.js: ready {isolated} | ack {error} (one per begin and chunk) | loaded {error}
//   | serving {error} | failed {message}
// Firefox drops messages holding shared memory that reach a worker in its first moments, so
// worker.js sends none before ready.
importScripts("teallama.wasm-runtime.js", "simd.js", "meeting.js", "task-lock.js");

let api = null;
let memoryBytes = 0;
const channel = new MessageChannel();
const port = channel.port1;    // to worker.js
let queue = Promise.resolve(); // messages are handled one after another, in order

port.onmessage = (message) => {
  queue = queue.then(() => handle(message.data)).catch((e) => {
    meeting.fail();
    port.postMessage({ type: "failed", message: `a shard worker failed (${message.data.type}): ` +
      (e && e.message ? e.message : String(e)) });
  });
};
port.onmessageerror = () => {
  meeting.fail();
  port.postMessage({ type: "failed", message: "a shard worker could not receive shared memory" });
};
postMessage({ type: "port" }, [channel.port2]);

self.onmessage = (message) => {
  taskLock.heard(message.data);
};

async function handle(m) {
  switch (m.type) {
    case "init":
      api = (await TeaVM.wasmGC.load(new Uint8Array(m.wasm), { installImports: simd.install })).exports;
      memoryBytes = m.memoryBytes;
      port.postMessage({ type: "ready", isolated: self.crossOriginIsolated });
      break;
    case "begin":
      await taskLock.hold();
      meeting.attach(m.meeting, m.shards, m.length);
      simd.enabled = m.simd;
      port.postMessage({ type: "ack", error: api.beginModel(m.name, m.shards, false, m.shard, m.size, false, memoryBytes) });
      break;
    case "chunk":
      port.postMessage({ type: "ack", error: api.acceptModel(m.bytes) });
      break;
    case "end":
      port.postMessage({ type: "loaded", error: api.finishModel() });
      await taskLock.release();
      break;
    case "run": {
      await taskLock.hold();
      const error = api.prepareShard(m.positions, memoryBytes);
      port.postMessage({ type: "serving", error });
      if (!error) serve(m.sequence);
      await taskLock.release();
      break;
    }
    case "abandon":
      api.abandonModel();
      await taskLock.release();
      break;
  }
}

/** Runs this shard's part of every position shard 0 begins, until it releases the shards. */
function serve(seen) {
  for (;;) {
    const next = meeting.next(seen);
    seen = next.sequence;
    if (next.command === meeting.RELEASE) return;
    api.forwardShard(next.token, next.pos, next.command === meeting.FORWARD_SUMMING, next.temperatureBits);
  }
}
