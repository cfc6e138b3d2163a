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
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import teallama.Checkpoint;
import teallama.Config;
import teallama.FloatWeights;
import teallama.Model;
import teallama.ModelWriter;
import teallama.Shared;

/**
 * The benchmark: Teallama's generation speed on the JVM and in headless Chromium and Firefox
 * (the real page and workers, bench.html, and the story page: {@link BrowserBench}), on one thread
 * and on every core, for stories260K and random weights of the 15M, 42M and 110M shapes, fp32 and
 * int8; and, given their paths,
 * llama2.c's run, runq and run built with OpenMP in the same run. Every run writes a story
 * greedily from no prompt (run -t 0 -n 256). Writes BENCHMARKS.md and benchmarks.json at the
 * repository root ({@link BenchmarkReport}).
 *
 * <p>System properties: bench.run, bench.runq, bench.runomp (paths to llama2.c binaries),
 * bench.runs (3), bench.steps (256), bench.models (260K,15M,42M,110M), bench.runtimes
 * (jvm,chromium,firefox), bench.threads (1 and the number of cores, at most 16), bench.kernels (simd, or
 * scalar: bench.html's kernels, see BrowserBench), bench.root (the repository).
 */
public final class Benchmark {
    static final String BROWSERS_TURN = "browsers";
    static final int MOST_THREADS = 16; // bench.html's (the page's Threads setting); -j takes more
    static final Map<String, Config> SHAPES = new LinkedHashMap<>();

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
     * with its inspector on or off, or of the story page (storyPage). turn is the turn they ran
     * in, the JVM's (jvm, or llama2.c where the JVM does not run) or the browsers'
     * ({@link #BROWSERS_TURN}): llama2.c's runs take turns with the JVM's and again with the
     * browsers' pages.
     */
    record Result(String runtime, String turn, Subject subject, int threads, boolean inspector, boolean storyPage,
                  List<Double> tokPerSec, List<Double> firstTokenMs, PeakMemory.Footprint peak) {
        /** llama2.c's runs between the browsers' pages, there to compare the browsers with. */
        boolean inBrowsersTurn() {
            return turn.equals(BROWSERS_TURN) && !BenchmarkReport.BROWSERS.contains(runtime);
        }

        double medianTokPerSec() {
            return median(tokPerSec);
        }

        double medianFirstTokenMs() {
            return median(firstTokenMs);
        }

        Result withPeak(PeakMemory.Footprint footprint) {
            return new Result(runtime, turn, subject, threads, inspector, storyPage, tokPerSec, firstTokenMs, footprint);
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
    private final String kernels; // bench.html's: simd or scalar
    private final Map<String, Integer> groupSizes = new LinkedHashMap<>();
    private final Map<String, PeakMemory.Footprint> idlePeaks = new LinkedHashMap<>(); // by BenchmarkReport.idleKey

    private Benchmark() {
        root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
        work = root.resolve("e2e/target/bench");
        runs = wholeNumber("bench.runs", System.getProperty("bench.runs", "3"), 1, Integer.MAX_VALUE);
        // a speed is timed from the first token on: one step has none
        steps = wholeNumber("bench.steps", System.getProperty("bench.steps", "256"), 2, Integer.MAX_VALUE);
        threadCounts = Arrays.stream(System.getProperty("bench.threads", "1," + Math.min(cores, MOST_THREADS)).split(","))
                .map(threads -> wholeNumber("bench.threads", threads.trim(), 1, MOST_THREADS)).distinct().toList();
        runBinary = emptyToNull(System.getProperty("bench.run"));
        runqBinary = emptyToNull(System.getProperty("bench.runq"));
        runompBinary = emptyToNull(System.getProperty("bench.runomp"));
        kernels = System.getProperty("bench.kernels", "simd");
        if (!kernels.equals("simd") && !kernels.equals("scalar")) {
            throw new IllegalArgumentException("bench.kernels: expected simd or scalar, found " + kernels);
        }
    }

    /** The whole number from least to most that a bench.* property gives; else an error that says what was found. */
    private static int wholeNumber(String name, String text, int least, int most) {
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            value = least - 1;
        }
        if (value < least || value > most) {
            throw new IllegalArgumentException(name + " expects a whole number " + (most == Integer.MAX_VALUE
                    ? "of at least " + least : "from " + least + " to " + most) + ", found '" + text + "'");
        }
        return value;
    }

    /**
     * The bench.* properties this run was given, as -D options, but for the paths of llama2.c's
     * binaries and the repository, which say where, not what, was measured.
     */
    private static String settings() {
        return System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("bench.")).sorted()
                .filter(name -> !List.of("bench.run", "bench.runq", "bench.runomp", "bench.root").contains(name))
                .map(name -> "-D" + name + "=" + System.getProperty(name))
                .collect(Collectors.joining(" "));
    }

    public static void main(String[] args) throws Exception {
        new Benchmark().run();
    }

    private void run() throws Exception {
        List<String> models = Arrays.asList(System.getProperty("bench.models", "260K,15M,42M,110M").split(","));
        List<String> runtimes = Arrays.asList(System.getProperty("bench.runtimes", "jvm,chromium,firefox").split(","));
        List<Subject> subjects = prepare(models);
        describeMachine();

        boolean jvm = runtimes.contains("jvm");
        for (Subject s : subjects) {
            measureProcesses(s, contenders(s, jvm), jvm ? "jvm" : "llama2.c");
        }
        List<String> browsers = BenchmarkReport.BROWSERS.stream().filter(runtimes::contains).toList();
        if (!browsers.isEmpty()) {
            BrowserBench bench = new BrowserBench(browsers, root.resolve("web/target/site"), work.resolve("models"), runs,
                    steps, cores, threadCounts, kernels, s -> contenders(s, false));
            bench.measure(subjects);
            for (String version : bench.versions()) {
                machine.add(version + (kernels.equals("scalar") ? ", bench.html with scalar kernels" : ""));
            }
            results.addAll(bench.results());
            idlePeaks.putAll(bench.idlePeaks());
        }
        BenchmarkReport report = new BenchmarkReport(settings(), machine, results, runs, steps, cores, groupSizes,
                idlePeaks);
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

    /** A process to time: its runtime's name, threads, command and how its output tells speed and load. */
    record Contender(String runtime, int threads, ProcessBuilder command, Reading reading) {
        /** Runs it once: {tok/s, first token ms}. */
        double[] time() throws IOException, InterruptedException {
            QuietMachine.await();
            long start = System.nanoTime();
            return reading.read(command.start(), start);
        }
    }

    interface Reading {
        /** Reads a run's output to its end: {tok/s, first token ms}, the process started at startNanos. */
        double[] read(Process p, long startNanos) throws IOException, InterruptedException;
    }

    /**
     * What runs in processes on subject s: the JVM (with jvm) on each thread count, then llama2.c
     * where its binaries are given: for fp32 the OpenMP run on every core and run -O3, in that
     * order, so that the JVM on every core and the OpenMP build run next to each other, each way
     * round (measureProcesses); runq for int8.
     */
    private List<Contender> contenders(Subject s, boolean jvm) {
        List<Contender> contenders = new ArrayList<>();
        if (jvm) {
            String classpath = root.resolve("core/target/classes") + ":" + root.resolve("e2e/target/test-classes");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            for (int threads : threadCounts) {
                contenders.add(new Contender("jvm", threads, new ProcessBuilder(java, "-cp", classpath,
                        JvmRun.class.getName(), s.file().toString(), s.tokenizer().toString(), String.valueOf(steps),
                        String.valueOf(threads)).redirectErrorStream(true), Benchmark::readJvmRun));
            }
        }
        if (s.format().equals("fp32")) {
            addBinary(contenders, "run.c-omp", runompBinary, s, cores);
            addBinary(contenders, "run.c", runBinary, s, 1);
        } else {
            addBinary(contenders, "runq.c", runqBinary, s, 1);
        }
        return contenders;
    }

    /**
     * llama2.c's run, runq or OpenMP run (with OMP_NUM_THREADS = threads), where its path is given:
     * its own tok/s line; process start to first byte of story as its load.
     */
    private void addBinary(List<Contender> contenders, String runtime, String binary, Subject s, int threads) {
        if (binary == null) {
            return;
        }
        ProcessBuilder command = new ProcessBuilder(binary, s.file().toString(), "-z", s.tokenizer().toString(),
                "-t", "0", "-n", String.valueOf(steps));
        command.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        contenders.add(new Contender(runtime, threads, command, (p, startNanos) -> {
            InputStream stdout = p.getInputStream();
            int first = stdout.read();
            double firstByteMs = (System.nanoTime() - startNanos) / 1e6;
            stdout.readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            check(p.waitFor(), binary, err);
            Matcher m = RUN_C_SPEED.matcher(err);
            if (first < 0 || !m.find()) {
                throw new IllegalStateException(binary + " printed no story or no speed: " + err);
            }
            return new double[] {Double.parseDouble(m.group(1)), firstByteMs};
        }));
    }

    /** JvmRun's line: the core as the command line uses it, in a fresh JVM. */
    private static double[] readJvmRun(Process p, long startNanos) throws IOException, InterruptedException {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        check(p.waitFor(), "JvmRun", out);
        JsonNode line = new ObjectMapper().readTree(out.substring(out.lastIndexOf('{')));
        return new double[] {line.get("tokPerSec").asDouble(), line.get("firstTokenMs").asDouble()};
    }

    /**
     * Times the contenders on subject s, taking turns: a run of each in order, then in the opposite
     * order, and so on, so that the ratios of neighbours compare runs seconds apart on a machine
     * whose speed drifts (it is shared). Then one more run of each for its peak memory alone,
     * since sampling takes time from the process. turn names these turns in the results.
     */
    private void measureProcesses(Subject s, List<Contender> contenders, String turn)
            throws IOException, InterruptedException {
        List<List<Double>> speeds = new ArrayList<>();
        List<List<Double>> loads = new ArrayList<>();
        for (int c = 0; c < contenders.size(); c++) {
            speeds.add(new ArrayList<>());
            loads.add(new ArrayList<>());
        }
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < contenders.size(); i++) {
                int c = r % 2 == 0 ? i : contenders.size() - 1 - i;
                double[] run = contenders.get(c).time();
                speeds.get(c).add(run[0]);
                loads.get(c).add(run[1]);
            }
        }
        for (int c = 0; c < contenders.size(); c++) {
            Contender contender = contenders.get(c);
            long start = System.nanoTime();
            Process p = contender.command().start();
            PeakMemory.Footprint peak;
            try (PeakMemory memory = new PeakMemory(() -> List.of(p.toHandle()))) {
                contender.reading().read(p, start);
                peak = memory.peak();
            }
            results.add(report(new Result(contender.runtime(), turn, s, contender.threads(), false, false, speeds.get(c),
                    loads.get(c), peak)));
        }
    }

    private static void check(int status, String what, String output) {
        if (status != 0) {
            throw new IllegalStateException(what + " exited with " + status + ": " + output);
        }
    }

    static Result report(Result r) {
        System.out.println(String.format(Locale.ROOT,
                "%-9s %-10s %2d threads%s %8.1f tok/s (runs %s), first token %6.0f ms, peak %s",
                r.runtime(), r.subject().label(), r.threads(), r.storyPage() ? " story page" : r.inspector() ? " inspector"
                        : r.inBrowsersTurn() ? " in the browsers' turn" : "",
                r.medianTokPerSec(), format(r.tokPerSec()), r.medianFirstTokenMs(),
                r.peak().equals(PeakMemory.Footprint.NONE) ? "not measured" : mib(r.peak())));
        return r;
    }

    static String mib(PeakMemory.Footprint f) {
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
