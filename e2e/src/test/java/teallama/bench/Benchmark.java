package teallama.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
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
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.WaitForSelectorState;

import teallama.ByteArraySource;
import teallama.Checkpoint;
import teallama.Config;
import teallama.FloatWeights;
import teallama.Model;
import teallama.ModelWriter;
import teallama.Shared;
import teallama.server.SiteServer;

/**
 * The benchmark: Teallama's generation speed on the JVM and in headless Chromium and Firefox
 * (the real page and worker, bench.html), for stories260K and random weights of the 15M, 42M and
 * 110M shapes, fp32 and int8; and, given their paths, llama2.c's run and runq binaries in the
 * same run. Every run writes a story greedily from no prompt (run -t 0 -n 256). Prints a
 * Markdown table and writes BENCHMARKS.md and benchmarks.json at the repository root.
 *
 * <p>System properties: bench.run, bench.runq (paths to llama2.c binaries), bench.runs (3),
 * bench.steps (256), bench.models (260K,15M,42M,110M), bench.runtimes (jvm,chromium,firefox),
 * bench.root (the repository).
 */
public final class Benchmark {
    private static final Map<String, Config> SHAPES = new LinkedHashMap<>();

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

    /** The runs of one runtime on one subject. */
    record Result(String runtime, Subject subject, List<Double> tokPerSec, List<Double> firstTokenMs, long peakRssBytes) {
        double medianTokPerSec() {
            return median(tokPerSec);
        }

        double medianFirstTokenMs() {
            return median(firstTokenMs);
        }
    }

    private final Path root;
    private final Path work;
    private final int runs;
    private final int steps;
    private final String runBinary;
    private final String runqBinary;
    private final List<String> machine = new ArrayList<>();
    private final List<Result> results = new ArrayList<>();
    private final List<Result> reference = new ArrayList<>();
    private final Map<String, Integer> groupSizes = new LinkedHashMap<>();

    private Benchmark() {
        root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
        work = root.resolve("e2e/target/bench");
        runs = Integer.parseInt(System.getProperty("bench.runs", "3"));
        steps = Integer.parseInt(System.getProperty("bench.steps", "256"));
        runBinary = emptyToNull(System.getProperty("bench.run"));
        runqBinary = emptyToNull(System.getProperty("bench.runq"));
    }

    public static void main(String[] args) throws Exception {
        new Benchmark().run();
    }

