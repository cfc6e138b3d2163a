package teallama;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import teallama.Checkpoint.Header;
import teallama.Checkpoint.Tensor;
import teallama.parallel.ShardPlan;
import teallama.parallel.Split;

/**
 * Reads a checkpoint as its bytes arrive, in chunks of any size, straight into the weights: there
 * is never a copy of the file in memory. The header is read as soon as its bytes are in, and
 * anything that is not a llama2.c checkpoint, or a file whose length (when known) disagrees with
 * its header, is refused at once, so a download can stop after its first bytes. A tensor's arrays
 * are made when its bytes begin to arrive: whole when the file's length was given (and so checked
 * against the header), else grown with the bytes, so that a header followed by too few bytes
 * costs what arrived rather than what it claims.
 *
 * <p>It keeps the weights of one shard of a {@link ShardPlan}, or of all of them: the file is a
 * sequence of tensors, each shard's rows of a layer's matrix are one contiguous run of it, and the
 * runs of the shards not kept are skipped.
 *
 * <p>Given a platform's {@link MatrixMemory}, a shard's matrices, fp32 or int8, go there, a layer
 * at a time, as they arrive, when all of them fit. There a layer's room is taken whole when its
 * first bytes arrive, length given or not: too few bytes cost at most a layer more than arrived.
 */
public final class CheckpointReader {
    /** Keep every shard of the plan. */
    public static final int ALL_SHARDS = -1;

    private final int requestedShards;
    private final boolean worthwhile; // fewer shards where the file is too small for them to pay
    private final int keep;        // the shard kept, or ALL_SHARDS
    private final Limits limits;
    private MatrixMemory memory;   // where the matrices may go, or null
    private boolean inMemory;      // whether they do
    private final byte[] start = new byte[Checkpoint.HEADER_BYTES]; // the file's first bytes, for the header
    private int startLength;
    private long expectedSize = -1; // the file's length where the source says it, else -1
    private long leastSize = -1;    // a length the file has about at least (expectSizeAtLeast), else -1

    private Header header;
    private ShardPlan plan;
    private long fileSize;
    private boolean sized;          // the length was known before the weights: arrays are made whole at once
    private List<Tensor> layout;    // the file's tensors, in order
    private int nextTensor;         // the tensor and layer whose segments are made next, as the bytes reach them
    private int nextLayer;
    private long nextOffset;        // where they start
    private final ArrayDeque<Segment> segments = new ArrayDeque<>(); // made, not yet complete, in file order
    private long position;          // bytes of the file consumed
    private final byte[] pending = new byte[4]; // the start of a float split between two chunks
    private int pendingLength;

    private Segment.Floats[][] tensors;     // (shard, tensor) fp32 tensors and norms, as held
    private Q8Matrix[][][] matrices; // (shard, tensor, layer) int8 matrices
    private Q8Matrix.Layers[][] layers; // (shard, tensor) room for every layer of an int8 matrix, when sized and it fits one array
    private int[][][] addresses;     // (shard, tensor, layer) fp32 matrices in memory

    private CheckpointReader(int requestedShards, boolean worthwhile, int keep, Limits limits) {
        this.requestedShards = requestedShards;
        this.worthwhile = worthwhile;
        this.keep = keep;
        this.limits = limits;
    }

    /**
     * A reader that splits the model into requestedShards shards (fewer where the model is too
     * small, see {@link ShardPlan#of}) and keeps shard `keep`, or all with {@link #ALL_SHARDS}.
     */
    public static CheckpointReader of(int requestedShards, int keep, Limits limits) {
        return new CheckpointReader(atLeastOne(requestedShards), false, keep, limits);
    }

    /**
     * As {@link #of}, with at most mostShards shards: as many as the file's size, which its
     * header gives, makes worthwhile ({@link ShardPlan#worthwhileShards}).
     */
    public static CheckpointReader worthwhile(int mostShards, int keep, Limits limits) {
        return new CheckpointReader(atLeastOne(mostShards), true, keep, limits);
    }

