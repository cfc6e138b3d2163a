"use strict";
// A Web Lock that a worker holds while it works on a task the page counts on (shard.js: loading
// and serving a story; worker.js: loading and telling one), and that the page waits for: the page
// gets it when the worker ends without a word (killed, or closed by the browser; see
// watchTaskLocks in common.js). Each task's lock has a name of its own, made from the worker's
// name. Between tasks the worker holds none: Firefox keeps no page in its back/forward cache
// whose workers hold a lock, and a lock held for a worker's life made Back load the page anew
// after any story on two threads.
//
// worker -> page: watch {lock} | unwatch {lock}
// page -> worker: unwatched

const taskLock = (() => {
  const locks = self.navigator.locks && self.name ? self.navigator.locks : null;
  let held = null;      // {name, release}: the lock of the task at hand
  let holds = 0;        // locks taken so far
  const unwatched = []; // called, in order, as the page stops waiting for the locks being let go

  return {
    /** Takes a lock for the task at hand, unless one is held, and asks the page to watch it. */
    hold() {
      if (locks === null) return Promise.resolve();
      if (held === null) {
        const taken = { name: `${self.name} ${++holds}`, release: null, watched: null };
        taken.watched = new Promise((acquired) => {
          locks.request(taken.name, () => new Promise((release) => {
            taken.release = release;
            acquired();
          }));
        }).then(() => postMessage({ type: "watch", lock: taken.name }));
        held = taken;
      }
      return held.watched;
    },

    /** Lets go of the task's lock once the page has stopped waiting for it, which would take it for an end. */
    async release() {
      if (held === null) return;
      const taken = held;
      held = null;
      await taken.watched;
      await new Promise((resolve) => {
        unwatched.push(resolve);
        postMessage({ type: "unwatch", lock: taken.name });
      });
      taken.release();
    },

    /** Whether message is the page's answer to an unwatch, which this takes. */
    heard(message) {
      if (message.type !== "unwatched") return false;
      if (unwatched.length > 0) unwatched.shift()();
      return true;
    },
  };
})();
