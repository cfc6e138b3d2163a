package teallama.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.WaitForSelectorState;

import teallama.Checkpoint;
import teallama.Config;
import teallama.FloatWeights;
import teallama.Model;
import teallama.ModelWriter;
import teallama.Shared;
import teallama.server.SiteServer;

/**
 * The benchmark: Teallama's generation speed on the JVM and in headless Chromium and Firefox
 * (the real page and workers, bench.html), on one thread and on every core, for stories260K and
 * random weights of the 15M, 42M and 110M shapes, fp32 and int8; and, given their paths,
 * llama2.c's run, runq and run built with OpenMP in the same run. Every run writes a story
 * greedily from no prompt (run -t 0 -n 256). Writes BENCHMARKS.md and benchmarks.json at the
 * repository root ({@link BenchmarkReport}).
 *
 * <p>System properties: bench.run, bench.runq, bench.runomp (paths to llama2.c binaries),
 * bench.runs (3), bench.steps (256), bench.models (260K,15M,42M,110M), bench.runtimes
 * (jvm,chromium,firefox), bench.threads (1 and the number of cores), bench.root (the repository).
 */
public final class Benchmark {
    static final Map<String, Config> SHAPES = new LinkedHashMap<>();
    /**
     * Runs of 15M fp32 with the inspector on, and off, at the least: pages in one browser differ by
     * up to 12% on this shared machine (Firefox, two threads, 213 to 269 tok/s in one run), and a
     * ratio to be told from 0.95 wants the median of many.
     */
    static final int INSPECTOR_ROUNDS = 15;
    /**
     * The subjects also run in the story page (index.html) on every core, where what the page's
     * own thread does (drawing the story, hearing the tokens) takes a core from the workers.
     */
    static final List<String> STORY_SUBJECTS = List.of("15M fp32", "110M int8");

    static {
        SHAPES.put("15M", new Config(288, 768, 6, 6, 6, 32000, 256));
        SHAPES.put("42M", new Config(512, 1376, 8, 8, 8, 32000, 1024));
        SHAPES.put("110M", new Config(768, 2048, 12, 12, 12, 32000, 1024));
    }

    /** A model file to measure: 260K is stories260K itself, the others random weights. */
    record Subject(String model, String format, Path file, Path tokenizer) {
        String label() {
            return model + " " + format;
        }
    }

    /**
     * The runs of one runtime on one subject with a number of threads: in a browser, of bench.html
     * with its inspector on or off, or of the story page (storyPage).
     */
    record Result(String runtime, Subject subject, int threads, boolean inspector, boolean storyPage,
                  List<Double> tokPerSec, List<Double> firstTokenMs, PeakMemory.Footprint peak) {
        double medianTokPerSec() {
            return median(tokPerSec);
        }

        double medianFirstTokenMs() {
            return median(firstTokenMs);
        }

        Result withPeak(PeakMemory.Footprint footprint) {
            return new Result(runtime, subject, threads, inspector, storyPage, tokPerSec, firstTokenMs, footprint);
        }
    }

    private final Path root;
    private final Path work;
    private final int runs;
    private final int steps;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private final List<Integer> threadCounts;
    private final String runBinary;
    private final String runqBinary;
    private final String runompBinary;
    private final List<String> machine = new ArrayList<>();
    private final List<Result> results = new ArrayList<>();
    private final Map<String, Integer> groupSizes = new LinkedHashMap<>();
    private final Map<String, PeakMemory.Footprint> idlePeaks = new LinkedHashMap<>(); // by BenchmarkReport.idleKey

    private Benchmark() {
        root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
        work = root.resolve("e2e/target/bench");
        runs = Integer.parseInt(System.getProperty("bench.runs", "3"));
        steps = Integer.parseInt(System.getProperty("bench.steps", "256"));
        threadCounts = Arrays.stream(System.getProperty("bench.threads", cores > 1 ? "1," + cores : "1").split(","))
                .map(String::trim).map(Integer::valueOf).toList();
        runBinary = emptyToNull(System.getProperty("bench.run"));
        runqBinary = emptyToNull(System.getProperty("bench.runq"));
        runompBinary = emptyToNull(System.getProperty("bench.runomp"));
    }

