package teallama;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The Byte Pair Encoding tokenizer of llama2.c's tokenizer.bin: max_token_length (int32), then
 * per id a score (float32), a length (int32) and that many bytes. The file does not say how many
 * ids it holds; the model's vocab_size does, and the two must agree.
 *
 * <p>Pieces are C strings in run.c, so a piece ends at its first NUL byte here too, and lookups
 * compare bytes unsigned, as strcmp does: encode() gives run.c's ids even for odd inputs.
 */
public final class Tokenizer {
    public static final int BOS = 1; // <s>, also the end of a story in generate mode
    public static final int EOS = 2; // </s>, the end of an assistant turn in chat mode

    private final byte[][] vocab;    // (vocab_size,) the piece of each id
    private final float[] vocabScores;
    private final int[] sortedVocab; // ids in strcmp order of their pieces, ties in id order (qsort is stable in glibc)
    private final byte[][] bytePieces = new byte[256][];

    private Tokenizer(byte[][] vocab, float[] vocabScores) {
        this.vocab = vocab;
        this.vocabScores = vocabScores;
        Integer[] order = new Integer[vocab.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> compare(vocab[a], vocab[b]));
        sortedVocab = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            sortedVocab[i] = order[i];
        }
        for (int i = 0; i < 256; i++) {
            bytePieces[i] = new byte[] {(byte) i};
        }
    }

    /** Reads tokenizer.bin for a model with vocabSize ids. */
    public static Tokenizer read(byte[] data, int vocabSize) {
        if (data.length < 4) {
            throw new FormatException("expected a tokenizer file starting with max_token_length (4 bytes), found "
                    + data.length + " bytes");
        }
        checkNotText(data, data.length);
        int maxTokenLength = Checkpoint.intAt(data, 0);
        if (maxTokenLength <= 0) {
            throw new FormatException("expected a positive max_token_length, found " + maxTokenLength);
        }
        byte[][] vocab = new byte[vocabSize][];
        float[] scores = new float[vocabSize];
        int p = 4;
        for (int i = 0; i < vocabSize; i++) {
            if (p == data.length) {
                throw new FormatException(entryCount(String.valueOf(i), vocabSize));
            }
            if (data.length - p < 8) {
                throw new FormatException("truncated tokenizer: entry " + i + " needs 8 bytes for its score and length, "
                        + "found " + (data.length - p));
            }
            scores[i] = Float.intBitsToFloat(Checkpoint.intAt(data, p));
            int len = Checkpoint.intAt(data, p + 4);
            p += 8;
            checkPieceLength(i, len, maxTokenLength);
            if (len > data.length - p) {
                throw new FormatException(truncatedEntry(i, len, data.length - p));
            }
            vocab[i] = cString(data, p, len);
            p += len;
        }
        if (p != data.length) {
            int entries = countEntries(data, p);
            throw new FormatException(entryCount(entries < 0 ? "more than " + vocabSize
                    : String.valueOf(vocabSize + entries), vocabSize));
        }
        return new Tokenizer(vocab, scores);
    }

    /**
     * Refuses a file that starts with 4 bytes of text, as an HTML page does (a wrong address): as
     * max_token_length they would say 538976288 bytes or more, and its first entry's length a
     * number of that size, which said nothing of what the file was. The text "ak42" is the magic
     * of a checkpoint, given in the tokenizer's place, and is called one.
     */
    public static void checkNotText(byte[] start, int length) {
        if (length >= 4 && Checkpoint.intAt(start, 0) == Checkpoint.MAGIC) {
            throw new FormatException("expected a tokenizer file, found a llama2.c checkpoint (it starts with the "
                    + "magic \"ak42\" of versions 1 and 2)");
        }
        if (Checkpoint.isText(start, length, 4)) {
            throw new FormatException("expected a tokenizer file, found a text document (an HTML page?)");
        }
    }

    /**
     * Refuses a piece longer than the file's max_token_length: run.c's merge buffer holds two
     * pieces of that length, and a file that breaks its own bound is not a tokenizer (this is
     * checked before the piece is read, so a huge claim costs nothing). A negative length, on
     * which run.c's read fails, is refused as such, not as a piece that the file cuts short.
     */
    public static void checkPieceLength(int entry, int length, int maxTokenLength) {
        if (length < 0) {
            throw new FormatException("expected pieces of 0 to max_token_length (" + maxTokenLength
                    + ") bytes, found entry " + entry + " saying it has " + length);
        }
        if (length > maxTokenLength) {
            throw new FormatException("expected pieces of at most max_token_length (" + maxTokenLength
                    + ") bytes, found entry " + entry + " saying it has " + length);
        }
    }

    /** The error of an entry whose piece is longer than what is left of the file. */
    public static String truncatedEntry(int entry, int length, long left) {
        return "truncated tokenizer: entry " + entry + " says it has " + length + " bytes, found " + left
                + " left in the file";
    }

    /** The error of a tokenizer with another number of entries than the model's ids. */
    public static String entryCount(String entries, int vocabSize) {
        return "the tokenizer has " + entries + " entries, the model's vocab_size is " + vocabSize;
    }

    /** Entries in data from p to the end, or -1 where the rest is not a sequence of whole entries. */
    private static int countEntries(byte[] data, int p) {
        int entries = 0;
        while (p < data.length) {
            if (data.length - p < 8) {
                return -1;
            }
            int len = Checkpoint.intAt(data, p + 4);
            if (len < 0 || len > data.length - p - 8) {
                return -1;
            }
            p += 8 + len;
            entries++;
        }
        return entries;
    }

    private static byte[] cString(byte[] data, int offset, int len) {
        int end = offset;
        while (end < offset + len && data[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(data, offset, end);
    }

    public int vocabSize() {
        return vocab.length;
    }

    /** The piece of an id, as stored in the file. */
    public byte[] piece(int id) {
        return vocab[id].clone();
    }

    // ----------------------------------------------------------------------------
    // decode

    /**
     * The bytes run.c prints for token after prevToken: after BOS the leading space is
     * stripped, and a piece like {@code <0x0A>} stands for that raw byte. The array is shared; do
     * not change it.
     */
    public byte[] decode(int prevToken, int token) {
        byte[] piece = vocab[token];
        int start = 0;
        // following BOS (1) token, sentencepiece decoder strips any leading whitespace
        if (prevToken == BOS && piece.length > 0 && piece[0] == ' ') {
            start = 1;
        }
        int byteValue = rawByte(piece, start);
        if (byteValue >= 0) {
            return bytePieces[byteValue];
        }
        return start == 0 ? piece : Arrays.copyOfRange(piece, start, piece.length);
    }

    /**
     * The byte of a piece like <0x0A>, or -1, as run.c's sscanf("<0x%02hhX>") reads it: "<0x",
     * then white space skipped, then at most 2 characters of a hexadecimal number, a sign
     * included, cut to a byte (so "<0x 41>" is 'A' and "<0x-1>" is 0xFF); what follows is ignored.
     */
    private static int rawByte(byte[] piece, int start) {
        if (piece.length - start < 3 || piece[start] != '<' || piece[start + 1] != '0' || piece[start + 2] != 'x') {
            return -1;
        }
        int i = start + 3;
        while (i < piece.length && isCSpace(piece[i])) {
            i++;
        }
        int width = 2;
        boolean negative = false;
        if (i < piece.length && (piece[i] == '+' || piece[i] == '-')) {
            negative = piece[i] == '-';
            i++;
            width--;
        }
        int value = 0;
        int digits = 0;
        for (; digits < width && i < piece.length; i++, digits++) {
            int d = Character.digit(piece[i], 16);
            if (d < 0) {
                break;
            }
            value = value * 16 + d;
        }
        if (digits == 0) {
            return -1;
        }
        return (negative ? -value : value) & 0xFF; // %hhX stores an unsigned char
    }

    /** C's isspace in the C locale. */
    private static boolean isCSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    /**
     * What run.c's safe_printf lets through: a piece of one byte is printed only when it is a
     * printable ASCII character or whitespace, so raw control bytes and lone UTF-8 bytes from
     * byte-fallback tokens are dropped.
     */
    public static boolean isSafeToPrint(byte[] piece) {
        if (piece.length == 0) {
            return false;
        }
        if (piece.length == 1) {
            int b = piece[0] & 0xff;
            return (b >= 0x20 && b <= 0x7e) || (b >= '\t' && b <= '\r'); // isprint || isspace
        }
        return true;
    }

    /**
     * The piece of an id as a reader can see it: spaces as ␣, a newline, tab or carriage return
     * as \n, \t, \r, a byte token of a printable ASCII character as that character, every
     * other control byte, stray byte or byte token as <0xNN>, and characters that show as
     * nothing or as a space (no-break and other Unicode spaces, zero-width ones) as <U+NNNN>.
     * BOS and EOS are <s> and </s>.
     */
    public String readable(int id) {
        if (id == BOS) {
            return "<s>";
        }
        if (id == EOS) {
            return "</s>";
        }
        byte[] piece = vocab[id];
        if (piece.length == 6 && piece[5] == '>' && Character.digit(piece[4], 16) >= 0 && rawByte(piece, 0) >= 0) {
            piece = bytePieces[rawByte(piece, 0)];
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < piece.length; ) {
            int b = piece[i] & 0xff;
            int length = utf8Length(piece, i);
            if (b == ' ') {
                out.append('\u2423');
            } else if (b == '\n') {
                out.append("\\n");
            } else if (b == '\t') {
                out.append("\\t");
            } else if (b == '\r') {
                out.append("\\r");
            } else if (b >= 0x21 && b <= 0x7e) {
                out.append((char) b);
            } else if (length > 1) {
                String character = new String(piece, i, length, StandardCharsets.UTF_8);
                int cp = character.codePointAt(0);
                if (isInvisible(cp)) {
                    out.append("<U+").append(HEX[cp >> 12 & 15]).append(HEX[cp >> 8 & 15]).append(HEX[cp >> 4 & 15])
                            .append(HEX[cp & 15]).append('>');
                } else {
                    out.append(character);
                }
            } else {
                out.append("<0x").append(HEX[b >> 4]).append(HEX[b & 15]).append('>');
            }
            i += Math.max(length, 1);
        }
        return out.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Spaces other than ' ', zero-width characters and the like, which a reader could not see. */
    private static boolean isInvisible(int cp) {
        return cp < 0xA0 || cp == 0xA0 || cp == 0xAD || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200F)
                || (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF;
    }

    /** The length of the valid multi-byte UTF-8 character at piece[i], or 0. */
    private static int utf8Length(byte[] piece, int i) {
        int lead = piece[i] & 0xff;
        int length = lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
        if (length == 0 || i + length > piece.length) {
            return 0;
        }
        int second = piece[i + 1] & 0xff;
        int low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
        int high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
        if (second < low || second > high) {
            return 0;
        }
        for (int k = 2; k < length; k++) {
            if ((piece[i + k] & 0xC0) != 0x80) {
                return 0;
            }
        }
        return length;
    }

    // ----------------------------------------------------------------------------
    // encode

    public int[] encode(String text, boolean bos, boolean eos) {
        return encode(text.getBytes(StandardCharsets.UTF_8), bos, eos);
    }

    /**
     * run.c's encode: optional BOS, the dummy-prefix space, one token per UTF-8 codepoint found in
     * the vocabulary (else one per byte, id = byte + 3), then greedy merges of the best-scoring
     * adjacent pair until none is in the vocabulary, then optional EOS.
     */
    public int[] encode(byte[] text, boolean bos, boolean eos) {
        int textLength = text.length;
        for (int i = 0; i < text.length; i++) {
            if (text[i] == 0) {
                textLength = i; // a C string ends at its first NUL
                break;
            }
        }
        int[] tokens = new int[textLength + 3]; // +3 for '\0', ?BOS, ?EOS
        int nTokens = 0;

        // add optional BOS (=1) token, if desired
        if (bos) {
            tokens[nTokens++] = BOS;
        }

        // add_dummy_prefix is true by default: prepend a dummy prefix token to non-empty input
        if (textLength > 0) {
            tokens[nTokens++] = lookup(new byte[] {' '}, "the dummy-prefix space");
        }

        // process the raw (UTF-8) byte sequence of the input string
        byte[] buffer = new byte[4];
        int bufferLength = 0;
        for (int c = 0; c < textLength; c++) {
            // reset buffer if the current byte is ASCII or a leading byte, not a continuation byte
            if ((text[c] & 0xC0) != 0x80) {
                bufferLength = 0;
            }
            // append the current byte to the buffer
            buffer[bufferLength++] = text[c];

            // while the next character is a continuation byte, continue appending
            // (but no more than 4 bytes, the longest UTF-8 codepoint)
            boolean nextIsContinuation = c + 1 < textLength && (text[c + 1] & 0xC0) == 0x80;
            if (nextIsContinuation && bufferLength < 4) {
                continue;
            }

            // ok c+1 is not a continuation byte, so we've read in a full codepoint
            int id = find(buffer, 0, bufferLength, null, 0, 0);
            if (id != -1) {
                // we found this codepoint in vocab, add it as a token
                tokens[nTokens++] = id;
            } else {
                // byte_fallback encoding: just encode each byte as a token
                // +3 is here because the first 3 vocab elements are <unk>, <s>, </s>
                for (int i = 0; i < bufferLength; i++) {
                    tokens[nTokens++] = byteFallback(buffer[i] & 0xff);
                }
            }
            bufferLength = 0; // protect against a sequence of stray UTF8 continuation bytes
        }

        nTokens = merge(tokens, nTokens);

        // add optional EOS (=2) token, if desired
        if (eos) {
            tokens[nTokens++] = EOS;
        }
        return Arrays.copyOf(tokens, nTokens);
    }

    /**
     * run.c's merges: while some adjacent pair's concatenation is in the vocabulary with a score
     * above -1e10, the best-scoring pair (the leftmost of equal ones) becomes that token. run.c
     * rescans every pair after each merge, which takes minutes for a prompt of some ten
     * thousand tokens; here the pairs wait in a heap ordered the same way (score, then the
     * position of the left token, which merges keep in order), and a pair whose tokens changed
     * since it was pushed is dropped when it comes up. Same merges, same order: the same ids.
     * Returns the number of tokens left at the front of tokens.
     */
    int merge(int[] tokens, int n) {
        int[] next = new int[n];   // (n,) the token after each, or n
        int[] prev = new int[n];   // (n,) the token before each, or -1
        for (int i = 0; i < n; i++) {
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        PairHeap heap = new PairHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            pushPair(heap, tokens, i, i + 1);
        }
        int left;
        while ((left = heap.pop()) >= 0) {
            int right = heap.poppedRight;
            if (next[left] != right || tokens[left] != heap.poppedLeftToken || tokens[right] != heap.poppedRightToken) {
                continue; // a merge changed these tokens after the pair was pushed
            }
            // merge the consecutive pair (left, right) into the new token, and delete right
            tokens[left] = heap.poppedId;
            next[left] = next[right];
            if (next[right] < n) {
                prev[next[right]] = left;
            }
            tokens[right] = -1;
            next[right] = -1; // deleted: no pair starts here
            if (prev[left] >= 0) {
                pushPair(heap, tokens, prev[left], left);
            }
            if (next[left] < n) {
                pushPair(heap, tokens, left, next[left]);
            }
        }
        int kept = 0;
        for (int i = 0; i < n; i = next[i]) {
            tokens[kept++] = tokens[i];
        }
        return kept;
    }

    /**
     * run.c's merge loop as it is, rescanning every pair after each merge: the reference that
     * {@link #merge} must agree with (tests compare them); quadratic in the number of tokens.
     */
    int mergeAsRunC(int[] tokens, int nTokens) {
        while (true) {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIdx = -1;
            for (int i = 0; i < nTokens - 1; i++) {
                // check if we can merge the pair (tokens[i], tokens[i+1])
                byte[] a = vocab[tokens[i]];
                byte[] b = vocab[tokens[i + 1]];
                int id = find(a, 0, a.length, b, 0, b.length);
                if (id != -1 && vocabScores[id] > bestScore) {
                    // this merge pair exists in vocab! record its score and position
                    bestScore = vocabScores[id];
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx == -1) {
                return nTokens; // we couldn't find any more pairs to merge, so we're done
            }
            // merge the consecutive pair (bestIdx, bestIdx+1) into new token bestId
            tokens[bestIdx] = bestId;
            // delete token at position bestIdx+1, shift the entire sequence back 1
            System.arraycopy(tokens, bestIdx + 2, tokens, bestIdx + 1, nTokens - bestIdx - 2);
            nTokens--;
        }
    }

    /** Pushes the pair (left, right) if its concatenation is a token that run.c would merge to. */
    private void pushPair(PairHeap heap, int[] tokens, int left, int right) {
        byte[] a = vocab[tokens[left]];
        byte[] b = vocab[tokens[right]];
        int id = find(a, 0, a.length, b, 0, b.length);
        if (id != -1 && vocabScores[id] > -1e10f) { // run.c's best_score starts at -1e10: lower never merges
            heap.push(vocabScores[id], left, right, tokens[left], tokens[right], id);
        }
    }

    private int byteFallback(int byteValue) {
        int id = byteValue + 3;
        if (id >= vocab.length) {
            throw new FormatException("the tokenizer has no byte-fallback token for byte " + byteValue
                    + ": expected id " + id + ", found vocab_size " + vocab.length);
        }
        return id;
    }

    private int lookup(byte[] piece, String what) {
        int id = find(piece, 0, piece.length, null, 0, 0);
        if (id == -1) {
            throw new FormatException("the tokenizer has no token for " + what);
        }
        return id;
    }

    /**
     * The id of the piece a + b (b may be null), or -1: glibc's bsearch over the sorted
     * vocabulary, so that duplicate pieces resolve to the same id as in run.c.
     */
    private int find(byte[] a, int aOffset, int aLength, byte[] b, int bOffset, int bLength) {
        int l = 0;
        int u = sortedVocab.length;
        while (l < u) {
            int idx = (l + u) >>> 1;
            int cmp = compareConcatenation(a, aOffset, aLength, b, bOffset, bLength, vocab[sortedVocab[idx]]);
            if (cmp < 0) {
                u = idx;
            } else if (cmp > 0) {
                l = idx + 1;
            } else {
                return sortedVocab[idx];
            }
        }
        return -1;
    }

    /** strcmp(a + b, piece). */
    private static int compareConcatenation(byte[] a, int aOffset, int aLength, byte[] b, int bOffset,
                                            int bLength, byte[] piece) {
        int keyLength = aLength + bLength;
        int n = Math.min(keyLength, piece.length);
        for (int i = 0; i < n; i++) {
            int k = i < aLength ? a[aOffset + i] & 0xff : b[bOffset + i - aLength] & 0xff;
            int v = piece[i] & 0xff;
            if (k != v) {
                return k - v;
            }
        }
        return keyLength - piece.length;
    }

    /** strcmp(a, b). */
    private static int compare(byte[] a, byte[] b) {
        return compareConcatenation(a, 0, a.length, null, 0, 0, b);
    }
}
