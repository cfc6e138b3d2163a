package teallama.jvm;

import teallama.Model;
import teallama.Transformer;
import teallama.parallel.Exchange;
import teallama.parallel.ShardPlan;
import teallama.parallel.Split;

/**
 * Runs the shards of a model on threads of this JVM: shard 0 on the caller's thread, as the
 * {@link #transformer()} that generation drives, and each other shard on a thread of its own that
 * waits for shard 0 to begin a position. The shards exchange activations through two shared
 * staging arrays, used in turn, and meet at a {@link SpinBarrier} after each exchange. JVM only:
 * TeaVM has no threads.
 */
public final class ShardThreads implements AutoCloseable {
    /**
     * The longest a waiting shard spins before it parks, when every shard has a core (SpinBarrier
     * shortens it while waits end asleep): past the differences between the shards' times from
     * one meeting to the next on a machine to themselves (110M ran the same spinning 30 µs,
     * 100 µs or 1 ms each time).
     */
    private static final long SPIN_NANOS = 1_000_000;

    private final SpinBarrier barrier;
    private final float[][] staging; // (2, max(dim, hidden_dim, vocab_size)), used in turn
    private final Thread[] threads;
    private final Transformer first;
    private volatile int token;
    private volatile int pos;
    private volatile boolean softmaxSum;
    private volatile float temperature;
    private volatile boolean closed;

    private ShardThreads(Model model, int positions) {
        ShardPlan plan = model.plan();
        int n = plan.shards();
        boolean coreEach = n <= Runtime.getRuntime().availableProcessors();
        barrier = new SpinBarrier(n, coreEach ? SPIN_NANOS : 0);
        staging = new float[2][plan.longestExchange()];
        Transformer[] shards = new Transformer[n];
        for (int s = 0; s < n; s++) {
            shards[s] = model.shards()[s].newTransformer(positions, n == 1 ? Exchange.NONE : new ThreadExchange(s));
        }
        first = shards[0];
        threads = new Thread[n - 1];
        for (int s = 1; s < n; s++) {
            Transformer shard = shards[s];
            int party = s;
            threads[s - 1] = new Thread(() -> serve(shard, party), "shard-" + s);
            threads[s - 1].setDaemon(true);
            threads[s - 1].start();
        }
    }

    /** Starts a thread for every shard of the model but the first, each with a KV cache of positions. */
    public static ShardThreads start(Model model, int positions) {
        return new ShardThreads(model, positions);
    }

    /** The forward pass of the whole model: shard 0, which sets the others going. */
    public Transformer transformer() {
        return first;
    }

    /** How many threads the forward pass runs on. */
    public int threads() {
        return threads.length + 1;
    }

    private void serve(Transformer shard, int party) {
        try {
            while (true) {
                barrier.await(party); // shard 0 begins a position
                if (closed) {
                    return;
                }
                shard.sumExponentials(softmaxSum);
                shard.exponentiateAt(temperature);
                shard.forward(token, pos);
            }
        } catch (RuntimeException | Error e) {
            barrier.fail(e);
        }
    }

    @Override
    public void close() {
        if (threads.length > 0 && !closed) {
            closed = true;
            barrier.await(0);
        }
    }

    /** One shard's side of the meetings. */
    private final class ThreadExchange implements Exchange {
        private final int shard;
        private int turn; // which staging array the next exchange uses

        ThreadExchange(int shard) {
            this.shard = shard;
        }

        @Override
        public void begin(int token, int pos, boolean softmaxSum, float temperature) {
            if (shard == 0) {
                ShardThreads.this.token = token;
                ShardThreads.this.pos = pos;
                ShardThreads.this.softmaxSum = softmaxSum;
                ShardThreads.this.temperature = temperature;
                barrier.await(0);
            }
        }

        @Override
        public void allGather(float[] buf, Split split) {
            float[] shared = publish(buf, split);
            for (int s = 0; s < split.parts(); s++) {
                if (s != shard) {
                    System.arraycopy(shared, split.from(s), buf, split.from(s), split.size(s));
                }
            }
        }

        @Override
        public void gatherToFirst(float[] buf, Split split) {
            float[] shared = publish(buf, split);
            if (shard == 0) {
                System.arraycopy(shared, split.to(0), buf, split.to(0), split.length() - split.to(0));
            }
        }

        /**
         * Writes this shard's part into the staging array of this turn and waits for the others.
         * An array is written again two exchanges later, after every shard has passed the
         * barrier of the exchange between, so by then all have read it.
         */
        private float[] publish(float[] buf, Split split) {
            float[] shared = staging[turn];
            turn ^= 1;
            System.arraycopy(buf, split.from(shard), shared, split.from(shard), split.size(shard));
            barrier.await(shard);
            return shared;
        }
    }
}
