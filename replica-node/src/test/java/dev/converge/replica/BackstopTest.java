package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.replica.sync.SyncConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The periodic digest backstop runs while deltas flow. Under steady writes the two sides' digests
 * differ in every range a delta in flight touches; those ranges settle a round later, and only a
 * range that still differs then has its documents exchanged.
 */
class BackstopTest {

    @Test
    void aBackstopUnderLoadRarelyExchangesStatesOfRangesThatDifferOnlyByDeltasInFlight() {
        SyncConfig sync = SyncConfig.defaults().withAntiEntropyIntervalMillis(1_000);
        try (Cluster cluster = new Cluster(2, 47, EngineConfig.defaults().withSync(sync))) {
            cluster.runFor(1_000);
            cluster.network.minDelayMillis = 10; // every message 10 ms on the way, in order
            cluster.network.maxDelayMillis = 10;
            long[] digestRequests = {0};
            long[] offered = {0};
            cluster.network.lost = m -> {
                if (m instanceof DigestRequest) {
                    digestRequests[0]++;
                } else if (m instanceof StateBatch b && !b.reply()) {
                    offered[0] += b.documents().size();
                }
                return false;
            };
            Replica writer = cluster.get(0);
            SplittableRandom random = new SplittableRandom(7);
            long[] written = new long[200];
            for (int i = 0; i < 10_000; i++) { // one write a millisecond for 10 s, over 200 counters at random
                int k = random.nextInt(written.length);
                writer.counter("k" + k).increment();
                written[k]++;
                cluster.runFor(1);
            }
            cluster.runFor(3_000);
            assertThat(digestRequests[0]).as("digest requests: backstops that found differing ranges and compared deeper")
                    .isGreaterThan(40);
            // 244 without the second look; with it, only ranges a delta was in flight to at every look.
            assertThat(offered[0]).as("documents offered by backstops").isLessThanOrEqualTo(25);
            cluster.assertConverged();
            for (int k = 0; k < written.length; k++) {
                assertThat(cluster.get(1).counter("k" + k).value()).isEqualTo(written[k]);
            }
        }
    }
}
