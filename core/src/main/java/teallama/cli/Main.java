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
import java.util.Locale;

import teallama.Chat;
import teallama.Checkpoint;
import teallama.CheckpointReader;
import teallama.Config;
import teallama.FloatWeights;
import teallama.FormatException;
import teallama.Generator;
import teallama.Limits;
import teallama.Model;
import teallama.ModelWriter;
import teallama.Sampler;
import teallama.Settings;
import teallama.Tokenizer;
import teallama.Transformer;

/**
 * The command line: llama2.c's {@code ./run} (same flags, defaults and output: the text on
 * stdout, "achieved tok/s" on stderr), plus {@code quantize}, which writes the version 2 (Q8_0)
 * file that runq.c and Teallama read.
 */
public final class Main {
    private static final String USAGE = String.join("\n",
            "Usage:   java -jar teallama.jar <checkpoint> [options]",
            "Example: java -jar teallama.jar model.bin -n 256 -i \"Once upon a time\"",
            "Options:",
            "  -t <float>  temperature in [0,inf], default 1.0",
            "  -p <float>  p value in top-p (nucleus) sampling in [0,1] default 0.9",
            "  -s <int>    random seed, default time(NULL)",
            "  -n <int>    number of steps to run for, default 256. 0 = max_seq_len",
            "  -i <string> input prompt",
            "  -z <string> optional path to custom tokenizer",
            "  -m <string> mode: generate|chat, default: generate",
            "  -y <string> (optional) system prompt in chat mode",
            "",
            "Or:      java -jar teallama.jar quantize <in.bin> <out.bin> [-g <group size>]",
            "  converts a version 0 or 1 (fp32) checkpoint to version 2 (int8, Q8_0); the group",
            "  size must divide dim and hidden_dim (default: 64, halved until it does)",
            "");

    /** A problem with how the command was called; the usage text follows the message. */
    private static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    /** A problem with a file or a value; the message is all the user needs. */
    private static final class CommandException extends Exception {
        CommandException(String message) {
            super(message);
        }
    }

    private final InputStream stdin;
    private final OutputStream stdout;
    private final PrintStream stderr;

