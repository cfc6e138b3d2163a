package teallama.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Waits, before each timed run, until the machine's cores have been idle for a moment. A browser
 * works on after the benchmark closes a page: after bench.html or the story page on 15M, Firefox
 * kept 0.5 to 1.2 cores busy for 0.5 to 1 s and Chromium 0.5 to 0.75 of one for 250 ms (read off
 * /proc/stat), into llama2.c's runs of stories260K, which last tens of milliseconds (the OpenMP
 * build in Chromium's turn ran 2339 to 4722 tok/s without the wait, 4250 to 6220 with it).
 */
final class QuietMachine {
    /** Busy cores, summed, that still count as idle: the benchmark's own driver, the system's ticks. */
    static final double IDLE_BUSY_CORES = 0.2;
    /** How long the cores must stay idle; /proc/stat counts in 10 ms ticks. */
    static final long WINDOW_MS = 100;
    /** How long to wait for idle cores before timing anyway (another program may never stop). */
    static final long MOST_MS = 10_000;

    private static final Path STAT = Path.of("/proc/stat");

    private QuietMachine() {
    }

    /**
     * Waits until the cores are idle for a window, at most MOST_MS. Where the system has no
     * /proc/stat (not Linux), returns at once.
     */
    static void await() throws InterruptedException {
        if (!Files.isReadable(STAT)) {
            return;
        }
        int cores = Runtime.getRuntime().availableProcessors();
        long until = System.nanoTime() + MOST_MS * 1_000_000;
        long[] before = ticks();
        while (System.nanoTime() < until) {
            Thread.sleep(WINDOW_MS);
            long[] after = ticks();
            if (busyCores(before, after, cores) <= IDLE_BUSY_CORES) {
                return;
            }
            before = after;
        }
        System.out.printf("the cores were still busy after %d s; timing anyway%n", MOST_MS / 1000);
    }

    private static long[] ticks() {
        try {
            return ticks(Files.readAllLines(STAT).get(0));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + STAT + ": " + e.getMessage(), e);
        }
    }

    /**
     * {busy, total} ticks from /proc/stat's first line, "cpu user nice system idle iowait irq
     * softirq steal guest guest_nice": busy is user, nice, system, irq and softirq (guest time is
     * counted in user and nice already), total adds idle, iowait and steal.
     */
    static long[] ticks(String cpuLine) {
        String[] fields = cpuLine.trim().split("\\s+");
        if (fields.length < 9 || !fields[0].equals("cpu")) {
            throw new IllegalArgumentException("expected /proc/stat's line \"cpu user nice system idle iowait irq"
                    + " softirq steal ...\", found \"" + cpuLine + "\"");
        }
        long[] t = new long[9];
        for (int i = 1; i < 9; i++) {
            t[i] = Long.parseLong(fields[i]);
        }
        long busy = t[1] + t[2] + t[3] + t[6] + t[7];
        return new long[] {busy, busy + t[4] + t[5] + t[8]};
    }

    /** How many of the cores were busy, on average, between two readings of {@link #ticks}. */
    static double busyCores(long[] before, long[] after, int cores) {
        long total = after[1] - before[1];
        return total == 0 ? 0.0 : (double) cores * (after[0] - before[0]) / total;
    }
}
