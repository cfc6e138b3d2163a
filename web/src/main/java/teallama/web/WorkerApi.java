package teallama.web;

import org.teavm.jso.JSBody;
import org.teavm.jso.JSExport;
import org.teavm.jso.typedarrays.ArrayBuffer;

import teallama.Checkpoint;
import teallama.Config;
import teallama.FormatException;
import teallama.Generator;
import teallama.Model;
import teallama.Sampler;
import teallama.Settings;
import teallama.TextStream;
import teallama.Tokenizer;
import teallama.Transformer;

/**
 * What worker.js calls: the static @JSExport methods of this class appear on teavm.exports. The
 * worker owns the model and the story; each call posts its outcome through {@link Messages}.
 * Generation runs one position per {@link #step()}, so worker.js can yield between tokens and
 * hear a stop.
 */
public final class WorkerApi {
    private static Model model;
    private static Tokenizer tokenizer;
    private static Transformer transformer;
    private static Generator generator;
    private static TextStream text;
    private static int tokens;           // pieces shown so far
    private static double startMillis;   // run.c starts its clock after the first position
    private static double pressedMillis; // when the page's Start reached the worker, if it did
    private static double loadMillis;    // when the bytes of the current model were handed over
    private static double clockMillis;   // when the current story began: Start, else its load, else its start
    private static double firstTokenMs;  // from clockMillis to the first piece

    /** Chromium's largest float[] is 2^28 - 4 elements; each of the two KV caches is one array. */
    private static final long MAX_CACHE_FLOATS = (1L << 28) - 4;

    private WorkerApi() {
    }

    public static void main(String[] args) {
        // nothing runs until worker.js calls an export
    }

    @JSBody(script = "return performance.now();")
    private static native double now();

    /** Reports a download's progress; worker.js fetches, the message is built here. */
    @JSExport
    public static void progress(String what, double loaded, double total) {
        Messages.progress(what, loaded, total);
    }

    /** Reports a failure that happened in worker.js, such as a download that failed. */
    @JSExport
    public static void fail(String message) {
        Messages.error(message);
    }

    /** Reports that the user stopped a download before the story began. */
    @JSExport
    public static void cancelled() {
        Messages.done("stopped", "", 0, 0, 0);
    }

    /** The page's Start arrived: the story's first token is timed from now, its download included. */
    @JSExport
    public static void pressedStart() {
        pressedMillis = now();
    }

    /** Posts how many tokens the prompt takes with the loaded tokenizer, so the page can show it. */
    @JSExport
    public static void encode(String prompt) {
        if (model == null || tokenizer == null) {
            Messages.encoded(prompt, 0, 0);
            return;
        }
        Messages.encoded(prompt, tokenizer.encode(prompt, true, false).length, model.config().seqLen());
    }

    /** Reads a checkpoint and its tokenizer; posts ready or error. */
    @JSExport
    public static boolean load(ArrayBuffer modelBuffer, String modelName, ArrayBuffer tokenizerBuffer,
                               String tokenizerName) {
        loadMillis = now();
        generator = null;
        model = null;
        tokenizer = null;
        transformer = null;
        Model loaded;
        try {
            loaded = Checkpoint.read(new ArrayBufferSource(modelBuffer));
        } catch (FormatException e) {
            Messages.error(modelName + ": " + e.getMessage());
            return false;
        }
        Config c = loaded.config();
        try {
            tokenizer = Tokenizer.read(new ArrayBufferSource(tokenizerBuffer).readBytes(0,
                    tokenizerBuffer.getByteLength()), c.vocabSize());
        } catch (FormatException e) {
            Messages.error(tokenizerName + ": " + e.getMessage());
            return false;
        }
        model = loaded;
        String format = loaded.version() == 2 ? "int8" : "fp32";
        Messages.ready(modelName, loaded.version(), format, c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(),
                c.nKvHeads(), c.vocabSize(), c.seqLen(), loaded.parameterCount(), modelBuffer.getByteLength());
        return true;
    }

    /**
     * Starts a story with the page's settings as text (so a link's values are checked here, the
     * same way the command line checks them); posts started or error.
     */
    @JSExport
    public static boolean start(String prompt, String temperatureText, String toppText, String stepsText,
                                String seedText) {
        generator = null;
        if (model == null) {
            Messages.error("no model is loaded");
            return false;
        }
        // a story is timed from the page's Start; the benchmark's, right after a load, from the load
        clockMillis = pressedMillis != 0 ? pressedMillis : loadMillis != 0 ? loadMillis : now();
        pressedMillis = 0;
        loadMillis = 0;
        Config c = model.config();
        float temperature;
        float topp;
        int steps;
        long seed;
        try {
            temperature = Settings.clampTemperature(Settings.number("temperature", temperatureText));
            topp = Settings.clampTopp(Settings.number("top-p", toppText));
            steps = Generator.clampSteps(Settings.wholeNumber("steps", stepsText), c.seqLen());
            seed = Settings.seed(Settings.wholeNumber("seed", seedText));
        } catch (IllegalArgumentException e) {
            Messages.error(e.getMessage());
            return false;
        }
        if (seed == 0) {
            // run.c seeds 0 from the clock; this one stays below 2^31 so that a link with it,
            // read back as run.c reads -s (atoi), gives the same seed
            seed = 1 + (long) (Math.random() * (Integer.MAX_VALUE - 1));
        }
        if ((long) c.nLayers() * steps * c.kvDim() > MAX_CACHE_FLOATS) {
            Messages.error(steps + " steps need a KV cache larger than a browser array holds; ask for at most "
                    + MAX_CACHE_FLOATS / ((long) c.nLayers() * c.kvDim()) + " steps");
            return false;
        }
        if (transformer == null || transformer.positions() < steps) {
            transformer = null; // let the old KV cache go before the new one is allocated
            transformer = model.newTransformer(steps);
        }
        Sampler sampler = new Sampler(c.vocabSize(), temperature, topp, seed);
        try {
            generator = new Generator(transformer, tokenizer, sampler, prompt, steps);
        } catch (FormatException e) {
            Messages.error("cannot encode the prompt: " + e.getMessage());
            return false;
        }
        text = new TextStream();
        tokens = 0;
        startMillis = 0;
        firstTokenMs = 0;
        Messages.started(temperature, topp, steps, Long.toUnsignedString(seed), generator.promptLength());
        return true;
    }

    /** Runs one position and posts its text; returns whether the story goes on. */
    @JSExport
    public static boolean step() {
        if (generator == null) {
            return false;
        }
        byte[] piece = generator.next();
        if (piece == null) {
            finish(generator.position() >= generator.steps() ? "steps" : "end");
            return false;
        }
        tokens++;
        if (startMillis == 0) {
            startMillis = now();
            firstTokenMs = startMillis - clockMillis;
        }
        Messages.token(text.append(piece), tokens, tokensPerSecond());
        return true;
    }

    /** Ends the story between two tokens. */
    @JSExport
    public static void stop() {
        if (generator != null) {
            finish("stopped");
        }
    }

    private static void finish(String reason) {
        Messages.done(reason, text.finish(), tokens, tokensPerSecond(), firstTokenMs);
        generator = null;
    }

    /** run.c's measure: positions after the first, over the time since the first. */
    private static double tokensPerSecond() {
        double elapsed = now() - startMillis;
        int positions = generator.position();
        return positions > 1 && elapsed > 0 ? (positions - 1) / elapsed * 1000.0 : 0.0;
    }
}
