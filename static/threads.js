"use strict";
// Threads: what a threads choice asks for and the words for what runs, in one place for the page
// (the hint under its select says what the next Start will run) and worker.js (which runs it and
// says so after a load), so that what the page predicts reads as what the worker then says.
// Uses meeting.js (whether this page can share memory between workers).

const MAX_THREADS = 16;
const AUTO_MAX_THREADS = 8;    // "auto": the cores, at most this many

/**
 * How many threads a setting asks for: a whole number from 1 to 16, else (auto, or none) the
 * cores, at most 8 and at most one per 16 MiB of the model (Java's ShardPlan.worthwhileShards
 * decides once the header is in); one without shared memory, which note then says. wanted is
 * what the setting asked before that.
 */
function threadPlan(setting) {
  const text = String(setting === undefined ? "" : setting).trim();
  const auto = text === "" || text === "auto";
  let wanted = Math.min(navigator.hardwareConcurrency || 1, AUTO_MAX_THREADS);
  if (!auto) {
    wanted = Number(text);
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_THREADS) {
      throw new Error(notAThreadsChoice(text));
    }
  }
  const notShared = wanted > 1 ? meeting.whyNotShared() : "";
  if (notShared) return { wanted, threads: 1, auto: false, note: `one thread: ${notShared}` };
  return { wanted, threads: wanted, auto, note: "" };
}

/** What a threads setting or link that names no choice is told. */
function notAThreadsChoice(text) {
  return `threads expects auto or a whole number from 1 to ${MAX_THREADS}, found '${text}'`;
}

/**
 * Why a model that splits into at most splitsInto parts runs n threads where the plan asked for
 * more, or the plan's own note.
 */
function threadNote(plan, n, splitsInto) {
  if (n >= plan.threads) return plan.note;
  if (plan.auto && n < splitsInto) {
    return `${threadCount(n)}: auto runs a thread per 16 MB of model, as a smaller model's token is over before ` +
      "more threads would pay";
  }
  return `${threadCount(n)}: this model splits into ${n === 1 ? "one part" : `at most ${n} parts`}`;
}

function threadCount(n) {
  return n === 1 ? "one thread" : `${n} threads`;
}
