package teallama.web;

import org.teavm.jso.JSBody;
import org.teavm.jso.JSObject;
import org.teavm.jso.typedarrays.Float64Array;

/**
 * The messages about a model and a story that the worker posts to the page, in one place. Each
 * carries a type: progress | ready | kept | encoded | started | token | done | error. worker.js
 * posts the others itself, and lists them all at its top.
 */
final class Messages {
    private Messages() {
    }

    /**
     * Bytes of a download so far; total is 0 when the server did not say. from is where the
     * bytes come from: network, storage (the model store, store.js) or file (a local file).
     */
    @JSBody(params = {"what", "loaded", "total", "from"},
            script = "self.postMessage({type: 'progress', what: what, loaded: loaded, total: total, from: from});")
    static native void progress(String what, double loaded, double total, String from);

    /**
     * After a load that succeeded, whether the download of the model or tokenizer (what) from url
     * is now in the model store: failure is empty when bytes were kept, else why it could not be
     * (storage full, none in a private window), and nothing was kept.
     */
    @JSBody(params = {"what", "url", "bytes", "failure"},
            script = "self.postMessage({type: 'kept', what: what, url: url, bytes: bytes, failure: failure});")
    static native void kept(String what, String url, double bytes, String failure);

    /**
     * A model and its tokenizer are in memory, split over threads workers; threadNote says why
     * there are fewer than asked for, or is empty; simd, whether its matrices are multiplied
     * with WebAssembly SIMD (in the worker that tells it). splitsInto and threadsWorthRunning
     * (ShardPlan's: the most shards it splits into, and the threads auto gives its file) let the
     * page tell what another threads choice would run on the model.
     */
    @JSBody(params = {"name", "version", "format", "dim", "hiddenDim", "nLayers", "nHeads", "nKvHeads",
        "vocabSize", "seqLen", "parameters", "bytes", "splitsInto", "threadsWorthRunning", "threads", "threadNote",
        "simd"},
            script = "self.postMessage({type: 'ready', model: {name: name, version: version, format: format, "
                    + "dim: dim, hiddenDim: hiddenDim, nLayers: nLayers, nHeads: nHeads, nKvHeads: nKvHeads, "
                    + "vocabSize: vocabSize, seqLen: seqLen, parameters: parameters, bytes: bytes, "
                    + "splitsInto: splitsInto, threadsWorthRunning: threadsWorthRunning}, "
                    + "threads: threads, threadNote: threadNote, simd: !!simd});")
    static native void ready(String name, int version, String format, int dim, int hiddenDim, int nLayers,
                             int nHeads, int nKvHeads, int vocabSize, int seqLen, double parameters, double bytes,
                             int splitsInto, int threadsWorthRunning, int threads, String threadNote, boolean simd);

    /**
     * How many tokens a prompt takes, BOS included as in started, against the loaded model's
     * seq_len; both are 0 while no model is loaded. The prompt comes back so that the page can
     * tell which of its requests this answers. problem, if not empty, says why the tokenizer
     * cannot encode the prompt (promptTokens is then 0): an answer to a count, which may come
     * while a story is written, not an error of the story.
     */
    @JSBody(params = {"prompt", "promptTokens", "seqLen", "problem"},
            script = "self.postMessage({type: 'encoded', prompt: prompt, promptTokens: promptTokens, seqLen: seqLen, "
                    + "problem: problem});")
    static native void encoded(String prompt, int promptTokens, int seqLen, String problem);

    /**
     * Generation began with these settings, after run.c's clamps. keep is how many tokens are
     * kept when the context fills (0: the story stops at seq_len, as in run.c); with keep, steps
     * may exceed seq_len, up to maxSteps. seedDrawn: the seed setting read as 0, so this story's
     * seed was drawn at random.
     */
    @JSBody(params = {"temperature", "topp", "steps", "seed", "seedDrawn", "promptTokens", "keep", "maxSteps"},
            script = "self.postMessage({type: 'started', temperature: temperature, topp: topp, steps: steps, "
                    + "seed: seed, seedDrawn: !!seedDrawn, promptTokens: promptTokens, keep: keep, maxSteps: maxSteps});")
    static native void started(double temperature, double topp, int steps, String seed, boolean seedDrawn,
                               int promptTokens, int keep, int maxSteps);

    /**
     * One more position: the token it chose and the text that completes (possibly empty: a
     * character spelled over several byte tokens shows with its last byte), with the count and
     * speed so far. worker.js sends these to the page a slice of a story at a time, gathered in
     * one message {type: 'tokens', tokens: [...]}. Fields:
     * <ul>
     * <li>text: text to append, never HTML;</li>
     * <li>tokens: pieces shown so far; tokPerSec: run.c's measure so far;</li>
     * <li>token: the id of the token this step's text belongs to;</li>
     * <li>pos: that token's place in the story, BOS being 0, so the first token shown is at 1;
     *     past the context window (keep) it goes on counting;</li>
     * <li>prompt: true when the prompt forced the token, false when it was sampled;</li>
     * <li>inspect: null unless the story was started with inspect; else {greedy, rows}, in
     *     a few objects rather than one per row, as the page's thread copies every message while
     *     the shards share its cores. greedy is true when the largest logit wins (temperature 0,
     *     or one so small that logits / temperature overflow); the probabilities are then those
     *     of temperature 1. rows is a Float64Array (up to 10 rows, 3): the candidates most probable
     *     first (ties in id order), each as token id, probability after temperature (from 0 to 1,
     *     the float itself) and flags: SAMPLED (1) on the row of the token that came next,
     *     sampled or forced (if it was not among the most probable, it takes the last row), CUT
     *     (2) on rows that top-p would not draw (below run.c's cutoff, or past the nucleus).
     *     The candidates' texts are not sent: the page asks for those it shows (worker.js's texts
     *     message, {@link WorkerApi#readable}).</li>
     * </ul>
     */
    @JSBody(params = {"text", "tokens", "tokPerSec", "token", "pos", "prompt", "inspect"},
            script = "self.postMessage({type: 'token', text: text, tokens: tokens, tokPerSec: tokPerSec, token: token, "
                    + "pos: pos, prompt: !!prompt, inspect: inspect});")
    static native void token(String text, int tokens, double tokPerSec, int token, int pos, boolean prompt,
                             JSObject inspect);

    /** The flags of a row of the inspect field (see {@link #token}). */
    static final int SAMPLED = 1;
    static final int CUT = 2;

    /** The inspect field of a token message: rows (rows, 3) as token, probability, flags. */
    @JSBody(params = {"greedy", "rows"}, script = "return {greedy: !!greedy, rows: rows};")
    static native JSObject inspection(boolean greedy, Float64Array rows);

    /**
     * The story ended: reason is end (BOS), steps or stopped. firstTokenMs runs from the page's
     * Start (its download and load included), or for the benchmark from the start of the model's
     * download, to the first piece.
     */
    @JSBody(params = {"reason", "tokens", "tokPerSec", "firstTokenMs"},
            script = "self.postMessage({type: 'done', reason: reason, tokens: tokens, tokPerSec: tokPerSec, "
                    + "firstTokenMs: firstTokenMs});")
    static native void done(String reason, int tokens, double tokPerSec, double firstTokenMs);

    @JSBody(params = {"message"}, script = "self.postMessage({type: 'error', message: message});")
    static native void error(String message);
}
