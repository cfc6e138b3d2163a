package teallama.web;

import java.nio.charset.StandardCharsets;

import org.teavm.jso.JSBody;
import org.teavm.jso.JSExport;
import org.teavm.jso.JSObject;
import org.teavm.jso.typedarrays.Int8Array;

import teallama.Checkpoint;
import teallama.CheckpointReader;
import teallama.Config;
import teallama.FormatException;
import teallama.GenerationException;
import teallama.Generator;
import teallama.Inspector;
import teallama.Limits;
import teallama.Model;
import teallama.Sampler;
import teallama.Settings;
import teallama.TextStream;
import teallama.Tokenizer;
import teallama.Transformer;
import teallama.parallel.Exchange;
import teallama.parallel.ShardPlan;

/**
 * What worker.js and shard.js call: the static @JSExport methods of this class appear on
 * teavm.exports. worker.js owns the model's shard 0, the tokenizer and the story, and posts the
 * page every outcome through {@link Messages}; with more threads, each shard.js worker owns one
 * other shard and runs its part of every forward pass. The bytes of a model arrive in chunks as
 * they are downloaded. Generation runs one position per {@link #step()}, so worker.js can yield
 * between tokens and hear a stop.
 */
public final class WorkerApi {
    private static final int COPY_PIECE = 1 << 15; // bytes of the model copied into Java at a time
    private static final byte[] piece = new byte[COPY_PIECE];
    private static LinearStaging pieceStaging;    // where the pieces pass, made once
    private static LinearStaging exchangeStaging; // where the shards' vectors pass, grown for a model that needs it
    private static LinearStaging inspectStaging;  // where the inspector's rows pass, made once
    private static final double[] inspectRows = new double[3 * Inspector.ROWS]; // (rows, 3)

    private static final LinearMatrices matrices = new LinearMatrices(); // where a model's matrices go
    private static CheckpointReader reader; // the model being read, until it is complete
    private static String modelName;
    private static String tokenizerName;
    private static Model model;             // the shard this worker holds
    private static Exchange exchange;       // how it meets the other shards
    private static Tokenizer tokenizer;
    private static Transformer transformer;
    private static int storyPositions;      // what the story started needs of the transformers' KV caches
    private static Generator generator;
    private static TextStream text;
    private static int tokens;           // pieces shown so far
    private static double startMillis;   // run.c starts its clock after the first position
    private static double pressedMillis; // when the page's Start reached the worker, if it did
    private static double loadMillis;    // when the current model began to arrive
    private static double clockMillis;   // when the current story began: Start, else its load, else its start
    private static double firstTokenMs;  // from clockMillis to the first piece

    private WorkerApi() {
    }

    public static void main(String[] args) {
        // nothing runs until worker.js calls an export
    }

    @JSBody(script = "return performance.now();")
    private static native double now();

    /**
     * What a browser can hold: Chromium's longest float[] has 2^28 - 4 elements, and the heap
     * (which holds WebAssembly GC arrays too) is bounded by what worker.js measures, or not at
     * all where it passes nothing.
     */
    private static Limits limits(double memoryBytes) {
        return new Limits((1 << 28) - 4, memoryBytes > 0 ? (long) memoryBytes : Long.MAX_VALUE);
    }

    /**
     * Reports a download's progress (total 0 when unknown) from network, storage or file;
     * download.js (in worker.js) reads, the message is built here.
     */
    @JSExport
    public static void progress(String what, double loaded, double total, String from) {
        Messages.progress(what, loaded, total, from);
    }

    /** Reports whether a download was kept in the model store (failure empty) or why not. */
    @JSExport
    public static void kept(String what, String url, double bytes, String failure) {
        Messages.kept(what, url, bytes, failure);
    }

    /** Reports a failure that happened in worker.js, such as a download that failed. */
    @JSExport
    public static void fail(String message) {
        Messages.error(message);
    }

    /** The page's Start arrived: the story's first token is timed from now, its download included. */
    @JSExport
    public static void pressedStart() {
        pressedMillis = now();
    }

    /**
     * The token's text for reading (see {@link Tokenizer#readable}), or null when no tokenizer is
     * loaded or it has no such token. The page asks for the texts of the candidates it shows: built
     * for every token message, they took 40 µs of a 3.4 ms token (15M, two threads, Chromium).
     */
    @JSExport
    public static String readable(int token) {
        return tokenizer == null || token < 0 || token >= tokenizer.vocabSize() ? null : tokenizer.readable(token);
    }

