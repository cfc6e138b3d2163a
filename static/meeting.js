"use strict";
// Where the workers that run the shards of one model meet (see teallama.parallel.ShardPlan and
// SharedMemoryExchange.java): a SharedArrayBuffer with a few control words and two staging
// areas for activation vectors, used in turn. Shard 0's worker (worker.js) begins every position
// and releases the others (shard.js) when a story ends; every exchange of activations ends at a
// barrier. A waiting worker spins on Atomics.load for a while, then sleeps in Atomics.wait: the
// barriers of a forward pass are microseconds apart, the gap between two stories is not. A worker
// that fails, or the page when a shard worker fails or ends (failFromOutside, from common.js),
// sets FAILED, which ends every wait with an error.

const meeting = (() => {
  const SEQUENCE = 0;    // bumped by each command of shard 0
  const COMMAND = 1;     // FORWARD, FORWARD_SUMMING or RELEASE
  const TOKEN = 2;
  const POS = 3;
  const ARRIVED = 4;     // workers waiting at the barrier
  const GENERATION = 5;  // bumped each time the barrier opens
  const FAILED = 6;      // 1 once a worker has failed: every wait ends in an error
  const TEMPERATURE = 7; // the bits of the temperature at which the shards take softmax's numerators (0: none)
  const CONTROL_BYTES = 64;
  const FORWARD = 1;
  const RELEASE = 2;
  const FORWARD_SUMMING = 3; // FORWARD, and each shard sums the exponentials of its logits (the
                             // inspector's probabilities at temperature 0)
  const SPIN_MS = 0.05;  // how long a worker spins before it sleeps, when every worker has a core:
                         // about what waking from Atomics.wait costs. A wait that lasts longer
                         // means another thread holds the core of the worker waited for (the page
                         // drawing, another program), and spinning on keeps that core's other
                         // thread from running: with a test suite running beside them, two threads
                         // of stories15M ran 50 tok/s spinning 1 ms and 150 spinning 50 µs; alone,
                         // both ran the same (Chromium 361 and 355, 110M int8 76.6 and 76.7)
  const COMMAND_SPIN_MS = 0.5; // how long the other workers spin for shard 0's next command: between
                               // two positions shard 0 picks the token and tells the page (about
                               // 0.2 ms on 110M), and a worker asleep through that woke late, with
                               // shard 0 waiting for it at the next exchange (Chromium, 110M int8,
                               // two threads: about 1% faster; Firefox the same)
  const SPIN_ROUNDS = 256; // Atomics.load rounds between two looks at the clock
  const WAIT_MS = 1000;  // how often a sleeping worker looks for a failure

  let control = null;    // Int32Array over the control words
  let staging = null;    // Float32Array (2, length)
  let length = 0;
  let shards = 1;
  let spin = true;

  /** Joins the meeting in buffer, made by create() in shard 0's worker. */
  function attach(buffer, shardCount, stagingLength) {
    control = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    staging = new Float32Array(buffer, CONTROL_BYTES, 2 * stagingLength);
    length = stagingLength;
    shards = shardCount;
    spin = shardCount <= (navigator.hardwareConcurrency || 1);
  }

  /** A new meeting of shardCount workers that exchange vectors of at most stagingLength floats. */
  function create(shardCount, stagingLength) {
    const buffer = new SharedArrayBuffer(CONTROL_BYTES + 8 * stagingLength);
    attach(buffer, shardCount, stagingLength);
    return buffer;
  }

  function command(kind, token, pos, temperatureBits) {
    Atomics.store(control, COMMAND, kind);
    Atomics.store(control, TOKEN, token);
    Atomics.store(control, POS, pos);
    Atomics.store(control, TEMPERATURE, temperatureBits);
    Atomics.add(control, SEQUENCE, 1);
    Atomics.notify(control, SEQUENCE);
  }

  /** Waits while control[index] holds value: spinning first, for spinMs, then sleeping. */
  function waitWhile(index, value, spinMs) {
    if (spin) {
      const until = performance.now() + spinMs;
      do {
        for (let i = 0; i < SPIN_ROUNDS; i++) {
          if (Atomics.load(control, index) !== value) return checkFailed();
        }
      } while (performance.now() < until);
    }
    while (Atomics.load(control, index) === value) {
      Atomics.wait(control, index, value, WAIT_MS);
      checkFailed();
    }
    checkFailed();
  }

  function failControl(words) {
    Atomics.store(words, FAILED, 1);
    Atomics.notify(words, SEQUENCE);
    Atomics.notify(words, GENERATION);
  }

  function checkFailed() {
    if (Atomics.load(control, FAILED) !== 0) throw new Error("a worker running another shard of the model failed");
  }

  return {
    FORWARD_SUMMING,
    RELEASE,
    create,
    attach,

    /**
     * Why this page's workers cannot meet, or "" where they can. Browsers give shared memory only
     * to cross-origin isolated pages, and isolate only pages from https or localhost, where the
     * service worker (sw.js) can add the headers a plain static server leaves out.
     */
    whyNotShared() {
      if (self.crossOriginIsolated && typeof SharedArrayBuffer === "function") return "";
      if (!self.isSecureContext) {
        return "browsers let workers share memory only on pages from https or localhost, and this one came over " +
          `plain http from ${location.host}`;
      }
      return "this page is not cross-origin isolated, so its workers cannot share memory";
    },

    /** The sequence number of the last command; a worker that starts serving waits for the next. */
    sequence: () => Atomics.load(control, SEQUENCE),

    /**
     * Shard 0: every shard runs this token at this position, summing exponentials if softmaxSum,
     * taking softmax's numerators at the temperature whose float bits temperatureBits holds (0: none).
     */
    begin: (token, pos, softmaxSum, temperatureBits) =>
      command(softmaxSum ? FORWARD_SUMMING : FORWARD, token, pos, temperatureBits),

    /** Shard 0: the story is over; the other workers go back to their messages. */
    release: () => command(RELEASE, 0, 0, 0),

    /** The other shards: waits for the command after sequence seen. */
    next(seen) {
      waitWhile(SEQUENCE, seen, COMMAND_SPIN_MS);
      return {
        sequence: Atomics.load(control, SEQUENCE), command: Atomics.load(control, COMMAND),
        token: Atomics.load(control, TOKEN), pos: Atomics.load(control, POS),
        temperatureBits: Atomics.load(control, TEMPERATURE),
      };
    },

    /** Waits until every shard has arrived. */
    meet() {
      const generation = Atomics.load(control, GENERATION);
      if (Atomics.add(control, ARRIVED, 1) === shards - 1) {
        Atomics.store(control, ARRIVED, 0);
        Atomics.add(control, GENERATION, 1);
        Atomics.notify(control, GENERATION);
        return;
      }
      waitWhile(GENERATION, generation, SPIN_MS);
    },

    /** Writes values at [from, from + values.length) of staging area turn. */
    put(turn, from, values) {
      staging.set(values, turn * length + from);
    },

    /** [from, to) of staging area turn, as a view. */
    get(turn, from, to) {
      return staging.subarray(turn * length + from, turn * length + to);
    },

    /** Ends every wait of every worker with an error: one of them cannot go on. */
    fail() {
      if (control !== null) failControl(control);
    },

    /**
     * The page: ends every wait in the meeting in buffer, one of whose workers failed or ended
     * without a word. The others cannot hear it any other way while they wait there.
     */
    failFromOutside(buffer) {
      failControl(new Int32Array(buffer, 0, CONTROL_BYTES / 4));
    },
  };
})();
