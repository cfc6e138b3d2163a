package teallama;

/**
 * The neural net blocks, small and named after the math. Arrays are (array, offset) pairs where
 * run.c has pointers. Where a fast variant exists, the plain loop beside it is the reference it
 * must agree with bit for bit: the fast variants change the order of loads, never the order in
 * which any one sum is accumulated, so float results are unchanged.
 */
public final class Kernels {
    private Kernels() {
    }

    // ----------------------------------------------------------------------------
    // elementwise

    /** e^x exactly as run.c's expf gives it (see {@link FloatMath}). */
    public static float expf(float x) {
        return FloatMath.expf(x);
    }

    public static void rmsnorm(float[] o, float[] x, float[] weight, int weightOffset, int size) {
        // calculate sum of squares
        float ss = 0.0f;
        for (int j = 0; j < size; j++) {
            ss += x[j] * x[j];
        }
        ss /= size;
        ss += 1e-5f;
        ss = 1.0f / (float) Math.sqrt(ss);
        // normalize and scale
        for (int j = 0; j < size; j++) {
            o[j] = weight[weightOffset + j] * (ss * x[j]);
        }
    }

    public static void softmax(float[] x, int offset, int size) {
        // find max value (for numerical stability)
        float maxVal = x[offset];
        for (int i = 1; i < size; i++) {
            if (x[offset + i] > maxVal) {
                maxVal = x[offset + i];
            }
        }
        // exp and sum
        float sum = 0.0f;
        for (int i = 0; i < size; i++) {
            x[offset + i] = expf(x[offset + i] - maxVal);
            sum += x[offset + i];
        }
        // normalize
        for (int i = 0; i < size; i++) {
            x[offset + i] /= sum;
        }
    }

    /** SwiGLU on [offset, offset + size): hb = silu(hb) * hb2, where silu(x) = x * sigmoid(x). */
    public static void swiglu(float[] hb, float[] hb2, int offset, int size) {
        for (int i = offset; i < offset + size; i++) {
            float val = hb[i];
            val *= (1.0f / (1.0f + expf(-val)));
            val *= hb2[i];
            hb[i] = val;
        }
    }

    /** x += y, the residual connection. */
    public static void accumulate(float[] x, float[] y, int size) {
        for (int i = 0; i < size; i++) {
            x[i] += y[i];
        }
    }

    // ----------------------------------------------------------------------------
    // fp32 matmul

    /** W (d,n) @ x (n,) -> xout (d,), the reference. */
    public static void matmul(float[] xout, int xoutOffset, float[] x, float[] w, int wOffset, int n, int d) {
        for (int i = 0; i < d; i++) {
            float val = 0.0f;
            int row = wOffset + i * n;
            for (int j = 0; j < n; j++) {
                val += w[row + j] * x[j];
            }
            xout[xoutOffset + i] = val;
        }
    }

    // ----------------------------------------------------------------------------
    // fp32 matmul over interleaved rows: blocks of 8 rows stored as one stream, w[j*8 + r] for
    // row r of the block, so a pass reads one sequential stream and shares each x[j] among 8
    // independent sums; the last d % 8 rows stay as they are.

    public static final int INTERLEAVED_ROWS = 8;

    /** Rearranges W (d,n) at offset, in place, from row-major into blocks of 8 interleaved rows. */
    public static void interleaveRows(float[] w, int offset, int n, int d) {
        float[] block = new float[INTERLEAVED_ROWS * n];
        for (int b = offset; b + INTERLEAVED_ROWS * n <= offset + d * n; b += INTERLEAVED_ROWS * n) {
            System.arraycopy(w, b, block, 0, block.length);
            for (int r = 0; r < INTERLEAVED_ROWS; r++) {
                for (int j = 0; j < n; j++) {
                    w[b + j * INTERLEAVED_ROWS + r] = block[r * n + j];
                }
            }
        }
    }

    /** The inverse of {@link #interleaveRows}. */
    public static void deinterleaveRows(float[] w, int offset, int n, int d) {
        float[] block = new float[INTERLEAVED_ROWS * n];
        for (int b = offset; b + INTERLEAVED_ROWS * n <= offset + d * n; b += INTERLEAVED_ROWS * n) {
            System.arraycopy(w, b, block, 0, block.length);
            for (int r = 0; r < INTERLEAVED_ROWS; r++) {
                for (int j = 0; j < n; j++) {
                    w[b + r * n + j] = block[j * INTERLEAVED_ROWS + r];
                }
            }
        }
    }

