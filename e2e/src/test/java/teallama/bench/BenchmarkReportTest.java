package teallama.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import teallama.bench.Benchmark.Result;
import teallama.bench.Benchmark.Subject;

/** BENCHMARKS.md describes the run it reports, not the default one. */
class BenchmarkReportTest {
    @TempDir
    Path dir;

    /** A model's fp32 subject, its file (1 KiB) standing for model and tokenizer. */
    private Subject fp32(String model) throws IOException {
        Path file = Files.write(dir.resolve(model + ".bin"), new byte[1024]);
        return new Subject(model, "fp32", file, file);
    }

    /** Runs of runtime in turn's turn on subject, of bench.html (or a process) or of the story page. */
    private static Result runs(String runtime, String turn, Subject subject, int threads, boolean storyPage,
                               Double... tokPerSec) {
        return new Result(runtime, turn, subject, threads, storyPage, storyPage, List.of(tokPerSec), List.of(9.0),
                PeakMemory.Footprint.NONE);
    }

    /** The report of a run of 3 on 2 cores, of 15M only. */
    private static BenchmarkReport reportOnTwoCores(List<Result> results) {
        return new BenchmarkReport("-Dbench.runs=3", List.of("a machine"), results, 3, 256, 2, Map.of("15M", 32), Map.of());
    }

    private String markdownOf(String... models) throws IOException {
        List<Result> results = new ArrayList<>();
        Map<String, Integer> groupSizes = new LinkedHashMap<>();
        for (String model : models) {
            results.add(runs("jvm", "jvm", fp32(model), 1, false, 100.0));
            groupSizes.put(model, 64);
        }
        return new BenchmarkReport("-Dbench.models=" + String.join(",", models), List.of("a machine"), results, 1, 256, 1,
                groupSizes, Map.of()).markdown();
    }

    @Test
    void namesTheShapesThatWereMeasured() throws IOException {
        String md = markdownOf("260K", "15M", "110M");
        assertTrue(md.contains("260K is stories260K; 15M and 110M are random weights of those models' shapes, "
                + "which cost the same per token."), md);
        assertFalse(md.contains("42M"), md);
        assertTrue(md.startsWith("# Benchmarks\n\nWritten by the benchmark command in README.md with "
                + "`-Dbench.models=260K,15M,110M` on "), md);
    }

    /**
     * The story page's runs get a table of their own beside bench.html's on every core, and no
     * other table takes them for bench.html's, though the inspector is on in them.
     */
    @Test
    void theStoryPageIsReportedBesideBenchHtml() throws IOException {
        Subject subject = fp32("15M");
        BenchmarkReport report = reportOnTwoCores(List.of(
                runs("chromium", "browsers", subject, 2, false, 390.0, 400.0, 410.0),
                runs("chromium", "browsers", subject, 2, true, 350.0, 360.0, 370.0)));
        String md = report.markdown();
        assertTrue(md.contains("| Chromium | 15M | fp32 | 400.0 | 360.0 | 0.90x |"), md);
        assertTrue(md.contains("| 15M | fp32 | 400.0 | – | – |"), md); // bench.html's, in the speeds
        assertFalse(md.contains("## The token inspector"), md);
        String json = report.json();
        assertTrue(json.contains("\"page\" : \"index.html\""), json);
        assertTrue(json.contains("\"page\" : \"bench.html\""), json);
        assertTrue(json.split("\"peakPssMB\"", -1).length == 2, "one record with a peak: " + json);
    }

    /**
     * A runtime's ratios to llama2.c divide by llama2.c's runs in that runtime's turn: the
     * browsers' by those between their pages, which both browsers share, the JVM's by those
     * between its runs.
     */
    @Test
    void eachRuntimeIsComparedWithLlama2cInItsOwnTurn() throws IOException {
        Subject subject = fp32("15M");
        BenchmarkReport report = reportOnTwoCores(List.of(
                runs("jvm", "jvm", subject, 2, false, 300.0),
                runs("run.c", "jvm", subject, 1, false, 100.0),
                runs("chromium", "browsers", subject, 2, false, 390.0, 400.0, 410.0),
                runs("firefox", "browsers", subject, 2, false, 310.0, 320.0, 330.0),
                runs("run.c", "browsers", subject, 1, false, 150.0, 160.0, 170.0)));
        String md = report.markdown();
        assertTrue(md.contains("| 15M | fp32 | 300.0 | 400.0 | 320.0 | 100.0 | – |"), md); // the JVM's turn in the speeds
        assertTrue(md.contains("| llama2.c, JVM's turn | llama2.c, browsers' turn |"), md);
        assertTrue(md.contains("| 15M | fp32 | 100.0 | 160.0 | – | – |"), md); // llama2.c in each turn
        assertTrue(md.contains("| 15M | fp32 | – | – | – | 3.00x | 2.50x | 2.00x | – | – | 0.80x |"), md);
        assertTrue(md.contains("| Chromium fp32 >= 2.7x run.c on 15M | 2.50x | **missed** |"), md);
        assertTrue(md.contains("| Firefox within 15% of Chromium, 15M fp32 | 0.80x | **missed** |"), md);
        assertTrue(md.contains("- run.c 15M fp32, 1 thread, in the browsers' turn: 150.0, 160.0, 170.0"), md);
        String json = report.json();
        assertTrue(json.contains("\"turn\" : \"browsers\""), json);
        assertTrue(json.split("\"peakPssMB\"", -1).length == 5, "no peak for llama2.c in the browsers' turn: " + json);
    }

    @Test
    void oneShapeOrNoneIsSaidSo() throws IOException {
        String one = markdownOf("15M");
        assertTrue(one.contains("15M is random weights of that model's shape, which costs the same per token."), one);
        assertFalse(one.contains("stories260K"), one);
        String none = markdownOf("260K");
        assertTrue(none.contains("260K is stories260K."), none);
        assertFalse(none.contains("random weights"), none);
    }
}
