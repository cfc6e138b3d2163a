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
        float maxVal = max(x, offset, size);
        // exp, then sum (in the same order as run.c's one loop) and normalize
        FloatMath.Exp exp = FloatMath.EXP;
        for (int i = 0; i < size; i++) {
            x[offset + i] = exp.expf(x[offset + i] - maxVal);
        }
        normalize(x, offset, size);
    }

    /**
     * Softmax's numerators at a temperature for x[offset..offset + size), a shard's part of the
     * logits: x = expf(x / temperature - largest), largest being the largest of all the logits
     * divided by the temperature; what the sampler's division and {@link #softmax} compute for them.
     */
    public static void softmaxNumerators(float[] x, int offset, int size, float temperature, float largest) {
        FloatMath.Exp exp = FloatMath.EXP;
        for (int i = offset; i < offset + size; i++) {
            x[i] = exp.expf(x[i] / temperature - largest);
        }
    }

    /** Softmax after its numerators: their sum, in order, then each divided by it. */
    public static void normalize(float[] x, int offset, int size) {
        float sum = 0.0f;
        for (int i = 0; i < size; i++) {
            sum += x[offset + i];
        }
        for (int i = 0; i < size; i++) {
            x[offset + i] /= sum;
        }
    }

    /**
     * The index in x of the first of x[offset..offset + size) that is NaN or infinite, or -1 when
     * all are finite. x - x is 0 for a finite x and NaN for the others, so the scan adds four such
     * differences and tests once for four values (4x faster in Chromium), then looks for the
     * first in the four that fail.
     */
    public static int firstNonFinite(float[] x, int offset, int size) {
        int end = offset + size;
        int i = offset;
        for (; i + 3 < end; i += 4) {
            float d = (x[i] - x[i]) + (x[i + 1] - x[i + 1]) + ((x[i + 2] - x[i + 2]) + (x[i + 3] - x[i + 3]));
            if (d != 0.0f) {
                break;
            }
        }
        for (; i < end; i++) {
            if (!Float.isFinite(x[i])) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The index in x[offset..offset + size) of its largest value, counted from offset, size at
     * least 1: the first one on ties, a NaN passed over unless it comes first, as run.c's one pass
     * finds it. It keeps two running maxima, of the odd and of the even elements after the first,
     * and the lower index wins a tie between them: one chain of comparisons, each waiting for the
     * last, took 3.8 ns an element in Chromium, two 0.65 ns.
     */
    public static int argmax(float[] x, int offset, int size) {
        int oddI = 0;
        float odd = x[offset];
        int evenI = 0;
        float even = odd;
        int i = 1;
        for (; i + 1 < size; i += 2) {
            if (x[offset + i] > odd) {
                oddI = i;
                odd = x[offset + i];
            }
            if (x[offset + i + 1] > even) {
                evenI = i + 1;
                even = x[offset + i + 1];
            }
        }
        if (i < size && x[offset + i] > odd) {
            oddI = i;
            odd = x[offset + i];
        }
        return even > odd || (even == odd && evenI < oddI) ? evenI : oddI;
    }

    /** The largest of x[offset..offset + size), size at least 1, as softmax finds it. */
    public static float max(float[] x, int offset, int size) {
        return x[offset + argmax(x, offset, size)];
    }

    /**
     * The logits whose exponentials are summed together before their sum joins the rest, for the
     * inspector's softmax denominator: blocks that a shard owns whole (ShardPlan splits rows in
     * blocks of the matmul's interleave, 8 rows), so that the sum is the same for any number of
     * shards.
     */
    public static final int EXP_BLOCK = 8;

    /**
     * For each block of {@link #EXP_BLOCK} logits of x[offset..offset + size), offset a multiple of
     * the block (the last block may be short): the sum of exp(x - largest) over the block, in
     * order, into sums[sumsOffset..]. largest is the largest logit of all, not just these.
     */
    public static void blockSumsOfExp(float[] x, int offset, int size, float largest, float[] sums, int sumsOffset) {
        FloatMath.Exp exp = FloatMath.EXP;
        int end = offset + size;
        int b = sumsOffset;
        int from = offset;
        // whole blocks written out, as a turn of a loop costs WebAssembly more than an addition
        for (; from + EXP_BLOCK <= end; from += EXP_BLOCK, b++) {
            float sum = exp.expf(x[from] - largest);
            sum += exp.expf(x[from + 1] - largest);
            sum += exp.expf(x[from + 2] - largest);
            sum += exp.expf(x[from + 3] - largest);
            sum += exp.expf(x[from + 4] - largest);
            sum += exp.expf(x[from + 5] - largest);
            sum += exp.expf(x[from + 6] - largest);
            sum += exp.expf(x[from + 7] - largest);
            sums[b] = sum;
        }
        if (from < end) {
            float sum = 0.0f;
            for (int i = from; i < end; i++) {
                sum += exp.expf(x[i] - largest);
            }
            sums[b] = sum;
        }
    }

    /** The blocks' sums of {@link #blockSumsOfExp} (blocks,), added in order: softmax's denominator. */
    public static float sumOfBlockSums(float[] sums, int blocks) {
        float sum = 0.0f;
        for (int b = 0; b < blocks; b++) {
            sum += sums[b];
        }
        return sum;
    }

    /**
     * Softmax's denominator over x[0..size), largest its largest logit, as the shards of a model
     * take it ({@link #blockSumsOfExp}, then {@link #sumOfBlockSums}). It is the sum
     * Kernels.softmax divides by taken in another order, so it may differ from it in the last
     * bits: it is for showing probabilities, not for sampling.
     */
    public static float sumOfExp(float[] x, int size, float largest) {
        float[] sums = new float[(size + EXP_BLOCK - 1) / EXP_BLOCK];
        blockSumsOfExp(x, 0, size, largest, sums, 0);
        return sumOfBlockSums(sums, sums.length);
    }

    /** SwiGLU on [offset, offset + size): hb = silu(hb) * hb2, where silu(x) = x * sigmoid(x). */
    public static void swiglu(float[] hb, float[] hb2, int offset, int size) {
        FloatMath.Exp exp = FloatMath.EXP;
        for (int i = offset; i < offset + size; i++) {
            float val = hb[i];
            val *= (1.0f / (1.0f + exp.expf(-val)));
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
        if (d < INTERLEAVED_ROWS) {
            return; // no whole block (a shard may own no rows): no scratch block either
        }
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
        if (d < INTERLEAVED_ROWS) {
            return; // no whole block (a shard may own no rows): no scratch block either
        }
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

    /** Stores the first min(count, 8) of 8 results at xout[o..], the last block of 8 being partial. */
    public static void storeBlock(float[] xout, int o, int count, float v0, float v1, float v2, float v3,
                                  float v4, float v5, float v6, float v7) {
        xout[o] = v0;
        if (count > 1) {
            xout[o + 1] = v1;
        }
        if (count > 2) {
            xout[o + 2] = v2;
        }
        if (count > 3) {
            xout[o + 3] = v3;
        }
        if (count > 4) {
            xout[o + 4] = v4;
        }
        if (count > 5) {
            xout[o + 5] = v5;
        }
        if (count > 6) {
            xout[o + 6] = v6;
        }
        if (count > 7) {
            xout[o + 7] = v7;
        }
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
                float val = abs(x[group * groupSize + i]);
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
     * C's fabsf: the sign bit cleared. Math.abs is `a <= 0 ? 0 - a : a`, and TeaVM's WebAssembly
     * keeps that branch, which activations of either sign mispredict half the time.
     */
    static float abs(float value) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(value) & 0x7fffffff);
    }

    /**
     * C's round() for |value| < 2^24: halfway cases away from zero (Math.round would take -2.5
     * to -2). A half with value's sign is added in double, where the sum is exact, and the cast
     * truncates it toward zero; no Math.floor, which in WebAssembly is a call out to JavaScript,
     * and no branch on the fraction, which random activations mispredict (in the browsers, these
     * branches and abs's made quantizing a 110M token's inputs take 1 ms, a tenth of the token).
     */
    static int roundHalfAwayFromZero(float value) {
        float half = Float.intBitsToFloat(Float.floatToRawIntBits(value) & 0x80000000 | 0x3f000000);
        return (int) ((double) value + half);
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

    // ----------------------------------------------------------------------------
    // attention

    /**
     * Multihead attention at position pos for one layer: each query head attends over the cached
     * keys and values 0..pos of its key/value head. q (n_heads * head_size,) -> xb (same).
     */
    public static void attention(float[] xb, float[] q, float[] keyCache, float[] valueCache, int layerOffset,
                                 float[] att, int attStride, int pos, Config p) {
        int headSize = p.headSize();
        int kvDim = p.kvDim();
        int kvMul = p.kvMul();
        float scale = (float) Math.sqrt(headSize);
        for (int h = 0; h < p.nHeads(); h++) {
            // get the query vector for this head
            int qOffset = h * headSize;
            // attention scores for this head
            int attOffset = h * attStride;
            int kvHeadOffset = layerOffset + (h / kvMul) * headSize;
            // iterate over all timesteps, including the current one
            for (int t = 0; t <= pos; t++) {
                // the key vector for this head and at this timestep
                int k = kvHeadOffset + t * kvDim;
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
                int v = kvHeadOffset + t * kvDim;
                float a = att[attOffset + t];
                for (int i = 0; i < headSize; i++) {
                    xb[qOffset + i] += a * valueCache[v + i];
                }
            }
        }
    }
}
