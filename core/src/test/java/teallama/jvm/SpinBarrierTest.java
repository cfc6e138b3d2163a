package teallama.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The barrier's failure ends every wait, whether it began before the failure or after it; how long
 * a party spins before it parks adapts to how its waits end.
 */
class SpinBarrierTest {

    @Test
    void aWaitThatBeganBeforeAPartyFailedEndsWithItsError() throws Exception {
        SpinBarrier barrier = new SpinBarrier(2, 0);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> barrier.await(0));
        Thread.sleep(50); // parked, most likely; the error must reach it either way
        barrier.fail(new ArithmeticException("shard 1 broke"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertEquals("another shard failed: java.lang.ArithmeticException: shard 1 broke", e.getCause().getMessage());
    }

    @Test
    void aWaitThatBeginsAfterAPartyFailedEndsAtOnce() {
        SpinBarrier barrier = new SpinBarrier(3, 1_000_000);
        barrier.fail(new ArithmeticException("shard 2 broke"));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            IllegalStateException first = assertThrows(IllegalStateException.class, () -> barrier.await(0));
            assertTrue(first.getMessage().contains("shard 2 broke"), first.getMessage());
            assertThrows(IllegalStateException.class, () -> barrier.await(1));
        });
    }

    @Test
    void partiesThatAllArriveGoOnTogetherAgainAndAgain() {
        SpinBarrier barrier = new SpinBarrier(2, 1_000_000);
        int[] rounds = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 1000; i++) {
                    rounds[1]++;
                    barrier.await(1);
                }
            });
            for (int i = 0; i < 1000; i++) {
                rounds[0]++;
                barrier.await(0);
                assertTrue(Math.abs(rounds[0] - rounds[1]) <= 1, rounds[0] + " and " + rounds[1]);
            }
            other.get();
        });
        assertEquals(1000, rounds[1]);
    }

    @Test
    void aWaitThatEndsAsleepHalvesTheSpinAndOneThatEndsSpinningDoublesIt() {
        SpinBarrier barrier = new SpinBarrier(2, 1_000_000);
        assertEquals(500_000, barrier.nextSpin(1_000_000, true));
        assertEquals(15_625, barrier.nextSpin(31_250, true));
        assertEquals(10_000, barrier.nextSpin(15_625, true), "no shorter than SHORTEST_SPIN_NANOS");
        assertEquals(10_000, barrier.nextSpin(10_000, true));
        assertEquals(20_000, barrier.nextSpin(10_000, false));
        assertEquals(1_000_000, barrier.nextSpin(640_000, false), "no longer than the longest");
        assertEquals(1_000_000, barrier.nextSpin(1_000_000, false));
        SpinBarrier noSpin = new SpinBarrier(3, 0);
        assertEquals(0, noSpin.nextSpin(0, true));
        assertEquals(0, noSpin.nextSpin(0, false));
    }

    @Test
    void aPartyThatHadToParkSpinsHalfAsLongNextTime() throws Exception {
        SpinBarrier barrier = new SpinBarrier(2, 1_000_000);
        assertEquals(1_000_000, barrier.spinNanos(0));
        Thread waiting = new Thread(() -> barrier.await(0));
        waiting.start();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            while (waiting.getState() != Thread.State.WAITING) { // parked, after its millisecond of spinning
                Thread.sleep(1);
            }
        });
        barrier.await(1);
        waiting.join(10_000);
        assertEquals(500_000, barrier.spinNanos(0));
        assertEquals(1_000_000, barrier.spinNanos(1), "the last to arrive waited for no one");
    }
}