    public static void main(String[] args) throws Exception {
        new Benchmark().run();
    }

    private void run() throws Exception {
        List<String> models = Arrays.asList(System.getProperty("bench.models", "260K,15M,42M,110M").split(","));
        List<String> runtimes = Arrays.asList(System.getProperty("bench.runtimes", "jvm,chromium,firefox").split(","));
        List<Subject> subjects = prepare(models);
        describeMachine();

        // llama2.c right after the JVM on each model: on a shared machine, whose speed drifts over
        // the run, the JVM's ratio to the OpenMP build compares minutes apart, not a quarter hour
        for (Subject s : subjects) {
            if (runtimes.contains("jvm")) {
                for (int threads : threadCounts) {
                    results.add(measureJvm(s, threads));
                }
            }
            if (s.format().equals("fp32")) {
                measureBinary("run.c", runBinary, s, 1);
                measureBinary("run.c-omp", runompBinary, s, cores);
            } else {
                measureBinary("runq.c", runqBinary, s, 1);
            }
        }
        for (String browser : List.of("chromium", "firefox")) {
            if (runtimes.contains(browser)) {
                measureBrowser(browser, subjects);
            }
        }
        BenchmarkReport report = new BenchmarkReport(machine, results, runs, steps, cores, groupSizes, idlePeaks);
        String markdown = report.markdown();
        System.out.println(markdown);
        Files.writeString(root.resolve("BENCHMARKS.md"), markdown);
        Files.writeString(root.resolve("benchmarks.json"), report.json());
        System.out.println("wrote " + root.resolve("BENCHMARKS.md") + " and " + root.resolve("benchmarks.json"));
    }

    // ----------------------------------------------------------------------------
    // models