    /** Row i of an interleaved W (d,n) at offset -> out (n,). */
    public static void interleavedRow(float[] out, float[] w, int offset, int n, int d, int i) {
        if (i >= d - d % INTERLEAVED_ROWS) {
            System.arraycopy(w, offset + i * n, out, 0, n);
            return;
        }
        int p = offset + (i - i % INTERLEAVED_ROWS) * n + i % INTERLEAVED_ROWS;
        for (int j = 0; j < n; j++, p += INTERLEAVED_ROWS) {
            out[j] = w[p];
        }
    }

    /**
     * W (d,n) @ x (n,) -> xout (d,) with W interleaved ({@link #interleaveRows}); bit-identical
     * to {@link #matmul} on the row-major W, since each row still sums in order of j (two j per
     * turn of the loop, added one after the other).
     */
    public static void matmulInterleaved(float[] xout, int xoutOffset, float[] x, float[] w, int wOffset,
                                         int n, int d) {
        int blocks = d - d % INTERLEAVED_ROWS;
        int evenN = n - n % 2;
        for (int i = 0; i < blocks; i += INTERLEAVED_ROWS) {
            int p = wOffset + i * n;
            float s0 = 0.0f;
            float s1 = 0.0f;
            float s2 = 0.0f;
            float s3 = 0.0f;
            float s4 = 0.0f;
            float s5 = 0.0f;
            float s6 = 0.0f;
            float s7 = 0.0f;
            for (int j = 0; j < evenN; j += 2, p += 16) {
                float xa = x[j];
                float xb = x[j + 1];
                s0 = s0 + w[p] * xa + w[p + 8] * xb;
                s1 = s1 + w[p + 1] * xa + w[p + 9] * xb;
                s2 = s2 + w[p + 2] * xa + w[p + 10] * xb;
                s3 = s3 + w[p + 3] * xa + w[p + 11] * xb;
                s4 = s4 + w[p + 4] * xa + w[p + 12] * xb;
                s5 = s5 + w[p + 5] * xa + w[p + 13] * xb;
                s6 = s6 + w[p + 6] * xa + w[p + 14] * xb;
                s7 = s7 + w[p + 7] * xa + w[p + 15] * xb;
            }
            if (evenN < n) {
                float xa = x[evenN];
                s0 += w[p] * xa;
                s1 += w[p + 1] * xa;
                s2 += w[p + 2] * xa;
                s3 += w[p + 3] * xa;
                s4 += w[p + 4] * xa;
                s5 += w[p + 5] * xa;
                s6 += w[p + 6] * xa;
                s7 += w[p + 7] * xa;
            }
            int o = xoutOffset + i;
            xout[o] = s0;
            xout[o + 1] = s1;
            xout[o + 2] = s2;
            xout[o + 3] = s3;
            xout[o + 4] = s4;
            xout[o + 5] = s5;
            xout[o + 6] = s6;
            xout[o + 7] = s7;
        }
        matmul(xout, xoutOffset + blocks, x, w, wOffset + blocks * n, n, d - blocks);
    }

    // ----------------------------------------------------------------------------
    // Q8_0: int8 groups with a float scale each

    /** Symmetric int8 quantization of x (n,) in groups, as runq.c quantizes activations. */
    public static void quantize(QuantizedTensor qx, float[] x, int n, int groupSize) {
        int numGroups = n / groupSize;
        float qMax = 127.0f;
        for (int group = 0; group < numGroups; group++) {
            // find the max absolute value in the current group
            float wmax = 0.0f;
            for (int i = 0; i < groupSize; i++) {
                float val = Math.abs(x[group * groupSize + i]);
                if (val > wmax) {
                    wmax = val;
                }
            }
            // calculate and write the scaling factor
            float scale = wmax / qMax;
            qx.s()[group] = scale;
            // calculate and write the quantized values
            for (int i = 0; i < groupSize; i++) {
                float quantValue = x[group * groupSize + i] / scale;
                qx.q()[group * groupSize + i] = (byte) roundHalfAwayFromZero(quantValue);
            }
        }
    }

