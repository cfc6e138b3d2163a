"use strict";
// The story page's side of the model store (store.js): the demo kit's models (models/index.json,
// listed first, as served with this page), the Stored models list with sizes, Remove buttons,
// the total and the browser's quota, which presets work offline, what the worker says about
// keeping a download, and, when a model cannot be loaded, the stored or bundled ones instead.
// Uses app.js's ui, start and state, and common.js's PRESETS.

const stored = {
  urls: new Set(),      // the addresses in the store, as modelStore.address gives them
  modelFrom: "",        // where the model of the load under way comes from (progress messages)
  readingFrom: "",      // where the file being read comes from, model or tokenizer
  persistAsked: false,
  notKept: [],          // what of the last load could not be kept
  listings: 0,          // the latest listing shows; an older one that ends later does not
  offers: 0,            // likewise for the models offered after a failed load
  siteKept: false,      // a service worker (sw.js) is active: the page itself reopens offline
};

// ----------------------------------------------------------------------------
// the demo kit: models/index.json beside the page

/**
 * The kit's models as presets in place of the page's own; true when there is a kit. The site's
 * manifest lists models/index.json when there is one (so no page asks for one in vain).
 */
async function addKitModels() {
  let models;
  try {
    const manifest = await (await fetch("site-manifest.json", { cache: "no-cache" })).json();
    if (!manifest.files.some((file) => file.path === "models/index.json")) return false;
  } catch (e) {
    return false; // a site without its manifest (not built by Maven): no kit
  }
  try {
    const response = await fetch("models/index.json", { cache: "no-cache" });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    models = (await response.json()).models;
    if (!Array.isArray(models) || !models.every(isKitEntry)) {
      throw new Error("expected {\"models\": [{name, model, tokenizer}, ...]}");
    }
  } catch (e) {
    ui.notice.replaceChildren("models/index.json, the list of the models served with this page, cannot be read " +
      `(${e.message}); its models are not in the menu.`);
    ui.notice.hidden = false;
    return false;
  }
  for (const [key, preset] of Object.entries(PRESETS)) {
    if (preset.from === HERE) delete PRESETS[key];
  }
  for (const m of models) {
    PRESETS[`local-${m.name}`] = { label: `${m.name} · ${megabytes(m.modelBytes || 0)}`, from: HERE,
      model: "models/" + encodeURIComponent(m.model), tokenizer: "models/" + encodeURIComponent(m.tokenizer) };
  }
  return true;
}

function isKitEntry(m) {
  // a name of one path segment; "?" and "#" are fine in a file name, and escaped in its address
  const fileName = (name) => typeof name === "string" && /^[^/\\]+$/.test(name) && name !== "." && name !== "..";
  return m && typeof m.name === "string" && m.name !== "" && fileName(m.model) && fileName(m.tokenizer);
}

/**
 * Puts the kit's models in the menu (settings from a link or the last visit apply to them too)
 * and lists the stored models; resolves when the page will stay (offline.js) and the menu is
 * complete, so that a link's story can start.
 */
function prepareModels() {
  const kit = addKitModels().then((added) => {
    if (added) {
      fillModelChoices(ui.model);
      loadSettings();
      markStoredPresets();
    }
  });
  showStoredModels();
  // The site is kept for use offline once a service worker is active; where none ever is (a
  // browser setting, plain http, a file: page) a stored preset loads without a network while the
  // page is open, but the page would not reopen, so the menu does not promise it.
  if (navigator.serviceWorker && location.protocol !== "file:") {
    navigator.serviceWorker.ready.then(() => {
      stored.siteKept = true;
      markStoredPresets();
    }, () => {});
  }
  return Promise.all([pageStays, kit]).catch(() => {});
}

// ----------------------------------------------------------------------------
// the Stored models list

const storedUi = { summary: document.getElementById("stored-summary"), list: document.getElementById("stored-list"),
  note: document.getElementById("store-note") };

// The store is the origin's, shared by its tabs: a tab that keeps or removes a file tells the others,
// whose lists and menus would otherwise show what was there when they last looked.
const storeNews = typeof BroadcastChannel === "function" ? new BroadcastChannel("teallama-store") : null;
if (storeNews) storeNews.onmessage = () => showStoredModels();

