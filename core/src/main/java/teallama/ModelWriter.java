package teallama;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;

import teallama.Checkpoint.Tensor;

/**
 * Writes checkpoints: fp32 weights as version 0 (run.c's legacy file) or version 1 (export.py's),
 * Q8_0 weights as version 2 (runq.c's). Also makes the weights to write: seeded random weights
 * of any shape, for tests and benchmarks, and Q8_0 quantization of fp32 weights exactly as
 * export.py does it.
 */
public final class ModelWriter {
    private final LittleEndianOutput out;

    private ModelWriter(OutputStream out) {
        this.out = new LittleEndianOutput(out);
    }

    // ----------------------------------------------------------------------------
    // weights to write

    /**
     * Uniform random weights in [-0.1, 0.1) and norms of 1. The BOS row of the embedding (and of
     * the classifier) is zero, so the logit of BOS is 0 and a story from random weights does not
     * end early: a benchmark gets the number of tokens it asked for.
     */
    public static FloatWeights randomWeights(Config c, boolean sharedClassifier, long seed) {
        Random random = new Random(seed);
        float[][] tensors = new float[Tensor.values().length][];
        for (Tensor t : Checkpoint.layout(1, sharedClassifier)) {
            float[] values = new float[(int) t.count(c)];
            for (int i = 0; i < values.length; i++) {
                values[i] = t.isNorm() ? 1.0f : (random.nextFloat() - 0.5f) * 0.2f;
            }
            if (t == Tensor.TOKEN_EMBEDDING_TABLE || t == Tensor.WCLS) {
                Arrays.fill(values, Tokenizer.BOS * c.dim(), (Tokenizer.BOS + 1) * c.dim(), 0.0f);
            }
            tensors[t.ordinal()] = values;
        }
        return FloatWeights.of(c, tensors, sharedClassifier);
    }

    /**
     * export.py's quantize_q80: per group, scale = max|w| / 127 and q = round(w / scale) with
     * halfway cases to even (torch.round), so the output matches export.py's byte for byte.
     */
    public static QuantizedTensor quantizeQ80(float[] w, int offset, int size, int groupSize) {
        QuantizedTensor qt = QuantizedTensor.allocate(size, groupSize);
        for (int group = 0; group < size / groupSize; group++) {
            int start = offset + group * groupSize;
            float wmax = 0.0f;
            for (int i = 0; i < groupSize; i++) {
                wmax = Math.max(wmax, Math.abs(w[start + i]));
            }
            float scale = wmax / 127.0f;
            qt.s()[group] = scale;
            for (int i = 0; i < groupSize; i++) {
                qt.q()[group * groupSize + i] = (byte) Math.rint(w[start + i] / scale);
            }
        }
        return qt;
    }

    /** export.py's default group size 64, halved until it divides dim and hidden_dim. */
    public static int defaultGroupSize(Config c) {
        int groupSize = 64;
        while (c.dim() % groupSize != 0 || c.hiddenDim() % groupSize != 0) {
            groupSize /= 2;
        }
        return groupSize;
    }

    // ----------------------------------------------------------------------------
    // files

    /** Writes fp32 weights as version 0 or 1. */
    public static void write(Config c, FloatWeights w, int version, OutputStream stream) throws IOException {
        if (version != 0 && version != 1) {
            throw new IllegalArgumentException("fp32 weights are written as version 0 or 1, not " + version);
        }
        ModelWriter writer = new ModelWriter(stream);
        boolean shared = w.sharedClassifier();
        if (version == 0) {
            writer.writeConfig(c, shared ? c.vocabSize() : -c.vocabSize());
        } else {
            writer.writeHeader(c, 1, shared, 0);
        }
        for (Tensor t : Checkpoint.layout(version, shared)) {
            if (t == Tensor.FREQ_CIS) {
                writer.writeFreqCis(c);
            } else {
                writer.out.writeFloats(w.rowMajor(t));
            }
        }
        writer.out.flush();
    }

