package teallama;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Headers that claim more than their bytes hold, read as a download without a Content-Length
 * reads them: what the reader allocates follows the bytes that arrive, not the claims.
 */
class HostileHeadersTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** stories260K's first bytes with one header int (a version 0 field) changed. */
    private static byte[] stories260K(int field, int value) {
        byte[] file = Shared.read(Shared.model("stories260K.bin"));
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * field, value);
        return file;
    }

    /**
     * A vocab_size of 2^31 - 1 split into shards: its blocks of rows overflowed an int, which made
     * the shards' row counts negative and the reader loop for ever.
     */
    @Test
    @Timeout(20)
    void aVocabularyNearTwoToThe31IsRefusedOnAnyNumberOfShards() {
        byte[] file = stories260K(5, Integer.MAX_VALUE);
        for (int shards = 1; shards <= 3; shards++) {
            CheckpointReader reader = CheckpointReader.of(shards, shards - 1, new Limits(Config.MAX_ARRAY_LENGTH, 1L << 30));
            FormatException e = assertThrows(FormatException.class, () -> reader.accept(file, 0, 65536));
            assertTrue(e.getMessage().startsWith("its weights need "), e.getMessage());
        }
    }

    /**
     * A header claiming a vocabulary of a million tokens (256 MB of embedding) followed by 64 KB:
     * without a Content-Length, the arrays grow with what arrives, so the reader allocates about
     * what it was sent; it used to allocate the claim at the header.
     */
    @Test
    void withoutALengthArraysGrowWithTheBytes() {
        byte[] file = stories260K(5, 1 << 20);
        CheckpointReader reader = CheckpointReader.of(1, CheckpointReader.ALL_SHARDS, new Limits(Config.MAX_ARRAY_LENGTH, 1L << 30));
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int offset = 0; offset < 65536; offset += 4096) {
            reader.accept(file, offset, 4096);
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 1 << 20, allocated + " bytes allocated for 64 KB");
        FormatException e = assertThrows(FormatException.class, reader::finish);
        assertTrue(e.getMessage().startsWith("truncated checkpoint: its header (version 0, dim 64, hidden_dim 172, "
                + "n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 1048576, seq_len 512, shared classifier) needs "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" bytes, found 65536"), e.getMessage());
    }
}
