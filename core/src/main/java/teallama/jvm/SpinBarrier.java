package teallama.jvm;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable barrier for a fixed set of threads that spins briefly, then parks: the shards of a
 * forward pass meet dozens of times per token, microseconds apart, while between stories a
 * thread may wait for minutes. JVM only: TeaVM has no threads.
 *
 * <p>How long a thread spins adapts, as an adaptive mutex's does: a wait that ended while the
 * thread spun doubles its spin, up to the longest; one that it had to park for halves it. Where
 * another program keeps a core busy, a shard is often preempted, and its partners, spinning on
 * through each of its time slices, took the cores it needed: on two cores beside one busy
 * program, stories15M on two threads ran 56 tok/s spinning 1 ms each time and 220 adapting,
 * against 260 on one thread. A machine to itself keeps its waits short, and so its spins long.
 */
final class SpinBarrier {
    /** The shortest spin that halving comes down to. */
    static final long SHORTEST_SPIN_NANOS = 10_000;

    private final int parties;
    private final long longestSpinNanos;
    private final long[] spinNanos;     // (parties,) how long each party spins before it parks, its own to write
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicReferenceArray<Thread> parked; // (parties,) the threads asleep in await
    private volatile int generation;
    private volatile Throwable failure;

    /** longestSpinNanos: the longest a waiting thread spins before it parks (0 when threads outnumber cores). */
    SpinBarrier(int parties, long longestSpinNanos) {
        this.parties = parties;
        this.longestSpinNanos = longestSpinNanos;
        this.spinNanos = new long[parties];
        Arrays.fill(spinNanos, longestSpinNanos);
        this.parked = new AtomicReferenceArray<>(parties);
    }

    /** Waits until every party has arrived; party is this thread's index. */
    void await(int party) {
        checkFailure(); // a failed party never arrives: no wait after a failure could end
        int gen = generation;
        if (arrived.incrementAndGet() == parties) {
            arrived.set(0);
            release(gen);
            return;
        }
        long spin = spinNanos[party];
        long spinUntil = System.nanoTime() + spin;
        int spins = 0;
        boolean slept = false;
        while (generation == gen && failure == null) {
            if (++spins % 64 != 0 || System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
                continue;
            }
            slept = true;
            parked.set(party, Thread.currentThread());
            if (generation == gen && failure == null) {
                LockSupport.park(this);
            }
            parked.set(party, null);
        }
        spinNanos[party] = nextSpin(spin, slept);
        checkFailure();
    }

    /** How long party spins at its next wait. */
    long spinNanos(int party) {
        return spinNanos[party];
    }

    /** The spin after a wait that spun for spin and then, where slept, parked. */
    long nextSpin(long spin, boolean slept) {
        long next = slept ? spin / 2 : spin * 2;
        return Math.min(Math.max(next, SHORTEST_SPIN_NANOS), longestSpinNanos);
    }

    private void checkFailure() {
        Throwable cause = failure;
        if (cause != null) {
            throw new IllegalStateException("another shard failed: " + cause, cause);
        }
    }

    /** Ends every wait, those under way and those to come, with the error that stopped a party. */
    void fail(Throwable cause) {
        failure = cause;
        release(generation);
    }

    private void release(int gen) {
        generation = gen + 1;
        for (int i = 0; i < parties; i++) {
            Thread t = parked.get(i);
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }
}
