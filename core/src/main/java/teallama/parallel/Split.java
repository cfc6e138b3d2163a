package teallama.parallel;

import java.util.Arrays;

/**
 * A range [0, length) cut into consecutive parts, one per shard: part s is [from(s), to(s)),
 * possibly empty. Rows of a matrix, heads, or the elements of an activation vector.
 */
public final class Split {
    private final int[] bounds; // (parts + 1,) from 0 to length, non-decreasing

    private Split(int[] bounds) {
        this.bounds = bounds;
    }

    /** The whole range as one part. */
    public static Split whole(int length) {
        return new Split(new int[] {0, length});
    }

    /**
     * length cut into parts of whole blocks of blockSize (the last block may be short), as evenly
     * as the blocks allow: when there are fewer blocks than parts, some parts are empty.
     */
    public static Split evenBlocks(int length, int parts, int blockSize) {
        long blocks = ((long) length + blockSize - 1) / blockSize; // a vocab_size near 2^31 passes an int
        int[] bounds = new int[parts + 1];
        for (int s = 0; s <= parts; s++) {
            bounds[s] = (int) Math.min(length, blockSize * (s * blocks / parts));
        }
        return new Split(bounds);
    }

    /** All of length given to one part. */
    public static Split owner(int owner, int parts, int length) {
        int[] bounds = new int[parts + 1];
        Arrays.fill(bounds, owner + 1, parts + 1, length);
        return new Split(bounds);
    }

    /** This split with every bound multiplied by factor: heads to the rows of their vectors. */
    public Split times(int factor) {
        int[] scaled = new int[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            scaled[i] = bounds[i] * factor;
        }
        return new Split(scaled);
    }

    /**
     * This split in blocks of blockSize elements, the last block maybe short: each bound divided
     * by blockSize, rounded up. Every bound but the last must be a multiple of blockSize.
     */
    public Split inBlocksOf(int blockSize) {
        int[] blocks = new int[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            blocks[i] = (int) (((long) bounds[i] + blockSize - 1) / blockSize);
        }
        return new Split(blocks);
    }

    public int parts() {
        return bounds.length - 1;
    }

    public int length() {
        return bounds[bounds.length - 1];
    }

    public int from(int part) {
        return bounds[part];
    }

    public int to(int part) {
        return bounds[part + 1];
    }

    public int size(int part) {
        return bounds[part + 1] - bounds[part];
    }

    /** The part that holds index i (0 <= i < length()). */
    public int partOf(int i) {
        int part = 0;
        while (bounds[part + 1] <= i) {
            part++;
        }
        return part;
    }

    @Override
    public String toString() {
        return Arrays.toString(bounds);
    }
}
