package teallama.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuietMachineTest {
    @Test
    void busyTicksLeaveOutIdleIowaitStealAndGuest() {
        // user 100, nice 10, system 40, idle 800, iowait 20, irq 5, softirq 5, steal 20, guest 7
        long[] ticks = QuietMachine.ticks("cpu  100 10 40 800 20 5 5 20 7 0");
        assertArrayEquals(new long[] {160, 1000}, ticks);
    }

    @Test
    void busyCoresAreTheBusyShareOfTheTicksTimesTheCores() {
        long[] before = QuietMachine.ticks("cpu  100 10 40 800 20 5 5 20 0 0");
        long[] oneCoreBusy = QuietMachine.ticks("cpu  150 10 40 850 20 5 5 20 0 0");
        long[] idle = QuietMachine.ticks("cpu  101 10 40 899 20 5 5 20 0 0");
        assertEquals(1.0, QuietMachine.busyCores(before, oneCoreBusy, 2), 1e-12);
        assertEquals(0.02, QuietMachine.busyCores(before, idle, 2), 1e-12);
        assertEquals(0.0, QuietMachine.busyCores(before, before, 2));
    }

    @Test
    void aLineThatIsNotTheCpuTotalsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuietMachine.ticks("intr 12345 0 0"));
        assertTrue(e.getMessage().contains("found \"intr 12345 0 0\""), e.getMessage());
    }
}
