package teallama;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Damages checkpoints and tokenizers the way bad downloads, hand edits and hostile files do:
 * header fields set to edge values (with the file resized to match, so the reader goes past its
 * length check), bytes and floats overwritten, files cut or extended, formats swapped, tokenizer
 * entries with odd lengths, scores and pieces. Each mutation says what it did, for the report of
 * a failing case. Reads the formats on its own (not through the code under test), so that
 * {@link #checkpointLength} is an independent statement of llama2.c's layout.
 */
public final class Mutator {
    private static final int MAGIC = 0x616b3432;
    /** Files are resized to fit a mutated header only up to this length. */
    private static final long MAX_RESIZE = 4 << 20;

    private final Random random;
    private final StringBuilder log = new StringBuilder();

    Mutator(Random random) {
        this.random = random;
    }

    /** What was done, in order. */
    String log() {
        return log.toString();
    }

    // ----------------------------------------------------------------------------
    // values a hostile header would hold

    private int interesting(int original) {
        int[] edges = {0, 1, -1, 2, 3, 4, 7, 8, 16, 63, 64, 65, 255, 256, 46341, 65536, 1 << 20, 4194304, 1 << 24,
            1 << 30, Integer.MAX_VALUE, Integer.MAX_VALUE - 8, Integer.MIN_VALUE, -original};
        return switch (random.nextInt(6)) {
            case 0 -> original + random.nextInt(5) - 2;
            case 1 -> original * 2;
            case 2 -> original / 2;
            case 3 -> random.nextInt();
            default -> edges[random.nextInt(edges.length)];
        };
    }

    private static int intAt(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static void putInt(byte[] b, int at, int value) {
        ByteBuffer.wrap(b, at, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(value);
    }

    // ----------------------------------------------------------------------------
    // checkpoints

    /**
     * The length llama2.c's layout gives a file with this header, or -1 where the header is too
     * short, has no sensible shape, or its length passes a long. Versions 0 and 1 hold fp32
     * tensors, version 0 with RoPE tables of seq_len * head_size floats; version 2 holds the
     * norms in fp32 and every other tensor as int8 values plus one float scale per group.
     */
    static long checkpointLength(byte[] file) {
        boolean magic = file.length >= 4 && intAt(file, 0) == MAGIC;
        if (file.length < (magic ? 256 : 28)) {
            return -1;
        }
        int at = magic ? 8 : 0;
        long dim = intAt(file, at);
        long hidden = intAt(file, at + 4);
        long layers = intAt(file, at + 8);
        long heads = intAt(file, at + 12);
        long kvHeads = intAt(file, at + 16);
        long vocab = intAt(file, at + 20);
        long seqLen = intAt(file, at + 24);
        int version = magic ? intAt(file, 4) : 0;
        boolean shared = magic ? file[36] == 1 : vocab > 0;
        vocab = Math.abs(vocab);
        long groupSize = version == 2 ? intAt(file, 37) : 1;
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab <= 0 || seqLen <= 0
                || groupSize <= 0 || version < 0 || version > 2) {
            return -1;
        }
        long headSize = dim / heads;
        long kvDim = headSize * kvHeads;
        try {
            long norms = Math.multiplyExact(2 * layers + 1, dim);
            long[] matrices = { // embedding, wq, wk, wv, wo, w1, w2, w3, classifier
                Math.multiplyExact(vocab, dim), Math.multiplyExact(layers, dim * dim),
                Math.multiplyExact(layers, dim * kvDim), Math.multiplyExact(layers, dim * kvDim),
                Math.multiplyExact(layers, dim * dim), Math.multiplyExact(layers, dim * hidden),
                Math.multiplyExact(layers, dim * hidden), Math.multiplyExact(layers, dim * hidden),
                shared ? 0 : Math.multiplyExact(vocab, dim)};
            long bytes = magic ? 256 : 28;
            bytes = Math.addExact(bytes, Math.multiplyExact(4, norms));
            for (long count : matrices) {
                long tensor = version == 2 ? Math.addExact(count, Math.multiplyExact(4, count / groupSize))
                        : Math.multiplyExact(4, count);
                bytes = Math.addExact(bytes, tensor);
            }
            if (version == 0) {
                bytes = Math.addExact(bytes, Math.multiplyExact(4, Math.multiplyExact(seqLen, headSize)));
            }
            return bytes;
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /**
     * How many layers of the matrices (wq, wk, wv, wo, w1, w2, w3: 7 per layer of the model) a
     * file with this header holds in its bytes, walking them in file order, or 0 where it has no
     * sensible header: the reader keeps a few objects for each.
     */
    static long matrixLayers(byte[] file) {
        if (checkpointLength(file) < 0) {
            return 0;
        }
        boolean magic = intAt(file, 0) == MAGIC;
        int at = magic ? 8 : 0;
        long dim = intAt(file, at);
        long hidden = intAt(file, at + 4);
        long layers = intAt(file, at + 8);
        long kvDim = dim / intAt(file, at + 12) * intAt(file, at + 16);
        long vocab = Math.abs((long) intAt(file, at + 20));
        boolean quantized = magic && intAt(file, 4) == 2;
        long groupSize = quantized ? intAt(file, 37) : 1;
        // before the matrices: the embedding, and the norms (version 0: rms_att only)
        long offset = magic ? 256 + 4 * (2 * layers + 1) * dim : 28 + 4 * layers * dim;
        offset += quantized ? vocab * dim + 4 * (vocab * dim / groupSize) : 4 * vocab * dim;
        long count = 0;
        for (long values : new long[] {dim * dim, dim * kvDim, dim * kvDim, dim * dim, dim * hidden, dim * hidden,
            dim * hidden}) {
            long perLayer = quantized ? values + 4 * (values / groupSize) : 4 * values;
            if (offset < file.length) {
                count += perLayer == 0 ? layers : Math.min(layers, (file.length - offset) / perLayer + 1);
            }
            offset += layers * perLayer;
        }
        return count;
    }

    /** One to three mutations of a checkpoint. */
    byte[] mutateCheckpoint(byte[] file, byte[] other) {
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            file = mutateCheckpointOnce(file, other);
        }
        return file;
    }

    private byte[] mutateCheckpointOnce(byte[] file, byte[] other) {
        boolean magic = file.length >= 4 && intAt(file, 0) == MAGIC;
        int headerBytes = Math.min(file.length, magic ? 256 : 28);
        switch (random.nextInt(10)) {
            case 0, 1, 2 -> { // a header field, and the file resized to what the new header says
                file = file.clone();
                int at = headerField(magic);
                if (at + 4 > file.length) {
                    return file;
                }
                if (at == 36) {
                    file[36] = (byte) interesting(file[36]);
                    log.append("flag byte=").append(file[36]);
                } else {
                    putInt(file, at, interesting(intAt(file, at)));
                    log.append("int@").append(at).append('=').append(intAt(file, at));
                }
                if (random.nextInt(3) > 0) {
                    file = resizeToHeader(file);
                }
            }
            case 3 -> { // bits of the header
                file = file.clone();
                for (int k = 1 + random.nextInt(3); k > 0 && headerBytes > 0; k--) {
                    int at = random.nextInt(headerBytes);
                    file[at] ^= (byte) (1 << random.nextInt(8));
                    log.append("flip@").append(at).append(' ');
                }
            }
            case 4 -> { // cut short, often within the header
                int length = random.nextBoolean() ? random.nextInt(Math.min(file.length, 300) + 1)
                        : random.nextInt(file.length + 1);
                log.append("cut to ").append(length);
                file = Arrays.copyOf(file, length);
            }
            case 5 -> { // trailing bytes
                int extra = random.nextBoolean() ? 1 + random.nextInt(4) : 1 + random.nextInt(5000);
                log.append("append ").append(extra);
                file = Arrays.copyOf(file, file.length + extra);
            }
            case 6, 7 -> { // weights that are not numbers, huge, or int8 extremes
                file = file.clone();
                float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                    -Float.MAX_VALUE, 1e30f, Float.MIN_VALUE, 0.0f, -0.0f};
                for (int k = 1 + random.nextInt(4); k > 0 && file.length > headerBytes + 4; k--) {
                    int at = headerBytes + random.nextInt(file.length - headerBytes - 4);
                    if (random.nextBoolean()) {
                        ByteBuffer.wrap(file, at, 4).order(ByteOrder.LITTLE_ENDIAN)
                                .putFloat(specials[random.nextInt(specials.length)]);
                    } else {
                        file[at] = (byte) (random.nextBoolean() ? -128 : random.nextInt(256));
                    }
                    log.append("body@").append(at).append(' ');
                }
            }
            case 8 -> { // the header of one format over the weights of another
                int cut = other.length >= 4 && intAt(other, 0) == MAGIC ? 256 : 28;
                byte[] spliced = Arrays.copyOf(Arrays.copyOf(other, Math.min(cut, other.length)),
                        Math.min(cut, other.length) + Math.max(0, file.length - headerBytes));
                System.arraycopy(file, headerBytes, spliced, Math.min(cut, other.length),
                        Math.max(0, file.length - headerBytes));
                log.append("splice");
                file = random.nextBoolean() ? resizeToHeader(spliced) : spliced;
            }
            default -> { // another version, flag or group size, resized to match
                file = file.clone();
                if (magic && file.length >= 41) {
                    putInt(file, 4, random.nextInt(4));
                    file[36] = (byte) random.nextInt(3);
                    putInt(file, 37, new int[] {1, 2, 3, 4, 8, 24, 32, 64, 128, 0, -64}[random.nextInt(11)]);
                    log.append("version ").append(intAt(file, 4)).append(" flag ").append(file[36]).append(" gs ")
                            .append(intAt(file, 37));
                } else if (file.length >= 24) {
                    putInt(file, 20, -intAt(file, 20));
                    log.append("legacy vocab sign");
                }
                file = resizeToHeader(file);
            }
        }
        log.append("; ");
        return file;
    }

    /** The offset of a header field: magic, version, a config int, the shared flag or the group size. */
    private int headerField(boolean magic) {
        if (!magic) {
            return 4 * random.nextInt(7);
        }
        int[] fields = {0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 37};
        return fields[random.nextInt(fields.length)];
    }

    /** The file cut or padded with small random floats to the length its header gives, when that is small. */
    private byte[] resizeToHeader(byte[] file) {
        long length = checkpointLength(file);
        if (length < 0 || length > MAX_RESIZE) {
            return file;
        }
        int old = file.length;
        byte[] resized = Arrays.copyOf(file, (int) length);
        ByteBuffer tail = ByteBuffer.wrap(resized).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = old; at + 4 <= resized.length; at += 4) {
            tail.putFloat(at, (random.nextFloat() - 0.5f) * 0.2f);
        }
        log.append(" resized to ").append(length);
        return resized;
    }

    // ----------------------------------------------------------------------------
    // tokenizers

    /** A tokenizer as entries: max_token_length, then (score, piece) per id. */
    public record Entry(float score, byte[] piece) {
    }

    public static List<Entry> entries(byte[] tokenizer) {
        ByteBuffer b = ByteBuffer.wrap(tokenizer).order(ByteOrder.LITTLE_ENDIAN);
        b.position(4);
        List<Entry> entries = new ArrayList<>();
        while (b.remaining() >= 8) {
            float score = b.getFloat();
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                break; // a damaged entry ends what can be read as entries
            }
            byte[] piece = new byte[length];
            b.get(piece);
            entries.add(new Entry(score, piece));
        }
        return entries;
    }

    public static byte[] tokenizer(int maxTokenLength, List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        out.write(b.putInt(0, maxTokenLength).array(), 0, 4);
        for (Entry e : entries) {
            b.clear();
            out.write(b.putFloat(e.score()).putInt(e.piece().length).array(), 0, 8);
            out.write(e.piece(), 0, e.piece().length);
        }
        return out.toByteArray();
    }

    /**
     * A tokenizer for any vocab_size: <unk>, <s>, </s>, then every byte as a piece of its own (so
     * a space exists for the dummy prefix once the vocabulary reaches it), then pairs of letters.
     */
    public static byte[] syntheticTokenizer(int vocabSize) {
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry(0, ascii("<unk>")));
        entries.add(new Entry(0, ascii("\n<s>\n")));
        entries.add(new Entry(0, ascii("\n</s>\n")));
        for (int id = 3; id < vocabSize; id++) {
            int k = id - 3;
            byte[] piece = k < 256 ? new byte[] {(byte) k} : new byte[] {(byte) ('a' + k % 26), (byte) ('a' + k / 26 % 26)};
            entries.add(new Entry(-id, piece));
        }
        return tokenizer(8, entries);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** One to three mutations of a tokenizer. */
    byte[] mutateTokenizer(byte[] file) {
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            file = mutateTokenizerOnce(file);
            log.append("; ");
        }
        return file;
    }

    private byte[] mutateTokenizerOnce(byte[] file) {
        List<Entry> entries = file.length >= 4 ? entries(file) : new ArrayList<>();
        int maxTokenLength = file.length >= 4 ? intAt(file, 0) : 8;
        if (entries.isEmpty()) {
            int length = random.nextInt(file.length + 9);
            log.append("short file of ").append(length);
            return Arrays.copyOf(file, length);
        }
        int id = entries.isEmpty() ? 0 : random.nextInt(entries.size());
        switch (random.nextInt(9)) {
            case 0 -> {
                maxTokenLength = interesting(maxTokenLength);
                log.append("max_token_length=").append(maxTokenLength);
            }
            case 1 -> { // an entry's length field that disagrees with its bytes
                byte[] bytes = tokenizer(maxTokenLength, entries);
                int at = lengthFieldOffset(entries, id);
                if (at + 4 <= bytes.length) {
                    putInt(bytes, at, interesting(intAt(bytes, at)));
                    log.append("length of ").append(id).append('=').append(intAt(bytes, at));
                }
                return bytes;
            }
            case 2 -> {
                float[] scores = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                    -1e10f, -1e10f - 1e4f, 0.0f, random.nextFloat() * 100 - 50};
                float score = scores[random.nextInt(scores.length)];
                entries.set(id, new Entry(score, entries.get(id).piece()));
                log.append("score of ").append(id).append('=').append(score);
            }
            case 3, 4 -> {
                byte[][] odd = {ascii("<0x"), ascii("<0xZZ>"), ascii("<0x4"), ascii("<0x0A>"), ascii("<0xFF>"),
                    new byte[0], {0}, {0, 'a'}, ascii(" "), {(byte) 0xff, (byte) 0xfe}, {(byte) 0xe2, (byte) 0x80},
                    {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xc0, (byte) 0xaf}, ascii("\u0001"),
                    ascii("a".repeat(300)), ascii("<s>"), ascii("</s>"), entries.get(random.nextInt(entries.size())).piece()};
                byte[] piece = odd[random.nextInt(odd.length)];
                entries.set(id, new Entry(entries.get(id).score(), piece));
                log.append("piece of ").append(id).append(" length ").append(piece.length);
            }
            case 5 -> {
                entries.remove(id);
                log.append("removed ").append(id);
            }
            case 6 -> {
                entries.add(id, entries.get(id));
                log.append("duplicated ").append(id);
            }
            case 7 -> {
                int other = random.nextInt(entries.size());
                Entry e = entries.get(id);
                entries.set(id, entries.get(other));
                entries.set(other, e);
                log.append("swapped ").append(id).append(' ').append(other);
            }
            default -> {
                byte[] bytes = tokenizer(maxTokenLength, entries);
                int length = random.nextBoolean() ? random.nextInt(bytes.length + 1) : bytes.length + random.nextInt(9);
                log.append("resized to ").append(length);
                return Arrays.copyOf(bytes, length);
            }
        }
        return tokenizer(maxTokenLength, entries);
    }

    private static int lengthFieldOffset(List<Entry> entries, int id) {
        int at = 4;
        for (int i = 0; i < id; i++) {
            at += 8 + entries.get(i).piece().length;
        }
        return at + 4;
    }

    // ----------------------------------------------------------------------------
    // prompts

    /** Text, random bytes (invalid UTF-8, NULs), or a long prompt. */
    byte[] prompt() {
        return switch (random.nextInt(5)) {
            case 0 -> new byte[0];
            case 1 -> "Once upon a time".getBytes(StandardCharsets.UTF_8);
            case 2 -> "Lily 🐱 é\n\t".repeat(1 + random.nextInt(8)).getBytes(StandardCharsets.UTF_8);
            default -> {
                byte[] bytes = new byte[random.nextInt(random.nextBoolean() ? 16 : 200)];
                random.nextBytes(bytes);
                yield bytes;
            }
        };
    }

    public static byte[] write(Config c, int version, boolean shared, int groupSize, long seed) {
        FloatWeights weights = ModelWriter.randomWeights(c, shared, seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (version == 2) {
                ModelWriter.writeQuantized(c, weights, groupSize, out);
            } else {
                ModelWriter.write(c, weights, version, out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
