"use strict";
// The story page's settings (app.js's ui): read for a story, kept across visits in localStorage,
// and given by links, which win over what was kept.

const SETTINGS = ["prompt", "temperature", "topp", "steps", "seed"];
const DECIMALS = new Set(["temperature", "topp"]);
const LINK_KEYS = ["model", "tokenizer", ...SETTINGS];
const STORE_KEY = "teallama.settings";

// ----------------------------------------------------------------------------
// reading

/** A phone keyboard's decimal comma, as in 1,5, read as the point run.c expects. */
function decimalPoint(text) {
  return /^\s*[+-]?\d*,\d*\s*$/.test(text) ? text.replace(",", ".") : text;
}

function setting(name) {
  return DECIMALS.has(name) ? decimalPoint(ui[name].value) : ui[name].value;
}

/** The settings as text, for the worker to check the way the command line checks them. */
function settings() {
  const values = {};
  for (const name of SETTINGS) values[name] = setting(name);
  if (values.seed.trim() === "") values.seed = "0"; // 0 asks for a random seed, as in run.c
  values.threads = new URLSearchParams(location.search).get("threads") || "auto";
  return values;
}

/** Where the model and tokenizer come from: { url } or { file } each. Throws with a message. */
function sources() {
  return modelSources(ui.model.value, ui.modelUrl.value, ui.tokenizerUrl.value, ui.modelFile.files[0],
    ui.tokenizerFile.files[0]);
}

// ----------------------------------------------------------------------------
// kept across visits

function saveSettings() {
  const kept = { model: ui.model.value, modelUrl: ui.modelUrl.value, tokenizerUrl: ui.tokenizerUrl.value };
  for (const name of SETTINGS) kept[name] = ui[name].value;
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(kept));
  } catch (e) {
    // storage is off (private windows, some file pages): settings last for this visit only
  }
}

function restoreSettings() {
  let kept = null;
  try {
    kept = JSON.parse(localStorage.getItem(STORE_KEY));
  } catch (e) {
    return;
  }
  if (!kept || typeof kept !== "object") return;
  // local files cannot come back: the browser gives a page a file only when the user picks it
  if (PRESETS[kept.model] || kept.model === "url") ui.model.value = kept.model;
  for (const name of ["modelUrl", "tokenizerUrl", ...SETTINGS]) {
    if (typeof kept[name] === "string") ui[name].value = kept[name];
  }
}

// ----------------------------------------------------------------------------
// links

/**
 * The settings of a link (model, tokenizer, prompt, temperature, topp, steps, seed) or else the
 * kept ones; returns whether the link asks to start (autostart=1).
 */
function loadSettings() {
  const query = new URLSearchParams(location.search);
  if (LINK_KEYS.some((key) => query.has(key))) {
    applyLink(query);
  } else {
    restoreSettings();
  }
  showModelChoice(ui);
  return query.get("autostart") === "1";
}

function applyLink(query) {
  const model = query.get("model");
  if (model !== null) {
    if (PRESETS[model]) {
      ui.model.value = model;
    } else {
      ui.model.value = "url";
      ui.modelUrl.value = model;
    }
  }
  if (query.get("tokenizer") !== null) {
    if (ui.model.value !== "url") {
      ui.model.value = "url";
      ui.modelUrl.value = PRESETS[model] ? PRESETS[model].model : ui.modelUrl.value;
    }
    ui.tokenizerUrl.value = query.get("tokenizer");
  }
  for (const name of SETTINGS) {
    if (query.get(name) !== null) ui[name].value = query.get(name);
  }
}

/** The page's settings as a link that tells the last story again; null for local files. */
function shareableUrl() {
  const params = new URLSearchParams();
  const choice = ui.model.value;
  if (PRESETS[choice]) {
    params.set("model", choice);
  } else if (choice === "url") {
    params.set("model", ui.modelUrl.value.trim());
    if (ui.tokenizerUrl.value.trim()) params.set("tokenizer", ui.tokenizerUrl.value.trim());
  } else {
    return null;
  }
  for (const name of SETTINGS) {
    const value = name === "seed" && ui.seed.value.trim() === "" && usedSeed ? usedSeed : setting(name);
    if (value !== "") params.set(name, value);
  }
  return location.href.split(/[?#]/)[0] + "?" + params.toString();
}

/** Copies a link that opens the page and tells the story (autostart=1); the address bar gets it without. */
async function copyLink() {
  const link = shareableUrl();
  if (link === null) {
    tell("Local files cannot go into a link: a link names its model by an address. " +
      "To share a story, pick a model from the list or give its address.");
    return;
  }
  const telling = link + "&autostart=1";
  history.replaceState(null, "", link);
  try {
    await navigator.clipboard.writeText(telling);
    tell("Link copied: opened, it tells this story again.");
  } catch (e) {
    history.replaceState(null, "", telling);
    tell("Could not reach the clipboard; the address bar now holds a link that tells this story again.");
  }
}
