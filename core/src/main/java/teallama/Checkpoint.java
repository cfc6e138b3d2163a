package teallama;

import java.util.ArrayList;
import java.util.List;

/**
 * llama2.c's checkpoint files. Three versions exist:
 * <ul>
 * <li>0, the legacy file of run.c: a 7 int32 header (a negative vocab_size means an unshared
 *     classifier), then fp32 tensors, with the old RoPE tables (freq_cis) before the classifier;</li>
 * <li>1, export.py's fp32 file: magic "ak42", version, the 7 ints, a shared-classifier byte,
 *     zero padding to 256 bytes, then fp32 tensors with the norms first;</li>
 * <li>2, what runq.c reads: the version 1 header plus the quantization group size, then the norms
 *     in fp32 and every other tensor in Q8_0 (per layer: int8 values, then float scales).</li>
 * </ul>
 * The header says how long the file is and where each tensor lies, so every size is checked
 * against the file length before anything is allocated; {@link CheckpointReader} reads the
 * tensors as the bytes arrive.
 */
public final class Checkpoint {
    public static final int MAGIC = 0x616b3432; // "ak42" read as a little-endian uint32
    public static final int LEGACY_HEADER_BYTES = 7 * 4;
    public static final int HEADER_BYTES = 256;

    /** The tensors of a checkpoint. Counts are per file, all layers together. */
    public enum Tensor {
        TOKEN_EMBEDDING_TABLE, RMS_ATT_WEIGHT, WQ, WK, WV, WO, RMS_FFN_WEIGHT, W1, W2, W3,
        RMS_FINAL_WEIGHT, FREQ_CIS, WCLS;

        /** Rows and columns of one layer's matrix (one row for a norm). */
        public int rows(Config c) {
            return switch (this) {
                case TOKEN_EMBEDDING_TABLE, WCLS -> c.vocabSize();
                case WQ, WO -> c.dim();
                case WK, WV -> c.kvDim();
                case W1, W3 -> c.hiddenDim();
                case W2 -> c.dim();
                case RMS_ATT_WEIGHT, RMS_FFN_WEIGHT, RMS_FINAL_WEIGHT -> 1;
                case FREQ_CIS -> c.seqLen();
            };
        }

        public int cols(Config c) {
            return switch (this) {
                case W2 -> c.hiddenDim();
                case FREQ_CIS -> c.headSize(); // freq_cis_real and freq_cis_imag, head_size / 2 each
                default -> c.dim();
            };
        }

        public int layers(Config c) {
            return switch (this) {
                case RMS_ATT_WEIGHT, RMS_FFN_WEIGHT, WQ, WK, WV, WO, W1, W2, W3 -> c.nLayers();
                default -> 1;
            };
        }

        /** Values in the whole tensor; throws ArithmeticException past a long. */
        public long count(Config c) {
            return Math.multiplyExact((long) layers(c) * rows(c), (long) cols(c));
        }

        /** wq, wk, wv, wo, w1, w2, w3: the per-layer matmul weights. */
        public boolean isMatmul() {
            return switch (this) {
                case WQ, WK, WV, WO, W1, W2, W3 -> true;
                default -> false;
            };
        }

        public boolean isNorm() {
            return this == RMS_ATT_WEIGHT || this == RMS_FFN_WEIGHT || this == RMS_FINAL_WEIGHT;
        }

        String fileName() {
            return name().toLowerCase();
        }
    }

    private static final Tensor[] VERSION_0_ORDER = {
        Tensor.TOKEN_EMBEDDING_TABLE, Tensor.RMS_ATT_WEIGHT, Tensor.WQ, Tensor.WK, Tensor.WV,
        Tensor.WO, Tensor.RMS_FFN_WEIGHT, Tensor.W1, Tensor.W2, Tensor.W3, Tensor.RMS_FINAL_WEIGHT,
        Tensor.FREQ_CIS, Tensor.WCLS,
    };
    private static final Tensor[] VERSION_1_ORDER = {
        Tensor.RMS_ATT_WEIGHT, Tensor.RMS_FFN_WEIGHT, Tensor.RMS_FINAL_WEIGHT,
        Tensor.TOKEN_EMBEDDING_TABLE, Tensor.WQ, Tensor.WK, Tensor.WV, Tensor.WO,
        Tensor.W1, Tensor.W2, Tensor.W3, Tensor.WCLS,
    };

    private Checkpoint() {
    }

