package teallama.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import teallama.GoldenGenerateTest;
import teallama.GoldenGenerateTest.Case;

/**
 * scripts/run, the command line started as llama2.c's ./run is, on the jar that `mvn package`
 * built: run.c's bytes on stdout, and on stderr nothing but the speed (a JVM warning about its
 * options would land there, or on stdout).
 */
class RunScriptTest {
    private static final Path SCRIPT = Path.of("../scripts/run");

    private record Output(int exitCode, byte[] stdout, String stderr) {
    }

    private static Output run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh", SCRIPT.toString()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile("run-script", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            byte[] stdout = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "scripts/run did not finish");
            return new Output(p.exitValue(), stdout, Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.delete(err);
        }
    }

    @Test
    void printsRunCsStoryOnOneThreadAndOnTwo() throws IOException, InterruptedException {
        Case c = GoldenGenerateTest.cases().get(2); // case03: -t 0 -i "Once upon a time"
        for (String threads : new String[] {"1", "2"}) {
            List<String> args = new ArrayList<>(List.of(c.args()));
            args.addAll(List.of("-j", threads));
            Output out = run(args.toArray(String[]::new));
            assertEquals(0, out.exitCode(), out.stderr());
            assertArrayEquals(c.expected(), out.stdout(), "-j " + threads);
            assertTrue(out.stderr().matches("achieved tok/s: [0-9.]+\n"), out.stderr());
        }
    }

    @Test
    void aMissingCheckpointIsTheCommandLinesOwnError() throws IOException, InterruptedException {
        Output out = run("no-such-model.bin");
        assertEquals(1, out.exitCode());
        assertEquals(0, out.stdout().length);
        assertTrue(out.stderr().contains("no-such-model.bin"), out.stderr());
    }
}
