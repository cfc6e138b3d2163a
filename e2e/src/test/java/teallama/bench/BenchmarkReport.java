package teallama.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import teallama.bench.Benchmark.Result;
import teallama.bench.Benchmark.Subject;

/** BENCHMARKS.md and benchmarks.json from one run of the benchmark, with the targets of the issues. */
final class BenchmarkReport {
    private static final List<String> TEALLAMA = List.of("jvm", "chromium", "firefox");
    static final List<String> BROWSERS = List.of("chromium", "firefox");
    private static final Map<String, String> NAMES = Map.of("jvm", "JVM", "chromium", "Chromium", "firefox", "Firefox",
            "run.c", "run.c", "runq.c", "runq.c", "run.c-omp", "run.c OpenMP");

    private final String settings;
    private final List<String> machine;
    private final List<Result> results;
    private final int runs;
    private final int steps;
    private final int cores;
    private final Map<String, Integer> groupSizes;
    private final Map<String, PeakMemory.Footprint> idlePeaks;

    /** settings: the command's -D options (bench.runs and the like), "" for its defaults. */
    BenchmarkReport(String settings, List<String> machine, List<Result> results, int runs, int steps, int cores,
                    Map<String, Integer> groupSizes, Map<String, PeakMemory.Footprint> idlePeaks) {
        this.settings = settings;
        this.machine = machine;
        this.results = results;
        this.runs = runs;
        this.steps = steps;
        this.cores = cores;
        this.groupSizes = groupSizes;
        this.idlePeaks = idlePeaks;
    }

    /** The key of a browser's idle peak (bench.html?idle=1) with a number of threads. */
    static String idleKey(String runtime, int threads) {
        return runtime + " " + threads;
    }

