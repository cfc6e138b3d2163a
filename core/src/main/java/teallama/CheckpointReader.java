package teallama;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import teallama.Checkpoint.Header;
import teallama.Checkpoint.Tensor;
import teallama.parallel.ShardPlan;
import teallama.parallel.Split;

/**
 * Reads a checkpoint as its bytes arrive, in chunks of any size, straight into the weights: there
 * is never a copy of the file in memory. The header is read as soon as its bytes are in, and
 * anything that is not a llama2.c checkpoint, or a file whose length (when known) disagrees with
 * its header, is refused at once, so a download can stop after its first bytes.
 *
 * <p>It keeps the weights of one shard of a {@link ShardPlan}, or of all of them: the file is a
 * sequence of tensors, each shard's rows of a layer's matrix are one contiguous run of it, and the
 * runs of the shards not kept are skipped.
 */
public final class CheckpointReader {
    /** Keep every shard of the plan. */
    public static final int ALL_SHARDS = -1;

    private final int requestedShards;
    private final int keep;        // the shard kept, or ALL_SHARDS
    private final Limits limits;
    private final byte[] start = new byte[Checkpoint.HEADER_BYTES]; // the file's first bytes, for the header
    private int startLength;
    private long expectedSize = -1; // the file's length where the source says it, else -1

    private Header header;
    private ShardPlan plan;
    private long fileSize;
    private Segment[] segments;     // where the bytes go, in file order; bytes between them are skipped
    private int segment;            // the first segment not yet complete
    private long position;          // bytes of the file consumed
    private final byte[] pending = new byte[4]; // the start of a float split between two chunks
    private int pendingLength;

    private float[][][] tensors;    // (shard, tensor) fp32 tensors and norms, as held
    private Q8Matrix[][][] matrices; // (shard, tensor, layer) int8 matrices

    private CheckpointReader(int requestedShards, int keep, Limits limits) {
        this.requestedShards = requestedShards;
        this.keep = keep;
        this.limits = limits;
    }

    /**
     * A reader that splits the model into requestedShards shards (fewer where the model is too
     * small, see {@link ShardPlan#of}) and keeps shard `keep`, or all with {@link #ALL_SHARDS}.
     */
    public static CheckpointReader of(int requestedShards, int keep, Limits limits) {
        if (requestedShards < 1) {
            throw new IllegalArgumentException("the number of shards must be at least 1, found " + requestedShards);
        }
        return new CheckpointReader(requestedShards, keep, limits);
    }

    /** The file's length, when the source knows it before the bytes: checked against the header. */
    public void expectSize(long bytes) {
        expectedSize = bytes;
        if (header != null) {
            header.checkFileSize(bytes);
        }
    }

    /** The header, once its bytes are in; null before. */
    public Header header() {
        return header;
    }

    /** The plan of shards, once the header is read; null before. */
    public ShardPlan plan() {
        return plan;
    }

    /** Bytes of the file read so far. */
    public long position() {
        return position + pendingLength + (header == null ? startLength : 0);
    }

    /** Takes the next length bytes of the file. A FormatException stops the reading for good. */
    public void accept(byte[] bytes, int offset, int length) {
        if (header == null) {
            int take = Math.min(length, start.length - startLength);
            System.arraycopy(bytes, offset, start, startLength, take);
            startLength += take;
            offset += take;
            length -= take;
            header = Checkpoint.header(start, startLength, startLength < start.length ? expectedSize : startLength);
            if (header == null) {
                return;
            }
            readHeader();
        }
        process(bytes, offset, length);
    }

    /** The model, once every byte has arrived; a FormatException if the file ended early. */
    public Model finish() {
        if (header == null) {
            header = Checkpoint.header(start, startLength, startLength);
            readHeader();
        }
        long received = position + pendingLength;
        completeEmptySegments();
        if (received < fileSize) {
            throw new FormatException("truncated checkpoint: its header (" + header + ") needs " + fileSize
                    + " bytes, found " + received);
        }
        Weights[] shards = new Weights[plan.shards()];
        for (int s = 0; s < shards.length; s++) {
            if (keeps(s)) {
                shards[s] = header.version() == 2 ? quantizedWeights(s) : FloatWeights.ofShard(plan, s, tensors[s],
                        header.sharedClassifier());
            }
        }
        return new Model(header, plan, shards);
    }

