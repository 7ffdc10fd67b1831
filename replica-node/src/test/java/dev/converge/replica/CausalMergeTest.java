package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.sync.DeltaBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A receiver merges a peer's batches only in an unbroken run (the causal delta-merging
 * condition): a delta names the dots its writer held, not the ones those replaced, so a batch
 * merged past a lost one would show values no replica ever held until the gap was filled.
 */
class CausalMergeTest {

    private static final Bytes HASH = Bytes.of("h");
    private static final Bytes FIELD = Bytes.of("c");

    @Test
    void aBatchPastALostOneIsNotMergedBeforeIt() {
        try (Cluster cluster = new Cluster(2, 61, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.runFor(500);
            int[] batches = new int[1];
            cluster.network.lost = m -> m instanceof DeltaBatch d && d.deltas().stream().anyMatch(x -> x.key().equals(HASH))
                    && ++batches[0] == 2; // the second push of the field to b
            List<Long> seenAtB = new ArrayList<>();
            for (long amount : new long[] {5, 1, 1}) {
                cluster.await(a.map(HASH).increment(FIELD, amount));
                cluster.runFor(50); // each its own push
                seenAtB.add(b.map(HASH).read().counter(FIELD).orElse(0));
            }
            assertThat(batches[0]).as("the second push was lost").isGreaterThanOrEqualTo(3);
            assertThat(seenAtB).as("b shows only totals a held: 5, 6, 7 (or an earlier one)").allMatch(v -> v == 0 || v >= 5 && v <= 7);
            cluster.runFor(3_000);
            assertThat(b.map(HASH).read().counter(FIELD)).hasValue(7);
            cluster.assertConverged();
        }
    }
}
