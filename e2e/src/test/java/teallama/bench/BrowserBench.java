package teallama.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.WaitForSelectorState;

import teallama.bench.Benchmark.Contender;
import teallama.bench.Benchmark.Result;
import teallama.bench.Benchmark.Subject;
import teallama.server.SiteServer;

/**
 * The benchmark's runs in the browsers (headless Chromium and Firefox, through Playwright, both
 * open at once): the real page and workers, bench.html, served from the built site with the
 * benchmark's models, and the story page, with llama2.c's runs between them; their peak memory in
 * browsers started with no driver ({@link UnattendedBrowser}).
 */
final class BrowserBench {
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

    private final List<String> names; // of BenchmarkReport.BROWSERS, in the order their pages take turns
    private final Path site;
    private final Path models;
    private final int runs;
    private final int steps;
    private final int cores;
    private final List<Integer> threadCounts;
    private final String kernels; // bench.html's: simd (where the browser has WebAssembly SIMD) or scalar
    private final Function<Subject, List<Contender>> llama2c;
    private final List<Result> results = new ArrayList<>();
    private final Map<String, PeakMemory.Footprint> idlePeaks = new LinkedHashMap<>(); // by BenchmarkReport.idleKey
    private final List<String> versions = new ArrayList<>(); // each browser's name and version, once started

    BrowserBench(List<String> names, Path site, Path models, int runs, int steps, int cores, List<Integer> threadCounts,
                 String kernels, Function<Subject, List<Contender>> llama2c) {
        this.names = names;
        this.site = site;
        this.models = models;
        this.runs = runs;
        this.steps = steps;
        this.cores = cores;
        this.threadCounts = threadCounts;
        this.kernels = kernels;
        this.llama2c = llama2c;
    }

    List<Result> results() {
        return results;
    }

    Map<String, PeakMemory.Footprint> idlePeaks() {
        return idlePeaks;
    }

    List<String> versions() {
        return versions;
    }

    /**
     * What a turn of the benchmark runs: in browser, a page, bench.html with the inspector on or
     * off or the story page; or, where llama2c is not null, that llama2.c process.
     */
    private record Kind(String browser, int threads, boolean inspector, boolean storyPage, Contender llama2c) {
    }

    /**
     * The runs on each model take turns in the browsers, a page each: bench.html on each thread
     * count (on 15M fp32 with the inspector off and on, to show what it costs) and on every core the
     * story page for {@link #STORY_SUBJECTS}, each in one browser then the other, then llama2.c's
     * runs of the model (given their paths), in that order, then in the opposite order, and so on,
     * so that their ratios, Firefox's to Chromium's among them, compare runs seconds apart on a
     * machine whose speed drifts; a first page in each browser, not counted, takes its first
     * moments. Then bench.html's peak memory, in one more run of each, in a browser of its own
     * started with no driver ({@link UnattendedBrowser}). First, per browser, the memory of a blank
     * page, and per thread count the idle page: its workers started, no model.
     */
    void measure(List<Subject> subjects) throws IOException, InterruptedException {
        try (Playwright playwright = teallama.e2e.Browsers.playwright();
             SiteServer server = new SiteServer(site, models, 0, "/")) {
            Map<String, PeakMemory.Footprint> blanks = new LinkedHashMap<>();
            for (String name : names) {
                PeakMemory.Footprint blank = measureBlank(name);
                blanks.put(name, blank);
                for (int threads : threadCounts) {
                    idlePeaks.put(BenchmarkReport.idleKey(name, threads), measureIdle(name, server, threads, blank));
                }
            }
            for (Subject s : subjects) {
                boolean inspected = s.label().equals("15M fp32");
                List<Kind> kinds = new ArrayList<>();
                for (int threads : threadCounts) {
                    for (boolean inspector : inspected ? List.of(false, true) : List.of(false)) {
                        for (String name : names) {
                            kinds.add(new Kind(name, threads, inspector, false, null));
                        }
                    }
                    if (threads == cores && cores > 1 && STORY_SUBJECTS.contains(s.label())) {
                        for (String name : names) {
                            kinds.add(new Kind(name, threads, true, true, null));
                        }
                    }
                }
                for (Contender process : llama2c.apply(s)) {
                    kinds.add(new Kind(null, process.threads(), false, false, process));
                }
                for (Result timed : inTurns(playwright, server, s, kinds, inspected ? Math.max(runs, INSPECTOR_ROUNDS) : runs)) {
                    boolean page = names.contains(timed.runtime()) && !timed.storyPage();
                    results.add(Benchmark.report(!page ? timed : timed.withPeak(measurePeak(timed.runtime(), server, s,
                            timed.threads(), timed.inspector(), blanks.get(timed.runtime())))));
                }
            }
        }
    }

