package teallama.cli;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import teallama.Chat;
import teallama.Config;
import teallama.FormatException;
import teallama.GenerationException;
import teallama.Generator;
import teallama.Inspector;
import teallama.Limits;
import teallama.Model;
import teallama.Sampler;
import teallama.Settings;
import teallama.Tokenizer;
import teallama.Transformer;
import teallama.jvm.ShardThreads;
import teallama.parallel.ShardPlan;

/**
 * The command line: llama2.c's {@code ./run} (same flags, defaults and output: the text on
 * stdout, "achieved tok/s" on stderr), plus {@code quantize}, which writes the version 2 (Q8_0)
 * file that runq.c and Teallama read.
 */
public final class Main {
    private static final String DEFAULT_TOKENIZER = "tokenizer.bin";
    private static final int MAX_THREADS = 64;
    /** What a shell reports for run.c when SIGPIPE (13) kills it: 128 + the signal. */
    private static final int BROKEN_PIPE_STATUS = 128 + 13;

    private static final String USAGE = String.join("\n",
            "Usage:   java -jar teallama.jar <checkpoint> [options]",
            "Example: java -jar teallama.jar model.bin -n 256 -i \"Once upon a time\"",
            "Options:",
            "  -t <float>  temperature in [0,inf], default 1.0",
            "  -p <float>  p value in top-p (nucleus) sampling in [0,1] default 0.9",
            "  -s <int>    random seed, default time(NULL)",
            "  -n <int>    number of steps to run for, default 256. 0 = max_seq_len",
            "  -i <string> input prompt",
            "  -z <string> optional path to custom tokenizer (default " + DEFAULT_TOKENIZER + ")",
            "  -m <string> mode: generate|chat, default: generate",
            "  -y <string> (optional) system prompt in chat mode",
            "Teallama's own options:",
            "  -j <int>    threads, 1 to " + MAX_THREADS + ", at most as many as the model splits into",
            "              (default: the number of cores, at most one per 16 MiB of the model",
            "              file); the output is the same for any number",
            "  -k <int>    keep writing past the context window: when all seq_len positions are",
            "              used, keep the last <int> tokens (1 to seq_len - 1), run them again and",
            "              go on, so -n may be up to " + Settings.MAX_STEPS_PAST_CONTEXT + "; default 0, stop at seq_len as run.c",
            "  --probs <file>  generate mode: write one line of JSON per generated token, with its",
            "              position and the " + Inspector.ROWS + " most probable candidates after temperature",
            "              (the token that came next marked, those top-p cuts marked; see README)",
            "  --prompt-file <file>         the prompt (-i) is this file's bytes, exactly",
            "  --system-prompt-file <file>  the system prompt (-y) is this file's bytes, exactly",
            "  -h, --help  print this and exit",
            "Java decodes arguments with the locale's charset before Teallama sees them; on Linux -i",
            "and -y are still the bytes typed, elsewhere use the -file options for bytes not valid",
            "there. File names must be valid there (in a C locale, run with LC_ALL=C.UTF-8). A NUL",
            "byte ends a prompt, as in run.c. Chat mode reads stdin as run.c does: up to 511 bytes",
            "per turn (a longer line is several turns), bytes as they are, a NUL ending the turn's",
            "text.",
            "Where run.c's output is undefined, Teallama's is not: logits that are not finite (a",
            "damaged model) end the story with an error naming the position; a temperature so",
            "small that logits / temperature overflow picks the most likely token, as -t 0 does.",
            "",
            "Or:      java -jar teallama.jar quantize <in.bin> <out.bin> [-g <group size>]",
            "  converts a version 0 or 1 (fp32) checkpoint to version 2 (int8, Q8_0); the group",
            "  size must divide dim and hidden_dim (default: 64, halved until it does); out.bin",
            "  must not be in.bin",
            "");

    /** The options of run, each followed by its value: run.c's letters, then Teallama's own. */
    private static final Set<String> OPTIONS = Set.of("t", "p", "s", "n", "i", "z", "m", "y", "k", "j", "--probs",
            "--prompt-file", "--system-prompt-file");

    /** A problem with how the command was called; --help shows how. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** A problem with a file or a value; the message is all the user needs. */
    static final class CommandException extends Exception {
        CommandException(String message) {
            super(message);
        }
    }

    /** Asked for --help. */
    static final class HelpRequest extends Exception {
    }

