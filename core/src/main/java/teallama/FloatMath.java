package teallama;

/**
 * expf, sinf and cosf computed as glibc computes them on x86-64, so the forward pass is
 * bit-identical to run.c's there. glibc's float functions come from Arm's optimized-routines
 * (MIT licence, Copyright (c) 2017-2025 Arm Limited); the algorithms and constants below follow
 * them. They are not correctly rounded: glibc's expf is off by one ulp for about one input in
 * 1600, sinf and cosf for about one in 80 of RoPE's angles, and (float) Math.exp would drift
 * from run.c's logits in their last bits.
 *
 * <p>Everything is plain double arithmetic, so the JVM and WebAssembly agree bit for bit. On
 * CPUs with FMA, glibc runs builds of the same code with fused multiply-adds; compared with
 * glibc 2.36 on such a CPU over all 2^32 float inputs, these differ in the last bit for 2 inputs
 * of expf, 12 of sinf and 22 of cosf, and agree everywhere else.
 */
public final class FloatMath {
    private FloatMath() {
    }

    // ----------------------------------------------------------------------------
    // expf: e^x = 2^(k/N) * 2^(r/N), with a table of 2^(i/N), N = 32, and a cubic for 2^(r/N)

    private static final int EXP2F_TABLE_BITS = 5;
    private static final int N = 1 << EXP2F_TABLE_BITS;

    /** bits of the double nearest 2^(i/32), minus i << 47 so that adding k << 47 scales by 2^(k/32). */
    private static final long[] EXP2F_TABLE = {
        0x3ff0000000000000L, 0x3fefd9b0d3158574L, 0x3fefb5586cf9890fL, 0x3fef9301d0125b51L,
        0x3fef72b83c7d517bL, 0x3fef54873168b9aaL, 0x3fef387a6e756238L, 0x3fef1e9df51fdee1L,
        0x3fef06fe0a31b715L, 0x3feef1a7373aa9cbL, 0x3feedea64c123422L, 0x3feece086061892dL,
        0x3feebfdad5362a27L, 0x3feeb42b569d4f82L, 0x3feeab07dd485429L, 0x3feea47eb03a5585L,
        0x3feea09e667f3bcdL, 0x3fee9f75e8ec5f74L, 0x3feea11473eb0187L, 0x3feea589994cce13L,
        0x3feeace5422aa0dbL, 0x3feeb737b0cdc5e5L, 0x3feec49182a3f090L, 0x3feed503b23e255dL,
        0x3feee89f995ad3adL, 0x3feeff76f2fb5e47L, 0x3fef199bdd85529cL, 0x3fef3720dcef9069L,
        0x3fef5818dcfba487L, 0x3fef7c97337b9b5fL, 0x3fefa4afa2a490daL, 0x3fefd0765b6e4540L,
    };
    private static final double INV_LN2_N = 0x1.71547652b82fep+0 * N;
    private static final double SHIFT = 0x1.8p+52;
    private static final double C0 = 0x1.c6af84b912394p-5 / N / N / N;
    private static final double C1 = 0x1.ebfce50fac4f3p-3 / N / N;
    private static final double C2 = 0x1.62e42ff0c52d6p-1 / N;

    /** e^x as glibc's expf gives it. */
    public static float expf(float x) {
        return EXP.expf(x);
    }

    /** expf with its table at hand, for loops; see {@link Exp}. */
    public static final Exp EXP = new Exp();

    /**
     * expf as an object that holds its table. Compiled to WebAssembly, every call of a static
     * method of a class that fills static arrays first checks that the class is initialized (an
     * indirect call); the loops over logits call expf tens of thousands of times a token, so they
     * take {@link #EXP} once and call it.
     */
    public static final class Exp {
        private final long[] table = EXP2F_TABLE;

        private Exp() {
        }

        public float expf(float x) {
            int abstop = (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
            if (abstop >= (Float.floatToRawIntBits(88.0f) >>> 20)) {
                // |x| >= 88 or x is nan
                if (x == Float.NEGATIVE_INFINITY) {
                    return 0.0f;
                }
                if (abstop >= (Float.floatToRawIntBits(Float.POSITIVE_INFINITY) >>> 20)) {
                    return x + x;
                }
                if (x > 0x1.62e42ep6f) { // x > log(0x1p128) ~= 88.72
                    return Float.POSITIVE_INFINITY;
                }
                if (x < -0x1.9fe368p6f) { // x < log(0x1p-150) ~= -103.97
                    return 0.0f;
                }
            }
            // x*N/Ln2 = k + r with r in [-1/2, 1/2] and int k
            double z = INV_LN2_N * x;
            // round z to the nearest integer by adding and subtracting 1.5 * 2^52
            double kd = z + SHIFT;
            long ki = Double.doubleToRawLongBits(kd);
            kd -= SHIFT;
            double r = z - kd;
            // exp(x) = 2^(k/N) * 2^(r/N) ~= s * (C0*r^3 + C1*r^2 + C2*r + 1)
            long t = table[(int) (ki & (N - 1))];
            t += ki << (52 - EXP2F_TABLE_BITS);
            double s = Double.longBitsToDouble(t);
            z = C0 * r + C1;
            double r2 = r * r;
            double y = C2 * r + 1;
            y = z * r2 + y;
            y = y * s;
            return (float) y;
        }
    }