    /** The tensors a file of this version holds, in file order. Version 2 uses the version 1 order. */
    public static List<Tensor> layout(int version, boolean sharedClassifier) {
        List<Tensor> tensors = new ArrayList<>();
        for (Tensor t : version == 0 ? VERSION_0_ORDER : VERSION_1_ORDER) {
            if (t != Tensor.WCLS || !sharedClassifier) {
                tensors.add(t);
            }
        }
        return tensors;
    }

    /** The exact length of a file with this header; throws ArithmeticException past a long. */
    public static long fileSize(Config c, int version, boolean sharedClassifier, int groupSize) {
        long bytes = version == 0 ? LEGACY_HEADER_BYTES : HEADER_BYTES;
        for (Tensor t : layout(version, sharedClassifier)) {
            long count = t.count(c);
            long tensorBytes = version == 2 && !t.isNorm()
                    ? Math.addExact(count, Math.multiplyExact(4L, count / groupSize))
                    : Math.multiplyExact(4L, count);
            bytes = Math.addExact(bytes, tensorBytes);
        }
        return bytes;
    }

    // ----------------------------------------------------------------------------
    // the header

    /** What a checkpoint's header says: enough to know the file's exact length and its tensors. */
    public record Header(Config config, int version, boolean sharedClassifier, int groupSize) {

        /** Where the first tensor starts. */
        public int bytes() {
            return version == 0 ? LEGACY_HEADER_BYTES : HEADER_BYTES;
        }

        /** The exact length of the file; a FormatException where it would pass 2^63. */
        public long fileSize() {
            try {
                return Checkpoint.fileSize(config, version, sharedClassifier, groupSize);
            } catch (ArithmeticException e) {
                throw new FormatException("impossible checkpoint header (" + this
                        + "): its tensors would hold more than 2^63 bytes");
            }
        }

        /** Checks a file's length against the header before a byte of the weights is read. */
        public void checkFileSize(long found) {
            long expected;
            try {
                expected = fileSize();
            } catch (FormatException e) {
                throw new FormatException(e.getMessage() + ", the file has " + found);
            }
            if (found < expected) {
                throw new FormatException("truncated checkpoint: its header (" + this + ") needs " + expected
                        + " bytes, found " + found);
            }
            if (found > expected) {
                throw new FormatException("checkpoint size does not match its header (" + this + "): expected "
                        + expected + " bytes, found " + found);
            }
        }

        /** "int8" for version 2, "fp32" for the others. */
        public String format() {
            return version == 2 ? "int8" : "fp32";
        }

        @Override
        public String toString() {
            Config c = config;
            return "version " + version + ", dim " + c.dim() + ", hidden_dim " + c.hiddenDim()
                    + ", n_layers " + c.nLayers() + ", n_heads " + c.nHeads() + ", n_kv_heads " + c.nKvHeads()
                    + ", vocab_size " + c.vocabSize() + ", seq_len " + c.seqLen()
                    + (sharedClassifier ? ", shared classifier" : ", separate classifier");
        }
    }

    /**
     * Reads the header from the first length bytes of a file whose size is fileSize, or -1 while
     * unknown (a download without Content-Length). Returns null while more bytes are needed and
     * may come (fileSize is -1 or larger than length); throws a FormatException for anything that
     * is not a llama2.c checkpoint, which the first bytes usually show.
     */
    public static Header header(byte[] start, int length, long fileSize) {
        boolean complete = fileSize >= 0 && length >= fileSize;
        if (length < LEGACY_HEADER_BYTES || (intAt(start, 0) == MAGIC && length < HEADER_BYTES)) {
            String foreign = length >= 16 ? foreignFormat(start, length) : null;
            if (foreign != null) {
                throw new FormatException("expected a llama2.c checkpoint, found " + foreign);
            }
            if (!complete) {
                return null;
            }
            if (length >= 4 && intAt(start, 0) == MAGIC) {
                throw new FormatException("expected a 256-byte header after the magic \"ak42\", found a file of "
                        + length + " bytes");
            }
            throw new FormatException("expected a llama2.c checkpoint of at least " + LEGACY_HEADER_BYTES
                    + " bytes, found " + length + " bytes");
        }
        if (intAt(start, 0) != MAGIC) {
            return legacyHeader(start, length);
        }
        int version = intAt(start, 4);
        if (version != 1 && version != 2) {
            throw new FormatException("expected checkpoint version 1 or 2 after the magic \"ak42\", "
                    + "found version " + version);
        }
        Config config = configAt(start, 8);
        boolean shared = switch (start[36]) {
            case 0 -> false;
            case 1 -> true;
            default -> throw new FormatException("expected the shared-classifier flag to be 0 or 1, found "
                    + start[36]);
        };
        int groupSize = 0;
        if (version == 2) {
            groupSize = intAt(start, 37);
            checkGroupSize(config, groupSize);
        }
        return new Header(config, version, shared, groupSize);
    }

