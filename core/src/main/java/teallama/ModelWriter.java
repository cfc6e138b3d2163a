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
        return FloatWeights.of(tensors, sharedClassifier);
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

    /** The Q8_0 form of fp32 weights; groupSize must divide dim and hidden_dim. */
    public static QuantizedWeights quantize(Config c, FloatWeights w, int groupSize) {
        Checkpoint.checkGroupSize(c, groupSize);
        QuantizedTensor tokens = quantizeQ80(w.tokenEmbeddingTable(), 0, w.tokenEmbeddingTable().length, groupSize);
        return new QuantizedWeights(groupSize, tokens, Kernels.dequantize(tokens, groupSize), w.rmsAttWeight(),
                quantizeLayers(c, Tensor.WQ, w.wq(), groupSize), quantizeLayers(c, Tensor.WK, w.wk(), groupSize),
                quantizeLayers(c, Tensor.WV, w.wv(), groupSize), quantizeLayers(c, Tensor.WO, w.wo(), groupSize),
                w.rmsFfnWeight(),
                quantizeLayers(c, Tensor.W1, w.w1(), groupSize), quantizeLayers(c, Tensor.W2, w.w2(), groupSize),
                quantizeLayers(c, Tensor.W3, w.w3(), groupSize), w.rmsFinalWeight(),
                w.sharedClassifier() ? tokens : quantizeQ80(w.wcls(), 0, w.wcls().length, groupSize));
    }

    private static QuantizedTensor[] quantizeLayers(Config c, Tensor t, float[] w, int groupSize) {
        int size = t.rows(c) * t.cols(c);
        QuantizedTensor[] layers = new QuantizedTensor[c.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = quantizeQ80(w, l * size, size, groupSize);
        }
        return layers;
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
                writer.out.writeFloats(floatTensor(w, t));
            }
        }
        writer.out.flush();
    }

    /** Writes Q8_0 weights as version 2. */
    public static void write(Config c, QuantizedWeights w, OutputStream stream) throws IOException {
        ModelWriter writer = new ModelWriter(stream);
        writer.writeHeader(c, 2, w.sharedClassifier(), w.groupSize());
        writer.out.writeFloats(w.rmsAttWeight());
        writer.out.writeFloats(w.rmsFfnWeight());
        writer.out.writeFloats(w.rmsFinalWeight());
        writer.writeQuantized(w.tokens());
        for (QuantizedTensor[] layers : new QuantizedTensor[][] {w.wq(), w.wk(), w.wv(), w.wo(), w.w1(), w.w2(), w.w3()}) {
            for (QuantizedTensor layer : layers) {
                writer.writeQuantized(layer);
            }
        }
        if (!w.sharedClassifier()) {
            writer.writeQuantized(w.wcls());
        }
        writer.out.flush();
    }

    private static float[] floatTensor(FloatWeights w, Tensor t) {
        return switch (t) {
            case TOKEN_EMBEDDING_TABLE -> w.tokenEmbeddingTable();
            case RMS_ATT_WEIGHT -> w.rmsAttWeight();
            case WQ -> w.wq();
            case WK -> w.wk();
            case WV -> w.wv();
            case WO -> w.wo();
            case RMS_FFN_WEIGHT -> w.rmsFfnWeight();
            case W1 -> w.w1();
            case W2 -> w.w2();
            case W3 -> w.w3();
            case RMS_FINAL_WEIGHT -> w.rmsFinalWeight();
            case WCLS -> w.wcls();
            case FREQ_CIS -> throw new IllegalArgumentException("freq_cis is computed, not held");
        };
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

    private void writeQuantized(QuantizedTensor t) throws IOException {
        out.write(t.q());
        out.writeFloats(t.s());
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
