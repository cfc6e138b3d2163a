"use strict";
// The story page's settings (app.js's ui): read for a story, kept across visits in localStorage,
// and given by links, which win over what was kept (except the switches, which links leave alone).

const SETTINGS = ["prompt", "temperature", "topp", "steps", "seed", "keep", "threads"];
const DECIMALS = new Set(["temperature", "topp"]);
const LINK_DEFAULTS = { keep: "0", threads: "auto" }; // left out of copied links
const SWITCHES = ["inspect", "colour"];               // kept across visits, not linked
const LINK_KEYS = ["model", "tokenizer", ...SETTINGS];
const LINK_QUERY_KEYS = [...LINK_KEYS, "autostart"];
const STORE_KEY = "teallama.settings";

// ----------------------------------------------------------------------------
// reading

/** A phone keyboard's decimal comma, as in 1,5, read as the point run.c expects. */
function decimalPoint(text) {
  return /^\s*[+-]?\d*,\d*\s*$/.test(text) ? text.replace(",", ".") : text;
}

/**
 * A field's text. Half of a surrogate pair alone (a pasted emoji cut in two, say) is no text: it
 * becomes U+FFFD, as TextEncoder and URLs write it.
 */
function setting(name) {
  const text = ui[name].value.toWellFormed();
  return DECIMALS.has(name) ? decimalPoint(text) : text;
}

/** The settings as text, for the worker to check the way the command line checks them. */
function settings() {
  const values = {};
  for (const name of SETTINGS) values[name] = setting(name);
  if (values.seed.trim() === "") values.seed = "0"; // 0 asks for a random seed, as in run.c
  values.inspect = ui.inspect.checked;
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
  for (const name of SWITCHES) kept[name] = ui[name].checked;
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(kept));
  } catch (e) {
    // storage is off (private windows, some file pages): settings last for this visit only
  }
}

/** What an earlier visit kept, or null. */
function keptSettings() {
  try {
    const kept = JSON.parse(localStorage.getItem(STORE_KEY));
    return kept && typeof kept === "object" ? kept : null;
  } catch (e) {
    return null;
  }
}

function restoreSettings() {
  const kept = keptSettings();
  if (kept === null) return;
  // local files cannot come back: the browser gives a page a file only when the user picks it
  if (PRESETS[kept.model] || kept.model === "url") ui.model.value = kept.model;
  for (const name of ["modelUrl", "tokenizerUrl", ...SETTINGS]) {
    if (typeof kept[name] !== "string") continue;
    if (name === "threads") {
      chooseThreads(ui.threads, kept.threads); // (a choice this page no longer offers stays auto)
    } else {
      ui[name].value = kept[name];
    }
  }
  restoreSwitches(kept);
}

/** The switches (the inspector, colour by probability), which links leave alone. */
function restoreSwitches(kept) {
  if (kept === null) return;
  for (const name of SWITCHES) {
    if (typeof kept[name] === "boolean") ui[name].checked = kept[name];
  }
}

// ----------------------------------------------------------------------------
// links

/**
 * The settings of a link (model, tokenizer, prompt, temperature, topp, steps, seed, keep,
 * threads) or else the kept ones; the switches are always the kept ones. Returns { autostart:
 * whether the link asks to start (autostart=1), problem: "" or what in the link was no choice }.
 */
function loadSettings() {
  const query = new URLSearchParams(location.search);
  let problem = "";
  if (LINK_KEYS.some((key) => query.has(key))) {
    restoreSwitches(keptSettings());
    problem = applyLink(query);
  } else {
    restoreSettings();
  }
  showModelChoice(ui);
  return { autostart: query.get("autostart") === "1" && problem === "", problem };
}

function applyLink(query) {
  chooseModelFromLink(ui, query.get("model"), query.get("tokenizer"));
  for (const name of SETTINGS) {
    if (query.get(name) !== null && name !== "threads") ui[name].value = query.get(name);
  }
  return query.get("threads") === null ? "" : chooseThreads(ui.threads, query.get("threads"));
}

/**
 * What tells a story, but for its seed: the model and every setting but the threads (a story
 * on any number of threads is the same story).
 */
function storyAsked() {
  const asked = [ui.model.value];
  if (ui.model.value === "url") asked.push(ui.modelUrl.value.trim(), ui.tokenizerUrl.value.trim());
  for (const name of SETTINGS) {
    if (name !== "seed" && name !== "threads") asked.push(setting(name));
  }
  return JSON.stringify(asked);
}