    private void run() throws Exception {
        List<String> models = Arrays.asList(System.getProperty("bench.models", "260K,15M,42M,110M").split(","));
        List<String> runtimes = Arrays.asList(System.getProperty("bench.runtimes", "jvm,chromium,firefox").split(","));
        List<Subject> subjects = prepare(models);
        describeMachine();

        if (runtimes.contains("jvm")) {
            for (Subject s : subjects) {
                results.add(measureJvm(s));
            }
        }
        for (String browser : List.of("chromium", "firefox")) {
            if (runtimes.contains(browser)) {
                measureBrowser(browser, subjects);
            }
        }
        for (Subject s : subjects) {
            String binary = s.format().equals("fp32") ? runBinary : runqBinary;
            if (binary != null) {
                reference.add(measureBinary(binary, s));
            }
        }
        String markdown = markdown();
        System.out.println(markdown);
        Files.writeString(root.resolve("BENCHMARKS.md"), markdown);
        Files.writeString(root.resolve("benchmarks.json"), json());
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
                Model model = Checkpoint.read(new ByteArraySource(Files.readAllBytes(fp32)));
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
    private Result measureJvm(Subject s) throws IOException, InterruptedException {
        String classpath = root.resolve("core/target/classes") + ":" + root.resolve("e2e/target/test-classes");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Double> speeds = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        long peak = 0;
        for (int r = 0; r < runs; r++) {
            Process p = new ProcessBuilder(java, "-cp", classpath, JvmRun.class.getName(), s.file().toString(),
                    s.tokenizer().toString(), String.valueOf(steps)).redirectErrorStream(true).start();
            String out;
            try (PeakMemory memory = new PeakMemory(() -> List.of(p.toHandle()))) {
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                check(p.waitFor(), "JvmRun", out);
                peak = Math.max(peak, memory.peakBytes());
            }
            JsonNode line = new ObjectMapper().readTree(out.substring(out.lastIndexOf('{')));
            speeds.add(line.get("tokPerSec").asDouble());
            loads.add(line.get("firstTokenMs").asDouble());
        }
        return report(new Result("jvm", s, speeds, loads, peak));
    }

    /** bench.html in a fresh browser per model, so each peak is that model's alone. */
    private void measureBrowser(String name, List<Subject> subjects) throws IOException {
        Path site = root.resolve("web/target/site");
        try (Playwright playwright = teallama.e2e.Browsers.playwright();
             SiteServer server = new SiteServer(site, work.resolve("models"), 0, "/")) {
            for (Subject s : subjects) {
                Browser browser = teallama.e2e.Browsers.launch(playwright, name);
                if (machine.stream().noneMatch(line -> line.startsWith(name))) {
                    machine.add(name + " " + browser.version());
                }
                Page page = browser.newPage();
                try (PeakMemory memory = new PeakMemory(Benchmark::browserProcesses)) {
                    page.navigate(server.url() + "bench.html?model=models/" + s.file().getFileName() + "&tokenizer=models/"
                            + s.tokenizer().getFileName() + "&runs=" + runs + "&steps=" + steps + "&autostart=1");
                    // a selector, not waitForFunction: Firefox runs that with eval, which the page's policy forbids
                    page.waitForSelector("#bench[data-state=done], #bench[data-state=error]",
                            new Page.WaitForSelectorOptions().setState(WaitForSelectorState.ATTACHED).setTimeout(30 * 60 * 1000));
                    if (!"done".equals(page.getAttribute("#bench", "data-state"))) {
                        throw new IllegalStateException(name + " " + s.label() + ": " + page.textContent("#status"));
                    }
                    JsonNode json = new ObjectMapper().readTree(page.textContent("#bench-json"));
                    List<Double> speeds = new ArrayList<>();
                    List<Double> loads = new ArrayList<>();
                    for (JsonNode run : json.get("runs")) {
                        speeds.add(run.get("tokPerSec").asDouble());
                        loads.add(run.get("firstTokenMs").asDouble());
                    }
                    long peak = memory.peakAboveStartBytes();
                    browser.close();
                    results.add(report(new Result(name, s, speeds, loads, peak)));
                }
            }
        }
    }

    /** The browser's processes: the descendants of this JVM that are not the Playwright driver. */
    private static List<ProcessHandle> browserProcesses() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.contains("chrom") || c.contains("firefox")).orElse(false))
                .toList();
    }

    /** llama2.c's run or runq: its own tok/s line; process start to first byte of story as its load. */
    private Result measureBinary(String binary, Subject s) throws IOException, InterruptedException {
        List<Double> speeds = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        long peak = 0;
        for (int r = 0; r < runs; r++) {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(binary, s.file().toString(), "-z", s.tokenizer().toString(), "-t", "0",
                    "-n", String.valueOf(steps)).start();
            double firstByteMs;
            try (PeakMemory memory = new PeakMemory(() -> List.of(p.toHandle()))) {
                InputStream stdout = p.getInputStream();
                int first = stdout.read();
                firstByteMs = (System.nanoTime() - start) / 1e6;
                stdout.readAllBytes();
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                check(p.waitFor(), binary, err);
                peak = Math.max(peak, memory.peakBytes());
                Matcher m = RUN_C_SPEED.matcher(err);
                if (first < 0 || !m.find()) {
                    throw new IllegalStateException(binary + " printed no story or no speed: " + err);
                }
                speeds.add(Double.parseDouble(m.group(1)));
            }
            loads.add(firstByteMs);
        }
        String runtime = s.format().equals("fp32") ? "run.c" : "runq.c";
        return report(new Result(runtime, s, speeds, loads, peak));
    }

    private static void check(int status, String what, String output) {
        if (status != 0) {
            throw new IllegalStateException(what + " exited with " + status + ": " + output);
        }
    }

    private static Result report(Result r) {
        System.out.println(String.format(Locale.ROOT, "%-8s %-10s %8.1f tok/s (runs %s), first token %6.0f ms, peak %5.0f MB",
                r.runtime(), r.subject().label(), r.medianTokPerSec(), format(r.tokPerSec()), r.medianFirstTokenMs(),
                r.peakRssBytes() / 1048576.0));
        return r;
    }

    // ----------------------------------------------------------------------------
    // the machine

    private void describeMachine() throws IOException, InterruptedException {
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
        machine.add(String.format(Locale.ROOT, "%s, %d cores, %.0f GiB, %s", cpu,
                Runtime.getRuntime().availableProcessors(), memoryKb / 1048576.0, os));
        machine.add("Java " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }

    // ----------------------------------------------------------------------------
    // reports

    private Result find(List<Result> list, String runtime, Subject s) {
        return list.stream().filter(r -> r.runtime().equals(runtime) && r.subject().equals(s)).findFirst().orElse(null);
    }

    private List<Subject> subjects() {
        List<Subject> subjects = new ArrayList<>();
        for (Result r : results) {
            if (!subjects.contains(r.subject())) {
                subjects.add(r.subject());
            }
        }
        for (Result r : reference) {
            if (!subjects.contains(r.subject())) {
                subjects.add(r.subject());
            }
        }
        return subjects;
    }

    private String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Written by the benchmark command in README.md on ").append(LocalDate.now()).append(", on:\n\n");
        for (String line : machine) {
            md.append("- ").append(line).append('\n');
        }
        md.append("\nEvery run writes a story greedily from no prompt for ").append(steps)
                .append(" steps (`run MODEL -t 0 -n ").append(steps).append("`); ").append(runs)
                .append(" runs each, medians. 260K is stories260K; 15M, 42M and 110M are random weights of those "
                        + "models' shapes, which cost the same per token. int8 is Q8_0 written by `quantize`, in groups "
                        + "of 64 halved until they divide dim and hidden_dim (here " + groupList() + "). "
                        + "Speed counts positions after the first over the time since the first, as "
                        + "llama2.c does. JVM: a fresh JVM per run. Browsers: bench.html, the real page and worker, "
                        + "in headless Chromium and Firefox ESR on 127.0.0.1.");
        if (!reference.isEmpty()) {
            md.append(" llama2.c: `run` (fp32) and `runq` (int8) built from karpathy/llama2.c as its README says "
                    + "(gcc -O3), measured in the same session.");
        }
        md.append("\n\n## Tokens per second\n\n");
        md.append("| model | format | JVM | Chromium | Firefox |");
        if (!reference.isEmpty()) {
            md.append(" llama2.c | JVM / llama2.c | Chromium / llama2.c | Firefox / llama2.c |");
        }
        md.append('\n');
        md.append("|---|---|---:|---:|---:|").append(reference.isEmpty() ? "" : "---:|---:|---:|---:|").append('\n');
        for (Subject s : subjects()) {
            Result c = find(reference, s.format().equals("fp32") ? "run.c" : "runq.c", s);
            md.append("| ").append(s.model()).append(" | ").append(s.format()).append(" | ");
            for (String runtime : List.of("jvm", "chromium", "firefox")) {
                Result r = find(results, runtime, s);
                md.append(r == null ? "–" : String.format(Locale.ROOT, "%.1f", r.medianTokPerSec())).append(" | ");
            }
            if (!reference.isEmpty()) {
                md.append(c == null ? "–" : String.format(Locale.ROOT, "%.1f", c.medianTokPerSec())).append(" | ");
                for (String runtime : List.of("jvm", "chromium", "firefox")) {
                    Result r = find(results, runtime, s);
                    md.append(r == null || c == null ? "–"
                            : String.format(Locale.ROOT, "%.2fx", r.medianTokPerSec() / c.medianTokPerSec())).append(" | ");
                }
            }
            md.setLength(md.length() - 1);
            md.append('\n');
        }
        md.append("\n## Load: bytes in memory to first token (ms), and peak memory (MB)\n\n");
        md.append("Load starts when the file's bytes are in memory (llama2.c: when the process starts, as it maps the "
                + "file) and ends with the first token. Peak memory is the resident set: of the JVM, of the "
                + "llama2.c process, and for a browser what its processes added to an open blank page.\n\n");
        md.append("| model | format | JVM load | Chromium load | Firefox load |")
                .append(reference.isEmpty() ? "" : " llama2.c load |")
                .append(" JVM peak | Chromium peak | Firefox peak |").append(reference.isEmpty() ? "" : " llama2.c peak |")
                .append('\n');
        md.append("|---|---|---:|---:|---:|").append(reference.isEmpty() ? "" : "---:|").append("---:|---:|---:|")
                .append(reference.isEmpty() ? "" : "---:|").append('\n');
        for (Subject s : subjects()) {
            List<Result> row = new ArrayList<>();
            for (String runtime : List.of("jvm", "chromium", "firefox")) {
                row.add(find(results, runtime, s));
            }
            if (!reference.isEmpty()) {
                row.add(find(reference, s.format().equals("fp32") ? "run.c" : "runq.c", s));
            }
            md.append("| ").append(s.model()).append(" | ").append(s.format()).append(" | ");
            for (Result r : row) {
                md.append(r == null ? "–" : String.format(Locale.ROOT, "%.0f", r.medianFirstTokenMs())).append(" | ");
            }
            for (Result r : row) {
                md.append(r == null ? "–" : String.format(Locale.ROOT, "%.0f", r.peakRssBytes() / 1048576.0)).append(" | ");
            }
            md.setLength(md.length() - 1);
            md.append('\n');
        }
        md.append(targets());
        md.append("\n## Every run (tok/s)\n\n");
        for (Result r : concat(results, reference)) {
            md.append("- ").append(r.runtime()).append(' ').append(r.subject().label()).append(": ")
                    .append(format(r.tokPerSec())).append('\n');
        }
        return md.toString();
    }

    private String groupList() {
        List<String> parts = new ArrayList<>();
        groupSizes.forEach((model, size) -> parts.add(model + ": " + size));
        return String.join(", ", parts);
    }

    /** The targets of issue 4, each with the ratio measured in this run. */
    private String targets() {
        if (reference.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("\n## Targets\n\n| target | measured | |\n|---|---:|---|\n");
        target(md, "Chromium fp32 >= 1.5x run.c on 15M", ratio("chromium", "15M", "fp32", "run.c", "15M", "fp32"), 1.5);
        target(md, "Chromium fp32 >= 1.5x run.c on 110M", ratio("chromium", "110M", "fp32", "run.c", "110M", "fp32"), 1.5);
        target(md, "Chromium int8 >= 1.3x Chromium fp32 on 110M",
                ratio("chromium", "110M", "int8", "chromium", "110M", "fp32"), 1.3);
        for (String model : List.of("260K", "15M", "42M", "110M")) {
            target(md, "JVM fp32 >= 2x run.c on " + model, ratio("jvm", model, "fp32", "run.c", model, "fp32"), 2.0);
        }
        return md.toString();
    }

    private void target(StringBuilder md, String name, double measured, double goal) {
        if (Double.isNaN(measured)) {
            return;
        }
        md.append("| ").append(name).append(" | ").append(String.format(Locale.ROOT, "%.2fx", measured)).append(" | ")
                .append(measured >= goal ? "met" : "**missed**").append(" |\n");
    }

    private double ratio(String runtime, String model, String format, String baseRuntime, String baseModel,
                         String baseFormat) {
        Result a = null;
        Result b = null;
        for (Result r : concat(results, reference)) {
            if (r.runtime().equals(runtime) && r.subject().model().equals(model) && r.subject().format().equals(format)) {
                a = r;
            }
            if (r.runtime().equals(baseRuntime) && r.subject().model().equals(baseModel)
                    && r.subject().format().equals(baseFormat)) {
                b = r;
            }
        }
        return a == null || b == null ? Double.NaN : a.medianTokPerSec() / b.medianTokPerSec();
    }

    private String json() throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("machine", String.join("; ", machine));
        root.put("date", LocalDate.now().toString());
        root.put("steps", steps);
        root.set("results", jsonResults(mapper, results));
        root.set("reference", jsonResults(mapper, reference));
        return mapper.writeValueAsString(root) + "\n";
    }

    private static ArrayNode jsonResults(ObjectMapper mapper, List<Result> list) {
        ArrayNode array = mapper.createArrayNode();
        for (Result r : list) {
            ObjectNode o = array.addObject();
            o.put("runtime", r.runtime());
            o.put("model", r.subject().model());
            o.put("format", r.subject().format());
            o.put("tokPerSec", round(r.medianTokPerSec()));
            o.put("runs", r.tokPerSec().size());
            ArrayNode each = o.putArray("tokPerSecRuns");
            r.tokPerSec().forEach(v -> each.add(round(v)));
            o.put("firstTokenMs", round(r.medianFirstTokenMs()));
            o.put("peakRssMB", round(r.peakRssBytes() / 1048576.0));
        }
        return array;
    }

    // ----------------------------------------------------------------------------
    // small helpers

    private static List<Result> concat(List<Result> a, List<Result> b) {
        List<Result> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static String format(List<Double> values) {
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
