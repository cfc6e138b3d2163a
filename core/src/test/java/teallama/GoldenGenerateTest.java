package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The command line prints exactly what llama2.c's run.c printed for every golden case. */
public class GoldenGenerateTest {

    /** A line of golden/generate/cases.tsv: file, -t, -p, -s, -n, -i. */
    public record Case(String file, String temperature, String topp, String seed, String steps, String prompt) {
        public String[] args() {
            return Cli.stories260K("-t", temperature, "-p", topp, "-s", seed, "-n", steps, "-i", prompt);
        }

        public byte[] expected() {
            return Shared.read(Shared.golden("generate/" + file));
        }

        @Override
        public String toString() {
            return file + " -t " + temperature + " -p " + topp + " -s " + seed + " -n " + steps + " -i '" + prompt + "'";
        }
    }

    public static List<Case> cases() {
        String tsv = new String(Shared.read(Shared.golden("generate/cases.tsv")), StandardCharsets.UTF_8);
        List<Case> cases = new ArrayList<>();
        for (String line : tsv.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            cases.add(new Case(f[0], f[1], f[2], f[3], f[4], f.length > 5 ? f[5] : ""));
        }
        assertEquals(10, cases.size(), "cases.tsv lines");
        return cases;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void printsTheGoldenBytes(Case c) {
        Cli cli = Cli.run(c.args());
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(c.expected(), cli.stdout(), () -> "expected:\n" + new String(c.expected(),
                StandardCharsets.UTF_8) + "\nfound:\n" + cli.text());
        assertTrue(cli.stderr().matches("achieved tok/s: \\d+\\.\\d{6}\n"), cli.stderr());
    }

    /** Every case on 1, 2, 3, 4 and 8 threads: the shards of a split model print the same bytes. */
    @ParameterizedTest
    @MethodSource("cases")
    void printsTheGoldenBytesOnAnyNumberOfThreads(Case c) {
        for (String threads : new String[] {"1", "2", "3", "4", "8"}) {
            String[] args = Arrays.copyOf(c.args(), c.args().length + 2);
            args[args.length - 2] = "-j";
            args[args.length - 1] = threads;
            Cli cli = Cli.run(args);
            assertEquals(0, cli.status(), cli.stderr());
            assertArrayEquals(c.expected(), cli.stdout(), () -> "-j " + threads + " printed:\n" + cli.text());
        }
    }

    /** More threads than stories260K splits into (dim 64: 8 blocks of 8 rows): 8 run, and stderr says so. */
    @Test
    void moreThreadsThanTheModelSplitsIntoRunAsManyAsItDoes() {
        Case c = cases().get(0);
        String[] args = Arrays.copyOf(c.args(), c.args().length + 2);
        args[args.length - 2] = "-j";
        args[args.length - 1] = "16";
        Cli cli = Cli.run(args);
        assertEquals(0, cli.status(), cli.stderr());
        assertArrayEquals(c.expected(), cli.stdout(), () -> "-j 16 printed:\n" + cli.text());
        assertTrue(cli.stderr().matches("teallama: -j 16 runs 8 threads: this model splits into at most 8 parts\n"
                + "achieved tok/s: \\d+\\.\\d{6}\n"), cli.stderr());
    }
}
