package teallama.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable barrier for a fixed set of threads that spins briefly, then parks: the shards of a
 * forward pass meet dozens of times per token, microseconds apart, while between stories a
 * thread may wait for minutes. JVM only: TeaVM has no threads.
 */
final class SpinBarrier {
    private final int parties;
    private final long spinNanos;
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicReferenceArray<Thread> parked; // (parties,) the threads asleep in await
    private volatile int generation;
    private volatile Throwable failure;

    /** spinNanos: how long a waiting thread spins before it parks (0 when threads outnumber cores). */
    SpinBarrier(int parties, long spinNanos) {
        this.parties = parties;
        this.spinNanos = spinNanos;
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
        long spinUntil = System.nanoTime() + spinNanos;
        int spins = 0;
        while (generation == gen && failure == null) {
            if (++spins % 64 != 0 || System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
                continue;
            }
            parked.set(party, Thread.currentThread());
            if (generation == gen && failure == null) {
                LockSupport.park(this);
            }
            parked.set(party, null);
        }
        checkFailure();
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
