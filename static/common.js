"use strict";
// Shared by the story page (app.js) and the benchmark page (bench.js).

const HF = "https://huggingface.co/karpathy/tinyllamas/resolve/main/";
const LLAMA2_TOKENIZER = "https://raw.githubusercontent.com/karpathy/llama2.c/master/tokenizer.bin";
const PRESETS = {
  "local-260K": { label: "stories260K · 1 MB · served with this page", model: "models/stories260K.bin",
    tokenizer: "models/tok512.bin" },
  "stories260K": { label: "stories260K · 1 MB · Hugging Face", model: HF + "stories260K/stories260K.bin",
    tokenizer: HF + "stories260K/tok512.bin" },
  "stories15M": { label: "stories15M · 58 MB · Hugging Face", model: HF + "stories15M.bin", tokenizer: LLAMA2_TOKENIZER },
  "stories42M": { label: "stories42M · 160 MB · Hugging Face", model: HF + "stories42M.bin", tokenizer: LLAMA2_TOKENIZER },
  "stories110M": { label: "stories110M · 418 MB · Hugging Face", model: HF + "stories110M.bin",
    tokenizer: LLAMA2_TOKENIZER },
};

/** Fills a model select with the presets, then the choices of an address and of local files. */
function fillModelChoices(select) {
  const options = Object.entries(PRESETS).map(([value, preset]) => new Option(preset.label, value));
  options.push(new Option("Another address…", "url"), new Option("Files on this computer…", "files"));
  select.replaceChildren(...options);
}

/** The model and tokenizer sources a model choice names: { url } or { file } each. Throws with a message. */
function modelSources(choice, modelUrl, tokenizerUrl, modelFile, tokenizerFile) {
  if (PRESETS[choice]) {
    return { model: { url: PRESETS[choice].model }, tokenizer: { url: PRESETS[choice].tokenizer } };
  }
  if (choice === "url") {
    const model = modelUrl.trim();
    if (!model) throw new Error("Enter the address of a model file, or pick a model from the list.");
    const tokenizer = tokenizerUrl.trim() || new URL("tokenizer.bin", new URL(model, location.href)).href;
    return { model: { url: model }, tokenizer: { url: tokenizer } };
  }
  if (!modelFile || !tokenizerFile) {
    throw new Error("Choose both a model file and its tokenizer file (or drop them on the page).");
  }
  return { model: { file: modelFile }, tokenizer: { file: tokenizerFile } };
}

/** Shows the URL inputs or the file inputs that the model choice needs. */
function showModelChoice(ui) {
  ui.urlChoice.hidden = ui.model.value !== "url";
  ui.filesChoice.hidden = ui.model.value !== "files";
}

/** Shows a download's progress: { what, loaded, total } from the worker. */
function showProgress(ui, m) {
  const percent = m.total > 0 ? Math.min(100, (100 * m.loaded) / m.total) : 0;
  ui.progress.value = percent;
  ui.progressText.textContent = `${m.what}: ${megabytes(m.loaded)}` +
    (m.total > 0 ? ` of ${megabytes(m.total)} (${Math.floor(percent)}%)` : "");
}

function megabytes(bytes) {
  return bytes < 1048576 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

function count(n) {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}K` : String(n);
}

function baseName(name) {
  return name.split(/[/\\]/).pop();
}

function describeModel(m) {
  const heads = m.nKvHeads < m.nHeads ? `${m.nHeads} heads (${m.nKvHeads} kv)` : `${m.nHeads} heads`;
  return `${baseName(m.name)} · ${count(m.parameters)} parameters · ${m.format} · dim ${m.dim} · ` +
    `${m.nLayers} layers · ${heads} · hidden ${m.hiddenDim} · vocab ${m.vocabSize} · context ${m.seqLen}`;
}