    /** Posts how many tokens the prompt takes with the loaded tokenizer, so the page can show it. */
    @JSExport
    public static void encode(String prompt) {
        if (model == null || tokenizer == null) {
            Messages.encoded(prompt, 0, 0, "");
            return;
        }
        int tokens;
        try {
            tokens = tokenizer.encode(prompt, true, false).length;
        } catch (FormatException e) {
            Messages.encoded(prompt, 0, model.config().seqLen(), tokenizerName + ": cannot encode the prompt: "
                    + e.getMessage());
            return;
        }
        Messages.encoded(prompt, tokens, model.config().seqLen(), "");
    }

    /** Reports that the user stopped a download before the story began. */
    @JSExport
    public static void cancelled() {
        Messages.done("stopped", 0, 0, 0);
    }

    // ----------------------------------------------------------------------------
    // reading a model as it downloads (both kinds of worker)

    /**
     * A model's bytes begin to arrive: size is the file's length, or -1 while unknown, or with
     * sizeAtLeast about the least it can be (see CheckpointReader.expectSizeAtLeast). shards is
     * how many shards are asked for (the model may split into fewer), or with worthwhile the most
     * of them, as many as the model's size makes worth running; shard is the one this worker
     * keeps, memoryBytes what the browser can hold. Returns "" or the error.
     */
    @JSExport
    public static String beginModel(String name, int shards, boolean worthwhile, int shard, double size,
                                    boolean sizeAtLeast, double memoryBytes) {
        forgetModel();
        loadMillis = now();
        modelName = name;
        Limits limits = limits(memoryBytes);
        reader = worthwhile ? CheckpointReader.worthwhile(shards, shard, limits) : CheckpointReader.of(shards, shard, limits);
        matrices.chooseKernels();
        reader.holdMatricesIn(matrices);
        if (size >= 0) {
            return guard(() -> {
                if (sizeAtLeast) {
                    reader.expectSizeAtLeast((long) size);
                } else {
                    reader.expectSize((long) size);
                }
            });
        }
        return "";
    }

    /**
     * The next bytes of the model. Returns "" or the error that must stop the download. They are
     * copied into Java a piece at a time into the same array (see LinearStaging): a new array for
     * each piece made a download's worth of garbage in every worker.
     */
    @JSExport
    public static String acceptModel(Int8Array bytes) {
        if (reader == null) {
            return refusedEarlier();
        }
        pieceStaging = LinearStaging.atLeast(pieceStaging, COPY_PIECE);
        int length = bytes.getLength();
        for (int from = 0; from < length; from += COPY_PIECE) {
            int count = Math.min(COPY_PIECE, length - from);
            pieceStaging.read(bytes, from, count, piece);
            String error = guard(() -> reader.accept(piece, 0, count));
            if (!error.isEmpty()) {
                return error;
            }
        }
        return "";
    }

    /** How many shards the model splits into, once its header has arrived; 0 before. */
    @JSExport
    public static int modelShards() {
        return reader != null && reader.plan() != null ? reader.plan().shards() : 0;
    }

    /**
     * How many shards the model in memory would split into if read again asking for shards
     * (worthwhile as beginModel takes it), or 0 without one: a start that asks for threads that
     * split it as it is keeps it.
     */
    @JSExport
    public static int shardsFor(int shards, boolean worthwhile) {
        if (model == null) {
            return 0;
        }
        return ShardPlan.forFile(model.config(), model.header().fileSize(), Math.max(1, shards), worthwhile).shards();
    }

    /** The longest vector the shards exchange (see ShardPlan.longestExchange). */
    @JSExport
    public static int exchangeLength() {
        return reader.plan().longestExchange();
    }

    /** Every byte is in. Returns "" or the error; then the model's shard is ready to run. */
    @JSExport
    public static String finishModel() {
        if (reader == null) {
            return refusedEarlier();
        }
        String error = guard(() -> model = reader.finish());
        reader = null;
        if (error.isEmpty()) {
            exchange = model.plan().shards() == 1 ? Exchange.NONE : sharedMemoryExchange();
        }
        return error;
    }

    /** This shard's side of the exchanges, staged through linear memory that holds the longest vector. */
    private static Exchange sharedMemoryExchange() {
        exchangeStaging = LinearStaging.atLeast(exchangeStaging, 4 * model.plan().longestExchange());
        return new SharedMemoryExchange(shard(), exchangeStaging);
    }

    /**
     * The bytes of linear memory this worker keeps whatever it loads next, the most its matrices
     * ever took (see LinearMatrices), also after a load that failed or was stopped.
     */
    @JSExport
    public static double keptBytes() {
        return matrices.peakBytes();
    }

    /** A download that failed or was stopped: the partial model goes. */
    @JSExport
    public static void abandonModel() {
        forgetModel();
    }

    private static void forgetModel() {
        reader = null;
        model = null;
        exchange = null;
        tokenizer = null;
        transformer = null;
        generator = null;
        matrices.releaseAll();
    }

