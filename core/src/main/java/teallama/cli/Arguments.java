package teallama.cli;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The command line's arguments with the bytes they were typed as. The JVM decodes arguments
 * with the locale's charset before main runs: in a C or POSIX locale that is ASCII, and every
 * other byte becomes U+FFFD, where run.c gets the bytes themselves. On Linux,
 * /proc/self/cmdline still holds them.
 */
final class Arguments {
    private final String[] strings;
    private final byte[][] bytes;   // (strings.length,) as typed, or null where they could not be found
    private final Charset charset;  // the JVM's for arguments and file names

    private Arguments(String[] strings, byte[][] bytes, Charset charset) {
        this.strings = strings;
        this.bytes = bytes;
        this.charset = charset;
    }

    /** The Strings as given, their bytes UTF-8: for callers that hand over Strings, not a command line. */
    static Arguments ofStrings(String[] args) {
        return new Arguments(args, null, StandardCharsets.UTF_8);
    }

    /**
     * main's arguments, with their bytes from /proc/self/cmdline when its last args.length
     * entries decode to exactly these Strings (so they are the program's arguments, not the
     * JVM's options or a longer line cut short).
     */
    static Arguments ofMain(String[] args) {
        Charset charset = nativeCharset();
        byte[][] typed = commandLine(args.length);
        if (typed != null) {
            for (int i = 0; i < args.length; i++) {
                if (!new String(typed[i], charset).equals(args[i])) {
                    typed = null;
                    break;
                }
            }
        }
        return new Arguments(args, typed, charset);
    }

    /** The bytes of argument i, as typed where they are known. */
    byte[] bytes(int i) {
        return bytes != null ? bytes[i].clone() : strings[i].getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether argument i, as a String, still holds what was typed, so that Java can open the file
     * it names: false when the charset turned some of its bytes into U+FFFD.
     */
    boolean faithful(int i) {
        return bytes != null ? Arrays.equals(bytes[i], strings[i].getBytes(charset))
                : strings[i].indexOf('\uFFFD') < 0;
    }

    String charsetName() {
        return charset.name();
    }

    /** sun.jnu.encoding: the charset the JVM decodes arguments and file names with. */
    private static Charset nativeCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding"));
        } catch (IllegalArgumentException | NullPointerException e) {
            return Charset.defaultCharset();
        }
    }

    /** The last count NUL-terminated entries of /proc/self/cmdline, or null where there is none. */
    private static byte[][] commandLine(int count) {
        byte[] line;
        try (InputStream in = new FileInputStream("/proc/self/cmdline")) {
            line = in.readAllBytes();
        } catch (IOException e) {
            return null; // not Linux
        }
        byte[][] entries = new byte[count][];
        int end = line.length - 1; // the NUL that ends the last entry
        for (int i = count - 1; i >= 0; i--) {
            if (end < 0 || line[end] != 0) {
                return null;
            }
            int start = end;
            while (start > 0 && line[start - 1] != 0) {
                start--;
            }
            entries[i] = Arrays.copyOfRange(line, start, end);
            end = start - 1;
        }
        return entries;
    }
}