    private final Arguments arguments;
    private final InputStream stdin;
    private final OutputStream stdout;
    private final PrintStream stderr;
    private boolean stdinEnded; // glibc's end of file is sticky: run.c does not read past it, even at a terminal

    private Main(Arguments arguments, InputStream stdin, OutputStream stdout, PrintStream stderr) {
        this.arguments = arguments;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(String[] args) {
        OutputStream out = new BufferedOutputStream(new FileOutputStream(java.io.FileDescriptor.out), 1 << 16);
        PrintStream err = new PrintStream(new FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
        System.exit(run(args, Arguments.ofMain(args), StandardInput.of(), out, StandardOutput.isPipe(), err));
    }

    /**
     * Runs one command; returns the exit status. Every error is one line on stderr, but for the
     * reader of stdout going away, which ends the run as SIGPIPE ends run.c's: silently. The prompts
     * of -i and -y are the UTF-8 bytes of their Strings.
     */
    public static int run(String[] args, InputStream stdin, OutputStream stdout, PrintStream stderr) {
        return run(args, Arguments.ofStrings(args), stdin, stdout, false, stderr);
    }

    private static int run(String[] args, Arguments arguments, InputStream stdin, OutputStream standardOutput,
                           boolean toPipe, PrintStream stderr) {
        OutputStream stdout = new StandardOutput(standardOutput, toPipe);
        Main main = new Main(arguments, stdin, stdout, stderr);
        try {
            try {
                if (args.length > 0 && args[0].equals("quantize")) {
                    new Quantize(main, stderr).run(args);
                } else {
                    main.run(args);
                }
            } catch (HelpRequest e) {
                main.print(USAGE);
            } finally {
                stdout.flush();
            }
            return 0;
        } catch (StandardOutput.BrokenPipe e) {
            return BROKEN_PIPE_STATUS;
        } catch (UsageException e) {
            stderr.println("teallama: " + e.getMessage() + " (--help shows the usage)");
        } catch (CommandException | FormatException | IllegalArgumentException e) {
            stderr.println("teallama: " + e.getMessage());
        } catch (IOException e) {
            stderr.println("teallama: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            stderr.println("teallama: not enough memory: Java's heap holds at most "
                    + Limits.megabytes(Runtime.getRuntime().maxMemory()) + " (give Java more with -Xmx)");
        } catch (RuntimeException e) {
            stderr.println("teallama: internal error, please report it: " + e);
        }
        return 1;
    }

    // ----------------------------------------------------------------------------
    // run

    private void run(String[] args) throws UsageException, CommandException, IOException, HelpRequest {
        // default parameters
        String checkpointPath;            // e.g. out/model.bin
        String tokenizerPath = null;      // null: tokenizer.bin in the working directory
        float temperature = Settings.DEFAULT_TEMPERATURE; // 0.0 = greedy deterministic. 1.0 = original
        float topp = Settings.DEFAULT_TOPP;               // top-p in nucleus sampling. 1.0 = off
        int steps = Settings.DEFAULT_STEPS;               // number of steps to run for
        byte[] prompt = null;             // prompt string
        long rngSeed = 0;                 // seed rng with time by default
        String mode = "generate";         // generate|chat
        byte[] systemPrompt = null;       // the (optional) system prompt to use in chat mode
        int keep = 0;                     // tokens kept when the context fills; 0 = stop there
        Integer threads = null;           // null: as many as the model makes worth it (defaultThreads)
        String probsPath = null;          // where --probs writes the candidates
        List<String> inputFiles = new ArrayList<>(); // what --probs must not write over

        if (args.length < 1) {
            throw new UsageException("expected a checkpoint file");
        }
        if (isHelp(args[0])) {
            throw new HelpRequest();
        }
        if (looksLikeOption(args[0]) && !new File(args[0]).exists()) {
            throw new UsageException("expected the checkpoint first, as in java -jar teallama.jar <checkpoint> "
                    + "[options], found the option " + args[0]);
        }
        checkpointPath = path(args, 0, "model");
        inputFiles.add(checkpointPath);
        for (int i = 1; i < args.length; i += 2) {
            String flag = args[i];
            if (isHelp(flag)) {
                throw new HelpRequest();
            }
            boolean longOption = flag.startsWith("--");
            if (!looksLikeOption(flag)) {
                throw new UsageException("expected an option like -t, found '" + flag + "'");
            }
            String option = longOption ? flag : flag.substring(1);
            if (!OPTIONS.contains(option)) {
                throw new UsageException("unknown option " + flag);
            }
            if (i + 1 >= args.length) {
                throw new UsageException("option " + flag + " needs a value");
            }
            String value = args[i + 1];
            switch (option) {
                case "t" -> temperature = Settings.number("option -t", value);
                case "p" -> topp = Settings.number("option -p", value);
                case "s" -> rngSeed = Settings.seed(Settings.wholeNumber("option -s", value));
                case "n" -> steps = Settings.wholeNumber("option -n", value);
                case "i" -> prompt = arguments.bytes(i + 1);
                case "z" -> tokenizerPath = path(args, i + 1, "tokenizer");
                case "m" -> mode = value;
                case "y" -> systemPrompt = arguments.bytes(i + 1);
                case "k" -> keep = Settings.exactWholeNumber("option -k", value);
                case "j" -> threads = threadCount(value);
                case "--probs" -> probsPath = path(args, i + 1, "probabilities");
                case "--prompt-file" -> {
                    prompt = readPromptFile(path(args, i + 1, "prompt"), "prompt");
                    inputFiles.add(value);
                }
                case "--system-prompt-file" -> {
                    systemPrompt = readPromptFile(path(args, i + 1, "system prompt"), "system prompt");
                    inputFiles.add(value);
                }
                default -> throw new IllegalStateException("option " + flag + " is known but not read");
            }
        }
        if (!mode.equals("generate") && !mode.equals("chat")) {
            throw new UsageException("unknown mode: " + mode + " (expected generate or chat)");
        }
        Integer threadsAsked = threads;
        if (threads == null) {
            threads = defaultThreads(checkpointPath, Runtime.getRuntime().availableProcessors());
        }
        if (mode.equals("chat") && (keep != 0 || probsPath != null)) {
            throw new UsageException((keep != 0 ? "-k" : "--probs") + " works in generate mode only");
        }
        if (probsPath != null) {
            inputFiles.add(tokenizerPath != null ? tokenizerPath : DEFAULT_TOKENIZER);
            refuseToWriteOver("--probs", probsPath, inputFiles);
            refuseStandardStreams("--probs", probsPath);
            refuseJavasOwnFiles("--probs", probsPath, javasOwnFiles());
        }

        // parameter validation/overrides, as run.c does them
        if (rngSeed == 0) {
            rngSeed = (System.currentTimeMillis() / 1000) & 0xFFFFFFFFL; // (unsigned int) time(NULL)
        }
        temperature = Settings.clampTemperature(temperature);
        topp = Settings.clampTopp(topp);

        Model model = readModel(checkpointPath, threads);
        Config config = model.config();
        keep = Settings.keep("option -k", keep, config.seqLen());
        steps = Settings.steps("option -n", steps, config.seqLen(), keep);
        int positions = Math.min(steps, config.seqLen());
        Limits limits = Limits.ofJvm();
        try {
            model.checkRun(positions, limits);
        } catch (IllegalArgumentException e) {
            throw new CommandException(checkpointPath + ": " + e.getMessage() + runMemoryHint(model, positions, limits));
        }
        Tokenizer tokenizer = readTokenizer(tokenizerPath, config.vocabSize());
        Sampler sampler = new Sampler(config.vocabSize(), temperature, topp, rngSeed);

        String tokenizerName = tokenizerPath != null ? tokenizerPath : DEFAULT_TOKENIZER;
        ShardThreads shards;
        try {
            shards = ShardThreads.start(model, positions);
        } catch (OutOfMemoryError e) {
            // checkRun's estimate passed, but the free bytes were not all where the arrays could go
            throw new CommandException(checkpointPath + ": " + Model.stepsNeed(positions) + " "
                    + Limits.megabytes(model.runBytes(positions, limits)) + " for the KV cache and "
                    + "activations, more than Java could make" + runMemoryHint(model, positions, limits));
        }
        int split = model.plan().shards();
        if (threadsAsked != null && split < threadsAsked) {
            stderr.println("teallama: -j " + threadsAsked + " runs " + split + (split == 1 ? " thread" : " threads")
                    + ": this model splits into " + (split == 1 ? "one part" : "at most " + split + " parts"));
        }
        try (shards) {
            Transformer transformer = shards.transformer();
            if (mode.equals("generate")) {
                generate(transformer, tokenizer, sampler, prompt == null ? new byte[0] : prompt, steps, keep,
                        probsPath);
            } else {
                chat(transformer, tokenizer, sampler, prompt, systemPrompt, steps);
            }
        } catch (FormatException e) {
            // only encoding a prompt can find a tokenizer wanting
            throw new CommandException(tokenizerName + ": " + e.getMessage());
        } catch (GenerationException e) {
            print("\n");
            throw new CommandException(checkpointPath + ": " + e.getMessage());
        }
    }

    /**
     * What can make a run fit in limits: fewer steps, where one fits; fewer threads, each of
     * which holds activations of its own; a larger heap.
     */
    private static String runMemoryHint(Model model, int positions, Limits limits) {
        List<String> hints = new ArrayList<>();
        if (positions > 1 && model.runBytes(1, limits) <= limits.freeBytes()) {
            hints.add("ask for fewer with -n");
        }
        if (model.plan().shards() > 1) {
            hints.add("run fewer threads with -j");
        }
        hints.add("give Java more memory with -Xmx");
        return " (" + String.join(", ", hints.subList(0, hints.size() - 1)) + (hints.size() > 1 ? ", or " : "")
                + hints.get(hints.size() - 1) + ")";
    }

    static boolean isHelp(String arg) {
        return arg.equals("-h") || arg.equals("--help");
    }

    /** -j's value: 1 to MAX_THREADS. */
    private static int threadCount(String value) throws UsageException {
        try {
            int threads = Settings.exactWholeNumber("option -j", value);
            if (threads >= 1 && threads <= MAX_THREADS) {
                return threads;
            }
        } catch (IllegalArgumentException e) {
            // not a whole number of int's range: the same answer as one out of range
        }
        throw new UsageException("option -j expects 1 to " + MAX_THREADS + " threads, found '" + value + "'");
    }

    /** -x or --word: what run.c's flags look like, and Teallama's long ones. */
    static boolean looksLikeOption(String arg) {
        return arg.startsWith("--") || (arg.length() == 2 && arg.charAt(0) == '-');
    }

    private void generate(Transformer transformer, Tokenizer tokenizer, Sampler sampler, byte[] prompt, int steps,
                          int keep, String probsPath) throws IOException {
        Generator generator = new Generator(transformer, tokenizer, sampler, prompt, steps, keep, probsPath != null);
        try (ProbsFile probs = probsPath == null ? null : new ProbsFile(probsPath, tokenizer)) {
            long start = 0; // used to time our code, only initialized after first iteration
            for (;;) {
                int before = generator.position();
                byte[] piece = generator.next();
                if (probs != null && generator.position() > before) {
                    probs.write(generator);
                }
                if (piece == null) {
                    break;
                }
                safePrint(piece);
                stdout.flush();
                // init the timer here because the first iteration can be slower
                if (start == 0) {
                    start = System.nanoTime();
                }
            }
            stdout.write('\n');
            stdout.flush();

            // report achieved tok/s (pos-1 because the timer starts after first iteration)
            int pos = generator.position();
            if (pos > 1) {
                double seconds = (System.nanoTime() - start) / 1e9;
                stderr.println(String.format(Locale.ROOT, "achieved tok/s: %f", (pos - 1) / seconds));
            }
        }
    }

    private void chat(Transformer transformer, Tokenizer tokenizer, Sampler sampler, byte[] cliUserPrompt,
                      byte[] cliSystemPrompt, int steps) throws IOException {
        Chat chat = new Chat(transformer, tokenizer, sampler, steps);
        // run.c reads into fixed buffers; at the end of input a buffer keeps what it last held
        byte[] systemPrompt = new byte[0];
        byte[] userPrompt = new byte[0];
        while (!chat.isDone()) {
            // when it is the user's turn to contribute tokens to the dialog...
            if (chat.awaitingUser()) {
                if (chat.atStart()) {
                    systemPrompt = cliSystemPrompt != null ? cliSystemPrompt
                            : readStdin("Enter system prompt (optional): ", systemPrompt);
                }
                userPrompt = chat.atStart() && cliUserPrompt != null ? cliUserPrompt
                        : readStdin("User: ", userPrompt);
                chat.userTurn(systemPrompt, userPrompt);
                print("Assistant: ");
            }
            Chat.Step step = chat.next();
            if (step.piece() != null) {
                safePrint(step.piece());
                stdout.flush();
            }
            if (step.endOfTurn()) {
                print("\n");
            }
        }
        print("\n");
        stdout.flush();
    }

    /** run.c's buffers for the prompts read from stdin: 512 bytes, so 511 and the NUL. */
    private static final int PROMPT_BUFFER = 512;

    /**
     * run.c's read_stdin: prints a guide, then fgets: bytes up to and including a newline, at
     * most 511 of them (the rest of a longer line is the next read's), as they are. The text
     * ends at its first NUL (strlen), and a newline that ends it is stripped. When nothing is
     * left to read, the buffer keeps what it held; after the end of input (Ctrl-D at a terminal,
     * which would go on reading) nothing is read again.
     */
    private byte[] readStdin(String guide, byte[] previous) throws IOException {
        print(guide);
        stdout.flush();
        byte[] buffer = new byte[PROMPT_BUFFER - 1];
        int length = 0;
        while (length < buffer.length && !stdinEnded) {
            int b;
            try {
                b = stdin.read();
            } catch (IOException e) {
                throw new IOException("cannot read standard input: " + e.getMessage(), e);
            }
            if (b == -1) {
                stdinEnded = true;
                break;
            }
            buffer[length++] = (byte) b;
            if (b == '\n') {
                break;
            }
        }
        if (length == 0) {
            return previous;
        }
        int textLength = 0;
        while (textLength < length && buffer[textLength] != 0) {
            textLength++;
        }
        if (textLength > 0 && buffer[textLength - 1] == '\n') {
            textLength--; // strip newline
        }
        return Arrays.copyOf(buffer, textLength);
    }

    /** run.c's safe_printf: skips pieces that are a single unprintable byte. */
    private void safePrint(byte[] piece) throws IOException {
        if (Tokenizer.isSafeToPrint(piece)) {
            stdout.write(piece);
        }
    }

    private void print(String text) throws IOException {
        stdout.write(text.getBytes(StandardCharsets.UTF_8));
    }

    // ----------------------------------------------------------------------------
    // files and values

    /** Threads when -j is not given: the cores, but no more than the model file is worth ({@link ShardPlan#worthwhileShards}). */
    static int defaultThreads(String path, int cores) {
        int most = Math.min(cores, MAX_THREADS);
        File file = new File(path);
        if (!file.isFile()) {
            return most; // a pipe or a device does not say its length
        }
        return ShardPlan.worthwhileShards(file.length(), most);
    }

    static Model readModel(String path, int threads) throws CommandException {
        File file = openable(path, "model");
        try {
            return ModelFile.read(file, threads);
        } catch (FormatException e) {
            throw new CommandException(path + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CommandException("cannot read model file " + path + ": " + e.getMessage());
        }
    }

    /** path null: the default, tokenizer.bin, which a user may not know they asked for. */
    private Tokenizer readTokenizer(String path, int vocabSize) throws CommandException {
        if (path == null && !new File(DEFAULT_TOKENIZER).exists()) {
            throw new CommandException("cannot open tokenizer file " + DEFAULT_TOKENIZER + " (the default, in "
                    + new File("").getAbsolutePath() + "): no such file; give the model's tokenizer with -z");
        }
        String name = path != null ? path : DEFAULT_TOKENIZER;
        File file = openable(name, "tokenizer");
        try {
            return Tokenizer.read(TokenizerFile.readEntries(file, vocabSize), vocabSize);
        } catch (FormatException e) {
            throw new CommandException(name + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CommandException("cannot read tokenizer file " + name + ": " + e.getMessage());
        }
    }

    /**
     * A prompt file's bytes up to its first NUL, where the prompt ends (run.c's prompts are C
     * strings), so that a device such as /dev/zero gives the empty prompt rather than endless bytes.
     */
    private static byte[] readPromptFile(String path, String what) throws CommandException {
        File file = openable(path, what);
        ByteArrayOutputStream prompt = new ByteArrayOutputStream();
        try (InputStream in = new FileInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == 0) {
                        prompt.write(buffer, 0, i);
                        return prompt.toByteArray();
                    }
                }
                if (prompt.size() > Config.MAX_ARRAY_LENGTH - n) {
                    throw new CommandException(path + ": a " + what + " of more than 2 GiB");
                }
                prompt.write(buffer, 0, n);
            }
            return prompt.toByteArray();
        } catch (IOException e) {
            throw new CommandException("cannot read " + what + " file " + path + ": " + e.getMessage());
        }
    }

    /**
     * Argument i, a file name, as Java can open it: refused where the locale's charset turned
     * some of its bytes into U+FFFD, since Java would then open, or create, another file.
     */
    String path(String[] args, int i, String what) throws CommandException {
        if (!arguments.faithful(i)) {
            throw new CommandException("cannot open " + what + " file " + args[i] + ": its name holds bytes that the "
                    + "locale's charset (" + arguments.charsetName() + ") cannot carry into Java; "
                    + (arguments.charsetName().equals("UTF-8") ? "give a name of valid UTF-8"
                            : "run with a UTF-8 locale (e.g. LC_ALL=C.UTF-8)"));
        }
        return args[i];
    }

    /**
     * Refuses an output that is one of the inputs under any name (the same path, a symbolic or a
     * hard link), before anything is written: opening it for writing would empty the input.
     * Only a regular file can be lost so; writing to a device or a pipe is left alone.
     */
    static void refuseToWriteOver(String writer, String output, List<String> inputs) throws CommandException {
        Path out = Path.of(output);
        for (String input : inputs) {
            Path in = Path.of(input);
            try {
                if (Files.isRegularFile(out) && Files.exists(in) && Files.isSameFile(in, out)) {
                    throw new CommandException(writer + " would write over its input " + input
                            + "; give the output another name");
                }
            } catch (IOException e) {
                throw new CommandException("cannot compare " + output + " with " + input + ": " + e.getMessage());
            }
        }
    }

    /**
     * Refuses an output that leads to a file of the Java that runs Teallama: its runtime image
     * (lib/modules) or its class path. Where the shell closed a stream (`>&-`), the JVM opened
     * one of its own files on that descriptor as it started, so /dev/stdout or /dev/fd/N names
     * it; written, it would break this Java and every later one.
     */
    static void refuseJavasOwnFiles(String writer, String output, List<Path> javasOwn) throws CommandException {
        Path real;
        try {
            real = Path.of(output).toRealPath();
        } catch (IOException | InvalidPathException e) {
            return; // a new file, or a pipe's descriptor: nothing of Java's
        }
        if (!Files.isRegularFile(real)) {
            return;
        }
        for (Path own : javasOwn) {
            try {
                if (real.startsWith(own.toRealPath())) {
                    throw new CommandException(writer + " would write over " + real + ", a file of the Java that runs "
                            + "Teallama" + (real.toString().equals(output) ? "" : " (" + output + " leads there: "
                            + "was the stream it names closed?)") + "; give the output another name");
                }
            } catch (IOException e) {
                // a class path entry that is not there: nothing to lose
            }
        }
    }

    /** The runtime image and the class path of the Java that runs this. */
    static List<Path> javasOwnFiles() {
        List<Path> own = new ArrayList<>();
        own.add(Path.of(System.getProperty("java.home")));
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                own.add(Path.of(entry));
            }
        }
        return own;
    }

    /**
     * Refuses an output that is the regular file this process's stdout or stderr goes to (as
     * /dev/stdout, or by its name where the shell sent the stream there): opened a second time,
     * from its start, it and the stream would write over each other. A pipe or a terminal
     * interleaves them instead, and is left alone.
     */
    private static void refuseStandardStreams(String writer, String output) throws CommandException {
        Path out = Path.of(output);
        for (String stream : new String[] {"stdout", "stderr"}) {
            Path standard = Path.of("/dev", stream);
            try {
                if (Files.isRegularFile(out) && Files.isRegularFile(standard) && Files.isSameFile(standard, out)) {
                    throw new CommandException(writer + " would write over " + stream + ": " + output
                            + " is the file " + stream + " goes to; give the output another name");
                }
            } catch (IOException e) {
                // no such stream to compare with (a system without /dev/stdout): nothing to lose
            }
        }
    }

    private static File openable(String path, String what) throws CommandException {
        File file = new File(path);
        if (!file.exists()) {
            throw new CommandException("cannot open " + what + " file " + path + ": no such file");
        }
        if (file.isDirectory()) {
            throw new CommandException("cannot open " + what + " file " + path + ": it is a directory");
        }
        return file;
    }
}
