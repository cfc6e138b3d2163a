package teallama;

/**
 * RoPE relative positional encoding: each head's vector is taken as head_size / 2 complex
 * numbers, and pair i at position pos is rotated by pos * 10000^(-2i / head_size). run.c
 * computes the angles in every forward pass; here they are tabled once, with the same float
 * operations, so the rotations are bit-identical.
 */
public final class Rope {
    private final int headSize;
    private final float[] cos; // (positions, head_size / 2)
    private final float[] sin; // (positions, head_size / 2)

    public Rope(int headSize, int positions) {
        this.headSize = headSize;
        int half = headSize / 2;
        cos = new float[positions * half];
        sin = new float[positions * half];
        for (int pos = 0; pos < positions; pos++) {
            for (int headDim = 0; headDim < headSize; headDim += 2) {
                float freq = 1.0f / (float) Math.pow(10000.0f, headDim / (float) headSize);
                float val = pos * freq;
                cos[pos * half + headDim / 2] = FloatMath.cosf(val);
                sin[pos * half + headDim / 2] = FloatMath.sinf(val);
            }
        }
    }

    /** cos of the angle of pair i at position pos, as the legacy file's freq_cis_real holds it. */
    float cos(int pos, int pair) {
        return cos[pos * (headSize / 2) + pair];
    }

    float sin(int pos, int pair) {
        return sin[pos * (headSize / 2) + pair];
    }

    /** Rotates every head of vec[offset, offset + size) for position pos. */
    public void rotate(float[] vec, int offset, int size, int pos) {
        int half = headSize / 2;
        int table = pos * half;
        for (int i = 0; i < size; i += 2) {
            int pair = table + (i % headSize) / 2;
            float fcr = cos[pair];
            float fci = sin[pair];
            float v0 = vec[offset + i];
            float v1 = vec[offset + i + 1];
            vec[offset + i] = v0 * fcr - v1 * fci;
            vec[offset + i + 1] = v0 * fci + v1 * fcr;
        }
    }
}