    private boolean keeps(int shard) {
        return keep == ALL_SHARDS || keep == shard;
    }

    // ----------------------------------------------------------------------------
    // the header: where every kept byte goes

    private void readHeader() {
        if (expectedSize >= 0) {
            header.checkFileSize(expectedSize);
        }
        fileSize = header.fileSize();
        plan = ShardPlan.of(header.config(), requestedShards);
        if (keep != ALL_SHARDS && keep >= plan.shards()) {
            throw new IllegalArgumentException("shard " + keep + " of a model split into " + plan.shards());
        }
        long needed = weightBytes();
        if (needed > limits.freeBytes()) {
            throw new FormatException("its weights need " + Limits.megabytes(needed) + " of memory, and "
                    + Limits.megabytes(limits.freeBytes()) + " are free");
        }
        tensors = new float[plan.shards()][Tensor.values().length][];
        matrices = new Q8Matrix[plan.shards()][Tensor.values().length][];
        List<Segment> list = new ArrayList<>();
        long offset = header.bytes();
        for (Tensor t : Checkpoint.layout(header.version(), header.sharedClassifier())) {
            offset = t == Tensor.FREQ_CIS ? offset + 4 * t.count(header.config()) // RoPE is computed, not read
                    : ShardPlan.isWhole(t) ? addWhole(list, t, offset)
                    : header.version() == 2 ? addQuantized(list, t, offset)
                    : addFloat(list, t, offset);
        }
        segments = list.toArray(new Segment[0]);
        position = header.bytes();
        process(start, header.bytes(), startLength - header.bytes());
    }

    /** A norm: one array, held by every kept shard. */
    private long addWhole(List<Segment> list, Tensor t, long offset) {
        long count = t.count(header.config());
        limits.checkArray(t.fileName(), count);
        float[] values = new float[(int) count];
        for (int s = 0; s < plan.shards(); s++) {
            if (keeps(s)) {
                tensors[s][t.ordinal()] = values;
            }
        }
        list.add(new FloatSegment(offset, values, 0, (int) count, null));
        return offset + 4 * count;
    }

    /** An fp32 matrix: each kept shard's rows of each layer, interleaved once they are in. */
    private long addFloat(List<Segment> list, Tensor t, long offset) {
        Config c = header.config();
        Split rows = plan.rows(t);
        int cols = t.cols(c);
        boolean interleave = FloatWeights.isInterleaved(t, header.sharedClassifier());
        for (int s = 0; s < plan.shards(); s++) {
            if (keeps(s)) {
                long count = (long) t.layers(c) * rows.size(s) * cols;
                limits.checkArray(t.fileName() + " (shard " + s + ")", count);
                tensors[s][t.ordinal()] = new float[(int) count];
            }
        }
        for (int l = 0; l < t.layers(c); l++) {
            for (int s = 0; s < plan.shards(); s++) {
                if (!keeps(s)) {
                    continue;
                }
                float[] values = tensors[s][t.ordinal()];
                int layerOffset = l * rows.size(s) * cols;
                int rowCount = rows.size(s);
                long from = offset + 4L * ((long) l * rows.length() + rows.from(s)) * cols;
                Runnable done = interleave ? () -> Kernels.interleaveRows(values, layerOffset, cols, rowCount) : null;
                list.add(new FloatSegment(from, values, layerOffset, rowCount * cols, done));
            }
        }
        return offset + 4 * t.count(c);
    }