    /**
     * Quantizes fp32 weights to Q8_0 and writes them as version 2, one tensor at a time, as
     * export.py's version2_export does; groupSize must divide dim and hidden_dim.
     */
    public static void writeQuantized(Config c, FloatWeights w, int groupSize, OutputStream stream) throws IOException {
        Checkpoint.checkGroupSize(c, groupSize);
        ModelWriter writer = new ModelWriter(stream);
        boolean shared = w.sharedClassifier();
        writer.writeHeader(c, 2, shared, groupSize);
        for (Tensor t : Checkpoint.layout(2, shared)) {
            float[] values = w.rowMajor(t);
            if (t.isNorm()) {
                writer.out.writeFloats(values);
                continue;
            }
            int size = t.rows(c) * t.cols(c);
            for (int l = 0; l < t.layers(c); l++) {
                QuantizedTensor q = quantizeQ80(values, l * size, size, groupSize);
                writer.out.write(q.q());
                writer.out.writeFloats(q.s());
            }
        }
        writer.out.flush();
    }

    private void writeConfig(Config c, int vocabSizeField) throws IOException {
        out.writeInt(c.dim());
        out.writeInt(c.hiddenDim());
        out.writeInt(c.nLayers());
        out.writeInt(c.nHeads());
        out.writeInt(c.nKvHeads());
        out.writeInt(vocabSizeField);
        out.writeInt(c.seqLen());
    }

    /** magic, version, the 7 ints, shared flag, [group size], zeros up to 256 bytes. */
    private void writeHeader(Config c, int version, boolean shared, int groupSize) throws IOException {
        out.writeInt(Checkpoint.MAGIC);
        out.writeInt(version);
        writeConfig(c, c.vocabSize());
        out.writeByte(shared ? 1 : 0);
        int written = 37;
        if (version == 2) {
            out.writeInt(groupSize);
            written += 4;
        }
        for (; written < Checkpoint.HEADER_BYTES; written++) {
            out.writeByte(0);
        }
    }

    /** The legacy file's RoPE tables: freq_cis_real (seq_len, head_size / 2), then freq_cis_imag. */
    private void writeFreqCis(Config c) throws IOException {
        Rope rope = new Rope(c.headSize(), c.seqLen());
        int half = c.headSize() / 2;
        for (int pos = 0; pos < c.seqLen(); pos++) {
            for (int i = 0; i < half; i++) {
                out.writeFloat(rope.cos(pos, i));
            }
        }
        for (int pos = 0; pos < c.seqLen(); pos++) {
            for (int i = 0; i < half; i++) {
                out.writeFloat(rope.sin(pos, i));
            }
        }
    }

    /** A buffered little-endian writer; DataOutputStream is big-endian. */
    private static final class LittleEndianOutput {
        private final OutputStream out;
        private final byte[] buffer = new byte[1 << 16];
        private int count;

        LittleEndianOutput(OutputStream out) {
            this.out = out;
        }

        void writeByte(int b) throws IOException {
            if (count == buffer.length) {
                flushBuffer();
            }
            buffer[count++] = (byte) b;
        }

        void writeInt(int v) throws IOException {
            writeByte(v);
            writeByte(v >>> 8);
            writeByte(v >>> 16);
            writeByte(v >>> 24);
        }

        void writeFloat(float f) throws IOException {
            writeInt(Float.floatToRawIntBits(f));
        }

        void writeFloats(float[] values) throws IOException {
            for (float v : values) {
                writeFloat(v);
            }
        }

        void write(byte[] bytes) throws IOException {
            flushBuffer();
            out.write(bytes);
        }

        void flush() throws IOException {
            flushBuffer();
            out.flush();
        }

        private void flushBuffer() throws IOException {
            out.write(buffer, 0, count);
            count = 0;
        }
    }
}