    private Main(InputStream stdin, OutputStream stdout, PrintStream stderr) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public static void main(String[] args) {
        OutputStream out = new BufferedOutputStream(new FileOutputStream(java.io.FileDescriptor.out), 1 << 16);
        PrintStream err = new PrintStream(new FileOutputStream(java.io.FileDescriptor.err), true, StandardCharsets.UTF_8);
        System.exit(run(args, System.in, out, err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] args, InputStream stdin, OutputStream stdout, PrintStream stderr) {
        Main main = new Main(stdin, stdout, stderr);
        try {
            try {
                if (args.length > 0 && args[0].equals("quantize")) {
                    main.quantize(args);
                } else {
                    main.run(args);
                }
            } finally {
                stdout.flush();
            }
            return 0;
        } catch (UsageException e) {
            stderr.println("teallama: " + e.getMessage());
            stderr.print(USAGE);
        } catch (CommandException | FormatException | IllegalArgumentException e) {
            stderr.println("teallama: " + e.getMessage());
        } catch (IOException e) {
            stderr.println("teallama: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            stderr.println("teallama: not enough memory for this model and number of steps"
                    + " (give Java more with -Xmx, or ask for fewer steps with -n)");
        }
        return 1;
    }

    // ----------------------------------------------------------------------------
    // run

    private void run(String[] args) throws UsageException, CommandException, IOException {
        // default parameters
        String checkpointPath;            // e.g. out/model.bin
        String tokenizerPath = "tokenizer.bin";
        float temperature = Settings.DEFAULT_TEMPERATURE; // 0.0 = greedy deterministic. 1.0 = original
        float topp = Settings.DEFAULT_TOPP;               // top-p in nucleus sampling. 1.0 = off
        int steps = Settings.DEFAULT_STEPS;               // number of steps to run for
        String prompt = null;             // prompt string
        long rngSeed = 0;                 // seed rng with time by default
        String mode = "generate";         // generate|chat
        String systemPrompt = null;       // the (optional) system prompt to use in chat mode

        if (args.length < 1) {
            throw new UsageException("expected a checkpoint file");
        }
        checkpointPath = args[0];
        for (int i = 1; i < args.length; i += 2) {
            String flag = args[i];
            if (flag.length() != 2 || flag.charAt(0) != '-') {
                throw new UsageException("expected an option like -t, found '" + flag + "'");
            }
            if (i + 1 >= args.length) {
                throw new UsageException("option " + flag + " needs a value");
            }
            String value = args[i + 1];
            switch (flag.charAt(1)) {
                case 't' -> temperature = Settings.number("option -t", value);
                case 'p' -> topp = Settings.number("option -p", value);
                case 's' -> rngSeed = Settings.seed(Settings.wholeNumber("option -s", value));
                case 'n' -> steps = Settings.wholeNumber("option -n", value);
                case 'i' -> prompt = value;
                case 'z' -> tokenizerPath = value;
                case 'm' -> mode = value;
                case 'y' -> systemPrompt = value;
                default -> throw new UsageException("unknown option " + flag);
            }
        }
        if (!mode.equals("generate") && !mode.equals("chat")) {
            throw new UsageException("unknown mode: " + mode + " (expected generate or chat)");
        }

        // parameter validation/overrides, as run.c does them
        if (rngSeed == 0) {
            rngSeed = (System.currentTimeMillis() / 1000) & 0xFFFFFFFFL; // (unsigned int) time(NULL)
        }
        temperature = Settings.clampTemperature(temperature);
        topp = Settings.clampTopp(topp);

        Model model = readModel(checkpointPath);
        Config config = model.config();
        steps = Generator.clampSteps(steps, config.seqLen());
        Tokenizer tokenizer = readTokenizer(tokenizerPath, config.vocabSize());
        Sampler sampler = new Sampler(config.vocabSize(), temperature, topp, rngSeed);
        Transformer transformer = model.newTransformer(steps);

        if (mode.equals("generate")) {
            generate(transformer, tokenizer, sampler, prompt == null ? "" : prompt, steps);
        } else {
            chat(transformer, tokenizer, sampler, prompt, systemPrompt, steps);
        }
    }

    private void generate(Transformer transformer, Tokenizer tokenizer, Sampler sampler, String prompt, int steps)
            throws IOException {
        Generator generator = new Generator(transformer, tokenizer, sampler, prompt, steps);
        long start = 0; // used to time our code, only initialized after first iteration
        byte[] piece;
        while ((piece = generator.next()) != null) {
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

    private void chat(Transformer transformer, Tokenizer tokenizer, Sampler sampler, String cliUserPrompt,
                      String cliSystemPrompt, int steps) throws IOException {
        Chat chat = new Chat(transformer, tokenizer, sampler, steps);
        // run.c reads into fixed buffers; at the end of input a buffer keeps what it last held
        String systemPrompt = "";
        String userPrompt = "";
        while (!chat.isDone()) {
            // when it is the user's turn to contribute tokens to the dialog...
            if (chat.awaitingUser()) {
                if (chat.atStart()) {
                    systemPrompt = cliSystemPrompt != null ? cliSystemPrompt
                            : readLine("Enter system prompt (optional): ", systemPrompt);
                }
                userPrompt = chat.atStart() && cliUserPrompt != null ? cliUserPrompt
                        : readLine("User: ", userPrompt);
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

    /** Prints a guide, then reads one line without its newline; at end of input, keeps previous. */
    private String readLine(String guide, String previous) throws IOException {
        print(guide);
        stdout.flush();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = stdin.read()) != -1 && b != '\n') {
            line.write(b);
        }
        if (b == -1 && line.size() == 0) {
            return previous;
        }
        return line.toString(StandardCharsets.UTF_8);
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
    // quantize

    private void quantize(String[] args) throws UsageException, CommandException, IOException {
        if (args.length != 3 && args.length != 5) {
            throw new UsageException("quantize expects <in.bin> <out.bin> [-g <group size>]");
        }
        Integer groupSize = null;
        if (args.length == 5) {
            if (!args[3].equals("-g")) {
                throw new UsageException("unknown option for quantize: " + args[3]);
            }
            groupSize = Settings.wholeNumber("option -g", args[4]);
        }
        Model model = readModel(args[1]);
        if (!(model.weights() instanceof FloatWeights weights)) {
            throw new CommandException(args[1] + ": already quantized (version " + model.version()
                    + "); quantize reads version 0 or 1");
        }
        Config config = model.config();
        int gs = groupSize != null ? groupSize : ModelWriter.defaultGroupSize(config);
        Checkpoint.checkGroupSize(config, gs);
        File out = new File(args[2]);
        try (OutputStream stream = new BufferedOutputStream(new FileOutputStream(out), 1 << 16)) {
            ModelWriter.writeQuantized(config, weights, gs, stream);
        } catch (IOException e) {
            throw new CommandException("cannot write " + args[2] + ": " + e.getMessage());
        }
        long inBytes = new File(args[1]).length();
        print(String.format(Locale.ROOT, "wrote %s: version 2 (Q8_0, group size %d), %d bytes, %.1f%% of %s%n",
                args[2], gs, out.length(), 100.0 * out.length() / inBytes, args[1]));
    }

    // ----------------------------------------------------------------------------
    // files and values

    /**
     * Reads a checkpoint as a stream: its header is checked against the file's length before a
     * byte of the weights is read, and the weights go straight into their arrays.
     */
    private Model readModel(String path) throws CommandException {
        File file = openable(path, "model");
        CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.ofJvm());
        try (InputStream in = new FileInputStream(file)) {
            reader.expectSize(file.length());
            byte[] buffer = new byte[Checkpoint.HEADER_BYTES];
            int n;
            while ((n = in.read(buffer)) > 0) {
                reader.accept(buffer, 0, n);
                if (buffer.length == Checkpoint.HEADER_BYTES) {
                    buffer = new byte[1 << 20];
                }
            }
            return reader.finish();
        } catch (FormatException e) {
            throw new CommandException(path + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CommandException("cannot read model file " + path + ": " + e.getMessage());
        }
    }

    private Tokenizer readTokenizer(String path, int vocabSize) throws CommandException {
        byte[] data = readFile(path, "tokenizer");
        try {
            return Tokenizer.read(data, vocabSize);
        } catch (FormatException e) {
            throw new CommandException(path + ": " + e.getMessage());
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

    private static byte[] readFile(String path, String what) throws CommandException {
        File file = openable(path, what);
        if (file.length() > Integer.MAX_VALUE - 8) {
            throw new CommandException(path + ": " + file.length() + " bytes is more than the 2 GiB this "
                    + "command reads");
        }
        try (InputStream in = new FileInputStream(file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new CommandException("cannot read " + what + " file " + path + ": " + e.getMessage());
        }
    }
}
