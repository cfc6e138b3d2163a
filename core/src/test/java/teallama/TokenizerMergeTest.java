package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The tokenizer's merges through a heap against run.c's loop, which rescans every pair after
 * each merge: the same ids for any tokens, with real and damaged vocabularies (duplicate pieces,
 * empty pieces, scores of NaN, infinities, -0.0 beside 0.0, and -1e10, below which run.c never
 * merges). And a long prompt, which took run.c's loop minutes, now takes a moment.
 */
class TokenizerMergeTest {

    private static void assertSameMerges(Tokenizer tokenizer, int[] tokens, String what) {
        int[] expected = tokens.clone();
        int[] found = tokens.clone();
        int expectedLength = tokenizer.mergeAsRunC(expected, expected.length);
        int foundLength = tokenizer.merge(found, found.length);
        assertArrayEquals(Arrays.copyOf(expected, expectedLength), Arrays.copyOf(found, foundLength), what);
    }

    @Test
    void realVocabulariesMergeAsRunC() {
        Random random = new Random(1);
        String[] texts = {"Once upon a time, there was a little girl named Lily.", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "the the the the the", "Lily 🐱 é\n\t\u0000x", "ababababababababab bababababa"};
        for (String name : new String[] {"tok512.bin", "tokenizer.bin"}) {
            byte[] file = Shared.read(Shared.model(name));
            int vocabSize = Mutator.entries(file).size();
            Tokenizer tokenizer = Tokenizer.read(file, vocabSize);
            for (String text : texts) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                assertSameMerges(tokenizer, unmerged(tokenizer, bytes), name + ": " + text);
            }
            for (int k = 0; k < 200; k++) {
                int[] tokens = new int[random.nextInt(60)];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = random.nextInt(random.nextBoolean() ? vocabSize : 300);
                }
                assertSameMerges(tokenizer, tokens, name + ": " + Arrays.toString(tokens));
            }
        }
    }

    /** The tokens encode() starts merging from: the text's bytes, one token each (ids byte + 3), after BOS. */
    private static int[] unmerged(Tokenizer tokenizer, byte[] text) {
        int[] tokens = new int[text.length + 1];
        tokens[0] = Tokenizer.BOS;
        for (int i = 0; i < text.length; i++) {
            tokens[i + 1] = (text[i] & 0xff) + 3;
        }
        return tokens;
    }

    @Test
    void damagedVocabulariesMergeAsRunC() {
        Random random = new Random(2);
        float[] odd = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.0f, -0.0f, -1e10f, -1e10f + 1e3f, 1};
        for (int k = 0; k < 300; k++) {
            // a small alphabet, so that many pairs are pieces; some pieces twice, some empty
            List<Mutator.Entry> entries = new ArrayList<>();
            entries.add(new Mutator.Entry(0, "<unk>".getBytes(StandardCharsets.US_ASCII)));
            entries.add(new Mutator.Entry(0, "\n<s>\n".getBytes(StandardCharsets.US_ASCII)));
            entries.add(new Mutator.Entry(0, "\n</s>\n".getBytes(StandardCharsets.US_ASCII)));
            int vocabSize = 3 + 1 + random.nextInt(60);
            while (entries.size() < vocabSize) {
                byte[] piece = new byte[random.nextInt(5)];
                for (int i = 0; i < piece.length; i++) {
                    piece[i] = (byte) ('a' + random.nextInt(3));
                }
                float score = random.nextInt(3) == 0 ? odd[random.nextInt(odd.length)] : random.nextInt(5) - 2;
                entries.add(new Mutator.Entry(score, piece));
            }
            Tokenizer tokenizer = Tokenizer.read(Mutator.tokenizer(8, entries), vocabSize);
            for (int t = 0; t < 10; t++) {
                int[] tokens = new int[random.nextInt(40)];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = random.nextInt(vocabSize);
                }
                assertSameMerges(tokenizer, tokens, "case " + k + ": " + Arrays.toString(tokens));
            }
        }
    }

    /** 64 KB of prompt: about 20000 tokens, whose merges took run.c's loop minutes. */
    @Test
    void aLongPromptEncodesInAMoment() {
        Tokenizer tokenizer = Shared.loadTokenizer("tokenizer.bin", 32000);
        String text = "Once upon a time, there was a little girl named Lily. She loved to play outside. ".repeat(800);
        long start = System.nanoTime();
        int[] ids = tokenizer.encode(text, true, false);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(ids.length > 10_000, ids.length + " tokens");
        // run.c's loop takes minutes here; the heap, well under a second even on a busy machine
        assertTrue(seconds < 10, seconds + " s");
        // the pieces spell the text again (the first one without the dummy prefix's space)
        java.io.ByteArrayOutputStream spelled = new java.io.ByteArrayOutputStream();
        for (int i = 1; i < ids.length; i++) {
            spelled.writeBytes(tokenizer.decode(ids[i - 1], ids[i]));
        }
        assertTrue(text.equals(spelled.toString(StandardCharsets.UTF_8)), "the pieces spell the prompt");
    }
}
