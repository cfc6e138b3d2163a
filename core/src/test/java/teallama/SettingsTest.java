package teallama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void numbersAsAtofReadsThem() {
        assertEquals(0.9f, Settings.number("t", "0.9"));
        assertEquals(-1f, Settings.number("t", "-1"));
        assertEquals(0.5f, Settings.number("t", ".5"));
        assertEquals(2f, Settings.number("t", "2."));
        assertEquals(0.001f, Settings.number("t", "1e-3"));
        assertEquals(1.5f, Settings.number("t", " +1.5 "));
        assertEquals(Float.POSITIVE_INFINITY, Settings.number("t", "1e999"));
        assertEquals(Float.POSITIVE_INFINITY, Settings.number("t", "inf"));
        assertEquals(Float.POSITIVE_INFINITY, Settings.number("t", "+INF"));
        assertEquals(Float.POSITIVE_INFINITY, Settings.number("t", " Infinity "));
        assertEquals(Float.NEGATIVE_INFINITY, Settings.number("t", "-iNfInItY"));
    }

    @Test
    void notNumbers() {
        for (String bad : new String[] {"", " ", "abc", "0.9x", "1e", "e5", ".", "-", "1.2.3", "nan", "NaN", "-nan",
            "infinite", "infin", "in", "inff", "inf5", "+-inf", "\u0131nf", "0x10", "1f"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.number("temperature", bad));
            assertEquals("temperature expects a number, found '" + bad + "'", e.getMessage());
        }
    }

    @Test
    void wholeNumbersWrapLikeAtoi() {
        assertEquals(42, Settings.wholeNumber("seed", "42"));
        assertEquals(-7, Settings.wholeNumber("seed", "-7"));
        assertEquals(1, Settings.wholeNumber("seed", "4294967297")); // 2^32 + 1 keeps its low 32 bits
        assertEquals(-1, Settings.wholeNumber("seed", "99999999999999999999")); // strtol saturates at 2^63 - 1
        assertEquals(0, Settings.wholeNumber("seed", "-99999999999999999999")); // and at -2^63
        assertEquals(-7L, Settings.seed(-7));
        for (String bad : new String[] {"", "1.5", "12abc", "abc", "+", "1 2"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.wholeNumber("seed", bad));
            assertEquals("seed expects a whole number, found '" + bad + "'", e.getMessage());
        }
    }

    @Test
    void clampsAsRunC() {
        assertEquals(0f, Settings.clampTemperature(-0.5f));
        assertEquals(1.3f, Settings.clampTemperature(1.3f));
        assertEquals(0.9f, Settings.clampTopp(1.01f));
        assertEquals(0.9f, Settings.clampTopp(-0.01f));
        assertEquals(0f, Settings.clampTopp(0f));
        assertEquals(1f, Settings.clampTopp(1f));
        assertEquals(512, Generator.clampSteps(0, 512));
        assertEquals(512, Generator.clampSteps(-3, 512));
        assertEquals(512, Generator.clampSteps(513, 512));
        assertEquals(7, Generator.clampSteps(7, 512));
    }

    @Test
    void keepIsBelowSeqLen() {
        assertEquals(0, Settings.keep("keep", 0, 128));
        assertEquals(127, Settings.keep("keep", 127, 128));
        for (int bad : new int[] {-1, 128, 1000}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.keep("keep", bad, 128));
            assertEquals("keep expects 0 (stop at seq_len, as run.c) or 1 to 127 tokens to keep (seq_len is 128), found "
                    + bad, e.getMessage());
        }
        assertEquals(0, Settings.keep("-k", 0, 1));
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> Settings.keep("-k", 1, 1));
        assertEquals("-k expects 0 (stop at seq_len, as run.c): a context of 1 token cannot be written past, found 1",
                one.getMessage());
    }

    @Test
    void stepsPastSeqLenOnlyWithKeep() {
        assertEquals(512, Settings.steps("steps", 1000, 512, 0), "run.c's clamp");
        assertEquals(512, Settings.steps("steps", 0, 512, 64));
        assertEquals(512, Settings.steps("steps", -3, 512, 64));
        assertEquals(1000, Settings.steps("steps", 1000, 512, 64));
        assertEquals(100_000, Settings.steps("steps", 100_000, 512, 64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.steps("option -n", 100_001, 512, 64));
        assertEquals("option -n expects at most 100000 steps when writing past the context, found 100001", e.getMessage());
    }
}
