"use strict";
// Downloads for worker.js: a model or tokenizer from an address, a local file or the model
// store (store.js), read in blocks as the bytes arrive, with progress, so that Java checks a
// header after its first few kilobytes and a refused download stops at once.
//
// downloads.readBlocks(source, what, signal, {onSize, consume, inFlight, keepers, progress})
// downloads.readWhole(source, what, signal, {check, keepers, progress})
// downloads.sourceKey(source), downloads.sourceName(source)
// A source is {url} or {file}; what names it in progress ("model", "tokenizer").

const downloads = (() => {
  const FIRST_BLOCK = 4096;         // the header is checked after this many bytes
  const BLOCK = 1 << 20;            // later bytes go to Java a megabyte at a time
  const READ_BYTES = 1 << 16;       // the most one read of a download takes
  const PIECE_BYTES = 16 << 20;     // a download in pieces asks for this much at a time (see inPieces)
  // Chromium holds a download back until the worker reads it, and a request costs it some 35 ms
  // (110M loaded in 2.6 s in pieces, 1.6 s whole); Firefox holds what the worker has not read.
  const DOWNLOADS_IN_PIECES = /\bFirefox\//.test(navigator.userAgent);

  // Progress goes to the page at most this often, besides a read's start and end and where it
  // stopped, as the story does: each report has the page draw, and each frame takes a core from the
  // workers that read the model (110M fp32 from storage on two threads, Chromium: first token after
  // 2.89 s with a report at every percent, 2.79 s at most ten a second; medians of 4 taking turns).
  const PROGRESS_GAP_MS = 100;

  // A download whose bytes are already in the browser's buffers is read in promises that never let
  // a message in: a Stop waited until all of them were read (15M int8 read to its end). A block
  // read LOOP_TURN_MS after the last turn of the event loop ends with one (a turn after every
  // block made 110M load 10% slower in Chromium).
  const LOOP_TURN_MS = 20;
  const loopTurn = new MessageChannel();
  const loopTurnsAwaited = [];
  let lastLoopTurn = 0;
  loopTurn.port1.onmessage = () => loopTurnsAwaited.shift()();

  function letMessagesIn() {
    if (performance.now() - lastLoopTurn < LOOP_TURN_MS) return null;
    return new Promise((resolve) => {
      loopTurnsAwaited.push(() => {
        lastLoopTurn = performance.now();
        resolve();
      });
      loopTurn.port2.postMessage(null);
    });
  }

  /** An error's message, for the messages this file builds. */
  function describe(e) {
    return e && e.message ? e.message : String(e);
  }

  /** What identifies a source among loads: its URL, or a local file's name, size and date. */
  function sourceKey(source) {
    return source.file ? `file:${source.file.name}:${source.file.size}:${source.file.lastModified}` : `url:${source.url}`;
  }

  /** A source's name in messages: its URL or its file name. */
  function sourceName(source) {
    return source.file ? source.file.name : source.url;
  }

  /**
   * A reader of a stream's bytes that reads them into the same buffer each time, where the stream
   * allows it (a byte stream, as fetch and file bodies are in current browsers), else a plain reader.
   * A plain reader makes a new buffer for every chunk, and the browser frees those only when it
   * next collects garbage: while a model downloads, most of its size piles up beside its weights.
   */
  function chunkReader(stream) {
    let reader;
    try {
      reader = stream.getReader({ mode: "byob" });
    } catch (e) {
      return stream.getReader();
    }
    let buffer = new ArrayBuffer(READ_BYTES);
    return {
      async read() {
        const result = await reader.read(new Uint8Array(buffer));
        if (result.value) buffer = result.value.buffer; // a read moves the buffer into the view it returns
        return result;
      },
      cancel: (reason) => reader.cancel(reason),
      releaseLock: () => reader.releaseLock(),
    };
  }

  // A stored model's stream in Chromium now and then stops giving bytes for good, its read never
  // settling (110M fp32 from storage on two threads: 4 of some 75 loads, each at 31 to 55%).
  // A file's read (stored or chosen) that gives nothing for FILE_STALL_MS goes on from where it
  // stopped, on a new stream; FILE_STALLS in a row with no byte between them end the read.
  const FILE_STALL_MS = 2000;
  const FILE_STALLS = 3;

  class ReadStalled extends Error {}

  // A browser waits on a silent server for good: a download whose answer, or whose next bytes, do
  // not come for NETWORK_STALL_MS while the worker waits for them is ended.
  const NETWORK_STALL_MS = 30000;

  /**
   * A signal that follows `signal` and also ends a wait that lasts NETWORK_STALL_MS: `waiting`
   * wraps each wait for the network (the time the worker spends on the bytes does not count).
   */
  function stallWatch(signal) {
    const controller = new AbortController();
    const follow = () => controller.abort(signal.reason);
    if (signal.aborted) follow();
    else signal.addEventListener("abort", follow, { once: true });
    let stalled = false;
    return {
      signal: controller.signal,
      stalled: () => stalled,
      async waiting(wait) {
        const timer = setTimeout(() => {
          stalled = true;
          controller.abort(new Error(`nothing came for ${NETWORK_STALL_MS / 1000} s`));
        }, NETWORK_STALL_MS);
        try {
          return await wait();
        } finally {
          clearTimeout(timer);
        }
      },
      end: () => signal.removeEventListener("abort", follow),
    };
  }

  /** A chunk reader (see chunkReader) whose every read is a wait that watch may end. */
  function watchedReader(reader, watch) {
    return {
      read: () => watch.waiting(() => reader.read()),
      cancel: (reason) => reader.cancel(reason),
      releaseLock: () => reader.releaseLock(),
    };
  }

  /** A chunk reader of a file (see chunkReader) that starts again where a stalled read stopped. */
  function fileReader(file) {
    let current = chunkReader(file.stream());
    let position = 0;
    let stalls = 0;
    return {
      async read() {
        for (;;) {
          let timer;
          const stall = new Promise((resolve) => {
            timer = setTimeout(() => resolve(null), FILE_STALL_MS);
          });
          const result = await Promise.race([current.read(), stall]).finally(() => clearTimeout(timer));
          if (result !== null) {
            if (!result.done) {
              position += result.value.byteLength;
              stalls = 0;
            }
            return result;
          }
          if (++stalls === FILE_STALLS) {
            throw new ReadStalled(`no bytes came for ${(FILE_STALLS * FILE_STALL_MS) / 1000} s`);
          }
          current.cancel().catch(() => {});
          current = chunkReader(file.slice(position).stream());
        }
      },
      cancel: (reason) => current.cancel(reason),
      releaseLock: () => current.releaseLock(),
    };
  }

  /**
   * The body of a URL or a local file as a chunk reader (see chunkReader), with its length where
   * known (else -1; an estimate where `estimate` is true) and where it comes from: file, storage
   * or network. With keepers (an array), a URL in the model store is read from there, and a
   * download gets a keeper (added to keepers, for worker.js's load() to commit or abort) that
   * writes it to the store as it arrives; the keeper is ready before the request, so no byte waits
   * for the disk (a refused download stops after its first few). A download's waits are watched
   * (stallWatch); `watch` is to be ended once it is read.
   */
  async function open(source, what, signal, keepers) {
    if (source.file) {
      return { reader: fileReader(source.file), size: source.file.size, from: "file", keeper: null };
    }
    let keeper = null;
    if (keepers !== null) {
      const kept = await modelStore.find(source.url);
      if (kept !== null) {
        return { reader: fileReader(kept.file), size: kept.bytes, from: "storage", keeper: null };
      }
      keeper = await modelStore.keep(source.url);
      keepers.push({ what, keeper });
    }
    const watch = stallWatch(signal);
    try {
      const pieced = DOWNLOADS_IN_PIECES && new URL(source.url, self.location.href).origin === self.location.origin;
      let response = await watch.waiting(() => request(source.url, watch.signal, pieced ? `bytes=0-${PIECE_BYTES - 1}` : null));
      if (response.status === 206 || response.status === 416) {
        const pieces = inPieces(response, source.url, watch.signal);
        if (pieces !== null) return { ...pieces, reader: watchedReader(pieces.reader, watch), from: "network", keeper, watch };
        response = await watch.waiting(() => request(source.url, watch.signal, null));
      }
      const length = response.headers.get("Content-Length");
      const size = length !== null && !encoded(response) ? Number(length) : -1;
      // from another site, a browser shows Content-Encoding only where the server exposes it
      // (Access-Control-Expose-Headers), so the length may be that of a compressed body
      const estimate = response.type === "cors" && response.headers.get("Content-Encoding") === null;
      return { reader: watchedReader(chunkReader(response.body), watch), size, estimate, from: "network", keeper, watch };
    } catch (e) {
      watch.end();
      if (watch.stalled() && !signal.aborted) {
        throw new Error(`${source.url}: no answer came from the server for ${NETWORK_STALL_MS / 1000} s`);
      }
      throw e;
    }
  }

  // The local server's policy for this worker lets it download from https addresses, the site and
  // http from 127.0.0.1 and localhost (a policy cannot name [::1], nor another machine on plain
  // http). A fetch it refuses fails as one the network or CORS refused; the browser names the
  // address in an event a few milliseconds later (Firefox: 1 to 5 ms after the failure).
  const POLICY_EVENT_MS = 200;
  const refusedOrigins = new Set();
  self.addEventListener("securitypolicyviolation", (event) => {
    try {
      refusedOrigins.add(new URL(event.blockedURI).origin);
    } catch (e) {
      // "inline", "eval" and the like: no address
    }
  });

  /** Whether the policy refused url, which a failed fetch asked for: only plain http elsewhere can be. */
  async function refusedByPolicy(url) {
    const address = new URL(url, self.location.href);
    if (address.protocol !== "http:" || address.origin === self.location.origin ||
      /^(127\.0\.0\.1|localhost)$/.test(address.hostname)) return false;
    for (let waited = 0; waited < POLICY_EVENT_MS && !refusedOrigins.has(address.origin); waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return refusedOrigins.has(address.origin);
  }

  /** A GET of url, of the bytes `range` (e.g. "bytes=0-99") when not null; refused answers are errors. */
  async function request(url, signal, range, ifRange) {
    const headers = {};
    if (range !== null) headers.Range = range;
    if (ifRange) headers["If-Range"] = ifRange;
    let response;
    try {
      response = await fetch(url, { signal, headers });
    } catch (e) {
      if (signal.aborted) throw e;
      if (await refusedByPolicy(url)) {
        throw new Error(`${url}: this site's security policy lets the page download over plain http only from ` +
          "127.0.0.1 and localhost (use one of them for a server on this machine) or from the site itself; " +
          "other addresses need https");
      }
      // (a server on this machine answers offline too, so its failure is not the network's)
      if (!navigator.onLine && !/^(127\.0\.0\.1|localhost|\[::1\])$/.test(new URL(url, self.location.href).hostname)) {
        throw new Error(`${url}: could not download it, as this device is offline`);
      }
      throw new Error(`${url}: could not download it (${describe(e)}); check the address and your ` +
        "connection, and that the server allows downloads from other sites (CORS)");
    }
    if (!response.ok && !(range !== null && response.status === 416)) {
      throw new Error(`${url}: the server answered ${response.status} ${response.statusText}`.trim());
    }
    return response;
  }

  /**
   * The rest of a download from the page's own server in Firefox, after first, the answer to a
   * request for its first PIECE_BYTES. The next piece is asked for as each piece begins to be read,
   * so that the browser holds at most a piece ahead of the worker (given the whole file at once by a
   * fast local server, Firefox's parent process kept a few hundred megabytes of 110M that the worker
   * had not read) while the download never waits for a request. Returns {reader, size}, or null when first
   * is no piece of a whole of known length, as for an empty file (416) or a compressed body; the
   * file is then asked for whole. A file that changes between two pieces (another ETag) ends the
   * download with an error.
   */
  function inPieces(first, url, signal) {
    const total = first.status === 206 ? rangeTotal(first, 0) : -1;
    if (total < 0 || encoded(first)) {
      if (first.body) first.body.cancel().catch(() => {});
      return null;
    }
    const etag = first.headers.get("ETag");
    const validator = etag && !etag.startsWith("W/") ? etag : null;
    const ask = (from) => {
      const end = Math.min(from + PIECE_BYTES, total) - 1;
      const response = request(url, signal, `bytes=${from}-${end}`, validator);
      response.catch(() => {}); // heard when the piece is read, if it ever is
      return { from, end, response };
    };
    const drop = (piece) => {
      if (piece !== null) piece.response.then((r) => r.body && r.body.cancel(), () => {}).catch(() => {});
    };
    let current = chunkReader(first.body);
    let position = 0;      // bytes read
    let pieceStart = 0;    // where the piece being read starts
    let ahead = PIECE_BYTES < total ? ask(PIECE_BYTES) : null; // the next piece, asked for
    const reader = {
      async read() {
        for (;;) {
          const result = await current.read();
          if (!result.done) {
            position += result.value.byteLength;
            return result;
          }
          if (position >= total) return result;
          if (position === pieceStart) throw new Error(`the server sent no bytes from byte ${position}`);
          let piece = ahead;
          if (piece === null || piece.from !== position) { // a piece cut short goes on from where it ended
            drop(piece);
            piece = ask(position);
          }
          current.releaseLock();
          const next = await piece.response;
          if (next.status !== 206 || rangeTotal(next, position) !== total) {
            if (next.body) next.body.cancel().catch(() => {});
            throw new Error(next.status === 200 || next.status === 206
              ? "the file changed on the server while it downloaded; try again"
              : `the server answered ${next.status} for bytes ${position}-${piece.end}`);
          }
          pieceStart = position;
          ahead = piece.end + 1 < total ? ask(piece.end + 1) : null;
          current = chunkReader(next.body);
        }
      },
      cancel: (reason) => {
        drop(ahead);
        ahead = null;
        return current.cancel(reason);
      },
      releaseLock: () => current.releaseLock(),
    };
    return { reader, size: total };
  }

  /** Whether the body comes compressed, so that its length says nothing of the file's. */
  function encoded(response) {
    return (response.headers.get("Content-Encoding") || "identity") !== "identity";
  }

  /** The file's whole length from a 206 answer whose piece starts at `start`, or -1. */
  function rangeTotal(response, start) {
    const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((response.headers.get("Content-Range") || "").trim());
    return match && Number(match[1]) === start ? Number(match[3]) : -1;
  }

  /**
   * Reads a source in blocks (the first one small, so the header is checked early), reporting
   * progress(what, loaded, size, from) as it goes (a new percent, or block when the size is
   * unknown, at most every PROGRESS_GAP_MS: one that comes sooner is reported when the gap ends,
   * with what has been read by then), and hands each block to consume (after onSize with the
   * length, -1 if unknown, and whether it is an estimate: see open); a download cut short names
   * what was received. Blocks are in shared memory when inFlight, the number of blocks that consume's readers may still be reading
   * after it returns, is above 0 (a shard worker reads the blocks worker.js's deliver handed on),
   * so a block is written again only after that many others; with 0, consume copies what it keeps.
   * With keepers (an array), a stored URL is read from the model store, and a download is
   * written to it as it arrives (see open). Returns the number of bytes read.
   */
  async function readBlocks(source, what, signal, { onSize, consume, inFlight, keepers, progress }) {
    const opened = await open(source, what, signal, keepers);
    const { reader, estimate, from, keeper, watch } = opened;
    let size = opened.size; // an estimate is shown until the bytes pass it, and is not checked
    const name = sourceName(source);
    let loaded = 0;
    const stepOf = (bytes) => (size > 0 ? Math.floor((100 * bytes) / size) : Math.floor(bytes / BLOCK));
    let reported = -1;
    let reportedAt = -Infinity;
    let lateReport = null; // the timer of a report held back until PROGRESS_GAP_MS has passed
    const report = () => {
      clearTimeout(lateReport);
      lateReport = null;
      reported = stepOf(loaded);
      reportedAt = performance.now();
      progress(what, loaded, Math.max(size, 0), from);
    };
    let blocks = 0;
    let block = null;
    let filled = 0;
    // Blocks after the first take turns, as many as the shards may still be reading and one (one
    // alone when nothing is shared: consume has copied a block when it returns): a new megabyte for
    // each would leave a download's worth of garbage for the browser to collect.
    const shared = inFlight > 0;
    const ring = [];
    const turns = inFlight + 1;
    const newBlock = (bytes) => new Uint8Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const nextBlock = () => {
      if (blocks++ === 0) return newBlock(FIRST_BLOCK);
      const turn = (blocks - 2) % turns;
      if (ring.length === turn) ring.push(newBlock(BLOCK));
      return ring[turn];
    };
    const flush = async () => {
      if (filled > 0) {
        const bytes = block.subarray(0, filled);
        if (keeper !== null) keeper.write(bytes);
        await consume(bytes);
      }
      block = null;
      filled = 0;
      await letMessagesIn();
    };
    try {
      report(); // before the size is checked: a refused one leaves this file's name on the line
      onSize(size, estimate);
      for (;;) {
        let result;
        try {
          result = await reader.read();
        } catch (e) {
          if (signal.aborted) throw e;
          if (from === "storage") {
            // removed in another tab (Chromium then calls it a network error), or broken: the next load downloads it
            await modelStore.remove(source.url).catch(() => {});
            throw new Error(`${name}: its copy in this browser's storage could not be read after ${loaded} of ${size} ` +
              `bytes (${e instanceof ReadStalled ? describe(e) : "removed in another tab?"}); Start downloads it again`);
          }
          const why = watch && watch.stalled() ? `nothing came for ${NETWORK_STALL_MS / 1000} s` : describe(e);
          throw new Error(`${name}: ${from === "file" ? "reading it" : "the download"} broke off ` +
            `after ${loaded} of ${size >= 0 ? size : "an unknown number of"} bytes (${why})`);
        }
        if (signal.aborted) throw new Error("stopped"); // a file or the store does not hear the signal
        if (result.done) break;
        let chunk = result.value;
        loaded += chunk.byteLength;
        if (estimate && loaded > size) size = -1;
        while (chunk.byteLength > 0) {
          if (block === null) block = nextBlock();
          const n = Math.min(chunk.byteLength, block.byteLength - filled);
          block.set(chunk.subarray(0, n), filled);
          filled += n;
          chunk = chunk.subarray(n);
          if (filled === block.byteLength) await flush();
        }
        if (stepOf(loaded) !== reported && lateReport === null) {
          const wait = reportedAt + PROGRESS_GAP_MS - performance.now();
          if (wait <= 0) report();
          else lateReport = setTimeout(report, wait);
        }
      }
      await flush();
    } catch (e) {
      reader.cancel().catch(() => {}); // a refused or failed download stops at once
      // where a failure or Stop found it, as the message says (a restart's next load reports its own)
      if (!signal.aborted || signal.reason === "stop") report();
      throw e;
    } finally {
      clearTimeout(lateReport);
      reader.releaseLock();
      if (watch) watch.end();
    }
    if (size >= 0 && loaded !== size && !estimate) {
      throw new Error(`${name}: the download ended after ${loaded} of ${size} bytes`);
    }
    progress(what, loaded, loaded, from);
    return loaded;
  }

  /**
   * The whole of a small file (the tokenizer); check(bytes) throws once its length, or the bytes
   * read so far, exceed what Java reads.
   */
  async function readWhole(source, what, signal, { check, keepers, progress }) {
    const parts = [];
    let received = 0;
    const total = await readBlocks(source, what, signal, {
      onSize: check,
      consume: (bytes) => {
        received += bytes.byteLength;
        check(received);
        parts.push(bytes.slice());
      },
      inFlight: 0, keepers, progress,
    });
    const whole = new Uint8Array(total);
    let offset = 0;
    for (const part of parts) {
      whole.set(part, offset);
      offset += part.byteLength;
    }
    return whole;
  }

  return { readBlocks, readWhole, sourceKey, sourceName };
})();
