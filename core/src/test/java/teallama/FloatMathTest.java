package teallama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Results of glibc 2.36's expf, sinf and cosf on x86-64 (Debian 12, the machine that made the
 * goldens), printed as bits by a C program, for inputs where glibc is not correctly rounded:
 * (float) Math.exp and friends give the neighbouring float there.
 */
class FloatMathTest {

    @Test
    void expfMatchesGlibcWhereCorrectRoundingDoesNot() {
        assertGlibc(0xc1bdfb47, 0x2e55ae85, FloatMath::expf, x -> (float) Math.exp(x));
        assertGlibc(0xc1aacf9c, 0x3012acdf, FloatMath::expf, x -> (float) Math.exp(x));
        assertGlibc(0x4033d3d0, 0x4184da6a, FloatMath::expf, x -> (float) Math.exp(x));
        assertGlibc(0xc0fbf54c, 0x39c78ebf, FloatMath::expf, x -> (float) Math.exp(x));
        assertGlibc(0xc0d89704, 0x3a96aa93, FloatMath::expf, x -> (float) Math.exp(x));
        assertGlibc(0xc1999f29, 0x319d2fe1, FloatMath::expf, x -> (float) Math.exp(x));
    }

    /** RoPE's angles: pos * freq, where freq is 1 for the first pair of every head. */
    @Test
    void sinfAndCosfMatchGlibcWhereCorrectRoundingDoesNot() {
        assertGlibc(0x42080000, 0x3f0771f6, FloatMath::sinf, x -> (float) Math.sin(x)); // sin(34)
        assertGlibc(0x42c40000, 0xbf12c927, FloatMath::sinf, x -> (float) Math.sin(x)); // sin(98)
        assertGlibc(0x43430000, 0x3e60b8ba, FloatMath::sinf, x -> (float) Math.sin(x)); // sin(195), past 120
        assertGlibc(0x43870000, 0xbe344564, FloatMath::sinf, x -> (float) Math.sin(x)); // sin(270)
        assertGlibc(0x43030000, 0x3f158eb5, FloatMath::cosf, x -> (float) Math.cos(x)); // cos(131)
        assertGlibc(0x43410000, 0xbe536859, FloatMath::cosf, x -> (float) Math.cos(x)); // cos(193)
        assertGlibc(0x43b38000, 0x3f2753b2, FloatMath::cosf, x -> (float) Math.cos(x)); // cos(359)
        assertGlibc(0x43de0000, 0xbf029943, FloatMath::cosf, x -> (float) Math.cos(x)); // cos(444)
    }

    @Test
    void specialValues() {
        assertEquals(1.0f, FloatMath.expf(0.0f));
        assertEquals(0.0f, FloatMath.expf(Float.NEGATIVE_INFINITY));
        assertEquals(0.0f, FloatMath.expf(-200.0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.expf(89.0f));
        assertTrue(Float.isNaN(FloatMath.expf(Float.NaN)));
        assertEquals(1.0f, FloatMath.cosf(0.0f));
        assertEquals(1e-5f, FloatMath.sinf(1e-5f));
        assertEquals(-0.0f, FloatMath.sinf(-0.0f));
        assertTrue(Float.isNaN(FloatMath.sinf(Float.POSITIVE_INFINITY)));
        assertEquals((float) Math.E, FloatMath.expf(1.0f));
    }

    private static void assertGlibc(int inputBits, int glibcBits, Fn ours, Fn correctlyRounded) {
        float x = Float.intBitsToFloat(inputBits);
        assertEquals(glibcBits, Float.floatToRawIntBits(ours.apply(x)), "at " + x);
        assertNotEquals(glibcBits, Float.floatToRawIntBits(correctlyRounded.apply(x)),
                "this input shows a difference from correct rounding");
    }

    interface Fn {
        float apply(float x);
    }
}