    private List<Subject> prepare(List<String> models) throws IOException {
        Path dir = Files.createDirectories(work.resolve("models"));
        Path tok512 = copy(Shared.model("tok512.bin"), dir);
        Path tokenizer = copy(Shared.model("tokenizer.bin"), dir);
        List<Subject> subjects = new ArrayList<>();
        for (String name : models) {
            Path fp32 = dir.resolve(name + ".bin");
            if (name.equals("260K")) {
                Files.copy(Shared.model("stories260K.bin"), fp32, StandardCopyOption.REPLACE_EXISTING);
            } else if (!Files.exists(fp32)) {
                Config shape = SHAPES.get(name);
                if (shape == null) {
                    throw new IllegalArgumentException("bench.models: no model named " + name + "; expected 260K, "
                            + String.join(", ", SHAPES.keySet()));
                }
                System.out.println("writing random weights of the " + name + " shape to " + fp32);
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(fp32), 1 << 20)) {
                    ModelWriter.write(shape, ModelWriter.randomWeights(shape, true, 42), 0, out);
                }
            }
            Path int8 = dir.resolve(name + "-q80.bin");
            Config c = name.equals("260K") ? Shared.loadModel("stories260K.bin").config() : SHAPES.get(name);
            groupSizes.put(name, ModelWriter.defaultGroupSize(c));
            if (!Files.exists(int8) || Files.getLastModifiedTime(int8).compareTo(Files.getLastModifiedTime(fp32)) < 0) {
                Model model = Checkpoint.read(Files.readAllBytes(fp32));
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(int8), 1 << 20)) {
                    ModelWriter.writeQuantized(c, (FloatWeights) model.weights(), ModelWriter.defaultGroupSize(c), out);
                }
            }
            Path tok = name.equals("260K") ? tok512 : tokenizer;
            subjects.add(new Subject(name, "fp32", fp32, tok));
            subjects.add(new Subject(name, "int8", int8, tok));
        }
        return subjects;
    }

    private static Path copy(Path file, Path dir) throws IOException {
        return Files.copy(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    // ----------------------------------------------------------------------------
    // runtimes

    private static final Pattern RUN_C_SPEED = Pattern.compile("achieved tok/s: ([0-9.]+|inf)");

    /** Fresh JVMs, one per run, running JvmRun: the core as the command line uses it. */
    private Result measureJvm(Subject s, int threads) throws IOException, InterruptedException {
        String classpath = root.resolve("core/target/classes") + ":" + root.resolve("e2e/target/test-classes");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Double> speeds = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        PeakMemory.Footprint peak = PeakMemory.Footprint.NONE;
        for (int r = 0; r <= runs; r++) {
            boolean memoryRun = r == runs;
            Process p = new ProcessBuilder(java, "-cp", classpath, JvmRun.class.getName(), s.file().toString(),
                    s.tokenizer().toString(), String.valueOf(steps), String.valueOf(threads))
                    .redirectErrorStream(true).start();
            String out;
            try (PeakMemory memory = memoryRun ? new PeakMemory(() -> List.of(p.toHandle())) : null) {
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                check(p.waitFor(), "JvmRun", out);
                if (memoryRun) {
                    peak = memory.peak();
                    continue;
                }
            }
            JsonNode line = new ObjectMapper().readTree(out.substring(out.lastIndexOf('{')));
            speeds.add(line.get("tokPerSec").asDouble());
            loads.add(line.get("firstTokenMs").asDouble());
        }
        return report(new Result("jvm", s, threads, false, false, speeds, loads, peak));
    }

    /**
     * bench.html in a fresh browser per model and thread count, and its peak memory in one more
     * run, in a browser of its own started with no driver ({@link UnattendedBrowser}); on 15M fp32
     * also with the token inspector on, to show what it costs: then the timed runs take turns in
     * one browser, a page each, off and on, then on and off, so that the machine's drift and a
     * browser's first moments weigh on both alike. Right after bench.html, on every core, the story
     * page for {@link #STORY_SUBJECTS}. First, the memory of a blank page, and per thread count the
     * idle page: its workers started, no model.
     */
    private void measureBrowser(String name, List<Subject> subjects) throws IOException, InterruptedException {
        Path site = root.resolve("web/target/site");
        try (Playwright playwright = teallama.e2e.Browsers.playwright();
             SiteServer server = new SiteServer(site, work.resolve("models"), 0, "/")) {
            PeakMemory.Footprint blank = measureBlank(name);
            for (int threads : threadCounts) {
                idlePeaks.put(BenchmarkReport.idleKey(name, threads), measureIdle(server, name, threads, blank));
            }
            for (Subject s : subjects) {
                for (int threads : threadCounts) {
                    if (s.label().equals("15M fp32")) {
                        measureInspector(playwright, server, name, s, threads, blank);
                    } else {
                        results.add(report(measurePage(playwright, server, name, s, threads, false, runs)
                                .withPeak(measurePeak(server, name, s, threads, false, blank))));
                    }
                    if (threads == cores && cores > 1 && STORY_SUBJECTS.contains(s.label())) {
                        results.add(report(inFreshBrowser(playwright, name,
                                (browser) -> measureStoryPage(browser, server, name, s, threads))));
                    }
                }
            }
        }
    }

    /** bench.html with the inspector off and on, pages taking turns in one browser (see measureBrowser). */
    private void measureInspector(Playwright playwright, SiteServer server, String name, Subject s, int threads,
                                  PeakMemory.Footprint blank) throws IOException, InterruptedException {
        List<Result> off = new ArrayList<>();
        List<Result> on = new ArrayList<>();
        Browser browser = teallama.e2e.Browsers.launch(playwright, name);
        try {
            for (int r = 0; r < Math.max(runs, INSPECTOR_ROUNDS); r++) {
                for (boolean inspector : r % 2 == 0 ? List.of(false, true) : List.of(true, false)) {
                    (inspector ? on : off).add(measurePage(browser, server, name, s, threads, inspector, 1));
                }
            }
        } finally {
            browser.close();
        }
        results.add(report(merged(off).withPeak(measurePeak(server, name, s, threads, false, blank))));
        results.add(report(merged(on).withPeak(measurePeak(server, name, s, threads, true, blank))));
    }

    /** One result of several pages' runs: their speeds and loads (no peak: see measurePeak). */
    private static Result merged(List<Result> pages) {
        Result first = pages.get(0);
        List<Double> speeds = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        for (Result page : pages) {
            speeds.addAll(page.tokPerSec());
            loads.addAll(page.firstTokenMs());
        }
        return new Result(first.runtime(), first.subject(), first.threads(), first.inspector(), first.storyPage(), speeds,
                loads, PeakMemory.Footprint.NONE);
    }

    /** pageRuns runs of bench.html in a fresh browser, timed: no peak (see measurePeak). */
    private Result measurePage(Playwright playwright, SiteServer server, String name, Subject s, int threads,
                               boolean inspector, int pageRuns) throws IOException {
        return inFreshBrowser(playwright, name, (browser) -> measurePage(browser, server, name, s, threads, inspector,
                pageRuns));
    }

    /**
     * The peak memory of one run of bench.html above a blank page, in a browser started as a
     * person starts it ({@link UnattendedBrowser}). A run of its own: sampling every few
     * milliseconds takes time from the browser, and on two cores whose workers meet at barriers,
     * that cost the timed runs 10-17% of their speed.
     */
    private PeakMemory.Footprint measurePeak(SiteServer server, String name, Subject s, int threads, boolean inspector,
                                             PeakMemory.Footprint blank)
            throws IOException, InterruptedException {
        UnattendedBrowser.Run run = UnattendedBrowser.run(name, benchUrl(server, s, threads, inspector, 1), 30 * 60, 0);
        checkRan(new ObjectMapper().readTree(run.resultJson()), name + " " + s.label(), threads, inspector);
        return run.peak().minus(blank);
    }

    /** The median of three browsers' memory on a blank page, each started as a person starts it. */
    private PeakMemory.Footprint measureBlank(String name) throws IOException, InterruptedException {
        List<PeakMemory.Footprint> blanks = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            blanks.add(UnattendedBrowser.blank(name));
        }
        PeakMemory.Footprint blank = PeakMemory.Footprint.median(blanks);
        System.out.println(String.format(Locale.ROOT, "%-9s blank page, %s (runs %s)", name, mib(blank),
                blanks.stream().map(Benchmark::mib).toList()));
        return blank;
    }

    private String benchUrl(SiteServer server, Subject s, int threads, boolean inspector, int pageRuns) {
        return server.url() + "bench.html?model=models/" + s.file().getFileName() + "&tokenizer=models/"
                + s.tokenizer().getFileName() + "&runs=" + pageRuns + "&steps=" + steps + "&threads=" + threads
                + (inspector ? "&inspect=1" : "") + "&autostart=1";
    }

    /** Refuses bench.html's result when it did not run as asked. */
    private static void checkRan(JsonNode json, String what, int threads, boolean inspector) {
        if (json.get("inspect").asBoolean() != inspector) {
            throw new IllegalStateException(what + ": the inspector is not " + (inspector ? "on" : "off"));
        }
        if (json.get("threads").asInt() != threads) {
            throw new IllegalStateException(what + " ran on " + json.get("threads") + " threads, not " + threads
                    + ": is the page cross-origin isolated?");
        }
    }

    private interface BrowserWork {
        Result run(Browser browser) throws IOException;
    }

    private Result inFreshBrowser(Playwright playwright, String name, BrowserWork work) throws IOException {
        Browser browser = teallama.e2e.Browsers.launch(playwright, name);
        try {
            if (machine.stream().noneMatch(line -> line.startsWith(name))) {
                machine.add(name + " " + browser.version());
            }
            return work.run(browser);
        } finally {
            browser.close();
        }
    }

    /** pageRuns runs of bench.html in a new page, timed. */
    private Result measurePage(Browser browser, SiteServer server, String name, Subject s, int threads,
                               boolean inspector, int pageRuns) throws IOException {
        try (Page page = browser.newPage()) {
            page.navigate(benchUrl(server, s, threads, inspector, pageRuns));
            // a selector, not waitForFunction: Firefox runs that with eval, which the page's policy forbids
            page.waitForSelector("#bench[data-state=done], #bench[data-state=error]",
                    new Page.WaitForSelectorOptions().setState(WaitForSelectorState.ATTACHED).setTimeout(30 * 60 * 1000));
            if (!"done".equals(page.getAttribute("#bench", "data-state"))) {
                throw new IllegalStateException(name + " " + s.label() + ": " + page.textContent("#status"));
            }
            JsonNode json = new ObjectMapper().readTree(page.textContent("#bench-json"));
            checkRan(json, name + " " + s.label(), threads, inspector);
            awaitServiceWorker(page, name + " " + s.label());
            List<Double> speeds = new ArrayList<>();
            List<Double> loads = new ArrayList<>();
            for (JsonNode run : json.get("runs")) {
                speeds.add(run.get("tokPerSec").asDouble());
                loads.add(run.get("firstTokenMs").asDouble());
            }
            return new Result(name, s, threads, inspector, false, speeds, loads, PeakMemory.Footprint.NONE);
        }
    }

    /**
     * offline.js registers the service worker once the story ends: a precaution, should an install
     * left running outlive its page's context and share the next page's cores.
     */
    private static void awaitServiceWorker(Page page, String what) {
        Object worker = page.evaluate("() => Promise.race([navigator.serviceWorker.ready.then(() => 'ready'),"
                + " new Promise((done) => setTimeout(() => done('not ready'), 30000))])");
        if (!"ready".equals(worker)) {
            throw new IllegalStateException(what + ": the page's service worker was " + worker + " 30 s after its story");
        }
    }

    private static final Pattern FIRST_TOKEN = Pattern.compile("First token after ([0-9.]+) ms");

    /**
     * runs stories in the story page (index.html), each in a new page, as a first visit sees it:
     * its settings from the link (temperature 0, no prompt), the inspector on. Its speed and first
     * token are what the page shows.
     */
    private Result measureStoryPage(Browser browser, SiteServer server, String name, Subject s, int threads) {
        String what = name + " " + s.label() + " story page";
        List<Double> speeds = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            try (Page page = browser.newPage()) {
                page.navigate(server.url() + "index.html?model=models/" + s.file().getFileName() + "&tokenizer=models/"
                        + s.tokenizer().getFileName() + "&temperature=0&steps=" + steps + "&threads=" + threads
                        + "&autostart=1");
                page.waitForSelector("#output[data-state=done], #output[data-state=error]",
                        new Page.WaitForSelectorOptions().setState(WaitForSelectorState.ATTACHED).setTimeout(30 * 60 * 1000));
                String status = page.textContent("#status");
                if (!"done".equals(page.getAttribute("#output", "data-state"))) {
                    throw new IllegalStateException(what + ": " + status);
                }
                String running = "running on " + threads + " threads.";
                if (!page.textContent("#threads-hint").endsWith(running)) {
                    throw new IllegalStateException(what + ": not " + running + " " + page.textContent("#threads-hint"));
                }
                Matcher first = FIRST_TOKEN.matcher(status);
                String speed = page.textContent("#speed");
                if (!first.find() || !speed.endsWith(" tok/s")) {
                    throw new IllegalStateException(what + ": no first token or speed in \"" + status + "\", \"" + speed + "\"");
                }
                awaitServiceWorker(page, what);
                speeds.add(Double.parseDouble(speed.substring(0, speed.length() - " tok/s".length())));
                loads.add(Double.parseDouble(first.group(1)));
            }
        }
        return new Result(name, s, threads, true, true, speeds, loads, PeakMemory.Footprint.NONE);
    }

    /**
     * The median over the runs of bench.html?idle=1's peak above a blank page, each in a fresh
     * browser started as a person starts it: the workers a model runs on, started with the
     * WebAssembly module and held a second, and no model. What a browser costs before any model,
     * to tell apart from what a model adds.
     */
    private PeakMemory.Footprint measureIdle(SiteServer server, String name, int threads, PeakMemory.Footprint blank)
            throws IOException, InterruptedException {
        List<PeakMemory.Footprint> peaks = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            UnattendedBrowser.Run run = UnattendedBrowser.run(name, server.url() + "bench.html?idle=1&threads=" + threads
                    + "&autostart=1", 60, 1000);
            int started = new ObjectMapper().readTree(run.resultJson()).get("threads").asInt();
            if (started != threads) {
                throw new IllegalStateException(name + " idle page started " + started + " threads, not " + threads);
            }
            peaks.add(run.peak().minus(blank));
        }
        PeakMemory.Footprint peak = PeakMemory.Footprint.median(peaks);
        System.out.println(String.format(Locale.ROOT, "%-9s idle page  %2d threads, peak %s (runs %s)", name, threads,
                mib(peak), peaks.stream().map(Benchmark::mib).toList()));
        return peak;
    }

    /**
     * llama2.c's run, runq or OpenMP run (with OMP_NUM_THREADS = threads): its own tok/s line;
     * process start to first byte of story as its load.
     */
    private void measureBinary(String runtime, String binary, Subject s, int threads)
            throws IOException, InterruptedException {
        if (binary == null) {
            return;
        }
        List<Double> speeds = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        PeakMemory.Footprint peak = PeakMemory.Footprint.NONE;
        for (int r = 0; r <= runs; r++) {
            boolean memoryRun = r == runs;
            long start = System.nanoTime();
            ProcessBuilder builder = new ProcessBuilder(binary, s.file().toString(), "-z", s.tokenizer().toString(),
                    "-t", "0", "-n", String.valueOf(steps));
            builder.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            Process p = builder.start();
            double firstByteMs;
            try (PeakMemory memory = memoryRun ? new PeakMemory(() -> List.of(p.toHandle())) : null) {
                InputStream stdout = p.getInputStream();
                int first = stdout.read();
                firstByteMs = (System.nanoTime() - start) / 1e6;
                stdout.readAllBytes();
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                check(p.waitFor(), binary, err);
                if (memoryRun) {
                    peak = memory.peak();
                    continue;
                }
                Matcher m = RUN_C_SPEED.matcher(err);
                if (first < 0 || !m.find()) {
                    throw new IllegalStateException(binary + " printed no story or no speed: " + err);
                }
                speeds.add(Double.parseDouble(m.group(1)));
            }
            loads.add(firstByteMs);
        }
        results.add(report(new Result(runtime, s, threads, false, false, speeds, loads, peak)));
    }

    private static void check(int status, String what, String output) {
        if (status != 0) {
            throw new IllegalStateException(what + " exited with " + status + ": " + output);
        }
    }

    private static Result report(Result r) {
        System.out.println(String.format(Locale.ROOT,
                "%-9s %-10s %2d threads%s %8.1f tok/s (runs %s), first token %6.0f ms, peak %s",
                r.runtime(), r.subject().label(), r.threads(), r.storyPage() ? " story page" : r.inspector() ? " inspector" : "",
                r.medianTokPerSec(), format(r.tokPerSec()), r.medianFirstTokenMs(), mib(r.peak())));
        return r;
    }

    private static String mib(PeakMemory.Footprint f) {
        return String.format(Locale.ROOT, "PSS %.0f MiB, RSS %.0f MiB", f.proportionalBytes() / 1048576.0,
                f.residentBytes() / 1048576.0);
    }

    // ----------------------------------------------------------------------------
    // the machine

    private void describeMachine() throws IOException {
        String cpu = "unknown CPU";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                cpu = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        long memoryKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                memoryKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        String os = "Linux";
        for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
            if (line.startsWith("PRETTY_NAME=")) {
                os = line.substring("PRETTY_NAME=".length()).replace("\"", "");
            }
        }
        machine.add(String.format(Locale.ROOT, "%s, %d cores, %.0f GiB, %s", cpu, cores, memoryKb / 1048576.0, os));
        machine.add("Java " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }

    // ----------------------------------------------------------------------------
    // small helpers

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    static String format(List<Double> values) {
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(String.format(Locale.ROOT, "%.1f", v));
        }
        return String.join(", ", parts);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
