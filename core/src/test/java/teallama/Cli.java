package teallama;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import teallama.cli.Main;

/** Runs the command line in this JVM and keeps what it printed. */
public record Cli(int status, byte[] stdout, String stderr) {

    public static Cli run(String... args) {
        return runWithInput("", args);
    }

    public static Cli runWithInput(String stdin, String... args) {
        return runWithInput(stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    public static Cli runWithInput(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new ByteArrayInputStream(stdin), out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Cli(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    public String text() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** The arguments of run.c for stories260K with tok512, followed by more. */
    public static String[] stories260K(String... more) {
        String[] args = new String[3 + more.length];
        args[0] = Shared.model("stories260K.bin").toString();
        args[1] = "-z";
        args[2] = Shared.model("tok512.bin").toString();
        System.arraycopy(more, 0, args, 3, more.length);
        return args;
    }
}
