package teallama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The candidates of one position, against probabilities sorted and cut by hand. */
class InspectorTest {

    /**
     * Twelve probabilities, as the sampler leaves them in place of the logits. Sorted (ties in
     * id order): 3 (0.30), 1 (0.20), 4 and 7 (0.10), 0, 2, 5, 6 (0.05), 9, 10 (0.03), 8, 11 (0.02).
     */
    private static final float[] PROBABILITIES = {0.05f, 0.20f, 0.05f, 0.30f, 0.10f, 0.05f, 0.05f, 0.10f, 0.02f,
        0.03f, 0.03f, 0.02f};
    private static final int[] TOP_TEN = {3, 1, 4, 7, 0, 2, 5, 6, 9, 10};

    private static Inspector.Candidates inspect(float topp, int chosen, boolean forced) {
        Inspector inspector = new Inspector(new Sampler(12, 1.0f, topp, 1), 12);
        return inspector.inspect(PROBABILITIES.clone(), -1, Float.NaN, chosen, forced);
    }

    /**
     * Top-p 0.65: the cumulative sum is 0.3, 0.5, 0.6, then 0.7 > 0.65 at the fourth row, so
     * rows 0..3 are the nucleus and the rest are cut.
     */
    @Test
    void rowsAreTheTenMostProbableWithTheNucleusMarked() {
        Inspector.Candidates c = inspect(0.65f, 7, false);
        assertFalse(c.greedy());
        assertArrayEquals(TOP_TEN, c.tokens());
        for (int r = 0; r < 10; r++) {
            assertEquals(PROBABILITIES[TOP_TEN[r]], c.probabilities()[r]);
            assertEquals(r > 3, c.cut()[r], "row " + r);
        }
        assertEquals(3, c.chosenRow());
    }

    /**
     * Past the first ten the values are looked at four at a time, then one at a time for those
     * left after the last block of four: ids 0..9 hold 10, 9, .., 1; ids 10 and 11, in the block
     * of ids 10..13, hold 1.5, and so does id 16, among those left. Id 10 takes the last row from
     * the 1; 11 and 16 tie it and stay out, as the sampler's stable sort puts the lower id first.
     */
    @Test
    void aTieWithTheLastRowStaysOut() {
        float[] values = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1.5f, 1.5f, 0, 0, 0, 0, 1.5f};
        Inspector inspector = new Inspector(new Sampler(values.length, 1.0f, 0.0f, 1), values.length);
        Inspector.Candidates c = inspector.inspect(values, -1, Float.NaN, 0, false);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 10}, c.tokens());
    }

    /** Outside (0, 1) top-p does not cut: every token can be drawn. */
    @Test
    void withoutToppNothingIsCut() {
        for (float topp : new float[] {0.0f, 1.0f}) {
            assertArrayEquals(new boolean[10], inspect(topp, 3, false).cut());
        }
    }

    /**
     * A token that is not among the ten most probable takes the last row: id 8 (0.02) after
     * 9 (0.03). Forced by the prompt, it is cut when top-p could not draw it: at top-p 0.65 it is
     * below the cutoff 0.35 / 11 = 0.0318.
     */
    @Test
    void chosenTokenOutsideTheTopTakesTheLastRow() {
        Inspector.Candidates c = inspect(0.65f, 8, true);
        assertArrayEquals(new int[] {3, 1, 4, 7, 0, 2, 5, 6, 9, 8}, c.tokens());
        assertEquals(0.02f, c.probabilities()[9]);
        assertEquals(9, c.chosenRow());
        assertTrue(c.cut()[9]);
        // sampled, it was in the nucleus, whatever the rows say
        assertFalse(inspect(0.65f, 8, false).cut()[9]);
    }

    /**
     * Top-p 0.97: the cutoff 0.03 / 11 keeps all twelve, and the ten rows sum to 0.96, so the
     * nucleus goes on past them: id 8 (cumulative 0.98 > 0.97) closes it, and id 11 is outside.
     */
    @Test
    void forcedTokenPastTheRowsIsCutOnlyOutsideTheNucleus() {
        Inspector.Candidates eight = inspect(0.97f, 8, true);
        assertArrayEquals(new boolean[10], eight.cut());
        Inspector.Candidates eleven = inspect(0.97f, 11, true);
        assertEquals(11, eleven.tokens()[9]);
        assertTrue(eleven.cut()[9]);
        assertFalse(eleven.cut()[8]);
    }

    /**
     * Greedy: the values are logits, and the probabilities are softmax at temperature 1.
     * Logits 0, ln 3, 0 give e^x = 1, 3, 1 over 5: 0.6 for id 1, then 0.2 for ids 0 and 2 (in id
     * order), bit for bit what Kernels.softmax (run.c's softmax) gives, given its sum.
     */
    @Test
    void greedyShowsTheProbabilitiesOfTemperatureOne() {
        float[] logits = {0f, (float) Math.log(3), 0f};
        Inspector inspector = new Inspector(new Sampler(3, 0.0f, 0.9f, 1), 3);
        Inspector.Candidates c = inspector.inspect(logits.clone(), 1, softmaxSum(logits, 1), 1, false);
        assertTrue(c.greedy());
        assertArrayEquals(new int[] {1, 0, 2}, c.tokens());
        assertArrayEquals(new float[] {0.6f, 0.2f, 0.2f}, c.probabilities(), 1e-6f);
        float[] softmax = logits.clone();
        Kernels.softmax(softmax, 0, 3);
        assertArrayEquals(new float[] {softmax[1], softmax[0], softmax[2]}, c.probabilities());
        assertArrayEquals(new boolean[3], c.cut(), "greedy cuts nothing");
        assertEquals(0, c.chosenRow());
    }

    /** A forced token at temperature 0, outside the rows, gets its temperature 1 probability too. */
    @Test
    void greedyForcedTokenOutsideTheRows() {
        float[] logits = new float[12];
        for (int i = 0; i < 12; i++) {
            logits[i] = -i; // id 0 most likely, id 11 least
        }
        Inspector.Candidates c = new Inspector(new Sampler(12, 0.0f, 0.9f, 1), 12)
                .inspect(logits, 0, softmaxSum(logits, 0), 11, true);
        float[] softmax = logits.clone();
        Kernels.softmax(softmax, 0, 12);
        assertEquals(11, c.tokens()[9]);
        assertEquals(softmax[11], c.probabilities()[9]);
        assertEquals(softmax[0], c.probabilities()[0]);
        assertEquals(9, c.chosenRow());
    }

    /** run.c's softmax denominator: the sum of expf(logit - largest) in id order. */
    private static float softmaxSum(float[] logits, int largest) {
        float sum = 0.0f;
        for (float logit : logits) {
            sum += FloatMath.expf(logit - logits[largest]);
        }
        return sum;
    }
}
