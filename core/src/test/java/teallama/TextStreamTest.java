package teallama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TextStreamTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void asciiPassesThrough() {
        TextStream s = new TextStream();
        assertEquals("Once", s.append("Once".getBytes()));
        assertEquals(" upon\n", s.append(" upon\n".getBytes()));
    }

    @Test
    void byteTokensBecomeOneCharacter() {
        // 😀 is F0 9F 98 80, which tokenizer.bin spells as four byte-fallback tokens
        TextStream s = new TextStream();
        assertEquals("", s.append(bytes(0xF0)));
        assertEquals("", s.append(bytes(0x9F)));
        assertEquals("", s.append(bytes(0x98)));
        assertEquals("\uD83D\uDE00", s.append(bytes(0x80)));
        // é (C3 A9) as one multi-byte piece
        assertEquals("caf\u00e9", s.append(bytes('c', 'a', 'f', 0xC3, 0xA9)));
    }

    @Test
    void controlBytesAreDroppedAsSafePrintfDrops() {
        TextStream s = new TextStream();
        assertEquals("", s.append(bytes(0x07)));
        assertEquals("", s.append(bytes(0x00)));
        assertEquals("\t", s.append(bytes('\t')));
    }

    @Test
    void bytesThatMakeNoCharacterAreDroppedAsRunCDropsThem() {
        TextStream s = new TextStream();
        assertEquals("", s.append(bytes(0xE2, 0x82)));
        assertEquals("a", s.append(bytes('a'))); // E2 82 broke off
        assertEquals("", s.append(bytes(0x80))); // a lone continuation byte
        assertEquals("", s.append(bytes(0xC0))); // never valid in UTF-8
        assertEquals("", s.append(bytes(0xE0)));
        assertEquals("", s.append(bytes(0x80))); // E0 80 would be overlong
        assertEquals("\u00e9", s.append(bytes(0xC3, 0xA9)));
        assertEquals("", s.append(bytes(0xF0, 0x9F)));
    }
}
