package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Attention over the blocked KV cache against run.c's loops over its (layer, positions, kv_dim) cache. */
class KvCacheTest {

    /**
     * Runs positions 0..positions-1 through every layer, writing random keys and values into both
     * caches, and compares the attention output of the held heads bit for bit: the cache in
     * arrays, and held in a MatrixMemory (which gives its room back after).
     */
    private static void assertSameAsRunC(Config p, int positions, int kvHeadFrom, int kvHeadTo) {
        assertSameAsRunC(p, positions, kvHeadFrom, kvHeadTo, null);
        ArrayMatrixMemory memory = new ArrayMatrixMemory(Long.MAX_VALUE);
        assertSameAsRunC(p, positions, kvHeadFrom, kvHeadTo, memory);
        assertEquals(KvCache.keyLength(p, positions, kvHeadTo - kvHeadFrom)
                + KvCache.valueLength(p, positions, kvHeadTo - kvHeadFrom), memory.allocated());
        assertEquals(2, memory.releasedCount());
    }

    private static void assertSameAsRunC(Config p, int positions, int kvHeadFrom, int kvHeadTo, MatrixMemory memory) {
        Random random = new Random(p.dim() * 31L + kvHeadFrom * 7L + kvHeadTo);
        int headSize = p.headSize();
        int kvDim = p.kvDim();
        float[] keyCache = new float[p.nLayers() * positions * kvDim];
        float[] valueCache = new float[p.nLayers() * positions * kvDim];
        float[] att = new float[p.nHeads() * positions];
        KvCache cache = new KvCache(p, positions, kvHeadFrom, kvHeadTo, memory);
        int firstHead = kvHeadFrom * p.kvMul();
        int heads = (kvHeadTo - kvHeadFrom) * p.kvMul();
        for (int pos = 0; pos < positions; pos++) {
            for (int l = 0; l < p.nLayers(); l++) {
                int loff = l * positions * kvDim;
                float[] k = KernelsTest.randomArray(random, kvDim);
                float[] v = KernelsTest.randomArray(random, kvDim);
                float[] q = KernelsTest.randomArray(random, p.dim());
                System.arraycopy(k, 0, keyCache, loff + pos * kvDim, kvDim);
                System.arraycopy(v, 0, valueCache, loff + pos * kvDim, kvDim);
                float[] expected = new float[p.dim()];
                Kernels.attention(expected, q, keyCache, valueCache, loff, att, positions, pos, p);

                cache.write(l, pos, k, kvHeadFrom * headSize, v, kvHeadFrom * headSize);
                float[] actual = new float[p.dim()];
                cache.attention(actual, firstHead * headSize, q, firstHead * headSize, l, pos);
                int from = firstHead * headSize;
                int to = (firstHead + heads) * headSize;
                assertArrayEquals(Arrays.copyOfRange(expected, from, to), Arrays.copyOfRange(actual, from, to),
                        "layer " + l + ", pos " + pos + ", kv heads [" + kvHeadFrom + ", " + kvHeadTo + ")");
                assertEquals(0, nonZero(actual, 0, from) + nonZero(actual, to, p.dim()), "heads not held are untouched");
            }
        }
        cache.release();
    }

    /**
     * Where the values' room cannot be had after the keys' was, the keys' is given back and the
     * cache held in arrays; and giving a cache's room back twice gives it back once.
     */
    @Test
    void aCacheHalfAllocatedInMemoryGoesToArrays() {
        Config p = new Config(32, 64, 2, 4, 4, 32, 19);
        ArrayMatrixMemory failsSecond = new ArrayMatrixMemory(Long.MAX_VALUE);
        failsSecond.refuseCache(2);
        assertSameAsRunC(p, 19, 0, 4, failsSecond);
        assertEquals(1, failsSecond.releasedCount(), "the keys' room");

        ArrayMatrixMemory memory = new ArrayMatrixMemory(Long.MAX_VALUE);
        KvCache cache = new KvCache(p, 19, 0, 4, memory);
        cache.release();
        cache.release();
        assertEquals(2, memory.releasedCount());
    }

    /** A cache that does not fit in the platform's memory is held in arrays. */
    @Test
    void aCacheThatDoesNotFitInMemoryIsHeldInArrays() {
        Config p = new Config(32, 64, 2, 4, 4, 32, 19);
        ArrayMatrixMemory small = new ArrayMatrixMemory(1000);
        assertSameAsRunC(p, 19, 0, 4, small);
        assertEquals(0, small.allocated());
        assertEquals(0, small.releasedCount());
    }

    private static int nonZero(float[] a, int from, int to) {
        int nonZero = 0;
        for (int i = from; i < to; i++) {
            if (a[i] != 0f) {
                nonZero++;
            }
        }
        return nonZero;
    }

    @Test
    void allHeadsMatchRunC() {
        // head size 8, 19 positions: two whole blocks of 8 timesteps and a partial one
        assertSameAsRunC(new Config(32, 64, 2, 4, 4, 32, 19), 19, 0, 4);
        // the 110M head size, 64
        assertSameAsRunC(new Config(128, 64, 1, 2, 2, 32, 40), 40, 0, 2);
    }

    @Test
    void groupedQueryAttentionMatchesRunC() {
        // stories260K's heads: 8 query heads on 4 kv heads, head size 8
        assertSameAsRunC(new Config(64, 172, 2, 8, 4, 32, 512), 17, 0, 4);
        // 4 query heads on one kv head, head size 12: a partial block of dimensions
        assertSameAsRunC(new Config(48, 64, 2, 4, 1, 32, 24), 24, 0, 1);
    }

    @Test
    void rangesOfKvHeadsMatchRunC() {
        Config p = new Config(96, 64, 2, 8, 4, 32, 30); // head size 12, two query heads per kv head
        assertSameAsRunC(p, 13, 0, 1);
        assertSameAsRunC(p, 13, 1, 3);
        assertSameAsRunC(p, 13, 3, 4);
    }

    @Test
    void badRangesAreRefused() {
        Config p = new Config(64, 172, 1, 8, 4, 32, 512);
        assertEquals("expected kv heads [from, to) within [0, 4), found [2, 5)",
                assertThrows(IllegalArgumentException.class, () -> new KvCache(p, 8, 2, 5)).getMessage());
        assertEquals("positions must be within [1, seq_len 512], found 513",
                assertThrows(IllegalArgumentException.class, () -> new KvCache(p, 513, 0, 4)).getMessage());
    }
}
