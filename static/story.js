"use strict";
// The story as the page shows it (app.js feeds it the worker's pieces): one element per position,
// each holding its text as a text node, in passages, drawn a few times a second, following its
// end while the reader is there, and brought into view on a phone. Text from the model goes in as
// text, never as HTML.

// The story is laid out in passages, blocks of at most PASSAGE_TOKENS tokens: in one block, each
// token drawn laid out the whole story again (at 100000 tokens, Chromium took seconds a frame and
// the page stopped answering). A passage ends after a piece that ends a line, so that the text
// flows as in one block; a story that writes PASSAGE_TOKENS tokens without a newline breaks the
// line there.
const PASSAGE_TOKENS = 1000;
let passage = null;        // { element, tokens, shown, full } of the passage pieces go into
let unshownPassages = null; // a fragment of the passages begun since the last frame
let unshown = null;      // a fragment of the pieces that arrived since the last frame, for a passage shown
let lastCount = null;    // the token message that counted them
let followFrom = null;   // where the story was scrolled to, at its end, when pieces went in: scroll to
                         // the end next frame, unless the reader scrolled up since
let frameAsked = false;
let frameShown = -Infinity; // when showPieces last ran (performance.now())
// The story is laid out and painted at most this often. Where every core runs a shard of the
// model, each frame the page draws takes a core from a worker and the others wait for it at
// their next meeting: on two cores, a frame a vsync (as the pieces come) cost stories15M 30% of
// its speed on two threads, and 110M int8 ran 81.7 tok/s drawing every 50 ms, 87.4 every 100 ms
// (Chromium; 92.6 every 150 ms, beside 86.6 every 100, but the text then comes in lumps); ten
// times a second still reads as a stream.
const FRAME_GAP_MS = 100;

function clearStory() {
  passage = null;
  unshownPassages = null;
  unshown = null;
  lastCount = null;
  followFrom = null;
  ui.output.replaceChildren();
  ui.tokens.textContent = "0";
  ui.speed.textContent = "–";
  inspectNewStory({ inspect: ui.inspect.checked });
}

/**
 * Appends a token message's piece, its span marked with the token. Pieces wait for the next frame
 * (showPieces), so that the page lays out once a frame and not once a token.
 */
function appendPiece(m) {
  const piece = document.createElement("span");
  if (m.prompt) piece.dataset.prompt = "";
  markToken(piece, m);
  piece.append(document.createTextNode(m.text));
  if (passage === null || passage.full) {
    passage = { element: document.createElement("div"), tokens: 0, shown: false, full: false };
    passage.element.className = "passage";
    if (unshownPassages === null) unshownPassages = document.createDocumentFragment();
    unshownPassages.append(passage.element);
  }
  if (passage.shown) {
    if (unshown === null) unshown = document.createDocumentFragment();
    unshown.append(piece);
  } else {
    passage.element.append(piece);
  }
  passage.tokens++;
  passage.full = m.text.endsWith("\n") || passage.tokens >= PASSAGE_TOKENS;
  askFrame();
}

function askFrame() {
  if (frameAsked) return;
  frameAsked = true;
  const wait = frameShown + FRAME_GAP_MS - performance.now();
  if (wait > 0) {
    setTimeout(() => requestAnimationFrame(showPieces), wait);
  } else {
    requestAnimationFrame(showPieces);
  }
}

/**
 * Puts the pieces that arrived into the story and shows the count. At a frame's start the
 * layout is fresh, so it is read first (scrolling to the end the reader follows, then asking
 * whether they are still there) and only written after: nothing forces a second layout.
 */
function showPieces() {
  frameAsked = false;
  const box = ui.output;
  if (followFrom !== null && box.scrollTop >= followFrom) box.scrollTop = box.scrollHeight;
  followFrom = null;
  if (unshown !== null || unshownPassages !== null) {
    const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
    if (atEnd) followFrom = box.scrollTop;
    if (unshown !== null) box.lastElementChild.append(unshown); // the passage shown last, before the new ones
    if (unshownPassages !== null) box.append(unshownPassages);
    unshown = null;
    unshownPassages = null;
    passage.shown = true;
  }
  // the gap runs from the end of this frame's work: timed from its start, a frame that took long
  // (a first one, on a busy machine) left the next one only 47 ms after it
  frameShown = performance.now();
  if (followFrom !== null) askFrame(); // the next frame scrolls on to the end the reader follows
  if (lastCount !== null) showSpeed(lastCount);
  lastCount = null;
}

let storyFollowed = false; // since Start, the page keeps the story box in view as the status above it grows

/**
 * On a phone the story starts below the fold: scroll until the story box fits (or most of the
 * screen holds it), no further than the story's own top, so Start and Stop stay in view where
 * they can. Where the story already shows, the page only scrolls what of the box is below the
 * screen into view. Either way it follows the box as the status above it grows, until the
 * visitor scrolls; where the story's top was scrolled past, the page stays put.
 */
function bringStoryIntoView() {
  const box = ui.output.getBoundingClientRect();
  storyFollowed = box.top >= 0;
  if (box.top < 0.75 * window.innerHeight) {
    keepStoryInView();
    return;
  }
  const wanted = Math.min(parseFloat(getComputedStyle(ui.output).maxHeight) || box.height, 0.6 * window.innerHeight);
  scrollPageBy(Math.min(box.top - (window.innerHeight - wanted), ui.story.getBoundingClientRect().top));
}

/**
 * While the page follows the story (see bringStoryIntoView), scroll on as far as the story box
 * reaches below the screen, never past its top or Stop's.
 */
function keepStoryInView() {
  if (!storyFollowed) return;
  const box = ui.output.getBoundingClientRect();
  const by = Math.min(box.bottom - window.innerHeight, box.top, ui.stop.getBoundingClientRect().top);
  if (by > 0) scrollPageBy(by);
}

// a visitor who scrolls takes the page over
for (const type of ["wheel", "touchmove"]) {
  window.addEventListener(type, () => { storyFollowed = false; }, { passive: true });
}

/** Scrolls the page by, from where it is or, mid-scroll, from where that scroll stands. */
function scrollPageBy(by) {
  const motion = matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
  window.scrollTo({ top: window.scrollY + by, behavior: motion });
}
