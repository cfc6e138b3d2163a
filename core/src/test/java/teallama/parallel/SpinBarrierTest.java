package teallama.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The barrier's failure ends every wait, whether it began before the failure or after it. */
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
}