function storeChanged() {
  if (storeNews) storeNews.postMessage("changed");
}

async function showStoredModels() {
  const listing = ++stored.listings;
  let entries;
  try {
    entries = await modelStore.list();
    if (listing !== stored.listings) return;
  } catch (e) {
    if (listing !== stored.listings) return;
    stored.urls = new Set();
    storedUi.list.replaceChildren();
    // a page that is not a secure context has no service worker either, to keep the site's own files
    storedUi.summary.textContent = `Models cannot be kept in this browser: ${modelStore.reason(e)}. Stories still run; ` +
      "each visit downloads its model again" +
      (self.isSecureContext ? "." : ", and the page opens only while its server answers.");
    markStoredPresets();
    return;
  }
  stored.urls = new Set(entries.map((e) => e.url));
  storedUi.list.replaceChildren(...entries.map(storedItem));
  const total = entries.reduce((sum, e) => sum + e.bytes, 0);
  storedUi.summary.textContent = entries.length === 0
    ? "None yet. A model or tokenizer downloaded from an address is kept here once it has loaded, so that the next " +
      "story starts without downloading it, also offline."
    : `${entries.length} ${entries.length === 1 ? "file" : "files"}, ${megabytes(total)} in all.`;
  markStoredPresets();
  const [estimate, persisted] = await Promise.all([
    navigator.storage.estimate ? navigator.storage.estimate().catch(() => null) : null,
    navigator.storage.persisted ? navigator.storage.persisted().catch(() => false) : false,
  ]);
  if (listing !== stored.listings) return;
  if (estimate && estimate.quota) {
    storedUi.summary.append(` This browser lets the site keep up to ${megabytes(estimate.quota)} ` +
      `(${megabytes(estimate.usage || 0)} used, the page's own files included).`);
  }
  if (entries.length > 0) {
    storedUi.summary.append(persisted ? " They stay until you remove them."
      : " The browser may clear them when it runs short of space.");
  }
}

/** A path as it was written; one with a stray % (not an escape) stays as it is. */
function decoded(path) {
  try {
    return decodeURIComponent(path);
  } catch (e) {
    return path;
  }
}

function storedItem(entry) {
  const item = document.createElement("li");
  const url = new URL(entry.url);
  const name = document.createElement("span");
  name.className = "stored-name";
  name.title = entry.url;
  name.textContent = baseName(decoded(url.pathname)) + (url.origin === location.origin ? "" : ` · ${url.host}`);
  const size = document.createElement("span");
  size.className = "stored-size";
  size.textContent = megabytes(entry.bytes);
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "quiet";
  remove.textContent = "Remove";
  remove.setAttribute("aria-label", `Remove ${name.textContent}`);
  remove.addEventListener("click", async () => {
    if (beingRead(entry.url)) {
      tell(`${name.textContent} is being read for this story: remove it once the model has loaded, or Stop first.`);
      return;
    }
    remove.disabled = true;
    await modelStore.remove(entry.url).catch(() => {});
    storeChanged();
    await showStoredModels();
    tell(`Removed ${name.textContent} from this browser.`);
  });
  item.append(name, size, remove);
  return item;
}

/** Whether the load under way reads this address from the store, which would break off if it went. */
function beingRead(url) {
  if (state() !== "loading") return false;
  try {
    const from = sources(); // the model's inputs are disabled while it loads, so they name the load under way
    return [from.model, from.tokenizer].some((source) => source.url && modelStore.address(source.url) === url);
  } catch (e) {
    return false;
  }
}

/** A preset whose model and tokenizer are both stored says so in the menu, and that it works offline where the site is kept. */
function presetStored(key) {
  const preset = PRESETS[key];
  const has = (url) => stored.urls.has(modelStore.address(url));
  return !!preset && has(preset.model) && has(preset.tokenizer);
}

function markStoredPresets() {
  for (const option of ui.model.options) {
    if (PRESETS[option.value]) {
      const mark = stored.siteKept ? " · stored, works offline" : " · stored";
      option.textContent = PRESETS[option.value].label + (presetStored(option.value) ? mark : "");
    }
  }
}