    /** rounds pages of each kind, taking turns in the browsers (see measure); a result per kind, in order. */
    private List<Result> inTurns(Playwright playwright, SiteServer server, Subject s, List<Kind> kinds, int rounds)
            throws IOException, InterruptedException {
        List<List<Result>> pages = new ArrayList<>();
        for (int k = 0; k < kinds.size(); k++) {
            pages.add(new ArrayList<>());
        }
        Map<String, Browser> browsers = new LinkedHashMap<>();
        try {
            for (String name : names) {
                Browser browser = teallama.e2e.Browsers.launch(playwright, name);
                browsers.put(name, browser);
                if (versions.size() < names.size()) {
                    versions.add(name + " " + browser.version());
                }
                measurePage(name, browser, server, s, kinds.get(0).threads(), false);
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < kinds.size(); i++) {
                    int k = r % 2 == 0 ? i : kinds.size() - 1 - i;
                    Kind kind = kinds.get(k);
                    Browser browser = kind.browser() == null ? null : browsers.get(kind.browser());
                    pages.get(k).add(kind.llama2c() != null ? measureProcess(kind.llama2c(), s)
                            : kind.storyPage() ? measureStoryPage(kind.browser(), browser, server, s, kind.threads())
                            : measurePage(kind.browser(), browser, server, s, kind.threads(), kind.inspector()));
                }
            }
        } finally {
            for (Browser browser : browsers.values()) {
                browser.close();
            }
        }
        return pages.stream().map(BrowserBench::merged).toList();
    }

    /** One result of several runs of a kind: their speeds and loads (no peak: see measurePeak). */
    private static Result merged(List<Result> pages) {
        Result first = pages.get(0);
        List<Double> speeds = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        for (Result page : pages) {
            speeds.addAll(page.tokPerSec());
            loads.addAll(page.firstTokenMs());
        }
        return new Result(first.runtime(), first.turn(), first.subject(), first.threads(), first.inspector(),
                first.storyPage(), speeds, loads, PeakMemory.Footprint.NONE);
    }

    /**
     * The peak memory of one run of bench.html above a blank page, in a browser started as a
     * person starts it ({@link UnattendedBrowser}). A run of its own: sampling every few
     * milliseconds takes time from the browser, and on two cores whose workers meet at barriers,
     * that cost the timed runs 10-17% of their speed.
     */
    private PeakMemory.Footprint measurePeak(String name, SiteServer server, Subject s, int threads, boolean inspector,
                                             PeakMemory.Footprint blank)
            throws IOException, InterruptedException {
        UnattendedBrowser.Run run = UnattendedBrowser.run(name, benchUrl(server, s, threads, inspector), 30 * 60, 0);
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
        System.out.println(String.format(Locale.ROOT, "%-9s blank page, %s (runs %s)", name, Benchmark.mib(blank),
                blanks.stream().map(Benchmark::mib).toList()));
        return blank;
    }

    private String benchUrl(SiteServer server, Subject s, int threads, boolean inspector) {
        return server.url() + "bench.html?model=models/" + s.file().getFileName() + "&tokenizer=models/"
                + s.tokenizer().getFileName() + "&runs=1&steps=" + steps + "&threads=" + threads
                + (inspector ? "&inspect=1" : "") + "&kernels=" + kernels + "&autostart=1";
    }

    /** Refuses bench.html's result when it did not run as asked. */
    private void checkRan(JsonNode json, String what, int threads, boolean inspector) {
        if (json.get("simd").asBoolean() != kernels.equals("simd")) {
            throw new IllegalStateException(what + " ran " + (json.get("simd").asBoolean() ? "with" : "without")
                    + " WebAssembly SIMD, asked for " + kernels + " kernels");
        }
        if (json.get("inspect").asBoolean() != inspector) {
            throw new IllegalStateException(what + ": the inspector is not " + (inspector ? "on" : "off"));
        }
        if (json.get("threads").asInt() != threads) {
            throw new IllegalStateException(what + " ran on " + json.get("threads") + " threads, not " + threads
                    + ": is the page cross-origin isolated?");
        }
    }

    /** A run of bench.html in a new page, timed. */
    private Result measurePage(String name, Browser browser, SiteServer server, Subject s, int threads, boolean inspector)
            throws IOException, InterruptedException {
        QuietMachine.await();
        try (Page page = browser.newPage()) {
            page.navigate(benchUrl(server, s, threads, inspector));
            // a selector, not waitForFunction: Firefox runs that with eval, which the page's policy forbids
            page.waitForSelector("#bench[data-state=done], #bench[data-state=error]",
                    new Page.WaitForSelectorOptions().setState(WaitForSelectorState.ATTACHED).setTimeout(30 * 60 * 1000));
            if (!"done".equals(page.getAttribute("#bench", "data-state"))) {
                throw new IllegalStateException(name + " " + s.label() + ": " + page.textContent("#status"));
            }
            JsonNode json = new ObjectMapper().readTree(page.textContent("#bench-json"));
            checkRan(json, name + " " + s.label(), threads, inspector);
            awaitServiceWorker(page, name + " " + s.label());
            JsonNode run = json.get("runs").get(0);
            return new Result(name, Benchmark.BROWSERS_TURN, s, threads, inspector, false, List.of(run.get("tokPerSec").asDouble()),
                    List.of(run.get("firstTokenMs").asDouble()), PeakMemory.Footprint.NONE);
        }
    }

    /** A run of a llama2.c process in the browsers' turn. */
    private Result measureProcess(Contender process, Subject s) throws IOException, InterruptedException {
        double[] run = process.time();
        return new Result(process.runtime(), Benchmark.BROWSERS_TURN, s, process.threads(), false, false, List.of(run[0]), List.of(run[1]),
                PeakMemory.Footprint.NONE);
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
     * A story in the story page (index.html), in a new page, as a first visit sees it: its settings
     * from the link (temperature 0, no prompt), the inspector on. Its speed and first token are
     * what the page shows.
     */
    private Result measureStoryPage(String name, Browser browser, SiteServer server, Subject s, int threads)
            throws InterruptedException {
        String what = name + " " + s.label() + " story page";
        QuietMachine.await();
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
            return new Result(name, Benchmark.BROWSERS_TURN, s, threads, true, true,
                    List.of(Double.parseDouble(speed.substring(0, speed.length() - " tok/s".length()))),
                    List.of(Double.parseDouble(first.group(1))), PeakMemory.Footprint.NONE);
        }
    }

    /**
     * The median over the runs of bench.html?idle=1's peak above a blank page, each in a fresh
     * browser started as a person starts it: the workers a model runs on, started with the
     * WebAssembly module and held a second, and no model. What a browser costs before any model,
     * to tell apart from what a model adds.
     */
    private PeakMemory.Footprint measureIdle(String name, SiteServer server, int threads, PeakMemory.Footprint blank)
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
                Benchmark.mib(peak), peaks.stream().map(Benchmark::mib).toList()));
        return peak;
    }
}
