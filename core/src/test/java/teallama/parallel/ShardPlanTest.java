package teallama.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import teallama.Config;

/** How a model splits into shards: whole blocks of rows, at most one shard per block of dim, kv heads and heads. */
class ShardPlanTest {

    @Test
    void splitsCoverTheirRangeInWholeBlocks() {
        Split dim = Split.evenBlocks(288, 5, 8);
        assertEquals("[0, 56, 112, 168, 224, 288]", dim.toString());
        Split few = Split.evenBlocks(20, 4, 8); // three blocks, the last short, for four parts
        assertEquals("[0, 0, 8, 16, 20]", few.toString());
        assertEquals(3, few.partOf(19));
        assertEquals(1, few.partOf(0));
        assertEquals("[0, 0, 1, 2, 3]", few.inBlocksOf(8).toString());
        assertEquals("[0, 0, 2, 4, 5]", few.inBlocksOf(4).toString());
        assertEquals("[0, 0, 0, 64, 64]", Split.owner(2, 4, 64).toString());
    }

    @Test
    void aPlanNeverHasMoreShardsThanBlocksOfDim() {
        Config stories260K = new Config(64, 172, 5, 8, 4, 512, 512);
        assertEquals(8, ShardPlan.of(stories260K, 16).shards());
        ShardPlan six = ShardPlan.of(stories260K, 6);
        assertEquals(6, six.shards());
        // 4 kv heads over 6 shards: two shards own none
        assertEquals("[0, 0, 1, 2, 2, 3, 4]", six.kvHeads().toString());
        assertEquals("[0, 0, 2, 4, 4, 6, 8]", six.heads().toString());
    }
}