    /**
     * An int8 matrix, per layer its int8 values then their scales: each kept shard's rows of a
     * layer are gathered, then packed for the matmul as soon as their scales are in.
     */
    private long addQuantized(List<Segment> list, Tensor t, long offset) {
        Config c = header.config();
        Split rows = plan.rows(t);
        int cols = t.cols(c);
        int groupSize = header.groupSize();
        int groupsPerRow = cols / groupSize;
        for (int s = 0; s < plan.shards(); s++) {
            if (keeps(s)) {
                matrices[s][t.ordinal()] = new Q8Matrix[t.layers(c)];
                limits.checkArray(t.fileName() + " (shard " + s + ")", (long) rows.size(s) * cols);
            }
        }
        long layerBytes = (long) rows.length() * cols;
        for (int l = 0; l < t.layers(c); l++) {
            long scalesOffset = offset + layerBytes;
            List<Segment> scales = new ArrayList<>();
            for (int s = 0; s < plan.shards(); s++) {
                if (!keeps(s)) {
                    continue;
                }
                int shard = s;
                int layer = l;
                int rowCount = rows.size(s);
                LayerSlice slice = new LayerSlice(rowCount * cols, rowCount * groupsPerRow);
                list.add(new ByteSegment(offset + (long) rows.from(s) * cols, slice));
                scales.add(new ScaleSegment(scalesOffset + 4L * rows.from(s) * groupsPerRow, slice,
                        w -> matrices[shard][t.ordinal()][layer] = Q8Matrix.pack(w, rowCount, cols, groupSize)));
            }
            list.addAll(scales); // after the layer's int8 values, in file order
            offset = scalesOffset + 4L * rows.length() * groupsPerRow;
        }
        return offset;
    }

    /** What the kept shards' weights take in memory, from the header alone. */
    private long weightBytes() {
        Config c = header.config();
        long bytes = 0;
        for (Tensor t : Checkpoint.layout(header.version(), header.sharedClassifier())) {
            if (t == Tensor.FREQ_CIS) {
                continue;
            }
            if (ShardPlan.isWhole(t)) {
                bytes += 4 * t.count(c);
                continue;
            }
            Split rows = plan.rows(t);
            for (int s = 0; s < plan.shards(); s++) {
                if (!keeps(s)) {
                    continue;
                }
                long rowCount = rows.size(s);
                if (header.version() != 2) {
                    bytes += 4 * t.layers(c) * rowCount * t.cols(c);
                    continue;
                }
                bytes += t.layers(c) * Q8Matrix.bytes(rowCount, t.cols(c), header.groupSize());
            }
        }
        return bytes;
    }

    private QuantizedWeights quantizedWeights(int s) {
        Q8Matrix[][] m = matrices[s];
        float[][] norms = tensors[s];
        Tensor classifier = header.sharedClassifier() ? Tensor.TOKEN_EMBEDDING_TABLE : Tensor.WCLS;
        return new QuantizedWeights(plan, s, header.groupSize(), header.sharedClassifier(),
                m[Tensor.TOKEN_EMBEDDING_TABLE.ordinal()][0],
                norms[Tensor.RMS_ATT_WEIGHT.ordinal()], m[Tensor.WQ.ordinal()], m[Tensor.WK.ordinal()],
                m[Tensor.WV.ordinal()], m[Tensor.WO.ordinal()], norms[Tensor.RMS_FFN_WEIGHT.ordinal()],
                m[Tensor.W1.ordinal()], m[Tensor.W2.ordinal()], m[Tensor.W3.ordinal()],
                norms[Tensor.RMS_FINAL_WEIGHT.ordinal()], m[classifier.ordinal()][0]);
    }

    // ----------------------------------------------------------------------------
    // the bytes after the header

    private void process(byte[] bytes, int offset, int length) {
        if (position + pendingLength + length > fileSize) {
            throw new FormatException("checkpoint size does not match its header (" + header + "): expected "
                    + fileSize + " bytes, found more");
        }
        if (pendingLength > 0) {
            int take = Math.min(4 - pendingLength, length);
            System.arraycopy(bytes, offset, pending, pendingLength, take);
            pendingLength += take;
            offset += take;
            length -= take;
            if (pendingLength < 4) {
                return;
            }
            pendingLength = 0;
            consume(pending, 0, 4);
        }
        int used = consume(bytes, offset, length);
        pendingLength = length - used;
        System.arraycopy(bytes, offset + used, pending, 0, pendingLength);
    }