    /**
     * C's round() for |value| < 2^24: halfway cases away from zero (Math.round would take -2.5
     * to -2). Casts instead of Math.floor, which in WebAssembly is a call out to JavaScript.
     */
    static int roundHalfAwayFromZero(float value) {
        int truncated = (int) value;
        float fraction = value - truncated; // exact below 2^24
        if (fraction >= 0.5f) {
            return truncated + 1;
        }
        return fraction <= -0.5f ? truncated - 1 : truncated;
    }

    public static float[] dequantize(QuantizedTensor qx, int groupSize) {
        float[] x = new float[qx.q().length];
        for (int i = 0; i < x.length; i++) {
            x[i] = qx.q()[i] * qx.s()[i / groupSize];
        }
        return x;
    }

    /** W (d,n) @ x (n,) -> xout (d,) with both sides in Q8_0, the reference. */
    public static void matmul(float[] xout, int xoutOffset, QuantizedTensor x, QuantizedTensor w,
                              int n, int d, int groupSize) {
        byte[] xq = x.q();
        byte[] wq = w.q();
        for (int i = 0; i < d; i++) {
            float val = 0.0f;
            int in = i * n;
            // do the matmul in groups of groupSize
            for (int j = 0; j <= n - groupSize; j += groupSize) {
                int ival = 0;
                for (int k = 0; k < groupSize; k++) {
                    ival += xq[j + k] * wq[in + j + k];
                }
                val += ((float) ival) * w.s()[(in + j) / groupSize] * x.s()[j / groupSize];
            }
            xout[xoutOffset + i] = val;
        }
    }

    /** Packs quantized x (n,) for {@link #matmulPacked}: per triple x2 + (x1 << 21) + (x0 << 42). */
    public static void packActivations(long[] xp, QuantizedTensor x, int n, int groupSize) {
        int triples = Q8Matrix.triplesPerGroup(groupSize);
        byte[] q = x.q();
        for (int g = 0; g < n / groupSize; g++) {
            int start = g * groupSize;
            for (int t = 0; t < triples; t++) {
                int k = 3 * t;
                long x0 = q[start + k];
                long x1 = k + 1 < groupSize ? q[start + k + 1] : 0;
                long x2 = k + 2 < groupSize ? q[start + k + 2] : 0;
                xp[g * triples + t] = x2 + (x1 << 21) + (x0 << 42);
            }
        }
    }

    /**
     * Starting a sum here keeps lanes 0 and 1 (cross terms, |sum| < 2^20) non-negative, so they
     * never borrow from lane 2, which then reads as bits 42..62.
     */
    private static final long LANE_BIAS = (1L << 20) + (1L << 41);

    /** Lane 2 of a packed sum, signed: the group's dot product. */
    private static int lane2(long sum) {
        return (int) ((sum << 1) >> 43);
    }