    /** The story's forward pass goes, and its KV cache's room in linear memory with it. */
    private static void releaseTransformer() {
        if (transformer != null) {
            transformer.release();
            transformer = null;
        }
    }

    /** The shard this worker holds. */
    private static int shard() {
        for (int s = 0; s < model.shards().length; s++) {
            if (model.shards()[s] != null) {
                return s;
            }
        }
        throw new IllegalStateException("no shard is held");
    }

    /** What a block or the end of a model that was refused at an earlier block gets: reading stopped there. */
    private static String refusedEarlier() {
        return modelName + ": reading it stopped at an earlier error";
    }

    /** Runs a step of reading; returns "" or the model's name and what is wrong. */
    private static String guard(Runnable step) {
        try {
            step.run();
            return "";
        } catch (FormatException | IllegalArgumentException e) {
            reader = null;
            return modelName + ": " + e.getMessage();
        }
    }

    /**
     * Returns "" or why a tokenizer of this many bytes (its length, or what has arrived) cannot
     * be read: its bytes become one array, and a download of a gigabyte that is not a tokenizer
     * must stop at its length or at the limit, not end in the browser's "array too large".
     */
    @JSExport
    public static String checkTokenizerSize(String name, double bytes) {
        try {
            limits(0).checkArray("the tokenizer", (long) bytes);
            return "";
        } catch (FormatException e) {
            return name + ": " + e.getMessage();
        }
    }

    /**
     * The tokenizer for the model just read (worker.js only); posts ready or error. threadNote
     * says why the model runs on fewer threads than asked, or is empty.
     */
    @JSExport
    public static boolean loadTokenizer(Int8Array bytes, String name, double modelBytes, String threadNote) {
        tokenizerName = name;
        Config c = model.config();
        try {
            tokenizer = Tokenizer.read(bytes.copyToJavaArray(), c.vocabSize());
        } catch (FormatException e) {
            Messages.error(tokenizerName + ": " + e.getMessage());
            return false;
        }
        Checkpoint.Header h = model.header();
        Messages.ready(modelName, h.version(), h.format(), c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(),
                c.nKvHeads(), c.vocabSize(), c.seqLen(), model.parameterCount(), modelBytes,
                ShardPlan.of(c, Integer.MAX_VALUE).shards(), ShardPlan.worthwhileShards(h.fileSize(), Integer.MAX_VALUE),
                model.plan().shards(), threadNote, matrices.simd());
        return true;
    }

    // ----------------------------------------------------------------------------
    // stories (worker.js)

