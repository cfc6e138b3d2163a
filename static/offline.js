"use strict";
// Registers the service worker (sw.js), which keeps the site for use offline and adds the headers
// that make the page cross-origin isolated where the host sends none (GitHub Pages). Such a page
// is reloaded once, when the worker first takes it over, unless a story has started in it; a flag
// in sessionStorage makes sure it is only once, so a browser that stays unisolated never loops. A
// new build takes over at once on a page nobody has used yet when no other tab of the site is
// open, and elsewhere the page offers to reload.
//
// pageStays resolves once the page knows it will not reload itself, so that a story asked for
// by a link (autostart) does not start only to be cut short.
//
// A page that is isolated already (by its host's headers, or by the worker on a later visit) needs
// the worker only to keep the site, and registers it once the page has loaded and runs no story: a first
// install, which downloads, hashes and caches every file of the site, took the cores from a story
// started with the page (on two cores, Firefox's first story of 15M on two threads ran 406-470
// tok/s beside it, 498-550 with the worker installed before). The price: a visitor who leaves
// just after that first story may find it gone on Back in Chromium, which drops a page from its
// back/forward cache when a worker claims it there.

const pageStays = (() => {
  const RELOADED = "teallama.reloadedForIsolation";
  const serviceWorkers = navigator.serviceWorker; // none on file: pages and plain-http addresses
  let stays;
  const staying = new Promise((resolve) => {
    stays = resolve;
  });

  function flagged() {
    try {
      return sessionStorage.getItem(RELOADED) !== null;
    } catch (e) {
      return true; // no sessionStorage: no way to know that a reload happened, so none
    }
  }

  function reloadOnce() {
    try {
      sessionStorage.setItem(RELOADED, "1");
    } catch (e) {
      stays();
      return;
    }
    location.reload();
  }

  /** A page nobody has used yet: reloading it loses nothing. */
  function untouched() {
    const state = document.querySelector("[data-state]");
    return !state || state.dataset.state === "idle" || state.dataset.state === "unsupported";
  }

  /** A line at the top of the page with a button that reloads it (after the waiting worker takes over). */
  function offerReload(text, waiting) {
    if (document.getElementById("update-notice")) return;
    const notice = document.createElement("div");
    notice.id = "update-notice";
    notice.className = "notice update";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Reload";
    // a build that another tab has switched to since is no longer waiting: this page just reloads
    button.addEventListener("click",
      () => (waiting && waiting.state === "installed" ? takeOver(waiting) : location.reload()));
    notice.append(text + " ", button);
    document.querySelector("main").prepend(notice);
  }

  let tookOver = false; // this page asked the new build to take over, and reloads when it has

  function takeOver(waiting) {
    tookOver = true;
    waiting.postMessage("take-over");
  }

  function newBuildWaiting(waiting) {
    if (untouched()) {
      waiting.postMessage("take-over if alone"); // it answers when another tab of the site is open
    } else {
      offerReload("A new version of Teallama is ready.", waiting);
    }
  }

  if (!serviceWorkers || location.protocol === "file:") {
    stays();
    return staying;
  }
  const controlled = serviceWorkers.controller !== null;
  if (self.crossOriginIsolated) {
    try {
      sessionStorage.removeItem(RELOADED);
    } catch (e) {
      // nothing to forget
    }
  }
  const mayReload = !self.crossOriginIsolated && !flagged();
  if (!mayReload) stays();

  serviceWorkers.addEventListener("message", (event) => {
    if (event.data === "others use the old build") offerReload("A new version of Teallama is ready.", event.source);
  });

  serviceWorkers.addEventListener("controllerchange", () => {
    if (!controlled) {
      // the first worker took this page over: its answers make the next load isolated; a page in
      // use keeps its story and runs one thread until then
      if (mayReload && untouched()) {
        reloadOnce();
      } else {
        stays();
      }
    } else if (tookOver || untouched()) {
      location.reload();
    } else {
      offerReload("A new version of Teallama is active: reload the page to use it.", null);
    }
  });

  const BUSY = new Set(["loading", "ready", "generating", "running"]); // the page's states and bench.html's

  /**
   * Calls then once the page has loaded and is not loading a model or writing a story; a page
   * whose address starts a story (autostart=1) waits for that story to end, or not to start.
   */
  function whenIdle(then) {
    const state = document.querySelector("[data-state]");
    let started = new URLSearchParams(location.search).get("autostart") !== "1"; // or none to wait for
    const idle = () => {
      if (!state) return true;
      if (BUSY.has(state.dataset.state)) {
        started = true;
        return false;
      }
      return started || state.dataset.state !== "idle"; // an autostart that failed ends in error
    };
    const afterLoad = () => {
      if (idle()) {
        then();
        return;
      }
      const observer = new MutationObserver(() => {
        if (!idle()) return;
        observer.disconnect();
        then();
      });
      observer.observe(state, { attributes: true, attributeFilter: ["data-state"] });
    };
    if (document.readyState === "complete") {
      afterLoad();
    } else {
      addEventListener("load", afterLoad, { once: true });
    }
  }

  const watched = new Set();
  /** Follows a worker on its way in: a new build waits for this page's word; a failed first install means no reload. */
  function watch(worker) {
    if (!worker || watched.has(worker)) return;
    watched.add(worker);
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed" && controlled) newBuildWaiting(worker);
      if (worker.state === "redundant" && !controlled) stays();
    });
  }

  function register() {
    serviceWorkers.register("sw.js").then((registration) => {
      if (!registration) {
        stays(); // service workers are turned off (a browser setting, an automated browser): the page works as it is
        return;
      }
      registration.addEventListener("updatefound", () => watch(registration.installing));
      watch(registration.installing);
      if (controlled && registration.waiting) newBuildWaiting(registration.waiting);
      // a worker is active but this load bypassed it (Shift+Reload), or it serves this page
      // and the page is still not isolated: one reload, and then never again
      if (mayReload && registration.active && (controlled || !registration.installing && !registration.waiting)) {
        reloadOnce();
      }
    }, () => stays()); // no service worker (a private window, say): the page works as it is
  }

  if (self.crossOriginIsolated) {
    whenIdle(register);
  } else {
    register();
  }
  return staying;
})();