/** Storage the browser may not clear by itself; Firefox asks the user, Chromium decides alone. */
function askToPersist() {
  if (stored.persistAsked || !navigator.storage || !navigator.storage.persist) return;
  stored.persistAsked = true;
  navigator.storage.persist().then(() => showStoredModels(), () => {});
}

// ----------------------------------------------------------------------------
// what the worker says

function showStoreNote(children) {
  storedUi.note.replaceChildren(...children);
  storedUi.note.hidden = children.length === 0;
}

/** Called by app.js with every message from the worker, and the page's state before it. */
function storageHears(m, stateBefore) {
  switch (m.type) {
    case "progress":
      if (m.what === "model") stored.modelFrom = m.from;
      stored.readingFrom = m.from;
      if (m.loaded === 0 && m.what === "model") {
        stored.notKept = [];
        stored.offers++; // an offer still being made for the load before is not shown
        showStoreNote([]);
      }
      break;
    case "ready":
      if (stored.modelFrom === "storage") ui.progressText.append(" · read from storage");
      break;
    case "kept":
      if (!m.failure) {
        askToPersist();
        storeChanged();
      } else if (self.isSecureContext) {
        // (a page that is not a secure context keeps nothing, as Stored models says from the start)
        stored.notKept.push(m.what);
        const what = stored.notKept.length > 1 ? "model and its tokenizer" : m.what;
        showStoreNote([`The ${what} could not be kept for next time: ${m.failure}. The story runs all the same.`]);
        announce(storedUi.note.textContent);
      }
      showStoredModels();
      break;
    case "error":
      if (stateBefore !== "loading") break;
      offerInstead();
      if (stored.readingFrom === "storage") {
        // a stored copy that could not be read is gone from the store (download.js removed it), or
        // was already, removed in another tab
        storeChanged();
        showStoredModels();
      }
      break;
  }
}

const failedPresets = new Set(); // presets that failed to load on this visit: offered no more

/**
 * After a model failed to load: buttons for the stored models and for those served with the page
 * (a kit's, or the bundled one) where the site still serves them, but not those that failed
 * themselves. Offline, or on a server without them, the latter would fail too: the site is asked
 * for each first, while the note is aria-busy.
 */
async function offerInstead() {
  failedPresets.add(ui.model.value);
  const offer = ++stored.offers;
  const candidates = Object.keys(PRESETS).filter((key) => !failedPresets.has(key)
    && (presetStored(key) || PRESETS[key].from === HERE));
  const asking = candidates.some((key) => !presetStored(key));
  if (asking) storedUi.note.setAttribute("aria-busy", "true");
  const available = await Promise.all(candidates.map((key) => presetStored(key) || served(PRESETS[key])));
  if (asking) storedUi.note.removeAttribute("aria-busy");
  if (offer !== stored.offers) return;
  const choices = candidates.filter((key, i) => available[i]);
  if (choices.length === 0) {
    showStoreNote([]);
    return;
  }
  const buttons = choices.map((key) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    button.dataset.model = key;
    button.textContent = `${PRESETS[key].label.split(" · ")[0]} (${presetStored(key) ? "stored" : "with this page"})`;
    button.addEventListener("click", () => {
      ui.model.value = key;
      showModelChoice(ui);
      linkedSettingChosen();
      start();
    });
    return button;
  });
  showStoreNote(["These models need no download: ", ...buttons]);
}

/** Whether the site answers for a preset's model and tokenizer (HEAD requests, no bytes). */
async function served(preset) {
  try {
    const answers = await Promise.all([preset.model, preset.tokenizer].map(answersFor));
    return answers.every(Boolean);
  } catch (e) {
    return false; // offline, or the server is gone
  }
}

/**
 * Whether the site has url. Some static servers refuse HEAD (405, 501) for files they serve:
 * those are asked with a GET whose body is cancelled once its status is known.
 */
async function answersFor(url) {
  const head = await fetch(url, { method: "HEAD", cache: "no-store" });
  if (head.status !== 405 && head.status !== 501) return head.ok;
  const get = await fetch(url, { cache: "no-store" });
  if (get.body) get.body.cancel();
  return get.ok;
}
