package teallama.web;

import org.teavm.jso.JSBody;

/**
 * Every message the worker posts to the page, in one place. Each carries a type:
 * progress | ready | encoded | started | token | done | error.
 */
final class Messages {
    private Messages() {
    }

    /** Bytes of a download so far; total is 0 when the server did not say. */
    @JSBody(params = {"what", "loaded", "total"},
            script = "self.postMessage({type: 'progress', what: what, loaded: loaded, total: total});")
    static native void progress(String what, double loaded, double total);

    /** A model and its tokenizer are in memory. */
    @JSBody(params = {"name", "version", "format", "dim", "hiddenDim", "nLayers", "nHeads", "nKvHeads",
        "vocabSize", "seqLen", "parameters", "bytes"},
            script = "self.postMessage({type: 'ready', model: {name: name, version: version, format: format, "
                    + "dim: dim, hiddenDim: hiddenDim, nLayers: nLayers, nHeads: nHeads, nKvHeads: nKvHeads, "
                    + "vocabSize: vocabSize, seqLen: seqLen, parameters: parameters, bytes: bytes}});")
    static native void ready(String name, int version, String format, int dim, int hiddenDim, int nLayers,
                             int nHeads, int nKvHeads, int vocabSize, int seqLen, double parameters, double bytes);

    /**
     * How many tokens a prompt takes, BOS included as in started, against the loaded model's
     * seq_len; both are 0 while no model is loaded. The prompt comes back so that the page can
     * tell which of its requests this answers.
     */
    @JSBody(params = {"prompt", "promptTokens", "seqLen"},
            script = "self.postMessage({type: 'encoded', prompt: prompt, promptTokens: promptTokens, seqLen: seqLen});")
    static native void encoded(String prompt, int promptTokens, int seqLen);

    /** Generation began with these settings, after run.c's clamps. */
    @JSBody(params = {"temperature", "topp", "steps", "seed", "promptTokens"},
            script = "self.postMessage({type: 'started', temperature: temperature, topp: topp, steps: steps, "
                    + "seed: seed, promptTokens: promptTokens});")
    static native void started(double temperature, double topp, int steps, String seed, int promptTokens);

    /** The text one more position added (possibly empty), with the count and speed so far. */
    @JSBody(params = {"text", "tokens", "tokPerSec"},
            script = "self.postMessage({type: 'token', text: text, tokens: tokens, tokPerSec: tokPerSec});")
    static native void token(String text, int tokens, double tokPerSec);

    /**
     * The story ended: reason is end (BOS), steps or stopped. firstTokenMs runs from the page's
     * Start (its download and load included), or for the benchmark from the model's bytes being
     * handed over, to the first piece.
     */
    @JSBody(params = {"reason", "text", "tokens", "tokPerSec", "firstTokenMs"},
            script = "self.postMessage({type: 'done', reason: reason, text: text, tokens: tokens, "
                    + "tokPerSec: tokPerSec, firstTokenMs: firstTokenMs});")
    static native void done(String reason, String text, int tokens, double tokPerSec, double firstTokenMs);

    @JSBody(params = {"message"}, script = "self.postMessage({type: 'error', message: message});")
    static native void error(String message);
}