/** A setting changed by hand: kept, and where it is one a link gives, the link leaves the address (see forgetLink). */
function settingChanged(event) {
  const linked = [ui.model, ui.modelUrl, ui.tokenizerUrl, ...SETTINGS.map((name) => ui[name])];
  if (linked.includes(event.target)) {
    linkedSettingChosen();
  } else {
    saveSettings();
  }
}

/**
 * A setting a link gives chosen by hand, in its field or otherwise (a stored model from the note,
 * dropped files): kept, and the link leaves the address.
 */
function linkedSettingChosen() {
  saveSettings();
  forgetLink();
}

/**
 * The page now asks for other settings than the link in the address bar (followed, or put there
 * by Copy link), which a reload would bring back over them, and whose story it would start again:
 * the link leaves the address.
 */
function forgetLink() {
  const query = new URLSearchParams(location.search);
  if (!LINK_QUERY_KEYS.some((key) => query.has(key))) return;
  for (const key of LINK_QUERY_KEYS) query.delete(key);
  const rest = query.toString();
  history.replaceState(null, "", location.pathname + (rest ? `?${rest}` : "") + location.hash);
}

/**
 * The seed a link gives to tell the last story again, where the page asks for that story still,
 * its Seed field as the story started or empty: the seed it drew, where its Seed read as 0 (empty,
 * 0, 00, 4294967296: a seed drawn anew each time), else the Seed it started with; null where the
 * page now asks for another story, and from a Start until its story starts.
 */
function seedOfLastStory() {
  const seed = ui.seed.value.trim();
  if (storySeed === null || storyAsked() !== storySeed.asked) return null;
  if (seed !== "" && seed !== storySeed.text.trim()) return null;
  return storySeed.drawn ? usedSeed : storySeed.text.trim();
}

/**
 * The page's settings as a link; null for local files. An address Start would refuse (one with a
 * password, say) throws, as Start says it.
 */
function shareableUrl() {
  const params = new URLSearchParams();
  const choice = ui.model.value;
  if (PRESETS[choice]) {
    params.set("model", choice);
  } else if (choice === "url") {
    fetchable(ui.modelUrl.value.trim(), "model");
    if (ui.tokenizerUrl.value.trim()) fetchable(ui.tokenizerUrl.value.trim(), "tokenizer");
    params.set("model", ui.modelUrl.value.trim());
    if (ui.tokenizerUrl.value.trim()) params.set("tokenizer", ui.tokenizerUrl.value.trim());
  } else {
    return null;
  }
  for (const name of SETTINGS) {
    const value = name === "seed" && seedOfLastStory() !== null ? seedOfLastStory() : setting(name);
    if (value !== "" && value !== LINK_DEFAULTS[name]) params.set(name, value);
  }
  return location.href.split(/[?#]/)[0] + "?" + params.toString();
}

// Servers refuse longer addresses: 8190 bytes of request line in Apache, 8 KB of header lines in
// nginx, 8192 bytes in this project's own server (HttpRequest.MAX_LINE_BYTES).
const LONGEST_LINK = 8000;

/** Copies a link that opens the page and tells the story (autostart=1); the address bar gets it without. */
async function copyLink() {
  let link;
  try {
    link = shareableUrl();
  } catch (e) {
    tell(`${e.message}: no link made.`);
    return;
  }
  if (link === null) {
    tell("Local files cannot go into a link: a link names its model by an address. " +
      "To share a story, pick a model from the list or give its address.");
    return;
  }
  const telling = link + "&autostart=1";
  if (telling.length > LONGEST_LINK) {
    tell(`This story's link would be ${telling.length} characters long, and servers refuse links of more than ` +
      `about ${LONGEST_LINK}: shorten the prompt to share it.`);
    return;
  }
  const tells = seedOfLastStory() !== null ? "tells this story again" : "tells a story with these settings";
  history.replaceState(null, "", link);
  try {
    await navigator.clipboard.writeText(telling);
    tell(`Link copied: opened, it ${tells}.`);
  } catch (e) {
    history.replaceState(null, "", telling);
    tell(`Could not reach the clipboard; the address bar now holds a link that ${tells}.`);
  }
}
