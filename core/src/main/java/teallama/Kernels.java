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

    /** SwiGLU: hb = silu(hb) * hb2, where silu(x) = x * sigmoid(x). */
    public static void swiglu(float[] hb, float[] hb2, int size) {
        for (int i = 0; i < size; i++) {
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

    /**
     * W (d,n) @ x (n,) -> xout (d,), four rows per pass: each x[j] is loaded once for four
     * independent sums, which also hides the latency of the additions.
     */
    public static void matmulFourRows(float[] xout, int xoutOffset, float[] x, float[] w, int wOffset,
                                      int n, int d) {
        int i = 0;
        for (; i + 4 <= d; i += 4) {
            int r0 = wOffset + i * n;
            int r1 = r0 + n;
            int r2 = r1 + n;
            int r3 = r2 + n;
            float v0 = 0.0f;
            float v1 = 0.0f;
            float v2 = 0.0f;
            float v3 = 0.0f;
            for (int j = 0; j < n; j++) {
                float xj = x[j];
                v0 += w[r0 + j] * xj;
                v1 += w[r1 + j] * xj;
                v2 += w[r2 + j] * xj;
                v3 += w[r3 + j] * xj;
            }
            xout[xoutOffset + i] = v0;
            xout[xoutOffset + i + 1] = v1;
            xout[xoutOffset + i + 2] = v2;
            xout[xoutOffset + i + 3] = v3;
        }
        matmul(xout, xoutOffset + i, x, w, wOffset + i * n, n, d - i);
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