    // ----------------------------------------------------------------------------
    // sinf and cosf: reduce to [-pi/4, pi/4] and a quadrant n, then a sine or cosine polynomial

    private static final float PIO4F = 0x1.921FB6p-1f;
    private static final double PI63 = 0x1.921FB54442D18p-62; // 2 pi * 2^-64
    private static final double HPI_INV = 0x1.45F306DC9C883p+23; // 2/pi * 2^24
    private static final double HPI = 0x1.921FB54442D18p0; // pi/2
    private static final double[] SIGN = {1.0, -1.0, -1.0, 1.0}; // sign of sine in quadrants 0..3
    // the cosine polynomial; the second table negates it, to get -cos for free
    private static final double C0_COS = 0x1p0;
    private static final double C1_COS = -0x1.ffffffd0c621cp-2;
    private static final double C2_COS = 0x1.55553e1068f19p-5;
    private static final double C3_COS = -0x1.6c087e89a359dp-10;
    private static final double C4_COS = 0x1.99343027bf8c3p-16;
    private static final double S1 = -0x1.555545995a603p-3;
    private static final double S2 = 0x1.1107605230bc4p-7;
    private static final double S3 = -0x1.994eb3774cf24p-13;

    /** 4/pi to 192 bits; entry i holds bits 8i.. so any 3 entries 4 apart give 96 aligned bits. */
    private static final int[] INV_PIO4 = {
        0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e,
        0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
        0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1,
        0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
        0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599,
        0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
    };

    public static float sinf(float y) {
        return sinOrCos(y, 0);
    }

    public static float cosf(float y) {
        return sinOrCos(y, 1);
    }

    /** sin(y) when cos is 0, cos(y) when it is 1: cos(y) is sin(y) one quadrant on. */
    private static float sinOrCos(float y, int cos) {
        double x = y;
        int abstop = abstop12(y);
        if (abstop < abstop12(PIO4F)) {
            if (abstop < abstop12(0x1p-12f)) {
                return cos == 1 ? 1.0f : y;
            }
            return poly(x, x * x, false, cos);
        }
        int n;
        int quadrant;
        if (abstop < abstop12(120.0f)) {
            // fast range reduction with a single multiply-subtract
            double r = x * HPI_INV;
            n = ((int) r + 0x800000) >> 24;
            x = x - n * HPI;
            quadrant = n;
        } else if (abstop < abstop12(Float.POSITIVE_INFINITY)) {
            // exact reduction modulo pi/2: a 32x96-bit product of the mantissa with 4/pi
            int xi = Float.floatToRawIntBits(y);
            int arr = (xi >>> 26) & 15;
            int shift = (xi >>> 23) & 7;
            long m = ((xi & 0xffffff) | 0x800000) << shift & 0xffffffffL;
            long res0 = (m * (INV_PIO4[arr] & 0xffffffffL)) & 0xffffffffL;
            long res1 = m * (INV_PIO4[arr + 4] & 0xffffffffL);
            long res2 = m * (INV_PIO4[arr + 8] & 0xffffffffL);
            res0 = (res2 >>> 32) | (res0 << 32);
            res0 += res1;
            long quadrants = (res0 + (1L << 61)) >>> 62;
            res0 -= quadrants << 62;
            x = res0 * PI63;
            n = (int) quadrants;
            quadrant = n + (xi >>> 31); // include the original sign
        } else {
            return Float.NaN;
        }
        double s = SIGN[quadrant & 3];
        return poly(x * s, x * x, (quadrant & 2) != 0, n ^ cos);
    }

    /** The sine polynomial for even n, the cosine (negated if asked) for odd. */
    private static float poly(double x, double x2, boolean negateCos, int n) {
        if ((n & 1) == 0) {
            double x3 = x * x2;
            double s1 = S2 + x2 * S3;
            double x7 = x3 * x2;
            double s = x + x3 * S1;
            return (float) (s + x7 * s1);
        }
        double sign = negateCos ? -1.0 : 1.0;
        double x4 = x2 * x2;
        double c2 = sign * C3_COS + x2 * (sign * C4_COS);
        double c1 = sign * C0_COS + x2 * (sign * C1_COS);
        double x6 = x4 * x2;
        double c = c1 + x4 * (sign * C2_COS);
        return (float) (c + x6 * c2);
    }

    private static int abstop12(float x) {
        return (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
    }
}
