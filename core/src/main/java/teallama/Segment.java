package teallama;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A run of a checkpoint file, [start, end), that goes into an array, a {@link MatrixMemory} or a
 * {@link Q8Matrix} as its bytes arrive, in chunks of any size ({@link CheckpointReader} routes
 * them); complete once its last byte is in.
 */
abstract class Segment {
    final long start;
    final long end;

    Segment(long start, long bytes) {
        this.start = start;
        this.end = start + bytes;
    }

    /** Writes n bytes that sit at `relative` in this run; returns how many it took. */
    abstract int write(byte[] bytes, int offset, int n, long relative);

    void complete() {
    }

    /**
     * The values of a tensor in a shard: made whole at once when the file's length is known (and
     * so checked against the header), else grown as the bytes arrive, so that a header followed
     * by too few bytes cannot make the reader allocate what it claims.
     */
    static final class Floats {
        private final int length;
        private float[] values;

        Floats(int length, boolean whole) {
            this.length = length;
            this.values = new float[whole ? length : 0];
        }

        /** The array, holding at least the first end values. */
        float[] upTo(int end) {
            if (end > values.length) {
                values = Arrays.copyOf(values, (int) Math.min(length, Math.max(end, 2L * values.length)));
            }
            return values;
        }

        float[] array() {
            return upTo(length);
        }
    }

    /** Little-endian float32 values into values[to, to + count). */
    static final class FloatValues extends Segment {
        private final Floats values;
        private final int to;
        private final Runnable done;

        FloatValues(long start, Floats values, int to, int count, Runnable done) {
            super(start, 4L * count);
            this.values = values;
            this.to = to;
            this.done = done;
        }

        @Override
        int write(byte[] bytes, int offset, int n, long relative) {
            int at = to + (int) (relative / 4);
            return decodeFloats(bytes, offset, n, values.upTo(at + n / 4), at);
        }

        @Override
        void complete() {
            if (done != null) {
                done.run();
            }
        }
    }

    /** Little-endian float32 values into the floats at an address of a {@link MatrixMemory}. */
    static final class MemoryValues extends Segment {
        private final MatrixMemory memory;
        private final int address;
        private final Runnable done;

        MemoryValues(long start, MatrixMemory memory, int address, int count, Runnable done) {
            super(start, 4L * count);
            this.memory = memory;
            this.address = address;
            this.done = done;
        }

        @Override
        int write(byte[] bytes, int offset, int n, long relative) {
            int count = n / 4;
            memory.put(address, (int) (relative / 4), bytes, offset, count);
            return 4 * count;
        }

        @Override
        void complete() {
            done.run();
        }
    }

    /** A shard's rows of one layer of an int8 matrix: their int8 values. */
    static final class Int8Values extends Segment {
        private final Q8Matrix.Filling filling;

        Int8Values(long start, long count, Q8Matrix.Filling filling) {
            super(start, count);
            this.filling = filling;
        }

        @Override
        int write(byte[] bytes, int offset, int n, long relative) {
            filling.putValues(bytes, offset, n, relative);
            return n;
        }
    }

    /** The scales of those rows; once they are in, the matrix is whole. */
    static final class Scales extends Segment {
        private final Q8Matrix.Filling filling;
        private final Consumer<Q8Matrix> done;

        Scales(long start, int count, Q8Matrix.Filling filling, Consumer<Q8Matrix> done) {
            super(start, 4L * count);
            this.filling = filling;
            this.done = done;
        }

        @Override
        int write(byte[] bytes, int offset, int n, long relative) {
            int at = (int) (relative / 4);
            int count = n / 4;
            for (int i = 0, p = offset; i < count; i++, p += 4) {
                filling.putScale(at + i, decodeFloat(bytes, p));
            }
            return 4 * count;
        }

        @Override
        void complete() {
            done.accept(filling.matrix());
        }
    }

    /** Decodes the whole float32 values among n bytes into out from index to; returns the bytes used. */
    private static int decodeFloats(byte[] b, int offset, int n, float[] out, int to) {
        int count = n / 4;
        for (int i = 0, p = offset; i < count; i++, p += 4) {
            out[to + i] = decodeFloat(b, p);
        }
        return 4 * count;
    }

    /** The little-endian float32 at b[p]. */
    private static float decodeFloat(byte[] b, int p) {
        return Float.intBitsToFloat(Checkpoint.intAt(b, p));
    }
}
