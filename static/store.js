"use strict";
// The model store: every model and tokenizer downloaded from an address, kept in the origin
// private file system (OPFS) under its URL, so that the next load reads it from disk, also
// offline. (For a 418 MB file, OPFS wrote and read faster than the Cache API in both Chromium
// and Firefox; README.md has the figures.) The coordinating worker writes and reads it (download.js,
// for worker.js, which commits a download once the load succeeded); the page (storage.js) lists
// and removes.
//
// A download is written, as it arrives, to a data file of its own, and is stored only once its
// entry is written, after the whole load succeeded; a download that fails, is stopped or is
// refused is never listed, and its data file is deleted (or, if the page was closed
// mid-download, swept up by a listing a while later). In the folder teallama-store/:
//   KEY.json        {url, bytes, file, storedAt}; KEY is the SHA-256 of the URL, in hex
//   KEY.RANDOM.bin  the bytes (written only in workers: it needs a sync access handle)
//
// download.js (in worker.js): modelStore.find(url), modelStore.keep(url) -> {write, commit, abort},
//   modelStore.remove(url) (a stored copy that cannot be read)
// storage.js (the page): modelStore.list(), modelStore.remove(url), modelStore.address(url),
//   modelStore.reason(e)

const modelStore = (() => {
  const FOLDER = "teallama-store";
  const ABANDONED_MS = 10 * 60 * 1000; // a data file no entry names, untouched this long, is left from a closed page
  const FULL = "the browser's storage for this site is full";
  let folder = null; // the promise of the folder's handle

  /** The folder, or an error saying why this browser keeps no files for the page. */
  function openFolder() {
    if (folder === null) {
      folder = (async () => {
        if (!self.isSecureContext || !navigator.storage || typeof navigator.storage.getDirectory !== "function") {
          throw new Error(self.isSecureContext ? "this browser has no private file system for pages (navigator.storage.getDirectory)"
            : "browsers keep files only for pages from https or localhost, and this one came over plain http from " +
              location.host);
        }
        const root = await navigator.storage.getDirectory();
        return root.getDirectoryHandle(FOLDER, { create: true });
      })();
      folder.catch(() => {
        folder = null; // try again next time: the user may have freed space or changed a setting
      });
    }
    return folder;
  }

  /** A failure of the store, in words for the page. */
  function reason(e) {
    if (e && e.name === "QuotaExceededError") return FULL;
    if (e && e.name === "SecurityError") return "this browser lets the page keep no files here (a private window?)";
    return String(e && e.message ? e.message : e).replace(/\.+$/, ""); // the page ends the sentence
  }

  /** The store's key of an address: absolute, as a worker and its page both resolve it, without a fragment. */
  function address(url) {
    const absolute = new URL(url, self.location.href);
    absolute.hash = "";
    return absolute.href;
  }

  async function keyOf(url) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(url));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** The entry stored under key, or null (none, or one that cannot be read). */
  async function readEntry(dir, key) {
    try {
      const entry = JSON.parse(await (await (await dir.getFileHandle(key + ".json")).getFile()).text());
      const valid = entry && typeof entry.url === "string" && Number.isSafeInteger(entry.bytes) &&
        typeof entry.file === "string" && entry.file.startsWith(key + ".") && entry.file.endsWith(".bin");
      return valid ? entry : null;
    } catch (e) {
      return null;
    }
  }

  /** The entry's data as a File, or null when it is missing or not whole. */
  async function dataOf(dir, entry) {
    try {
      const file = await (await dir.getFileHandle(entry.file)).getFile();
      return file.size === entry.bytes ? file : null;
    } catch (e) {
      return null;
    }
  }

  async function removeQuietly(dir, name) {
    try {
      await dir.removeEntry(name);
      return true;
    } catch (e) {
      return false; // gone already, or open: a download under way in another tab holds it
    }
  }

  // ----------------------------------------------------------------------------
  // reading

  /** The stored file of an address: {url, bytes, file} (a File, to stream), or null. */
  async function find(url) {
    const key = address(url);
    let dir;
    try {
      dir = await openFolder();
    } catch (e) {
      return null;
    }
    const name = await keyOf(key);
    const entry = await readEntry(dir, name);
    if (entry === null || entry.url !== key) return null;
    const file = await dataOf(dir, entry);
    if (file === null) {
      await removeQuietly(dir, name + ".json"); // a broken entry: the next load downloads again
      return null;
    }
    return { url: key, bytes: entry.bytes, file };
  }

  /**
   * Every stored file, [{url, bytes, storedAt}] in the order of their addresses; throws with a
   * reason when the browser keeps no files. Data files that no entry names and nothing wrote for
   * a while are deleted on the way (a download under way holds its file open, and a new one is young).
   */
  async function list() {
    const dir = await openFolder();
    const names = [];
    for await (const name of dir.keys()) names.push(name);
    const entries = [];
    const named = new Set();
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const entry = await readEntry(dir, name.slice(0, -".json".length));
      if (entry === null) continue;
      named.add(entry.file);
      if (await dataOf(dir, entry)) entries.push({ url: entry.url, bytes: entry.bytes, storedAt: entry.storedAt });
    }
    for (const name of names.filter((n) => n.endsWith(".bin") && !named.has(n))) {
      try {
        const file = await (await dir.getFileHandle(name)).getFile();
        if (Date.now() - file.lastModified > ABANDONED_MS) await removeQuietly(dir, name);
      } catch (e) {
        // gone meanwhile
      }
    }
    return entries.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  /** Forgets an address: its entry first, so that it is never half there. */
  async function remove(url) {
    const key = address(url);
    const dir = await openFolder();
    const name = await keyOf(key);
    const entry = await readEntry(dir, name);
    await removeQuietly(dir, name + ".json");
    if (entry) await removeQuietly(dir, entry.file);
  }

  // ----------------------------------------------------------------------------
  // writing (workers only)

  async function writeEntry(dir, name, entry) {
    const handle = await (await dir.getFileHandle(name + ".json", { create: true })).createSyncAccessHandle();
    try {
      const bytes = new TextEncoder().encode(JSON.stringify(entry));
      handle.truncate(0);
      if (handle.write(bytes, { at: 0 }) !== bytes.byteLength) throw new Error(FULL); // Chromium writes short past the quota
      handle.flush();
    } finally {
      handle.close();
    }
  }

  /**
   * Keeps a download of url as its bytes arrive. Never throws: a failure (no storage, storage
   * full) only means the download is not kept, and commit says why.
   *   write(bytes)  the next bytes, written at once (the caller's buffer may be reused after)
   *   commit()      after the whole load succeeded: resolves to {url, bytes, failure} (failure "" when kept)
   *   abort()       the load failed or was stopped: nothing is kept
   */
  async function keep(url) {
    const key = address(url);
    let failure = "";
    let dir = null;
    let name = "";
    let data = null;
    let handle = null;
    let at = 0;
    try {
      dir = await openFolder();
      name = await keyOf(key);
      data = `${name}.${crypto.randomUUID()}.bin`;
      handle = await (await dir.getFileHandle(data, { create: true })).createSyncAccessHandle();
    } catch (e) {
      failure = reason(e);
    }
    const drop = async () => {
      if (handle !== null) {
        try {
          handle.close();
        } catch (e) {
          // closed already
        }
        handle = null;
        await removeQuietly(dir, data);
      }
    };
    return {
      write(bytes) {
        if (handle === null) return;
        try {
          const written = handle.write(bytes, { at });
          at += written;
          if (written !== bytes.byteLength) throw new Error(FULL); // Chromium writes short past the quota
        } catch (e) {
          failure = reason(e);
          drop();
        }
      },
      async commit() {
        if (handle !== null) {
          try {
            handle.flush();
            const old = await readEntry(dir, name);
            await writeEntry(dir, name, { url: key, bytes: at, file: data, storedAt: Date.now() });
            handle.close();
            handle = null;
            if (old && old.file !== data) await removeQuietly(dir, old.file);
          } catch (e) {
            failure = reason(e);
            await drop();
          }
        }
        return { url: key, bytes: failure ? 0 : at, failure };
      },
      abort: drop,
    };
  }

  return { address, find, list, remove, keep, reason };
})();
