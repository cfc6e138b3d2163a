"use strict";
// The token inspector: every token of the story is a span carrying its id (data-token); pointing
// at one, tapping it or moving to it with the keyboard shows the candidates the model weighed at
// its position, which the worker sent with the token (the token message's inspect field). Per
// token the page only marks its span and remembers its message; rows are built for the token
// shown alone. Candidates' texts come from the worker when a token is first shown (a texts
// message each way), and from the model: text, never HTML.

// ----------------------------------------------------------------------------
// colour by probability: bands of the probability each token had

const BAND_LIMITS = [0.05, 0.2, 0.5, 0.9]; // band i holds probabilities below BAND_LIMITS[i]; band 4 the rest

function band(prob) {
  let i = 0;
  while (i < BAND_LIMITS.length && prob >= BAND_LIMITS[i]) i++;
  return i;
}

// ----------------------------------------------------------------------------
// the story's tokens

const inspected = new WeakMap(); // token span -> { pos, inspect } of its token message
let candidateTexts = new Map();  // token id -> its text, as the worker gave it for this story
let textsAsked = new Set();      // token ids whose text this story asked the worker for
let storyNumber = 0;             // which story a texts message answers
let askTexts = null;             // (story, token ids) -> asks the worker for their texts
let textsGone = false;           // the worker that told this story ended: texts not given yet never come
const SAMPLED = 1;               // the flags of a row of a token message's inspect.rows
const CUT = 2;
let inspectorPanel = null;       // #inspector
let storyLook = null;            // { temperature, topp, inspect } of the story told
let shownToken = null;           // the span whose candidates the inspector shows
let rover = null;                // the one token span in the tab order (a roving tabindex)

/**
 * A new story, or none yet: nothing shown. look is its settings: {temperature, topp} as started
 * gives them, and inspect, whether it is told with the inspector.
 */
function inspectNewStory(look) {
  storyLook = look;
  candidateTexts = new Map();
  textsAsked = new Set();
  textsGone = false;
  storyNumber++;
  shownToken = null;
  rover = null;
  inspectorPanel.replaceChildren(paragraph("inspector-hint", look.inspect
    ? "Point at a word of the story, tap it, or Tab into the story and use the arrow keys: here you see " +
      "the tokens the model weighed at that place, and how likely each one was."
    : "The inspector is off: switch on “Show why each token was chosen” above, then press Start."));
}

/** Marks a token message's span: its id, its band, and (the first one) the story's place in the tab order. */
function markToken(span, m) {
  span.dataset.token = m.token;
  if (m.inspect) {
    inspected.set(span, { pos: m.pos, inspect: m.inspect });
    const rows = m.inspect.rows;
    for (let r = 0; r < rows.length; r += 3) {
      if (rows[r + 2] & SAMPLED) span.dataset.band = band(rows[r + 1]);
    }
  }
  if (rover === null) {
    rover = span;
    span.tabIndex = 0;
    span.setAttribute("aria-describedby", "inspector-title inspector-why");
  }
}

// ----------------------------------------------------------------------------
// showing a token's candidates

function paragraph(className, ...content) {
  const p = document.createElement("p");
  p.className = className;
  p.append(...content);
  return p;
}

/** The title and the why of the token shown: what a screen reader hears on the token (aria-describedby). */
function described(p, id) {
  p.id = id;
  return p;
}

/** An element of the given class holding text, as text. */
function textElement(name, className, text) {
  const element = document.createElement(name);
  element.className = className;
  element.textContent = text;
  return element;
}

function piece(text) {
  return textElement("code", "piece", text);
}

function percent(prob) {
  const x = 100 * prob;
  return x >= 0.1 || x === 0 ? `${x.toFixed(1)}%` : "<0.1%";
}