    /**
     * W (d,n) @ x (n,) -> xout (d,) with W packed ({@link Q8Matrix}) and x packed by
     * {@link #packActivations} with scales xs: one 64-bit multiply-add does three int8
     * multiply-adds, since (w0 + w1 2^21 + w2 2^42)(x2 + x1 2^21 + x0 2^42) holds w0 x0 + w1 x1 +
     * w2 x2 at 2^42 (|sum| < 64 * 127 * 128 < 2^20 for groups up to 64). The integer group sums
     * are exact and combined as runq.c combines them, so the result equals {@link #matmul}'s.
     */
    public static void matmulPacked(float[] xout, int xoutOffset, long[] xp, float[] xs, Q8Matrix w) {
        int n = w.cols();
        int d = w.rows();
        int groupSize = w.groupSize();
        int groups = n / groupSize;
        int triples = Q8Matrix.triplesPerGroup(groupSize);
        long[] wp = w.packed();
        float[] ws = w.scales();
        int blocks = d - d % Q8Matrix.ROWS_PER_BLOCK;
        int p = 0;
        for (int i = 0; i < blocks; i += Q8Matrix.ROWS_PER_BLOCK) {
            float v0 = 0.0f;
            float v1 = 0.0f;
            float v2 = 0.0f;
            float v3 = 0.0f;
            int s0 = i * groups;
            for (int g = 0; g < groups; g++, p += 4 * triples) {
                int xb = g * triples;
                long a0 = LANE_BIAS;
                long a1 = LANE_BIAS;
                long a2 = LANE_BIAS;
                long a3 = LANE_BIAS;
                long xv;
                if (triples == 22) {
                    // groups of 64, export.py's size: written out, the 22 turns run faster in Firefox
                    xv = xp[xb + 0];
                    a0 += wp[p + 0] * xv;
                    a1 += wp[p + 1] * xv;
                    a2 += wp[p + 2] * xv;
                    a3 += wp[p + 3] * xv;
                    xv = xp[xb + 1];
                    a0 += wp[p + 4] * xv;
                    a1 += wp[p + 5] * xv;
                    a2 += wp[p + 6] * xv;
                    a3 += wp[p + 7] * xv;
                    xv = xp[xb + 2];
                    a0 += wp[p + 8] * xv;
                    a1 += wp[p + 9] * xv;
                    a2 += wp[p + 10] * xv;
                    a3 += wp[p + 11] * xv;
                    xv = xp[xb + 3];
                    a0 += wp[p + 12] * xv;
                    a1 += wp[p + 13] * xv;
                    a2 += wp[p + 14] * xv;
                    a3 += wp[p + 15] * xv;
                    xv = xp[xb + 4];
                    a0 += wp[p + 16] * xv;
                    a1 += wp[p + 17] * xv;
                    a2 += wp[p + 18] * xv;
                    a3 += wp[p + 19] * xv;
                    xv = xp[xb + 5];
                    a0 += wp[p + 20] * xv;
                    a1 += wp[p + 21] * xv;
                    a2 += wp[p + 22] * xv;
                    a3 += wp[p + 23] * xv;
                    xv = xp[xb + 6];
                    a0 += wp[p + 24] * xv;
                    a1 += wp[p + 25] * xv;
                    a2 += wp[p + 26] * xv;
                    a3 += wp[p + 27] * xv;
                    xv = xp[xb + 7];
                    a0 += wp[p + 28] * xv;
                    a1 += wp[p + 29] * xv;
                    a2 += wp[p + 30] * xv;
                    a3 += wp[p + 31] * xv;
                    xv = xp[xb + 8];
                    a0 += wp[p + 32] * xv;
                    a1 += wp[p + 33] * xv;
                    a2 += wp[p + 34] * xv;
                    a3 += wp[p + 35] * xv;
                    xv = xp[xb + 9];
                    a0 += wp[p + 36] * xv;
                    a1 += wp[p + 37] * xv;
                    a2 += wp[p + 38] * xv;
                    a3 += wp[p + 39] * xv;
                    xv = xp[xb + 10];
                    a0 += wp[p + 40] * xv;
                    a1 += wp[p + 41] * xv;
                    a2 += wp[p + 42] * xv;
                    a3 += wp[p + 43] * xv;
                    xv = xp[xb + 11];
                    a0 += wp[p + 44] * xv;
                    a1 += wp[p + 45] * xv;
                    a2 += wp[p + 46] * xv;
                    a3 += wp[p + 47] * xv;
                    xv = xp[xb + 12];
                    a0 += wp[p + 48] * xv;
                    a1 += wp[p + 49] * xv;
                    a2 += wp[p + 50] * xv;
                    a3 += wp[p + 51] * xv;
                    xv = xp[xb + 13];
                    a0 += wp[p + 52] * xv;
                    a1 += wp[p + 53] * xv;
                    a2 += wp[p + 54] * xv;
                    a3 += wp[p + 55] * xv;
                    xv = xp[xb + 14];
                    a0 += wp[p + 56] * xv;
                    a1 += wp[p + 57] * xv;
                    a2 += wp[p + 58] * xv;
                    a3 += wp[p + 59] * xv;
                    xv = xp[xb + 15];
                    a0 += wp[p + 60] * xv;
                    a1 += wp[p + 61] * xv;
                    a2 += wp[p + 62] * xv;
                    a3 += wp[p + 63] * xv;
                    xv = xp[xb + 16];
                    a0 += wp[p + 64] * xv;
                    a1 += wp[p + 65] * xv;
                    a2 += wp[p + 66] * xv;
                    a3 += wp[p + 67] * xv;
                    xv = xp[xb + 17];
                    a0 += wp[p + 68] * xv;
                    a1 += wp[p + 69] * xv;
                    a2 += wp[p + 70] * xv;
                    a3 += wp[p + 71] * xv;
                    xv = xp[xb + 18];
                    a0 += wp[p + 72] * xv;
                    a1 += wp[p + 73] * xv;
                    a2 += wp[p + 74] * xv;
                    a3 += wp[p + 75] * xv;
                    xv = xp[xb + 19];
                    a0 += wp[p + 76] * xv;
                    a1 += wp[p + 77] * xv;
                    a2 += wp[p + 78] * xv;
                    a3 += wp[p + 79] * xv;
                    xv = xp[xb + 20];
                    a0 += wp[p + 80] * xv;
                    a1 += wp[p + 81] * xv;
                    a2 += wp[p + 82] * xv;
                    a3 += wp[p + 83] * xv;
                    xv = xp[xb + 21];
                    a0 += wp[p + 84] * xv;
                    a1 += wp[p + 85] * xv;
                    a2 += wp[p + 86] * xv;
                    a3 += wp[p + 87] * xv;
                } else {
                    for (int t = 0; t < triples; t++) {
                        xv = xp[xb + t];
                        int q = p + 4 * t;
                        a0 += wp[q] * xv;
                        a1 += wp[q + 1] * xv;
                        a2 += wp[q + 2] * xv;
                        a3 += wp[q + 3] * xv;
                    }
                }
                float sx = xs[g];
                v0 += ((float) lane2(a0)) * ws[s0 + g] * sx;
                v1 += ((float) lane2(a1)) * ws[s0 + groups + g] * sx;
                v2 += ((float) lane2(a2)) * ws[s0 + 2 * groups + g] * sx;
                v3 += ((float) lane2(a3)) * ws[s0 + 3 * groups + g] * sx;
            }
            int o = xoutOffset + i;
            xout[o] = v0;
            xout[o + 1] = v1;
            xout[o + 2] = v2;
            xout[o + 3] = v3;
        }
        for (int i = blocks; i < d; i++) {
            float val = 0.0f;
            for (int g = 0; g < groups; g++, p += triples) {
                long sum = LANE_BIAS;
                for (int t = 0; t < triples; t++) {
                    sum += wp[p + t] * xp[g * triples + t];
                }
                val += ((float) lane2(sum)) * ws[i * groups + g] * xs[g];
            }
            xout[xoutOffset + i] = val;
        }
    }

