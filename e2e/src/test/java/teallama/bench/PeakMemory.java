package teallama.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Samples the memory of a set of processes (Linux /proc) every few milliseconds until closed, and
 * keeps the highest totals seen.
 */
final class PeakMemory implements AutoCloseable {
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile Footprint peak = Footprint.NONE;

    /**
     * What a set of processes holds, two ways. residentBytes sums each process's resident set
     * (Rss), so a page that n processes share counts n times: the code of a browser's binary, mapped
     * by each of its processes, counts once per process. proportionalBytes sums Pss, where such a
     * page counts 1/n in each: the memory the processes take from the machine together.
     */
    record Footprint(long residentBytes, long proportionalBytes) {
        static final Footprint NONE = new Footprint(0, 0);

        Footprint plus(Footprint o) {
            return new Footprint(residentBytes + o.residentBytes, proportionalBytes + o.proportionalBytes);
        }

        Footprint minus(Footprint o) {
            return new Footprint(residentBytes - o.residentBytes, proportionalBytes - o.proportionalBytes);
        }

        /** The larger of each measure: the two peaks may come at different moments. */
        Footprint max(Footprint o) {
            return new Footprint(Math.max(residentBytes, o.residentBytes),
                    Math.max(proportionalBytes, o.proportionalBytes));
        }

        /** The median of each measure apart. */
        static Footprint median(List<Footprint> footprints) {
            return new Footprint(median(footprints, Footprint::residentBytes),
                    median(footprints, Footprint::proportionalBytes));
        }

        private static long median(List<Footprint> footprints, Function<Footprint, Long> measure) {
            return (long) Benchmark.median(footprints.stream().map(f -> (double) measure.apply(f)).toList());
        }
    }

    PeakMemory(Supplier<List<ProcessHandle>> processes) {
        sampler = new Thread(() -> {
            while (running) {
                peak = peak.max(of(processes.get()));
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "peak-memory");
        sampler.setDaemon(true);
        sampler.start();
    }

    Footprint peak() {
        return peak;
    }

    @Override
    public void close() {
        running = false;
        try {
            sampler.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the processes hold now. */
    static Footprint of(List<ProcessHandle> processes) {
        Footprint total = Footprint.NONE;
        for (ProcessHandle p : processes) {
            total = total.plus(of(p.pid()));
        }
        return total;
    }

    /** Rss and Pss of a process (smaps_rollup), nothing once it is gone. */
    static Footprint of(long pid) {
        long rss = 0;
        long pss = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
                if (line.startsWith("Rss:")) {
                    rss = kilobytes(line) * 1024;
                } else if (line.startsWith("Pss:")) {
                    pss = kilobytes(line) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Footprint.NONE; // the process ended between listing and reading
        }
        return new Footprint(rss, pss);
    }

    private static long kilobytes(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
}