function showToken(span) {
  if (span === shownToken || storyLook === null) return;
  if (shownToken) delete shownToken.dataset.shown;
  shownToken = span;
  span.dataset.shown = "";
  const data = inspected.get(span);
  if (!data) {
    const token = Number(span.dataset.token);
    const text = candidateTexts.get(token);
    if (text === undefined && !textsAsked.has(token) && !textsGone) {
      textsAsked.add(token);
      askTexts(storyNumber, [token]);
    }
    const shown = piece(text ?? span.textContent);
    if (text === undefined && !textsGone) shown.dataset.pending = "";
    inspectorPanel.replaceChildren(
      described(paragraph("inspector-title", shown, " ", muted(`token ${token}`)), "inspector-title"),
      described(paragraph("inspector-hint", "The inspector was off for this story: switch on “Show why each token was " +
        "chosen” and tell it again to see the other candidates."), "inspector-why"));
    return;
  }
  const { pos, inspect } = data;
  const rows = candidates(inspect.rows);
  const unasked = textsGone ? [] : rows.filter((row) => row.text === undefined && !textsAsked.has(row.token))
    .map((row) => row.token);
  if (unasked.length > 0) {
    for (const token of unasked) textsAsked.add(token);
    askTexts(storyNumber, unasked);
  }
  const chosen = rows.find((row) => row.sampled);
  const forced = span.hasAttribute("data-prompt");
  const title = paragraph("inspector-title", piece(chosen?.text ?? span.textContent), " ",
    muted(`token ${span.dataset.token} · position ${pos}`));
  inspectorPanel.replaceChildren(described(title, "inspector-title"),
    described(paragraph("inspector-note", why(forced, inspect.greedy, chosen)), "inspector-why"),
    candidateTable(rows, forced));
  const notes = [];
  if (rows.some((row) => row.cut)) notes.push(`Below the dashed line: cut by top-p ${storyLook.topp}, never drawn.`);
  if (rows.some((row) => row.text?.includes("␣"))) notes.push("␣ is a space.");
  if (textsGone && rows.some((row) => row.text === undefined)) {
    notes.push("The words of candidates shown as ? went with the page's worker, which ended after this story; " +
      "the next Start tells stories on a new one.");
  }
  if (notes.length > 0) inspectorPanel.append(paragraph("inspector-note", notes.join(" ")));
}

/**
 * The worker that told this story has ended (the page replaced it after the story): the texts of
 * candidates not yet shown will not come, and the inspector says so rather than wait for them.
 */
function candidateTextsGone() {
  textsGone = true;
  const span = shownToken;
  if (span) {
    shownToken = null;
    showToken(span);
  }
}

/**
 * The worker's answer to askTexts: the texts of a story's candidates. The token shown is shown
 * again when it was waiting for them.
 */
function candidateTextsArrived(story, texts) {
  if (story !== storyNumber) return;
  for (const [token, text] of texts) candidateTexts.set(token, text);
  const span = shownToken;
  if (span && inspectorPanel.querySelector("[data-pending]")) {
    shownToken = null;
    showToken(span);
  }
}

/**
 * A token message's rows (its inspect field: Messages.java's token) as {token, text, prob,
 * sampled, cut}, text undefined until the worker gave it.
 */
function candidates(rows) {
  const list = [];
  for (let r = 0; r < rows.length; r += 3) {
    list.push({ token: rows[r], text: candidateTexts.get(rows[r]), prob: rows[r + 1],
      sampled: (rows[r + 2] & SAMPLED) !== 0, cut: (rows[r + 2] & CUT) !== 0 });
  }
  return list;
}

function why(forced, greedy, chosen) {
  if (forced) return "The prompt forced this token; the rows show how likely the model found each candidate here.";
  if (greedy) {
    return (storyLook.temperature === 0 ? "Temperature 0" : `Temperature ${storyLook.temperature}, as 0`) +
      ": the largest logit wins, so the top row is chosen. The probabilities shown are those of temperature 1.";
  }
  return `Drawn at random at temperature ${storyLook.temperature}` + (chosen ? `, with ${percent(chosen.prob)}.` : ".");
}

