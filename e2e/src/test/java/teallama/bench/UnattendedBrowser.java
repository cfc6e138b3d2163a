package teallama.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A browser started as a person starts it, for the benchmark's memory: its own binary on a fresh
 * profile, headless, with no automation attached. Under Playwright the browsers keep what a page
 * downloads: Firefox's WebDriver BiDi agent saves every response body whole while it arrives, and
 * Chromium's DevTools network domain buffers them, which doubled Firefox's peak on 15M. Without
 * a driver to ask the page, bench.html says on the console when it is done ({@link #DONE} and its
 * result as URI-encoded JSON, or {@link #ERROR} and why), which both browsers are told to print.
 */
final class UnattendedBrowser {
    static final String DONE = "teallama-bench done ";
    static final String ERROR = "teallama-bench error ";

    private static final long BLANK_SETTLE_MS = 8000; // a browser's processes start over the first seconds

    private UnattendedBrowser() {
    }

    /** What a page reported, and the peak of the browser's memory until then. */
    record Run(String resultJson, PeakMemory.Footprint peak) {
    }

    /**
     * The browser's memory (all its processes) left on about:blank: the median of the samples of
     * the last second of {@link #BLANK_SETTLE_MS}.
     */
    static PeakMemory.Footprint blank(String name) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("teallama-blank");
        Process browser = start(name, profile, "about:blank");
        readOutput(browser, new CompletableFuture<>());
        try {
            Thread.sleep(BLANK_SETTLE_MS - 1000);
            List<PeakMemory.Footprint> samples = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                samples.add(PeakMemory.of(processes(browser)));
                Thread.sleep(50);
            }
            return PeakMemory.Footprint.median(samples);
        } finally {
            stop(browser, profile);
        }
    }

    /**
     * Opens url in a fresh browser and waits, at most timeoutSeconds, for bench.html's line; then
     * waits holdMillis more, so that what the page holds after its work counts too, and at least
     * until {@link #BLANK_SETTLE_MS} after the start, so that a short run is measured with the
     * processes a blank page has by then.
     */
    static Run run(String name, String url, long timeoutSeconds, long holdMillis) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("teallama-memory");
        long started = System.nanoTime();
        Process browser = start(name, profile, url);
        CompletableFuture<String> reported = new CompletableFuture<>();
        readOutput(browser, reported);
        try (PeakMemory memory = new PeakMemory(() -> processes(browser))) {
            String line;
            try {
                line = reported.get(timeoutSeconds, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException(name + " did not finish " + url + " in " + timeoutSeconds + " s");
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
            if (line == null) {
                throw new IllegalStateException(name + " ended before " + url + " was done");
            }
            int error = line.indexOf(ERROR);
            if (error >= 0) {
                String why = line.substring(error + ERROR.length());
                // the browser's own quotes (and Chromium's ", source: ...") end the message
                throw new IllegalStateException(name + " on " + url + ": "
                        + (why.contains("\"") ? why.substring(0, why.lastIndexOf('"')) : why));
            }
            Thread.sleep(holdMillis);
            long settled = BLANK_SETTLE_MS - (System.nanoTime() - started) / 1_000_000;
            if (settled > 0) {
                Thread.sleep(settled);
            }
            return new Run(resultJson(line), memory.peak());
        } finally {
            stop(browser, profile);
        }
    }

    /** The JSON of a {@link #DONE} line, which bench.html URI-encodes. */
    private static String resultJson(String line) {
        int from = line.indexOf(DONE) + DONE.length();
        int to = from;
        while (to < line.length() && line.charAt(to) != '"' && !Character.isWhitespace(line.charAt(to))) {
            to++;
        }
        return URLDecoder.decode(line.substring(from, to), StandardCharsets.UTF_8);
    }

    private static Process start(String name, Path profile, String url) throws IOException {
        List<String> command = switch (name) {
            // as Browsers.launch has it, less what Playwright adds; console messages go to stderr
            case "chromium" -> List.of("/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-default-apps", "--user-data-dir=" + profile,
                    "--enable-logging=stderr", "--v=0", url);
            case "firefox" -> {
                Files.writeString(profile.resolve("user.js"), String.join("\n",
                        "user_pref(\"devtools.console.stdout.content\", true);",
                        "user_pref(\"browser.shell.checkDefaultBrowser\", false);",
                        "user_pref(\"datareporting.policy.dataSubmissionEnabled\", false);",
                        "user_pref(\"toolkit.telemetry.reportingpolicy.firstRun\", false);",
                        "user_pref(\"browser.startup.homepage_override.mstone\", \"ignore\");",
                        "user_pref(\"app.update.enabled\", false);",
                        // spare content processes come and go: a blank page and a run would hold
                        // different numbers of them, 75 MiB each
                        "user_pref(\"dom.ipc.processPrelaunch.enabled\", false);", ""));
                yield List.of("/usr/bin/firefox-esr", "--headless", "--no-remote", "--profile", profile.toString(), url);
            }
            default -> throw new IllegalArgumentException("no browser named " + name);
        };
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /**
     * Reads the browser's output to its end (so that it never blocks on a full pipe), completing
     * reported with the first line that holds bench.html's report, or with null if it ends first.
     */
    private static void readOutput(Process browser, CompletableFuture<String> reported) {
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(browser.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.contains(DONE) || line.contains(ERROR)) {
                        reported.complete(line);
                    }
                }
            } catch (IOException e) {
                // the browser is gone
            }
            reported.complete(null);
        }, "browser-output");
        reader.setDaemon(true);
        reader.start();
    }

    private static List<ProcessHandle> processes(Process browser) {
        ProcessHandle root = browser.toHandle();
        return Stream.concat(Stream.of(root), root.descendants()).toList();
    }

    private static void stop(Process browser, Path profile) throws IOException, InterruptedException {
        List<ProcessHandle> all = processes(browser);
        all.forEach(ProcessHandle::destroy);
        if (!browser.waitFor(10, TimeUnit.SECONDS)) {
            all.forEach(ProcessHandle::destroyForcibly);
            browser.waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle p : all) {
            p.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> p).join();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