    // ----------------------------------------------------------------------------
    // BENCHMARKS.md

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Written by the benchmark command in README.md")
                .append(settings.isEmpty() ? "" : " with `" + settings + "`")
                .append(" on ").append(LocalDate.now()).append(", on:\n\n");
        for (String line : machine) {
            md.append("- ").append(line).append('\n');
        }
        md.append("\nEvery run writes a story greedily from no prompt for ").append(steps)
                .append(" steps (`run MODEL -t 0 -n ").append(steps).append("`); ").append(runs)
                .append(" runs each, medians. ").append(modelList())
                .append(" int8 is Q8_0 written by `quantize`, in groups "
                        + "of 64 halved until they divide dim and hidden_dim (here " + groupList() + "). "
                        + "Speed counts positions after the first over the time since the first, as llama2.c does. "
                        + "Teallama runs on 1 thread and on all " + cores + " cores (`-j`, `?threads=`): JVM, a fresh "
                        + "JVM per run; browsers, bench.html (the real page and workers) in headless Chromium and "
                        + "Firefox ESR on 127.0.0.1, cross-origin isolated, a new page per run. llama2.c: `run` (fp32) "
                        + "and `runq` (int8) built from karpathy/llama2.c as its README says (gcc -O3), and `run` built "
                        + "with `gcc -Ofast -march=native -fopenmp` and run with OMP_NUM_THREADS=" + cores
                        + " (run.c OpenMP). The machine is shared and its speed drifts, so the runs on one model take "
                        + "turns: the JVM on 1 thread, on all cores, then llama2.c's, then the same the other way "
                        + "round, and so on; then the browsers' pages of one model in the same way, both browsers open "
                        + "at once (bench.html on 1 thread in Chromium, in Firefox, on all cores in each, the story "
                        + "page in each), then llama2.c's runs again, as many as the pages. Each "
                        + "run starts once the cores have been idle for " + QuietMachine.WINDOW_MS / 1000.0
                        + " s (waiting at most " + QuietMachine.MOST_MS / 1000 + " s), as a browser works "
                        + "on for up to a second after it closes a page. So "
                        + "the ratios of one runtime's thread counts, of each runtime to llama2.c (the llama2.c runs of "
                        + "its own turn), of Firefox to Chromium, of the inspector on and off and of the story page to "
                        + "bench.html compare runs seconds apart.\n");
        speeds(md);
        llama2cTurns(md);
        scaling(md);
        memory(md);
        inspector(md);
        storyPage(md);
        targets(md);
        md.append("\n## Every run (tok/s)\n\n");
        for (Result r : results) {
            md.append("- ").append(r.runtime()).append(' ').append(r.subject().label()).append(", ")
                    .append(r.threads()).append(r.threads() == 1 ? " thread" : " threads")
                    .append(r.storyPage() ? ", story page: " : r.inspector() ? ", inspector on: "
                            : r.inBrowsersTurn() ? ", in the browsers' turn: " : ": ")
                    .append(Benchmark.format(r.tokPerSec())).append('\n');
        }
        return md.toString();
    }

    private void speeds(StringBuilder md) {
        md.append("\n## Tokens per second\n\n| model | format |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (String runtime : TEALLAMA) {
            for (int threads : threadCounts(runtime)) {
                md.append(' ').append(NAMES.get(runtime)).append(' ').append(threads).append(threads == 1 ? " thread |" : " threads |");
                rule.append("---:|");
            }
        }
        md.append(" llama2.c | run.c OpenMP ").append(cores).append(" threads |\n");
        rule.append("---:|---:|\n");
        md.append(rule);
        for (Subject s : subjects()) {
            md.append("| ").append(s.model()).append(" | ").append(s.format()).append(" |");
            for (String runtime : TEALLAMA) {
                for (int threads : threadCounts(runtime)) {
                    md.append(' ').append(speed(find(runtime, s, threads))).append(" |");
                }
            }
            md.append(' ').append(speed(llama2c(s))).append(" | ").append(speed(find("run.c-omp", s, cores)))
                    .append(" |\n");
        }
    }

    /** llama2.c's speed in the JVM's turn and in the browsers', which each runtime's ratios to it divide by. */
    private void llama2cTurns(StringBuilder md) {
        if (results.stream().noneMatch(Result::inBrowsersTurn)) {
            return;
        }
        Result first = results.stream().filter(r -> !TEALLAMA.contains(r.runtime()) && !r.inBrowsersTurn())
                .findFirst().orElse(null);
        String processTurn = first == null || !first.turn().equals("jvm") ? "own turn" : "JVM's turn";
        md.append("\n## llama2.c in each turn (tok/s)\n\nllama2.c's runs between the JVM's and between the browsers' "
                + "runs of the same model; each runtime's ratios to llama2.c below divide by those of its own turn, "
                + "and the table above shows the JVM's.\n\n| model | format | llama2.c, " + processTurn
                + " | llama2.c, browsers' turn | run.c OpenMP, " + processTurn + " | run.c OpenMP, browsers' turn |\n"
                + "|---|---|---:|---:|---:|---:|\n");
        for (Subject s : subjects()) {
            md.append("| ").append(s.model()).append(" | ").append(s.format()).append(" | ").append(speed(llama2c(s)))
                    .append(" | ").append(speed(inTurn(llama2cName(s), s, Benchmark.BROWSERS_TURN))).append(" | ")
                    .append(speed(find("run.c-omp", s, cores))).append(" | ")
                    .append(speed(inTurn("run.c-omp", s, Benchmark.BROWSERS_TURN))).append(" |\n");
        }
    }

    private void scaling(StringBuilder md) {
        md.append("\n## Scaling and ratios (all ").append(cores).append(" cores)\n\n");
        md.append("N / 1 is each runtime on ").append(cores).append(" threads over itself on one; the ratios to "
                + "llama2.c compare Teallama on all cores with `run`/`runq` -O3 and with OpenMP `run` on all cores, "
                + "in the runtime's own turn.\n\n");
        md.append("| model | format | JVM N / 1 | Chromium N / 1 | Firefox N / 1 | JVM / llama2.c | Chromium / llama2.c "
                + "| Firefox / llama2.c | JVM / run.c OpenMP | Chromium / run.c OpenMP | Firefox / Chromium |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Subject s : subjects()) {
            md.append("| ").append(s.model()).append(" | ").append(s.format()).append(" |");
            for (String runtime : TEALLAMA) {
                md.append(' ').append(ratio(find(runtime, s, cores), find(runtime, s, 1))).append(" |");
            }
            for (String runtime : TEALLAMA) {
                md.append(' ').append(ratio(find(runtime, s, cores), inTurn(llama2cName(s), s, runtime))).append(" |");
            }
            md.append(' ').append(ratio(find("jvm", s, cores), find("run.c-omp", s, cores))).append(" | ")
                    .append(ratio(find("chromium", s, cores), inTurn("run.c-omp", s, "chromium"))).append(" | ")
                    .append(ratio(find("firefox", s, cores), find("chromium", s, cores))).append(" |\n");
        }
    }

    private void memory(StringBuilder md) {
        md.append("\n## Load and peak memory (all ").append(cores).append(" cores)\n\n");
        md.append("Load runs from the start of reading the file to the first token: the JVM streams the file from "
                + "disk into its arrays, the browsers download it from the local server straight into the workers "
                + "(llama2.c: from process start, as it maps the file). Peak memory comes from one more run, apart from "
                + "the timed ones (sampling took 10-17% of the browsers' speed on two threads), sampled every 20 ms "
                + "from /proc/PID/smaps_rollup and summed over the processes: of the JVM, of the llama2.c process, "
                + "and for a browser what all its processes (page, workers, GPU and network services) hold above a "
                + "blank page (median of 3). It is the proportional set size (PSS), in which a page that n "
                + "processes share counts 1/n in each, so that the sum is what the processes take from the machine "
                + "together. The resident sets (RSS) summed, shown too, count such a page n times: the code of the "
                + "browser's binary, which every one of its processes maps, counts once per process. For memory, a browser is started as a person "
                + "starts it: its own binary, headless, a fresh profile, no Playwright; bench.html says on the "
                + "console when it is done. The page registers its service worker once its story has ended "
                + "(offline.js), so a peak no longer takes in the worker's first install, which ran beside the story "
                + "before. Driven by Playwright, the browsers keep copies of what the page "
                + "downloads (Firefox's WebDriver BiDi agent saves every response body whole), which a visitor's "
                + "browser does not. The limits are issue 7's: 1.3x the file + 64 MiB on the JVM, 1.5x the file + "
                + "64 MiB in a browser, judged on PSS. A browser's idle page is bench.html?idle=1: the same workers "
                + "started, each with the WebAssembly module, and no model (median of " + runs + ", each in a fresh "
                + "browser); what it adds to a blank page is the runtime's own cost.\n\n");
        List<String> idle = new ArrayList<>();
        for (String runtime : BROWSERS) {
            for (int threads : threadCounts(runtime)) {
                PeakMemory.Footprint peak = idlePeaks.get(idleKey(runtime, threads));
                if (peak != null) {
                    idle.add(String.format(Locale.ROOT, "%s %d %s %.0f MiB (RSS %.0f)", NAMES.get(runtime), threads,
                            threads == 1 ? "thread" : "threads", mib(peak.proportionalBytes()),
                            mib(peak.residentBytes())));
                }
            }
        }
        if (!idle.isEmpty()) {
            md.append("Idle page above a blank page, PSS (RSS): ").append(String.join(", ", idle)).append(".\n\n");
        }
        md.append("| model | format | file MiB | JVM load ms | Chromium load ms | Firefox load ms | llama2.c load ms "
                + "| JVM peak MiB (limit) | Chromium peak MiB (limit) | Firefox peak MiB (limit) | llama2.c peak MiB "
                + "| Chromium RSS MiB | Firefox RSS MiB |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Subject s : subjects()) {
            double file = fileMiB(s);
            md.append("| ").append(s.model()).append(" | ").append(s.format()).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", file)).append(" |");
            for (String runtime : TEALLAMA) {
                Result r = find(runtime, s, cores);
                md.append(' ').append(r == null ? "–" : String.format(Locale.ROOT, "%.0f", r.medianFirstTokenMs())).append(" |");
            }
            Result c = llama2c(s);
            md.append(' ').append(c == null ? "–" : String.format(Locale.ROOT, "%.0f", c.medianFirstTokenMs())).append(" |");
            for (String runtime : TEALLAMA) {
                Result r = find(runtime, s, cores);
                md.append(' ').append(r == null ? "–" : String.format(Locale.ROOT, "%.0f (%.0f)", peakMiB(r),
                        memoryLimit(runtime, file))).append(" |");
            }
            md.append(' ').append(c == null ? "–" : String.format(Locale.ROOT, "%.0f", peakMiB(c))).append(" |");
            for (String runtime : BROWSERS) {
                Result r = find(runtime, s, cores);
                md.append(' ').append(r == null ? "–" : String.format(Locale.ROOT, "%.0f", mib(r.peak().residentBytes())))
                        .append(" |");
            }
            md.append('\n');
        }
    }

    /** A browser's peak (PSS) less its idle page's with as many threads, or null. */
    private Double aboveIdleMiB(Result r) {
        PeakMemory.Footprint idle = r == null ? null : idlePeaks.get(idleKey(r.runtime(), r.threads()));
        return idle == null ? null : mib(r.peak().minus(idle).proportionalBytes());
    }

    private void inspector(StringBuilder md) {
        List<String> rows = new ArrayList<>();
        for (String runtime : BROWSERS) {
            for (int threads : threadCounts(runtime)) {
                Result off = find(runtime, "15M", "fp32", threads);
                Result on = inspected(runtime, threads);
                if (off != null && on != null) {
                    rows.add("| " + NAMES.get(runtime) + " | " + threads + " | " + speed(off) + " | " + speed(on)
                            + " | " + ratio(on, off) + " |");
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## The token inspector (15M fp32)\n\nThe same runs with bench.html's Inspector on (`inspect=1`): "
                + "each token also sends the top 10 candidates and their probabilities to the page. These runs "
                + "take turns with the others on 15M fp32, on each thread count the inspector off then on, then the other way "
                + "round; at least " + BrowserBench.INSPECTOR_ROUNDS
                + " each. A page is left once its service worker, which it registers when its story ends, is "
                + "ready, so that a worker installing does not run beside the next page's story. (The 15M fp32 rows of the "
                + "other tables are these runs with the inspector off.)\n\n");
        md.append("| browser | threads | off tok/s | on tok/s | on / off |\n|---|---:|---:|---:|---:|\n");
        rows.forEach(row -> md.append(row).append('\n'));
    }

    private void storyPage(StringBuilder md) {
        List<String> rows = new ArrayList<>();
        for (String runtime : BROWSERS) {
            for (Subject s : subjects()) {
                Result story = storyPageRuns(runtime, s);
                Result bench = find(runtime, s, cores);
                if (story != null) {
                    rows.add("| " + NAMES.get(runtime) + " | " + s.model() + " | " + s.format() + " | " + speed(bench)
                            + " | " + speed(story) + " | " + ratio(story, bench) + " |");
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## The story page (all " + cores + " cores)\n\nWhat a visitor gets: the story page (index.html) "
                + "writing the same story from a link (`temperature=0&steps=" + steps + "&threads=" + cores
                + "&autostart=1`), as a first visit has it: the inspector on (bench.html's figure beside it is with it "
                + "off; for what the inspector costs on its own, see above) and the model kept for offline use as it "
                + "loads, taking turns with bench.html's runs on the same model (as many: " + runs + ", or "
                + Math.max(runs, BrowserBench.INSPECTOR_ROUNDS) + " on 15M fp32); its speed as the page shows it. Where every core "
                + "runs a shard, what the page's own "
                + "thread does takes a core from the workers: it hears the tokens every 100 ms and draws the story "
                + "at most 10 times a second, where bench.html draws twice a second.\n\n");
        md.append("| browser | model | format | bench.html tok/s | story page tok/s | story / bench |\n"
                + "|---|---|---|---:|---:|---:|\n");
        rows.forEach(row -> md.append(row).append('\n'));
    }

    /** The targets of issue 10 (speed on all cores) and issue 7 (peak memory), each as measured here. */
    private void targets(StringBuilder md) {
        List<String[]> rows = new ArrayList<>();
        targetRatio(rows, "Chromium fp32 >= 2.7x run.c on 15M", find("chromium", "15M", "fp32", cores),
                inTurn("run.c", "15M", "fp32", "chromium"), 2.7);
        targetRatio(rows, "Chromium fp32 >= 4.0x run.c on 110M", find("chromium", "110M", "fp32", cores),
                inTurn("run.c", "110M", "fp32", "chromium"), 4.0);
        targetRatio(rows, "Chromium int8 >= 1.3x runq.c on 110M", find("chromium", "110M", "int8", cores),
                inTurn("runq.c", "110M", "int8", "chromium"), 1.3);
        for (String format : List.of("fp32", "int8")) {
            targetRatio(rows, "Chromium " + format + " on " + cores + " threads >= 1.7x its 1 thread on 110M",
                    find("chromium", "110M", format, cores), find("chromium", "110M", format, 1), 1.7);
        }
        for (String[] subject : new String[][] {{"15M", "fp32"}, {"110M", "fp32"}, {"110M", "int8"}}) {
            targetRatio(rows, "Firefox within 15% of Chromium, " + subject[0] + " " + subject[1],
                    find("firefox", subject[0], subject[1], cores), find("chromium", subject[0], subject[1], cores), 0.85);
        }
        for (String runtime : BROWSERS) {
            targetRatio(rows, NAMES.get(runtime) + " with the inspector on >= 0.95x off, 15M fp32, " + cores + " threads",
                    inspected(runtime, cores), find(runtime, "15M", "fp32", cores), 0.95);
        }
        targetRatio(rows, "JVM fp32 >= 0.9x run.c OpenMP on 110M", find("jvm", "110M", "fp32", cores),
                find("run.c-omp", "110M", "fp32", cores), 0.9);
        targetRatio(rows, "JVM fp32 on " + cores + " threads >= 1.4x its -j 1 on 110M", find("jvm", "110M", "fp32", cores),
                find("jvm", "110M", "fp32", 1), 1.4);
        for (String model : List.of("15M", "110M")) {
            for (String format : List.of("fp32", "int8")) {
                for (String runtime : TEALLAMA) {
                    Result r = find(runtime, model, format, cores);
                    if (r != null) {
                        double limit = memoryLimit(runtime, fileMiB(r.subject()));
                        rows.add(new String[] {NAMES.get(runtime) + " peak memory " + model + " " + format + " <= "
                                + String.format(Locale.ROOT, "%.0f MiB", limit),
                                String.format(Locale.ROOT, "%.0f MiB (RSS %.0f)", peakMiB(r), mib(r.peak().residentBytes())),
                                peakMiB(r) <= limit ? "met" : "**missed**"});
                    }
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## Targets\n\n| target | measured | |\n|---|---:|---|\n");
        for (String[] row : rows) {
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
    }

    private static void targetRatio(List<String[]> rows, String name, Result a, Result b, double goal) {
        if (a == null || b == null) {
            return;
        }
        double measured = a.medianTokPerSec() / b.medianTokPerSec();
        rows.add(new String[] {name, String.format(Locale.ROOT, "%.2fx", measured), measured >= goal ? "met" : "**missed**"});
    }

    private static double memoryLimit(String runtime, double fileMiB) {
        return (runtime.equals("jvm") ? 1.3 : 1.5) * fileMiB + 64;
    }

    private static double fileMiB(Subject s) {
        try {
            return Files.size(s.file()) / 1048576.0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The peak as the limits judge it: PSS. */
    private static double peakMiB(Result r) {
        return mib(r.peak().proportionalBytes());
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }

    // ----------------------------------------------------------------------------
    // benchmarks.json

    String json() throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("machine", String.join("; ", machine));
        root.put("date", LocalDate.now().toString());
        root.put("steps", steps);
        ArrayNode array = root.putArray("results");
        for (Result r : results) {
            ObjectNode o = array.addObject();
            o.put("runtime", r.runtime());
            o.put("model", r.subject().model());
            o.put("format", r.subject().format());
            o.put("threads", r.threads());
            if (!TEALLAMA.contains(r.runtime())) {
                o.put("turn", r.turn());
            }
            o.put("inspector", r.inspector());
            if (BROWSERS.contains(r.runtime())) {
                o.put("page", r.storyPage() ? "index.html" : "bench.html");
            }
            o.put("tokPerSec", round(r.medianTokPerSec()));
            o.put("runs", r.tokPerSec().size());
            ArrayNode each = o.putArray("tokPerSecRuns");
            r.tokPerSec().forEach(v -> each.add(round(v)));
            o.put("firstTokenMs", round(r.medianFirstTokenMs()));
            if (!r.storyPage() && !r.inBrowsersTurn()) { // the story page's memory is bench.html's
                o.put("peakPssMB", round(peakMiB(r)));
                o.put("peakRssMB", round(mib(r.peak().residentBytes())));
                Double above = aboveIdleMiB(r);
                if (above != null) {
                    o.put("peakAboveIdleMB", round(above));
                }
            }
            o.put("fileMB", round(fileMiB(r.subject())));
        }
        ObjectNode idlePss = root.putObject("idlePeakPssMB");
        idlePeaks.forEach((key, peak) -> idlePss.put(key, round(mib(peak.proportionalBytes()))));
        ObjectNode idleRss = root.putObject("idlePeakRssMB");
        idlePeaks.forEach((key, peak) -> idleRss.put(key, round(mib(peak.residentBytes()))));
        return mapper.writeValueAsString(root) + "\n";
    }

    // ----------------------------------------------------------------------------
    // lookups

    private List<Subject> subjects() {
        List<Subject> subjects = new ArrayList<>();
        for (Result r : results) {
            if (!subjects.contains(r.subject())) {
                subjects.add(r.subject());
            }
        }
        return subjects;
    }

    private List<Integer> threadCounts(String runtime) {
        List<Integer> counts = new ArrayList<>();
        for (Result r : results) {
            if (r.runtime().equals(runtime) && !counts.contains(r.threads())) {
                counts.add(r.threads());
            }
        }
        counts.sort(null);
        return counts;
    }

    /** A runtime's runs of bench.html, or in its own turn (llama2.c's: the JVM's turn). */
    private Result find(String runtime, Subject s, int threads) {
        return find(runtime, s.model(), s.format(), threads);
    }

    private Result find(String runtime, String model, String format, int threads) {
        return results.stream().filter(r -> r.runtime().equals(runtime) && r.subject().model().equals(model)
                && r.subject().format().equals(format) && r.threads() == threads && !r.inspector() && !r.storyPage()
                && !r.inBrowsersTurn()).findFirst().orElse(null);
    }

    /**
     * llama2.c's runtime program on a subject in runtime's turn (the browsers' for a browser or for
     * Benchmark.BROWSERS_TURN, the JVM's for any other), or in the JVM's where it did not run in
     * that one.
     */
    private Result inTurn(String program, Subject s, String runtime) {
        return inTurn(program, s.model(), s.format(), runtime);
    }

    private Result inTurn(String program, String model, String format, String runtime) {
        int threads = program.equals("run.c-omp") ? cores : 1;
        String turn = BROWSERS.contains(runtime) ? Benchmark.BROWSERS_TURN : runtime;
        return results.stream().filter(r -> r.runtime().equals(program) && r.subject().model().equals(model)
                && r.subject().format().equals(format) && r.threads() == threads && r.turn().equals(turn)
                && r.inBrowsersTurn()).findFirst().orElseGet(() -> find(program, model, format, threads));
    }

    /** A browser's 15M fp32 runs with the token inspector on. */
    private Result inspected(String runtime, int threads) {
        return results.stream().filter(r -> r.runtime().equals(runtime) && r.subject().label().equals("15M fp32")
                && r.threads() == threads && r.inspector() && !r.storyPage()).findFirst().orElse(null);
    }

    /** A browser's runs of the story page on a subject (on every core). */
    private Result storyPageRuns(String runtime, Subject s) {
        return results.stream().filter(r -> r.runtime().equals(runtime) && r.subject().equals(s) && r.storyPage())
                .findFirst().orElse(null);
    }

    /** run.c for fp32, runq.c for int8, single-threaded as their READMEs build them, in the JVM's turn. */
    private Result llama2c(Subject s) {
        return find(llama2cName(s), s, 1);
    }

    private static String llama2cName(Subject s) {
        return s.format().equals("fp32") ? "run.c" : "runq.c";
    }

    private static String speed(Result r) {
        return r == null ? "–" : String.format(Locale.ROOT, "%.1f", r.medianTokPerSec());
    }

    private static String ratio(Result a, Result b) {
        return a == null || b == null ? "–" : String.format(Locale.ROOT, "%.2fx", a.medianTokPerSec() / b.medianTokPerSec());
    }

    /** What the models measured are: "260K is stories260K; 15M and 110M are random weights of ...". */
    private String modelList() {
        List<String> parts = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        for (Subject s : subjects()) {
            if (s.model().equals("260K")) {
                if (!parts.contains("260K is stories260K")) {
                    parts.add("260K is stories260K");
                }
            } else if (!shapes.contains(s.model())) {
                shapes.add(s.model());
            }
        }
        if (shapes.size() == 1) {
            parts.add(shapes.get(0) + " is random weights of that model's shape, which costs the same per token");
        } else if (!shapes.isEmpty()) {
            parts.add(String.join(", ", shapes.subList(0, shapes.size() - 1)) + " and " + shapes.get(shapes.size() - 1)
                    + " are random weights of those models' shapes, which cost the same per token");
        }
        return String.join("; ", parts) + ".";
    }

    private String groupList() {
        List<String> parts = new ArrayList<>();
        groupSizes.forEach((model, size) -> parts.add(model + ": " + size));
        return String.join(", ", parts);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
