package teallama;

/**
 * The key and value cache of the kv heads [kvHeadFrom, kvHeadTo) for every layer and position,
 * and attention for their query heads, laid out so that both halves of attention read memory in
 * order and keep 8 independent sums going:
 * <ul>
 * <li>keys in blocks of 8 timesteps, element i of the 8 keys side by side, so q.k is computed
 *     for 8 timesteps at once, each score still summing q[i] * k[i] over i in order;</li>
 * <li>values transposed in blocks of 8 dimensions, the 8 elements of one timestep side by side,
 *     so 8 output elements accumulate a * v over t in order at once.</li>
 * </ul>
 * Results are bit-identical to run.c's attention ({@link Kernels#attention}). Where a platform
 * offers a {@link MatrixMemory}, keys and values are held there instead, in the same layout, and
 * attended to as here (in the browsers, without WebAssembly GC arrays' bounds checks).
 */
public final class KvCache {
    private static final int BLOCK = 8;

    private final int headSize;
    private final int kvMul;      // query heads per kv head
    private final int kvHeads;    // kv heads held
    private final int positions;
    private final int timeBlocks; // positions / 8, rounded up
    private final int dimBlocks;  // head_size / 8, rounded up
    private final float scale;    // sqrt(head_size)
    private final float[] keys;   // (layer, kv head, timeBlocks, head_size, 8), or null: in memory
    private final float[] values; // (layer, kv head, dimBlocks, positions, 8), or null: in memory
    private final MatrixMemory memory; // where keys and values are held instead, or null
    private boolean released;          // their room there is given back
    private final int keysAddress;   // their addresses there
    private final int valuesAddress;
    private final float[] att;    // scores, then weights, of one query head (timeBlocks * 8,)

    /**
     * A cache for positions 0..positions-1 of the kv heads [kvHeadFrom, kvHeadTo) of model p (none,
     * for a shard that owns no heads).
     */
    public KvCache(Config p, int positions, int kvHeadFrom, int kvHeadTo) {
        this(p, positions, kvHeadFrom, kvHeadTo, null);
    }

    /** The same, held in memory where it fits (memory may be null: arrays). */
    public KvCache(Config p, int positions, int kvHeadFrom, int kvHeadTo, MatrixMemory memory) {
        if (positions <= 0 || positions > p.seqLen()) {
            throw new IllegalArgumentException("positions must be within [1, seq_len " + p.seqLen()
                    + "], found " + positions);
        }
        if (kvHeadFrom < 0 || kvHeadFrom > kvHeadTo || kvHeadTo > p.nKvHeads()) {
            throw new IllegalArgumentException("expected kv heads [from, to) within [0, " + p.nKvHeads()
                    + "), found [" + kvHeadFrom + ", " + kvHeadTo + ")");
        }
        this.headSize = p.headSize();
        this.kvMul = p.kvMul();
        this.kvHeads = kvHeadTo - kvHeadFrom;
        this.positions = positions;
        this.timeBlocks = (positions + BLOCK - 1) / BLOCK;
        this.dimBlocks = (headSize + BLOCK - 1) / BLOCK;
        this.scale = (float) Math.sqrt(headSize);
        long keyLength = keyLength(p, positions, kvHeads);
        long valueLength = valueLength(p, positions, kvHeads);
        if (Math.max(keyLength, valueLength) > Config.MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException("a KV cache for " + positions + " positions needs "
                    + Math.max(keyLength, valueLength) + " floats per cache, more than a Java array holds; "
                    + "ask for fewer steps");
        }
        att = new float[timeBlocks * BLOCK]; // before the rooms in memory, which nothing collects
        int[] rooms = roomsIn(memory, keyLength, valueLength);
        if (rooms != null) {
            this.memory = memory;
            keysAddress = rooms[0];
            valuesAddress = rooms[1];
            keys = null;
            values = null;
        } else {
            this.memory = null;
            keysAddress = 0;
            valuesAddress = 0;
            keys = new float[(int) keyLength];
            values = new float[(int) valueLength];
        }
    }

    /**
     * The addresses of rooms for the keys and the values in memory, or null where they are not
     * to be had there (the cache is then held in arrays): none is kept of a pair half made.
     */
    private static int[] roomsIn(MatrixMemory memory, long keyLength, long valueLength) {
        if (memory == null || !memory.fits(4 * (keyLength + valueLength))) {
            return null;
        }
        int keys;
        try {
            keys = memory.allocateCache((int) keyLength);
        } catch (IllegalArgumentException e) {
            return null;
        }
        try {
            return new int[] {keys, memory.allocateCache((int) valueLength)};
        } catch (IllegalArgumentException e) {
            memory.release(keys);
            return null;
        }
    }

    /** Floats of the keys of kvHeads heads for this many positions, in whole blocks of 8 timesteps. */
    static long keyLength(Config p, int positions, int kvHeads) {
        return (long) p.nLayers() * kvHeads * ((positions + BLOCK - 1) / BLOCK) * BLOCK * p.headSize();
    }

    /** Floats of the values, in whole blocks of 8 dimensions. */
    static long valueLength(Config p, int positions, int kvHeads) {
        return (long) p.nLayers() * kvHeads * ((p.headSize() + BLOCK - 1) / BLOCK) * BLOCK * positions;
    }

