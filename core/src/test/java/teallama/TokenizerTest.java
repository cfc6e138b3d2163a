package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TokenizerTest {

    record Encoding(String tokenizer, int vocabSize, String text, int[] ids, List<String> pieces) {
        @Override
        public String toString() {
            return tokenizer + ": " + text.replace("\n", "\\n");
        }
    }

    static List<Encoding> encodings() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Shared.golden("tokenizer/encodings.json").toFile());
        List<Encoding> all = new ArrayList<>();
        root.get("tokenizers").fields().forEachRemaining(t -> {
            int vocabSize = t.getValue().get("vocab_size").asInt();
            for (JsonNode c : t.getValue().get("cases")) {
                List<String> pieces = new ArrayList<>();
                c.get("pieces").forEach(p -> pieces.add(p.asText()));
                all.add(new Encoding(t.getKey(), vocabSize, c.get("text").asText(), TraceTest.ints(c.get("ids")),
                        pieces));
            }
        });
        assertEquals(46, all.size(), "23 strings for each of the two tokenizers");
        return all;
    }

    @ParameterizedTest
    @MethodSource("encodings")
    void encodesAsRunC(Encoding e) {
        Tokenizer tokenizer = Shared.loadTokenizer(e.tokenizer(), e.vocabSize());
        int[] ids = tokenizer.encode(e.text(), true, false);
        assertArrayEquals(e.ids(), ids);
        for (int i = 0; i < ids.length; i++) {
            assertEquals(e.pieces().get(i), new String(tokenizer.piece(ids[i]), StandardCharsets.UTF_8));
        }
    }

    @Test
    void addsEosOnRequest() {
        Tokenizer tokenizer = Shared.loadTokenizer("tokenizer.bin", 32000);
        // from test.c: "I believe the meaning of life is" is 306 4658 278 6593 310 2834 338
        assertArrayEquals(new int[] {306, 4658, 278, 6593, 310, 2834, 338, 2},
                tokenizer.encode("I believe the meaning of life is", false, true));
    }

    @Test
    void decodesLikeRunC() {
        Tokenizer tokenizer = Shared.loadTokenizer("tokenizer.bin", 32000);
        // after BOS the leading space of " Once" (9038) goes; elsewhere it stays
        assertEquals("Once", text(tokenizer.decode(1, 9038)));
        assertEquals(" Once", text(tokenizer.decode(263, 9038)));
        // <0x0A> (id 13) is the byte 10; <0xF0> (id 243) is the lone byte 0xF0
        assertArrayEquals(new byte[] {10}, tokenizer.decode(29871, 13));
        assertArrayEquals(new byte[] {(byte) 0xF0}, tokenizer.decode(29871, 243));
    }

    @Test
    void safePrintDropsLoneUnprintableBytes() {
        assertTrue(Tokenizer.isSafeToPrint(new byte[] {'a'}));
        assertTrue(Tokenizer.isSafeToPrint(new byte[] {'\n'}));
        assertTrue(Tokenizer.isSafeToPrint(new byte[] {'\t'}));
        assertTrue(Tokenizer.isSafeToPrint(new byte[] {(byte) 0xC3, (byte) 0xA9})); // é in one piece
        assertFalse(Tokenizer.isSafeToPrint(new byte[] {(byte) 0xF0}));
        assertFalse(Tokenizer.isSafeToPrint(new byte[] {7}));
        assertFalse(Tokenizer.isSafeToPrint(new byte[] {0x7f}));
        assertFalse(Tokenizer.isSafeToPrint(new byte[0]));
    }

    @Test
    void vocabularySizeMustMatchTheModel() {
        byte[] tok512 = Shared.read(Shared.model("tok512.bin"));
        FormatException fewer = assertThrows(FormatException.class, () -> Tokenizer.read(tok512, 600));
        assertEquals("the tokenizer has 512 entries, the model's vocab_size is 600", fewer.getMessage());
        FormatException more = assertThrows(FormatException.class, () -> Tokenizer.read(tok512, 500));
        assertEquals("the tokenizer has 512 entries, the model's vocab_size is 500", more.getMessage());
        byte[] big = Shared.read(Shared.model("tokenizer.bin"));
        FormatException bigger = assertThrows(FormatException.class, () -> Tokenizer.read(big, 512));
        assertEquals("the tokenizer has 32000 entries, the model's vocab_size is 512", bigger.getMessage());
    }

    @Test
    void truncatedTokenizerIsRefused() {
        byte[] tok512 = Shared.read(Shared.model("tok512.bin"));
        byte[] cut = java.util.Arrays.copyOf(tok512, tok512.length - 3);
        FormatException e = assertThrows(FormatException.class, () -> Tokenizer.read(cut, 512));
        assertTrue(e.getMessage().startsWith("truncated tokenizer: entry 511"), e.getMessage());
        FormatException empty = assertThrows(FormatException.class, () -> Tokenizer.read(new byte[0], 512));
        assertTrue(empty.getMessage().contains("found 0 bytes"), empty.getMessage());
    }

    /** tok512 says max_token_length 7; a piece of 8 bytes breaks it (run.c's merge buffer holds two of 7). */
    @Test
    void aPieceLongerThanMaxTokenLengthIsRefused() {
        byte[] tok512 = Shared.read(Shared.model("tok512.bin"));
        assertEquals(7, java.nio.ByteBuffer.wrap(tok512).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0));
        byte[] eight = Mutator.tokenizer(7, java.util.List.of(new Mutator.Entry(0, "<unk>".getBytes(StandardCharsets.US_ASCII)),
                new Mutator.Entry(0, "12345678".getBytes(StandardCharsets.US_ASCII))));
        FormatException e = assertThrows(FormatException.class, () -> Tokenizer.read(eight, 2));
        assertEquals("expected pieces of at most max_token_length (7) bytes, found entry 1 saying it has 8", e.getMessage());
        byte[] seven = Mutator.tokenizer(7, java.util.List.of(new Mutator.Entry(0, "<unk>".getBytes(StandardCharsets.US_ASCII)),
                new Mutator.Entry(0, "1234567".getBytes(StandardCharsets.US_ASCII))));
        assertEquals(2, Tokenizer.read(seven, 2).vocabSize());
    }

    /** A negative length is no piece the file cuts short: it was called "truncated", with what was left. */
    @Test
    void aNegativePieceLengthIsRefusedAsSuch() {
        byte[] negative = Mutator.tokenizer(7, java.util.List.of(new Mutator.Entry(0, "<unk>".getBytes(StandardCharsets.US_ASCII)),
                new Mutator.Entry(0, "ab".getBytes(StandardCharsets.US_ASCII))));
        java.nio.ByteBuffer.wrap(negative).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4 + 8 + 5 + 4, -3);
        FormatException e = assertThrows(FormatException.class, () -> Tokenizer.read(negative, 2));
        assertEquals("expected pieces of 0 to max_token_length (7) bytes, found entry 1 saying it has -3", e.getMessage());
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Pieces for reading: tok512's " the" (id 265), "<0x0A>" (13), "<0x41>" (68), "<0xE2>" (229). */
    @Test
    void readablePieces() {
        Tokenizer tokenizer = Shared.loadTokenizer("tok512.bin", 512);
        assertEquals("\u2423the", tokenizer.readable(265));
        assertEquals("\\n", tokenizer.readable(13));
        assertEquals("\\t", tokenizer.readable(12));
        assertEquals("A", tokenizer.readable(68));
        assertEquals("\u2423", tokenizer.readable(35)); // <0x20>
        assertEquals("<0xE2>", tokenizer.readable(229));
        assertEquals("<0x00>", tokenizer.readable(3));
        assertEquals("<0x7F>", tokenizer.readable(130));
        assertEquals("<unk>", tokenizer.readable(0));
        assertEquals("<s>", tokenizer.readable(Tokenizer.BOS));
        assertEquals("</s>", tokenizer.readable(Tokenizer.EOS));
        assertEquals("\u2423", tokenizer.readable(410));
        assertEquals("<U+00A0>", tokenizer.readable(498)); // a no-break space
        assertEquals("<U+200A>", tokenizer.readable(511)); // a hair space
    }

    /** Pieces that are not byte tokens: valid UTF-8 stays, other bytes are shown as <0xNN>. */
    @Test
    void readableOddPieces() {
        byte[][] pieces = {"<unk>".getBytes(), "<s>".getBytes(), "</s>".getBytes(), "caf\u00e9 \ud83d\ude00".getBytes(StandardCharsets.UTF_8),
            {'a', (byte) 0xC3, 'b', 0x07, (byte) 0xED, (byte) 0xA0, (byte) 0x80, '<', '>'}, "<0x4G>".getBytes(),
            {'"', '\\', '\r'}};
        Tokenizer tokenizer = Tokenizer.read(tokenizerFile(pieces), pieces.length);
        assertEquals("caf\u00e9\u2423\ud83d\ude00", tokenizer.readable(3));
        assertEquals("a<0xC3>b<0x07><0xED><0xA0><0x80><>", tokenizer.readable(4)); // a surrogate is not UTF-8
        assertEquals("<0x4G>", tokenizer.readable(5));
        assertEquals("\"\\\\r", tokenizer.readable(6));
    }

    static byte[] tokenizerFile(byte[][] pieces) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.writeBytes(b.putInt(0, 16).array());
        for (byte[] piece : pieces) {
            out.writeBytes(b.putFloat(0, 0f).array());
            out.writeBytes(b.putInt(0, piece.length).array());
            out.writeBytes(piece);
        }
        return out.toByteArray();
    }
}
