package teallama.cli;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import teallama.Checkpoint;
import teallama.Config;
import teallama.FloatWeights;
import teallama.Model;
import teallama.ModelWriter;
import teallama.Settings;
import teallama.cli.Main.CommandException;
import teallama.cli.Main.HelpRequest;
import teallama.cli.Main.UsageException;

/**
 * The command line's quantize: an fp32 checkpoint (version 0 or 1) in, the version 2 (Q8_0) file
 * that runq.c and Teallama read out, in groups that -g sets.
 */
final class Quantize {
    private final Main main;
    private final PrintStream stderr;

    Quantize(Main main, PrintStream stderr) {
        this.main = main;
        this.stderr = stderr;
    }

    void run(String[] args) throws UsageException, CommandException, IOException, HelpRequest {
        if (args.length > 1 && Main.isHelp(args[1])) {
            throw new HelpRequest();
        }
        // <in.bin> <out.bin>, with -g <group size> before, between or after them
        List<Integer> files = new ArrayList<>(); // where in args
        Integer groupSize = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("-g")) {
                if (i + 1 == args.length) {
                    throw new UsageException("option -g needs a value");
                }
                groupSize = Settings.exactWholeNumber("option -g", args[++i]);
            } else if (Main.looksLikeOption(args[i]) && !new File(args[i]).exists()) {
                throw new UsageException("unknown option for quantize: " + args[i]);
            } else {
                files.add(i);
            }
        }
        if (files.size() != 2) {
            throw new UsageException("quantize expects <in.bin> <out.bin> [-g <group size>]");
        }
        String output = main.path(args, files.get(1), "output");
        String input = main.path(args, files.get(0), "model");
        Model model = Main.readModel(input, 1);
        if (!(model.weights() instanceof FloatWeights weights)) {
            throw new CommandException(input + ": already quantized (version " + model.version()
                    + "); quantize reads version 0 or 1");
        }
        Main.refuseToWriteOver("quantize", output, List.of(input));
        Main.refuseJavasOwnFiles("quantize", output, Main.javasOwnFiles());
        Path in = Path.of(input);
        Config config = model.config();
        int gs = groupSize != null ? groupSize : ModelWriter.defaultGroupSize(config);
        Checkpoint.checkGroupSize(config, gs);
        long outBytes;
        try (CountingStream stream = new CountingStream(new BufferedOutputStream(new FileOutputStream(output), 1 << 16))) {
            ModelWriter.writeQuantized(config, weights, gs, stream);
            outBytes = stream.count;
        } catch (IOException e) {
            throw new CommandException("cannot write " + output + ": " + e.getMessage());
        }
        // on stderr, as run.c says its tok/s: the model may be going to stdout
        long inBytes = Files.isRegularFile(in) ? Files.size(in) : 0;
        stderr.print(String.format(Locale.ROOT, "wrote %s: version 2 (Q8_0, group size %d), %d bytes%s%n",
                output, gs, outBytes, inBytes > 0
                        ? String.format(Locale.ROOT, ", %.1f%% of %s", 100.0 * outBytes / inBytes, input) : ""));
    }

    /** An output stream that counts what goes through it, for a file that may be a pipe. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