    public int positions() {
        return positions;
    }

    /** Gives back the room the cache takes in memory (if it is held there); it is not used after. */
    public void release() {
        if (memory != null && !released) {
            released = true;
            memory.release(keysAddress);
            memory.release(valuesAddress);
        }
    }

    /**
     * Stores the key k and value v of position pos in layer, each (kv heads held * head_size,)
     * at its offset, the key already rotated by RoPE.
     */
    public void write(int layer, int pos, float[] k, int kOffset, float[] v, int vOffset) {
        for (int h = 0; h < kvHeads; h++) {
            int head = layer * kvHeads + h;
            int key = (head * timeBlocks + pos / BLOCK) * headSize * BLOCK + pos % BLOCK;
            int value = head * dimBlocks * positions * BLOCK + pos * BLOCK;
            if (memory != null) {
                memory.scatter(keysAddress, key, BLOCK, k, kOffset + h * headSize, headSize);
                for (int b = 0; b < dimBlocks; b++) {
                    memory.scatter(valuesAddress, value + b * positions * BLOCK, 1, v, vOffset + h * headSize + b * BLOCK,
                            Math.min(BLOCK, headSize - b * BLOCK));
                }
                continue;
            }
            for (int i = 0; i < headSize; i++) {
                keys[key + i * BLOCK] = k[kOffset + h * headSize + i];
                values[value + (i / BLOCK) * positions * BLOCK + i % BLOCK] = v[vOffset + h * headSize + i];
            }
        }
    }

    /**
     * Multihead attention at position pos of layer for the query heads of the kv heads held:
     * q (query heads * head_size,) at qOffset -> xb (same) at xbOffset. Positions 0..pos must
     * have been written.
     */
    public void attention(float[] xb, int xbOffset, float[] q, int qOffset, int layer, int pos) {
        for (int h = 0; h < kvHeads * kvMul; h++) {
            int head = layer * kvHeads + h / kvMul;
            int keyOffset = head * timeBlocks * headSize * BLOCK;
            int valueOffset = head * dimBlocks * positions * BLOCK;
            if (memory != null) {
                memory.attentionScores(att, q, qOffset + h * headSize, keysAddress, keyOffset, headSize, pos, scale);
            } else {
                scores(q, qOffset + h * headSize, keyOffset, pos);
            }
            Kernels.softmax(att, 0, pos + 1);
            if (memory != null) {
                memory.attentionValues(xb, xbOffset + h * headSize, att, valuesAddress, valueOffset, headSize, positions,
                        pos);
            } else {
                weightedValues(xb, xbOffset + h * headSize, valueOffset, pos);
            }
        }
    }

    /** att[t] = q . k_t / sqrt(head_size) for t = 0..pos, and past pos to the end of its block. */
    private void scores(float[] q, int qOffset, int keyOffset, int pos) {
        float[] k = keys;
        for (int t = 0; t <= pos; t += BLOCK) {
            int p = keyOffset + (t / BLOCK) * headSize * BLOCK;
            float s0 = 0.0f;
            float s1 = 0.0f;
            float s2 = 0.0f;
            float s3 = 0.0f;
            float s4 = 0.0f;
            float s5 = 0.0f;
            float s6 = 0.0f;
            float s7 = 0.0f;
            for (int i = 0; i < headSize; i++, p += BLOCK) {
                float qi = q[qOffset + i];
                s0 += qi * k[p];
                s1 += qi * k[p + 1];
                s2 += qi * k[p + 2];
                s3 += qi * k[p + 3];
                s4 += qi * k[p + 4];
                s5 += qi * k[p + 5];
                s6 += qi * k[p + 6];
                s7 += qi * k[p + 7];
            }
            att[t] = s0 / scale;
            att[t + 1] = s1 / scale;
            att[t + 2] = s2 / scale;
            att[t + 3] = s3 / scale;
            att[t + 4] = s4 / scale;
            att[t + 5] = s5 / scale;
            att[t + 6] = s6 / scale;
            att[t + 7] = s7 / scale;
        }
    }

    /** xb[i] = sum of att[t] * v_t[i] over t = 0..pos in order, for i = 0..head_size-1. */
    private void weightedValues(float[] xb, int xbOffset, int valueOffset, int pos) {
        float[] v = values;
        for (int b = 0; b < dimBlocks; b++) {
            int p = valueOffset + b * positions * BLOCK;
            float s0 = 0.0f;
            float s1 = 0.0f;
            float s2 = 0.0f;
            float s3 = 0.0f;
            float s4 = 0.0f;
            float s5 = 0.0f;
            float s6 = 0.0f;
            float s7 = 0.0f;
            for (int t = 0; t <= pos; t++, p += BLOCK) {
                float a = att[t];
                s0 += a * v[p];
                s1 += a * v[p + 1];
                s2 += a * v[p + 2];
                s3 += a * v[p + 3];
                s4 += a * v[p + 4];
                s5 += a * v[p + 5];
                s6 += a * v[p + 6];
                s7 += a * v[p + 7];
            }
            Kernels.storeBlock(xb, xbOffset + b * BLOCK, headSize - b * BLOCK, s0, s1, s2, s3, s4, s5, s6, s7);
        }
    }
}