    /** Routes bytes to the segments; returns how many it took, short only of a float's first bytes. */
    private int consume(byte[] bytes, int offset, int length) {
        int i = 0;
        while (i < length) {
            if (segment == segments.length) {
                position += length - i; // the file's tail holds nothing kept
                return length;
            }
            Segment seg = segments[segment];
            if (position < seg.start) {
                int skip = (int) Math.min(seg.start - position, length - i);
                position += skip;
                i += skip;
                continue;
            }
            int n = (int) Math.min(seg.end - position, length - i);
            int written = seg.write(bytes, offset + i, n, position - seg.start);
            position += written;
            i += written;
            if (position == seg.end) {
                seg.complete();
                segment++;
            } else if (written < n) {
                return i;
            }
        }
        completeEmptySegments();
        return length;
    }

    /** Segments of no bytes (a shard that owns no rows of a matrix) complete where they stand. */
    private void completeEmptySegments() {
        while (segment < segments.length && segments[segment].start == position
                && segments[segment].end == position) {
            segments[segment++].complete();
        }
    }

    /** A run of the file, [start, end), that goes into an array. */
    private abstract static class Segment {
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
    }

    /** Little-endian float32 values into values[to, to + count). */
    private static final class FloatSegment extends Segment {
        private final float[] values;
        private final int to;
        private final Runnable done;

        FloatSegment(long start, float[] values, int to, int count, Runnable done) {
            super(start, 4L * count);
            this.values = values;
            this.to = to;
            this.done = done;
        }

        @Override
        int write(byte[] bytes, int offset, int n, long relative) {
            return decodeFloats(bytes, offset, n, values, to + (int) (relative / 4));
        }

        @Override
        void complete() {
            if (done != null) {
                done.run();
            }
        }
    }

    /** A shard's rows of one layer of an int8 matrix, held from their first byte until packed. */
    private static final class LayerSlice {
        private final int count;       // int8 values
        private final int groupCount;  // scales
        private byte[] q;
        private float[] s;

        LayerSlice(int count, int groupCount) {
            this.count = count;
            this.groupCount = groupCount;
        }

        byte[] q() {
            if (q == null) {
                q = new byte[count];
            }
            return q;
        }

        float[] s() {
            if (s == null) {
                s = new float[groupCount];
            }
            return s;
        }

        /** The values and scales, given up by the slice. */
        QuantizedTensor take() {
            QuantizedTensor tensor = new QuantizedTensor(q(), s());
            q = null;
            s = null;
            return tensor;
        }
    }

    /** The int8 values of a slice. */
    private static final class ByteSegment extends Segment {
        private final LayerSlice slice;

        ByteSegment(long start, LayerSlice slice) {
            super(start, slice.count);
            this.slice = slice;
        }

        @Override
        int write(byte[] bytes, int offset, int n, long relative) {
            System.arraycopy(bytes, offset, slice.q(), (int) relative, n);
            return n;
        }
    }

    /** The scales of a slice; once they are in, the slice is packed. */
    private static final class ScaleSegment extends Segment {
        private final LayerSlice slice;
        private final Consumer<QuantizedTensor> done;

        ScaleSegment(long start, LayerSlice slice, Consumer<QuantizedTensor> done) {
            super(start, 4L * slice.groupCount);
            this.slice = slice;
            this.done = done;
        }

        @Override
        int write(byte[] bytes, int offset, int n, long relative) {
            return decodeFloats(bytes, offset, n, slice.s(), (int) (relative / 4));
        }

        @Override
        void complete() {
            done.accept(slice.take());
        }
    }

    /** Decodes the whole float32 values among n bytes into out from index to; returns the bytes used. */
    private static int decodeFloats(byte[] b, int offset, int n, float[] out, int to) {
        int count = n / 4;
        for (int i = 0, p = offset; i < count; i++, p += 4) {
            out[to + i] = Float.intBitsToFloat((b[p] & 0xff) | (b[p + 1] & 0xff) << 8
                    | (b[p + 2] & 0xff) << 16 | b[p + 3] << 24);
        }
        return 4 * count;
    }
}
