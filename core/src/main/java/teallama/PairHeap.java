package teallama;

import java.util.Arrays;

/**
 * The tokenizer's candidate merges: a binary heap of adjacent pairs, the highest score on top,
 * then the leftmost, compared as run.c's merge loop compares them (its caller keeps NaN scores
 * out). Each pair carries the tokens it was made of, so that its caller can tell a pair that
 * later merges changed.
 */
final class PairHeap {
    private float[] score;    // (capacity,) the score of the token a pair merges to
    private int[] left;       // (capacity,) where the pair's left token is
    private int[] right;      // (capacity,) where its right token was when pushed
    private int[] leftToken;  // (capacity,) the two tokens when pushed
    private int[] rightToken; // (capacity,)
    private int[] id;         // (capacity,) the token the pair merges to
    private int size;
    // the pair pop() took, beside the left place it returns
    int poppedRight;
    int poppedLeftToken;
    int poppedRightToken;
    int poppedId;

    PairHeap(int capacity) {
        int n = Math.max(16, capacity);
        score = new float[n];
        left = new int[n];
        right = new int[n];
        leftToken = new int[n];
        rightToken = new int[n];
        id = new int[n];
    }

    /** a comes out before b: a higher score (as run.c's > compares, so 0.0 and -0.0 tie), else further left. */
    private boolean before(int a, int b) {
        return score[a] > score[b] || (!(score[a] < score[b]) && left[a] < left[b]);
    }

    void push(float s, int l, int r, int lt, int rt, int merged) {
        if (size == score.length) {
            grow(2 * size);
        }
        int at = size++;
        set(at, s, l, r, lt, rt, merged);
        while (at > 0 && before(at, (at - 1) / 2)) {
            swap(at, (at - 1) / 2);
            at = (at - 1) / 2;
        }
    }

    /** Takes the top pair: returns its left token's place (the rest in the popped fields), or -1 when empty. */
    int pop() {
        if (size == 0) {
            return -1;
        }
        int l = left[0];
        poppedRight = right[0];
        poppedLeftToken = leftToken[0];
        poppedRightToken = rightToken[0];
        poppedId = id[0];
        size--;
        swap(0, size);
        for (int at = 0; ; ) {
            int child = 2 * at + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(child + 1, child)) {
                child++;
            }
            if (!before(child, at)) {
                break;
            }
            swap(at, child);
            at = child;
        }
        return l;
    }

    private void set(int at, float s, int l, int r, int lt, int rt, int merged) {
        score[at] = s;
        left[at] = l;
        right[at] = r;
        leftToken[at] = lt;
        rightToken[at] = rt;
        id[at] = merged;
    }

    private void swap(int a, int b) {
        float s = score[a];
        int l = left[a];
        int r = right[a];
        int lt = leftToken[a];
        int rt = rightToken[a];
        int merged = id[a];
        set(a, score[b], left[b], right[b], leftToken[b], rightToken[b], id[b]);
        set(b, s, l, r, lt, rt, merged);
    }

    private void grow(int capacity) {
        score = Arrays.copyOf(score, capacity);
        left = Arrays.copyOf(left, capacity);
        right = Arrays.copyOf(right, capacity);
        leftToken = Arrays.copyOf(leftToken, capacity);
        rightToken = Arrays.copyOf(rightToken, capacity);
        id = Arrays.copyOf(id, capacity);
    }
}