    /**
     * Starts a story with the page's settings as text (so a link's values are checked here, the
     * same way the command line checks them); posts started or error. keepText is how many tokens
     * to keep when the context fills (see Generator; null or "0": stop at seq_len, as run.c), and
     * inspect asks for each token's candidates in the token messages.
     */
    @JSExport
    public static boolean start(String prompt, String temperatureText, String toppText, String stepsText,
                                String seedText, String keepText, boolean inspect, double memoryBytes) {
        generator = null;
        if (model == null || tokenizer == null) {
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
        int keep;
        int steps;
        long seed;
        try {
            temperature = Settings.clampTemperature(Settings.number("temperature", temperatureText));
            topp = Settings.clampTopp(Settings.number("top-p", toppText));
            // not one of run.c's options: refused past int as the command line's -k is, not wrapped as atoi wraps
            keep = Settings.keep("keep", Settings.exactWholeNumber("keep", keepText == null ? "0" : keepText),
                    c.seqLen());
            steps = Settings.steps("steps", Settings.wholeNumber("steps", stepsText), c.seqLen(), keep);
            seed = Settings.seed(Settings.wholeNumber("seed", seedText));
        } catch (IllegalArgumentException e) {
            Messages.error(e.getMessage());
            return false;
        }
        boolean seedDrawn = seed == 0;
        if (seedDrawn) {
            // run.c seeds 0 from the clock; this one stays below 2^31 so that a link with it,
            // read back as run.c reads -s (atoi), gives the same seed
            seed = 1 + (long) (Math.random() * (Integer.MAX_VALUE - 1));
        }
        int positions = Math.min(steps, c.seqLen());
        if (transformer == null || transformer.positions() < positions) {
            releaseTransformer(); // the old KV cache goes before the new one is allocated
            try {
                model.checkRun(positions, limits(memoryBytes));
            } catch (IllegalArgumentException e) {
                Messages.error(tooLong(e));
                return false;
            }
            transformer = model.shards()[0].newTransformer(positions, exchange);
        }
        storyPositions = positions;
        Sampler sampler = new Sampler(c.vocabSize(), temperature, topp, seed);
        try {
            generator = new Generator(transformer, tokenizer, sampler, prompt.getBytes(StandardCharsets.UTF_8), steps,
                    keep, inspect);
        } catch (FormatException e) {
            Messages.error(tokenizerName + ": cannot encode the prompt: " + e.getMessage());
            return false;
        }
        text = new TextStream();
        tokens = 0;
        startMillis = 0;
        firstTokenMs = 0;
        Messages.started(temperature, topp, steps, Long.toUnsignedString(seed), seedDrawn, generator.promptLength(),
                keep, Settings.MAX_STEPS_PAST_CONTEXT);
        return true;
    }

    /**
     * The positions the story started needs: the other shards need as many (this shard's KV cache
     * may hold more, from an earlier story, which another shard could not hold).
     */
    @JSExport
    public static int storyPositions() {
        return storyPositions;
    }

    /** A run refused by Model.checkRun, naming the model: "NAME: N steps need ...: at most M steps fit in this browser". */
    private static String tooLong(IllegalArgumentException e) {
        return modelName + ": " + e.getMessage() + " in this browser; ask for fewer";
    }

    /**
     * Runs one position and posts its text, or, when the context is full, runs one of the tokens
     * kept again and posts nothing; returns whether the story goes on.
     */
    @JSExport
    public static boolean step() {
        if (generator == null) {
            return false;
        }
        // past the context, one kept token a call, so that a stop is heard between any two
        if (generator.rerunKeptToken()) {
            return true;
        }
        byte[] piece;
        try {
            piece = generator.next();
        } catch (GenerationException e) {
            generator = null;
            Messages.error(modelName + ": " + e.getMessage());
            return false;
        }
        if (piece == null) {
            finish(generator.position() >= generator.steps() ? "steps" : "end");
            return false;
        }
        tokens++;
        if (startMillis == 0) {
            startMillis = now();
            firstTokenMs = startMillis - clockMillis;
        }
        Inspector.Candidates candidates = generator.candidates();
        Messages.token(text.append(piece), tokens, tokensPerSecond(), generator.token(), generator.position(),
                generator.forced(), candidates == null ? null : inspection(candidates));
        return true;
    }

    /** The inspect field of a token message (see {@link Messages#token}). */
    private static JSObject inspection(Inspector.Candidates c) {
        for (int r = 0; r < c.rows(); r++) {
            inspectRows[3 * r] = c.tokens()[r];
            inspectRows[3 * r + 1] = c.probabilities()[r];
            inspectRows[3 * r + 2] = (r == c.chosenRow() ? Messages.SAMPLED : 0) | (c.cut()[r] ? Messages.CUT : 0);
        }
        // through linear memory: Float64Array.copyFromJavaArray took 45 µs a token in Chromium
        inspectStaging = LinearStaging.atLeast(inspectStaging, 8 * inspectRows.length);
        return Messages.inspection(c.greedy(), inspectStaging.copyOut(inspectRows, 3 * c.rows()));
    }

    /** Ends the story between two tokens. */
    @JSExport
    public static void stop() {
        if (generator != null) {
            finish("stopped");
        }
    }

    private static void finish(String reason) {
        Messages.done(reason, tokens, tokensPerSecond(), firstTokenMs);
        generator = null;
    }

    /** run.c's measure: positions after the first, over the time since the first. */
    private static double tokensPerSecond() {
        double elapsed = now() - startMillis;
        int positions = generator.position();
        return positions > 1 && elapsed > 0 ? (positions - 1) / elapsed * 1000.0 : 0.0;
    }

    // ----------------------------------------------------------------------------
    // the other shards (shard.js)

    /** Makes this shard's forward pass for a story of the given positions; returns "" or the error. */
    @JSExport
    public static String prepareShard(int positions, double memoryBytes) {
        if (transformer != null && transformer.positions() >= positions) {
            return "";
        }
        releaseTransformer();
        try {
            model.checkRun(positions, limits(memoryBytes));
        } catch (IllegalArgumentException e) {
            return tooLong(e);
        }
        transformer = model.shards()[shard()].newTransformer(positions, exchange);
        return "";
    }

    /**
     * This shard's part of the forward pass of one position, begun by shard 0, summing the
     * exponentials of its logits when softmaxSum is true (see Transformer#sumExponentials) and
     * taking softmax's numerators above temperature 0, the float whose bits temperatureBits holds
     * (see Transformer#exponentiateAt).
     */
    @JSExport
    public static void forwardShard(int token, int pos, boolean softmaxSum, int temperatureBits) {
        transformer.sumExponentials(softmaxSum);
        transformer.exponentiateAt(Float.intBitsToFloat(temperatureBits));
        transformer.forward(token, pos);
    }
}