function candidateTable(rows, forced) {
  const table = document.createElement("table");
  table.className = "candidates";
  const head = table.createTHead().insertRow();
  for (const name of ["Candidate", "Probability"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    head.append(th);
  }
  const body = table.createTBody();
  let cutBefore = false;
  for (const row of rows) {
    const tr = body.insertRow();
    tr.dataset.token = row.token;
    tr.dataset.prob = row.prob;
    const what = tr.insertCell();
    what.append(piece(row.text ?? (textsGone ? "?" : "…")));
    if (row.text === undefined && !textsGone) tr.dataset.pending = "";
    if (row.sampled) {
      tr.dataset.sampled = "";
      what.append(tag(forced ? "prompt" : "chosen"));
    }
    if (row.cut) {
      tr.dataset.cut = "";
      if (!cutBefore) tr.className = "first-cut";
      cutBefore = true;
      what.append(hidden(" (cut by top-p)"));
    }
    const chance = tr.insertCell();
    chance.className = "prob";
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = row.prob;
    bar.setAttribute("aria-hidden", "true");
    chance.append(bar, percent(row.prob));
  }
  return table;
}

function muted(text) {
  return textElement("span", "muted", text);
}

function tag(text) {
  return textElement("span", "tag", text);
}

function hidden(text) {
  return textElement("span", "visually-hidden", text);
}

// ----------------------------------------------------------------------------
// pointing, tapping and the keyboard

function tokenAt(output, target) {
  const span = target instanceof Element ? target.closest("[data-token]") : null;
  return span && output.contains(span) ? span : null;
}

/** The token after (or before) span, in its passage or the next (or the one before): see story.js's appendPiece. */
function nextToken(span, forward) {
  const step = (element) => forward ? element.nextElementSibling : element.previousElementSibling;
  let next = step(span);
  for (let passage = span.parentElement; ;) {
    while (next && !next.hasAttribute("data-token")) next = step(next);
    if (next) return next;
    passage = step(passage);
    if (passage === null) return null;
    next = forward ? passage.firstElementChild : passage.lastElementChild;
  }
}

function lastToken(output) {
  const tokens = output.querySelectorAll("[data-token]");
  return tokens.length > 0 ? tokens[tokens.length - 1] : null;
}

/** Makes span the story's place in the tab order, shows it, and focuses it. */
function moveTo(span) {
  if (rover && rover !== span) {
    rover.removeAttribute("tabindex");
    rover.removeAttribute("aria-describedby");
  }
  rover = span;
  span.tabIndex = 0;
  span.setAttribute("aria-describedby", "inspector-title inspector-why");
  showToken(span); // before the focus, so that a screen reader reads the new description
  span.focus();
}

/**
 * Listens on the story (#output) and fills the inspector panel (#inspector); ask(story, tokens)
 * sends the worker a texts message, whose answer goes to candidateTextsArrived.
 */
function wireInspector(output, panel, ask) {
  inspectorPanel = panel;
  askTexts = ask;
  output.addEventListener("mouseover", (e) => {
    const span = tokenAt(output, e.target);
    if (span) showToken(span);
  });
  output.addEventListener("focusin", (e) => {
    const span = tokenAt(output, e.target);
    if (span) showToken(span);
  });
  output.addEventListener("click", (e) => {
    const span = tokenAt(output, e.target);
    if (!span) return;
    moveTo(span);
    if (panel.getBoundingClientRect().bottom > window.innerHeight) {
      panel.scrollIntoView({ block: "nearest" }); // on a phone, the candidates are under the story
    }
  });
  output.addEventListener("keydown", (e) => {
    const span = tokenAt(output, e.target);
    if (!span || e.altKey || e.ctrlKey || e.metaKey) return;
    let to = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") to = nextToken(span, true);
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") to = nextToken(span, false);
    else if (e.key === "Home") to = output.querySelector("[data-token]");
    else if (e.key === "End") to = lastToken(output);
    else return;
    e.preventDefault();
    if (to) moveTo(to);
  });
}
