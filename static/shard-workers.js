"use strict";
// The shard workers as worker.js sees them: with a model on n threads, worker.js runs shard 0 and
// shard.js workers run shards 1..n-1, each reached through a MessagePort that the page sends
// (Firefox can hang starting a worker from a worker; see common.js). This file keeps them: asks
// the page for them, hands each its blocks of the model, sets them serving a story, and forgets
// them when one fails. They meet in the forward pass through meeting.js.
//
// worker.js -> shard worker: init {wasm, memoryBytes} | begin | chunk | end | abandon | run (see
//   shard.js); each answers init, end and run, and acknowledges begin and chunk (ack {error?}),
//   or says failed {message} when it fails outside any message.

const shardWorkers = (() => {
  const CHUNKS_IN_FLIGHT = 2;       // blocks a shard worker may have to read before the download waits
  const SERVE_ANSWER_MS = 5000;     // how long a shard worker may take to answer run (it answers at once)

  let workers = [];          // shards 1..n-1, {port, inFlight, waiting, replies, failed} each; kept for a model on as many threads
  let setsAsked = 0;         // sets of shard workers asked of the page so far
  let set = 0;               // the number of the set in workers, or of the set asked for; 0 once forgotten
  let portsArrived = null;   // {resolve, reject}: the ports the page sends for new shard workers
  let serving = false;       // they are in their forward loop, serving a story
  let lost = () => {};       // called when they cannot be trusted to be in step: the model must load again

  /**
   * Shard workers for shards 1..n-1 (none for n = 1), started (or kept) with the WebAssembly
   * module. The page starts them and ends those of a model on other threads: kept idle, each
   * held its module and its shard of that model.
   */
  async function forThreads(n, wasm, memoryBytes) {
    if (workers.length !== n - 1) {
      const ports = await new Promise((resolve, reject) => {
        portsArrived = { resolve, reject };
        set = ++setsAsked;
        postMessage({ type: "shards", count: n - 1, set });
      });
      portsArrived = null;
      workers = ports.map((port) => {
        const shard = { port, inFlight: 0, waiting: [], replies: [], failed: null };
        port.onmessage = (event) => onMessage(shard, event.data);
        return shard;
      });
      const replies = await Promise.all(workers.map((shard) => ask(shard, { type: "init", wasm, memoryBytes })));
      if (replies.some((reply) => reply.error || !reply.isolated)) {
        workers = [];
        set = 0;
        throw new Error(replies.map((reply) => reply.error).find(Boolean) ||
          "a shard worker is not cross-origin isolated, so it cannot share memory");
      }
    }
    return workers;
  }

  /** The page's answer to a shards message: one port for each new shard worker of the set. */
  function portsReceived(portsSet, ports) {
    if (portsArrived !== null && portsSet === set) portsArrived.resolve(ports);
  }

  /** A stop: the shard workers asked for are not waited for; the next load asks for a new set. */
  function stopWaiting() {
    if (portsArrived === null) return;
    portsArrived.reject(new Error("stopped"));
    portsArrived = null;
    set = 0;
  }

  /**
   * The page heard a shard worker of set fail. A set asked for before the one at hand was
   * forgotten already; its news, which may cross a newer set's shards message, is not that set's.
   */
  function failedInSet(failedSet, why) {
    if (failedSet === set && set !== 0) failed(why);
  }

  /**
   * A shard worker failed outside any message (the page heard it, or the worker said so): every
   * wait of the others ends, and the next story loads its model again, on new shard workers,
   * which the message says, so that a reader knows Start is worth pressing.
   */
  function failed(why) {
    const message = `${why}; the next Start loads the model again on new workers`;
    if (portsArrived !== null) {
      portsArrived.reject(new Error(message));
      portsArrived = null;
    }
    meeting.fail();
    for (const shard of workers) {
      shard.failed = shard.failed || message;
      shard.waiting.splice(0).forEach((resolve) => resolve());
      shard.replies.splice(0).forEach((reply) => reply({ error: message }));
    }
    forget();
  }

  /**
   * The shard workers cannot be trusted to be in step with worker.js (one failed, or worker.js
   * failed in the middle of a position): the model is loaded again, on new workers, for the next story.
   */
  function forget() {
    set = 0;
    if (workers.length === 0) return;
    meeting.fail();
    serving = false;
    workers = [];
    lost();
  }

  function onMessage(shard, m) {
    if (!workers.includes(shard)) return; // a worker forgotten after a failure
    if (m.type === "ack") {
      shard.inFlight--;
      if (m.error && !shard.failed) shard.failed = m.error;
      shard.waiting.splice(0).forEach((resolve) => resolve());
    } else if (m.type === "failed") {
      failed(m.message);
    } else {
      const reply = shard.replies.shift();
      if (reply) reply(m);
    }
  }

  /** Posts a message that the worker acknowledges, waiting first while it has too many to read. */
  async function deliver(shard, message) {
    while (shard.inFlight >= CHUNKS_IN_FLIGHT && !shard.failed) {
      await new Promise((resolve) => shard.waiting.push(resolve));
    }
    if (shard.failed) throw new Error(shard.failed);
    shard.inFlight++;
    shard.port.postMessage(message);
  }

  /** Posts a message and waits for the worker's answer (loaded or serving). */
  function ask(shard, message) {
    return new Promise((resolve) => {
      shard.replies.push(resolve);
      shard.port.postMessage(message);
    });
  }

  /**
   * Starts (or reuses) the shard workers for shards 1..n-1 of a model and tells each what it
   * reads; they meet in a new meeting of exchangeLength floats, which the page hears of.
   */
  async function begin(n, wasm, memoryBytes, exchangeLength, name, size) {
    await forThreads(n, wasm, memoryBytes);
    const buffer = meeting.create(n, exchangeLength);
    postMessage({ type: "meeting", buffer });
    for (let s = 1; s < n; s++) {
      const shard = workers[s - 1];
      shard.failed = null;
      shard.inFlight = 0;
      await deliver(shard, { type: "begin", meeting: buffer, shards: n, length: exchangeLength, shard: s, name, size,
        simd: simd.enabled });
    }
    return workers;
  }

  /** The model's block of bytes to every shard worker of it, each as soon as it has room. */
  async function deliverBlock(shards, bytes) {
    for (const shard of shards) await deliver(shard, { type: "chunk", bytes });
  }

  /** Every shard worker of the model read its last block; throws what any of them refused. */
  async function end(shards) {
    const ends = await Promise.all(shards.map((shard) => ask(shard, { type: "end" })));
    // a shard that refused a block says why in that block's ack, which came before its answer to end
    shards.forEach((shard, s) => {
      const error = shard.failed || ends[s].error;
      if (error) throw new Error(error);
    });
  }

  function abandon(shards) {
    for (const shard of shards) shard.port.postMessage({ type: "abandon" });
  }

  /**
   * Sets the first count shard workers serving forward passes for a story of this many positions.
   * Between stories they hold no lock (see task-lock.js), so one that ended then is heard
   * only as silence: it fails after SERVE_ANSWER_MS.
   */
  async function serve(count, positions) {
    if (count <= 0) return;
    const sequence = meeting.sequence();
    const replies = await Promise.all(workers.slice(0, count).map((shard) => {
      const silence = setTimeout(() => failed(`a shard worker did not answer within ${SERVE_ANSWER_MS / 1000} s, ` +
        "as one that ended between stories does"), SERVE_ANSWER_MS);
      return ask(shard, { type: "run", positions, sequence }).finally(() => clearTimeout(silence));
    }));
    serving = true;
    const refused = replies.find((reply) => reply.error);
    if (refused) {
      release();
      throw new Error(refused.error);
    }
  }

  /** The story ended: the serving shard workers leave their forward loop. */
  function release() {
    if (serving) {
      serving = false;
      meeting.release();
    }
  }

  return {
    CHUNKS_IN_FLIGHT,
    count: () => workers.length,
    whenLost: (callback) => { lost = callback; },
    forThreads, portsReceived, stopWaiting, failedInSet, forget, begin, deliverBlock, end, abandon, serve, release,
  };
})();
