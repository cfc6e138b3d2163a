package teallama.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

import teallama.Checkpoint;
import teallama.FormatException;
import teallama.Tokenizer;

/** A tokenizer on disk, read as the command line reads it (JVM only): no further than its entries go. */
final class TokenizerFile {
    private TokenizerFile() {
    }

    /**
     * A tokenizer's bytes as far as its entries go: max_token_length and vocabSize entries, and
     * one more byte if there is one (so that a longer file is found out), as run.c reads only what
     * it needs. Each entry's length is checked before its piece is read, against max_token_length
     * and what is left of a regular file, so a file of gigabytes that is not a tokenizer costs its
     * first bytes; a pipe or a device, which says nothing of its length, is read the same way up to
     * STREAMED_BYTES, where reading on would only grow the array.
     * Beyond the entries of a regular file, the others are counted (skipped, not read) to say how
     * many it has. Tokenizer.read judges the bytes; a FormatException says what is wrong sooner.
     */
    static byte[] readEntries(File file, int vocabSize) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        // buffered: FileInputStream's own readNBytes seeks, which a pipe cannot
        try (InputStream in = new BufferedInputStream(new FileInputStream(file))) {
            byte[] head = in.readNBytes(4);
            data.writeBytes(head);
            Tokenizer.checkNotText(head, head.length);
            int maxTokenLength = head.length < 4 ? 0 : Checkpoint.intAt(head, 0);
            if (maxTokenLength <= 0) {
                return data.toByteArray();
            }
            long fileLength = file.isFile() ? file.length() : Long.MAX_VALUE;
            for (int i = 0; i < vocabSize; i++) {
                if (!readEntry(in, data, i, maxTokenLength, fileLength)) {
                    return data.toByteArray();
                }
            }
            if (file.isFile()) {
                long more = countEntries(file, data.size());
                if (more > 0) {
                    throw new FormatException(Tokenizer.entryCount(String.valueOf(vocabSize + more), vocabSize));
                }
            }
            data.writeBytes(in.readNBytes(1));
            return data.toByteArray();
        } catch (OutOfMemoryError e) {
            throw new FormatException("a tokenizer whose pieces do not fit in memory (give Java more with -Xmx)");
        }
    }

    /**
     * Entry i (score, length, piece) into data, its length checked against max_token_length and
     * what is left of the file before its piece is read; whether it was whole.
     */
    private static boolean readEntry(InputStream in, ByteArrayOutputStream data, int i, int maxTokenLength,
                                     long fileLength) throws IOException {
        byte[] scoreAndLength = in.readNBytes(8);
        data.writeBytes(scoreAndLength);
        if (scoreAndLength.length < 8) {
            return false;
        }
        int length = Checkpoint.intAt(scoreAndLength, 4);
        Tokenizer.checkPieceLength(i, length, maxTokenLength);
        if (fileLength == Long.MAX_VALUE && length > STREAMED_BYTES - data.size()) {
            throw new FormatException("expected a tokenizer of at most " + (STREAMED_BYTES >> 20)
                    + " MiB from a pipe or device, found entry " + i + " of " + length + " bytes after " + data.size());
        }
        if (length > fileLength - data.size()) {
            throw new FormatException(Tokenizer.truncatedEntry(i, length, fileLength - data.size()));
        }
        byte[] piece = in.readNBytes(length); // grows with what arrives, not with what the length says
        data.writeBytes(piece);
        return piece.length == length;
    }

    /** The most read from a pipe or device: tokenizers take a few MB (Llama 2's 32000 pieces, 424 KB). */
    private static final long STREAMED_BYTES = 64 << 20;

    /** Beyond this, the bytes after a tokenizer's entries are not walked to count theirs: tokenizers take a few MB. */
    private static final long COUNTED_BYTES = 16 << 20;

    /**
     * The whole entries from offset to the end of a regular file, their pieces skipped, not read;
     * 0 where the rest is not a sequence of whole entries or is too long to count (Tokenizer.read
     * then says so from its first byte).
     */
    private static long countEntries(File file, long offset) throws IOException {
        long rest = file.length() - offset;
        if (rest > COUNTED_BYTES) {
            return 0;
        }
        long entries = 0;
        try (InputStream in = new BufferedInputStream(new FileInputStream(file))) {
            in.skipNBytes(offset);
            while (rest > 0) {
                byte[] head = in.readNBytes(8);
                int length = head.length < 8 ? -1 : Checkpoint.intAt(head, 4);
                if (length < 0 || length > rest - 8) {
                    return 0;
                }
                in.skipNBytes(length);
                rest -= 8L + length;
                entries++;
            }
        }
        return entries;
    }
}