    // ----------------------------------------------------------------------------
    // attention

    /**
     * Multihead attention at position pos for one layer and the query heads [headFrom, headTo):
     * each attends over the cached keys and values 0..pos of its key/value head. The cache holds
     * the kv heads from headFrom / kv_mul on, kvStride floats per position. q (n_heads *
     * head_size,) -> xb (same), the given heads' parts of them.
     */
    public static void attention(float[] xb, float[] q, float[] keyCache, float[] valueCache, int layerOffset,
                                 int kvStride, float[] att, int attStride, int pos, int headFrom, int headTo,
                                 Config p) {
        int headSize = p.headSize();
        int kvMul = p.kvMul();
        int kvHeadFrom = headFrom / kvMul;
        float scale = (float) Math.sqrt(headSize);
        for (int h = headFrom; h < headTo; h++) {
            // get the query vector for this head
            int qOffset = h * headSize;
            // attention scores for this head
            int attOffset = (h - headFrom) * attStride;
            int kvHeadOffset = layerOffset + (h / kvMul - kvHeadFrom) * headSize;
            // iterate over all timesteps, including the current one
            for (int t = 0; t <= pos; t++) {
                // the key vector for this head and at this timestep
                int k = kvHeadOffset + t * kvStride;
                float score = 0.0f;
                for (int i = 0; i < headSize; i++) {
                    score += q[qOffset + i] * keyCache[k + i];
                }
                score /= scale;
                att[attOffset + t] = score;
            }

            // softmax the scores to get attention weights, from 0..pos inclusively
            softmax(att, attOffset, pos + 1);

            // weighted sum of the values, store back into xb
            for (int i = 0; i < headSize; i++) {
                xb[qOffset + i] = 0.0f;
            }
            for (int t = 0; t <= pos; t++) {
                int v = kvHeadOffset + t * kvStride;
                float a = att[attOffset + t];
                for (int i = 0; i < headSize; i++) {
                    xb[qOffset + i] += a * valueCache[v + i];
                }
            }
        }
    }
}