    private static int atLeastOne(int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("the number of shards must be at least 1, found " + shards);
        }
        return shards;
    }

    /** Puts the model's matrices, fp32 or int8, into memory where they fit; before the first bytes. */
    public void holdMatricesIn(MatrixMemory memory) {
        if (header != null) {
            throw new IllegalStateException("the matrices' memory is chosen before the header is read");
        }
        this.memory = memory;
    }

    /** The file's length, when the source knows it before the bytes: checked against the header. */
    public void expectSize(long bytes) {
        expectedSize = bytes;
        if (header != null) {
            header.checkFileSize(bytes);
        }
    }

    /**
     * A length the file has about at least: another site's Content-Length, which may be that of
     * a compressed body (a browser shows a page another site's Content-Encoding only where the
     * server exposes it). Compressing adds a few bytes in ten thousand at most, so only a header
     * that needs a thousandth and a kilobyte fewer bytes is refused; one that needs more is left
     * to the bytes.
     */
    public void expectSizeAtLeast(long bytes) {
        leastSize = bytes;
        if (header != null) {
            checkLeastSize();
        }
    }

    private void checkLeastSize() {
        if (leastSize >= 0 && fileSize < leastSize - leastSize / 1000 - 1024) {
            header.checkFileSize(leastSize);
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
        if (received < fileSize) {
            throw new FormatException("truncated checkpoint: its header (" + header + ") needs " + fileSize
                    + " bytes, found " + received);
        }
        consume(pending, 0, 0); // segments of no bytes at the end of the file
        Weights[] shards = new Weights[plan.shards()];
        for (int s = 0; s < shards.length; s++) {
            if (keeps(s)) {
                shards[s] = header.version() == 2 ? quantizedWeights(s) : FloatWeights.ofShard(plan, s, floats(s),
                        header.sharedClassifier(), inMemory ? memory : null, inMemory ? addresses[s] : null);
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
        checkLeastSize();
        sized = expectedSize >= 0;
        plan = ShardPlan.forFile(header.config(), fileSize, requestedShards, worthwhile);
        if (keep != ALL_SHARDS && keep >= plan.shards()) {
            throw new IllegalArgumentException("shard " + keep + " of a model split into " + plan.shards());
        }
        long needed = weightBytes();
        if (needed > limits.freeBytes()) {
            throw new FormatException("its weights need " + Limits.megabytes(needed) + " of memory, and "
                    + Limits.megabytes(limits.freeBytes()) + " are free");
        }
        layout = Checkpoint.layout(header.version(), header.sharedClassifier());
        checkArrays();
        tensors = new Segment.Floats[plan.shards()][Tensor.values().length];
        matrices = new Q8Matrix[plan.shards()][Tensor.values().length][];
        layers = new Q8Matrix.Layers[plan.shards()][Tensor.values().length];
        inMemory = memory != null && memory.fits(header.version() == 2 ? int8MatrixBytes() : interleavedBytes());
        addresses = new int[plan.shards()][Tensor.values().length][];
        nextOffset = header.bytes();
        position = header.bytes();
        process(start, header.bytes(), startLength - header.bytes());
    }

    /** Refuses, before a byte of the weights, an array longer than the platform allocates. */
    private void checkArrays() {
        Config c = header.config();
        for (Tensor t : layout) {
            if (t == Tensor.FREQ_CIS) {
                continue;
            }
            if (ShardPlan.isWhole(t)) {
                limits.checkArray(t.fileName(), t.count(c));
                continue;
            }
            for (int s = 0; s < plan.shards(); s++) {
                if (keeps(s)) {
                    long perLayer = (long) plan.rows(t).size(s) * t.cols(c);
                    limits.checkArray(t.fileName() + " (shard " + s + ")",
                            header.version() == 2 ? perLayer : t.layers(c) * perLayer);
                }
            }
        }
    }

    /**
     * Makes the segments of the next layer of a tensor (none past the last), as the bytes reach
     * it, so that what is allocated follows what has arrived.
     */
    private void makeNextSegments() {
        Config c = header.config();
        while (nextTensor < layout.size()) {
            Tensor t = layout.get(nextTensor);
            if (t == Tensor.FREQ_CIS) {
                nextOffset += 4 * t.count(c); // RoPE is computed, not read
                nextTensor++;
                continue;
            }
            if (ShardPlan.isWhole(t)) {
                addWhole(t);
            } else if (header.version() == 2) {
                addQuantized(t, nextLayer);
            } else {
                addFloat(t, nextLayer);
            }
            if (ShardPlan.isWhole(t) || ++nextLayer == t.layers(c)) {
                nextLayer = 0;
                nextTensor++;
            }
            return;
        }
    }

    /** A norm, all layers: one array, held by every kept shard. */
    private void addWhole(Tensor t) {
        int count = (int) t.count(header.config());
        Segment.Floats values = new Segment.Floats(count, sized);
        for (int s = 0; s < plan.shards(); s++) {
            if (keeps(s)) {
                tensors[s][t.ordinal()] = values;
            }
        }
        segments.add(new Segment.FloatValues(nextOffset, values, 0, count, null));
        nextOffset += 4L * count;
    }

    /** A layer of an fp32 matrix: each kept shard's rows, interleaved once they are in. */
    private void addFloat(Tensor t, int l) {
        Config c = header.config();
        Split rows = plan.rows(t);
        int cols = t.cols(c);
        boolean interleave = FloatWeights.isInterleaved(t, header.sharedClassifier());
        for (int s = 0; s < plan.shards(); s++) {
            if (!keeps(s)) {
                continue;
            }
            int rowCount = rows.size(s);
            long from = nextOffset + 4L * rows.from(s) * cols;
            if (interleave && inMemory) {
                if (l == 0) {
                    addresses[s][t.ordinal()] = new int[t.layers(c)];
                }
                int address = memory.allocate(rowCount * cols);
                addresses[s][t.ordinal()][l] = address;
                segments.add(new Segment.MemoryValues(from, memory, address, rowCount * cols,
                        () -> memory.interleaveRows(address, cols, rowCount)));
                continue;
            }
            if (l == 0) {
                tensors[s][t.ordinal()] = new Segment.Floats(t.layers(c) * rows.size(s) * cols, sized);
            }
            Segment.Floats values = tensors[s][t.ordinal()];
            int layerOffset = l * rowCount * cols;
            Runnable done = interleave
                    ? () -> Kernels.interleaveRows(values.upTo(layerOffset + rowCount * cols), layerOffset, cols, rowCount)
                    : null;
            segments.add(new Segment.FloatValues(from, values, layerOffset, rowCount * cols, done));
        }
        nextOffset += 4L * rows.length() * cols;
    }

    /**
     * A layer of an int8 matrix, its int8 values then their scales: each kept shard's rows go
     * straight into their places in the matmul's layout (the embedding table's too: a token's
     * row is read from it).
     */
    private void addQuantized(Tensor t, int l) {
        Config c = header.config();
        Split rows = plan.rows(t);
        int cols = t.cols(c);
        int groupSize = header.groupSize();
        int groupsPerRow = cols / groupSize;
        long scalesOffset = nextOffset + (long) rows.length() * cols;
        List<Segment> scales = new ArrayList<>();
        for (int s = 0; s < plan.shards(); s++) {
            if (!keeps(s)) {
                continue;
            }
            Q8Matrix[][] held = matrices[s];
            int rowCount = rows.size(s);
            // a long takes the room of two of the floats the platform's longest array is counted in
            if (l == 0 && sized && !inMemory
                    && limits.allowsArray(2 * Q8Matrix.Layers.longestArray(t.layers(c), rowCount, cols, groupSize))) {
                layers[s][t.ordinal()] = new Q8Matrix.Layers(t.layers(c), rowCount, cols, groupSize);
            }
            Q8Matrix.Filling filling = layers[s][t.ordinal()] != null
                    ? new Q8Matrix.Filling(layers[s][t.ordinal()], l)
                    : new Q8Matrix.Filling(rowCount, cols, groupSize, sized, inMemory ? memory : null);
            segments.add(new Segment.Int8Values(nextOffset + (long) rows.from(s) * cols, (long) rowCount * cols, filling));
            scales.add(new Segment.Scales(scalesOffset + 4L * rows.from(s) * groupsPerRow, rowCount * groupsPerRow, filling, w -> {
                // the layers' array grows with them, so a header cannot make it long before its bytes arrive
                Q8Matrix[] layers = held[t.ordinal()];
                if (layers == null || layers.length == l) {
                    layers = Arrays.copyOf(layers == null ? new Q8Matrix[0] : layers,
                            Math.min(t.layers(c), Math.max(l + 1, 2 * l)));
                    held[t.ordinal()] = layers;
                }
                layers[l] = w;
            }));
        }
        segments.addAll(scales); // after the layer's int8 values, in file order
        nextOffset = scalesOffset + 4L * rows.length() * groupsPerRow;
    }

    private float[][] floats(int shard) {
        float[][] values = new float[Tensor.values().length][];
        for (int t = 0; t < values.length; t++) {
            values[t] = tensors[shard][t] == null ? null : tensors[shard][t].array();
        }
        return values;
    }

    /** What the kept shards' weights take in memory, from the header alone (once it is read). */
    public long weightBytes() {
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

    /** What the kept shards' interleaved fp32 tensors take, from the header alone. */
    private long interleavedBytes() {
        Config c = header.config();
        long bytes = 0;
        for (Tensor t : layout) {
            if (t != Tensor.FREQ_CIS && FloatWeights.isInterleaved(t, header.sharedClassifier())) {
                for (int s = 0; s < plan.shards(); s++) {
                    if (keeps(s)) {
                        bytes += 4 * t.layers(c) * (long) plan.rows(t).size(s) * t.cols(c);
                    }
                }
            }
        }
        return bytes;
    }

    /** What the kept shards' int8 matrices take as a {@link Q8Matrix} holds them, scales included, from the header alone. */
    private long int8MatrixBytes() {
        Config c = header.config();
        long bytes = 0;
        for (Tensor t : layout) {
            if (t != Tensor.FREQ_CIS && !ShardPlan.isWhole(t)) {
                for (int s = 0; s < plan.shards(); s++) {
                    if (keeps(s)) {
                        bytes += t.layers(c) * Q8Matrix.bytes(plan.rows(t).size(s), t.cols(c), header.groupSize());
                    }
                }
            }
        }
        return bytes;
    }

    private QuantizedWeights quantizedWeights(int s) {
        Q8Matrix[][] m = matrices[s];
        float[][] norms = floats(s);
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
        for (Segment seg = current(); seg != null; seg = current()) {
            if (position == seg.end) {
                seg.complete(); // a segment of no bytes (a shard that owns no rows) completes where it stands
                segments.removeFirst();
                continue;
            }
            if (i == length) {
                return length;
            }
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
            if (written < n) {
                return i;
            }
        }
        position += length - i; // the file's tail holds nothing kept
        return length;
    }

    /** The first segment not yet complete, made when the bytes reach it; null past the last. */
    private Segment current() {
        if (segments.isEmpty()) {
            makeNextSegments();
        }
        return segments.peekFirst();
    }
}
