package teallama;

/**
 * The hyperparameters of the architecture (the blueprint), as the checkpoint header gives them.
 * A Config that exists has passed {@link #validate}: every size is positive and consistent.
 */
public record Config(
        int dim,       // transformer dimension
        int hiddenDim, // for ffn layers
        int nLayers,   // number of layers
        int nHeads,    // number of query heads
        int nKvHeads,  // number of key/value heads (can be < query heads because of multiquery)
        int vocabSize, // vocabulary size
        int seqLen) {  // max sequence length

    /** The largest length the JVM and the browsers give a Java array. */
    public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    public Config {
        validate(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen);
    }

    public int headSize() {
        return dim / nHeads;
    }

    public int kvDim() {
        return headSize() * nKvHeads;
    }

    /** How many query heads share one key/value head. */
    public int kvMul() {
        return nHeads / nKvHeads;
    }

    /** Parameters in the matmul and norm weights, counting a shared classifier once. */
    public long parameterCount(boolean sharedClassifier) {
        long perLayer = 2L * dim                  // rms_att_weight, rms_ffn_weight
                + (long) dim * dim * 2            // wq, wo
                + (long) dim * kvDim() * 2        // wk, wv
                + (long) dim * hiddenDim * 3;     // w1, w2, w3
        long count = (long) vocabSize * dim + nLayers * perLayer + dim;
        return sharedClassifier ? count : count + (long) vocabSize * dim;
    }

    private static void validate(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads,
                                 int vocabSize, int seqLen) {
        positive("dim", dim);
        positive("hidden_dim", hiddenDim);
        positive("n_layers", nLayers);
        positive("n_heads", nHeads);
        positive("n_kv_heads", nKvHeads);
        positive("vocab_size", vocabSize);
        positive("seq_len", seqLen);
        if (dim % nHeads != 0) {
            throw new FormatException("dim " + dim + " is not divisible by n_heads " + nHeads);
        }
        if ((dim / nHeads) % 2 != 0) {
            throw new FormatException("head size " + dim / nHeads
                    + " (dim / n_heads) must be even, since RoPE rotates pairs");
        }
        if (nKvHeads > nHeads || nHeads % nKvHeads != 0) {
            throw new FormatException("n_kv_heads " + nKvHeads + " must divide n_heads " + nHeads);
        }
        if (vocabSize < 3) {
            throw new FormatException("vocab_size must be at least 3 (<unk>, <s>, </s>), found " + vocabSize);
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new FormatException(name + " must be positive, found " + value);
        }
    }
}
