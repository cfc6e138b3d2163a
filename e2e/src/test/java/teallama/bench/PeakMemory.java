package teallama.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Samples the resident memory of a set of processes (Linux /proc) every few milliseconds until
 * closed, and keeps the highest total seen.
 */
final class PeakMemory implements AutoCloseable {
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile long peakBytes;
    private volatile long firstBytes = -1;

    PeakMemory(Supplier<List<ProcessHandle>> processes) {
        sampler = new Thread(() -> {
            while (running) {
                long total = 0;
                for (ProcessHandle p : processes.get()) {
                    total += residentBytes(p.pid());
                }
                if (firstBytes < 0) {
                    firstBytes = total;
                }
                peakBytes = Math.max(peakBytes, total);
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

    long peakBytes() {
        return peakBytes;
    }

    /** The peak above the first sample: what the work added to processes that were already up. */
    long peakAboveStartBytes() {
        return peakBytes - Math.max(0, firstBytes);
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

    /** VmRSS of a process, 0 once it is gone. */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended between listing and reading
        }
        return 0;
    }
}