    private static Header legacyHeader(byte[] start, int length) {
        String foreign = foreignFormat(start, length);
        if (foreign != null) {
            throw new FormatException("expected a llama2.c checkpoint, found " + foreign);
        }
        int vocabSize = intAt(start, 20);
        // a negative vocab_size is how the legacy format says the classifier is not shared
        boolean shared = vocabSize > 0;
        Config config;
        try {
            if (vocabSize == Integer.MIN_VALUE) { // the one negative int without a positive twin
                throw new FormatException("vocab_size must be positive, or negative for an unshared classifier, "
                        + "found " + vocabSize + ", whose negation does not fit an int32");
            }
            config = new Config(intAt(start, 0), intAt(start, 4), intAt(start, 8), intAt(start, 12),
                    intAt(start, 16), Math.abs(vocabSize), intAt(start, 24));
        } catch (FormatException e) {
            throw new FormatException("expected a llama2.c checkpoint: the file does not start with the magic "
                    + "\"ak42\" of versions 1 and 2, and as a legacy (version 0) header " + e.getMessage());
        }
        return new Header(config, 0, shared, 0);
    }

    /** Names the model formats people mistake for llama2.c's, from their first bytes. */
    private static String foreignFormat(byte[] start, int length) {
        if (startsWith(start, length, "GGUF")) {
            return "a GGUF file (llama.cpp)";
        }
        if (startsWith(start, length, "PK\u0003\u0004")) {
            return "a zip archive (a PyTorch .pt/.pth file?); convert it with llama2.c's export.py";
        }
        if (length > 8 && start[8] == '{' && intAt(start, 4) == 0) {
            return "a safetensors file; convert it with llama2.c's export.py";
        }
        if (isText(start, length, 16)) {
            return "a text document (an HTML page?), not model weights";
        }
        return null;
    }

    /** The first n bytes are printable ASCII or whitespace; a real dim never has such a top byte. */
    static boolean isText(byte[] data, int length, int n) {
        if (length < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int b = data[i] & 0xff;
            if (!(b >= 0x20 && b < 0x7f) && !(b >= '\t' && b <= '\r')) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] data, int length, String prefix) {
        if (length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if ((data[i] & 0xff) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static Config configAt(byte[] header, int offset) {
        return new Config(intAt(header, offset), intAt(header, offset + 4), intAt(header, offset + 8),
                intAt(header, offset + 12), intAt(header, offset + 16), intAt(header, offset + 20),
                intAt(header, offset + 24));
    }

    // ----------------------------------------------------------------------------
    // reading a whole file in memory

    /** A checkpoint held whole in memory, as one shard. */
    public static Model read(byte[] file) {
        CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, Limits.UNLIMITED);
        reader.expectSize(file.length);
        reader.accept(file, 0, file.length);
        return reader.finish();
    }

    /**
     * The largest group size read or written. export.py writes 64 unless told otherwise, and runq.c
     * reads any; a group's integer sum must fit the narrowest lane of {@link Q8Kernels}' longs, 24
     * bits: 512 * 128 * 127 < 2^23. (A group divides dim and hidden_dim: 110M's can be 256.)
     */
    public static final int MAX_GROUP_SIZE = 512;

    /**
     * Every matmul reads whole groups of its input row, so the group size must divide both row
     * lengths, dim and hidden_dim. (runq.c silently drops the tail of a row where it does not.)
     */
    public static void checkGroupSize(Config c, int groupSize) {
        if (groupSize <= 0 || c.dim() % groupSize != 0 || c.hiddenDim() % groupSize != 0) {
            throw new FormatException("expected a quantization group size that divides dim " + c.dim()
                    + " and hidden_dim " + c.hiddenDim() + ", found " + groupSize);
        }
        if (groupSize > MAX_GROUP_SIZE) {
            throw new FormatException("expected a quantization group size of at most " + MAX_GROUP_SIZE
                    + ", found " + groupSize);
        }
    }

    /** The little-endian int32 at b[offset], as llama2.c's files hold numbers (written on x86). */
    public static int intAt(byte[] b, int offset) {
        return (b[offset] & 0xff) | (b[offset + 1] & 0xff) << 8 | (b[offset + 2] & 0xff) << 16 | b[offset + 3] << 24;
    }
}
