package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.ReplicaId;
import org.junit.jupiter.api.Test;

/**
 * Causal-stability watermarks: the prefix of each replica's delta log that every member has
 * merged. They reach the end of the log once everyone has it, stay below what a cut-off member
 * lacks, never go back, and catch up after the heal.
 */
class StabilityTest {

    private static SyncStatus status(Cluster cluster, int at) {
        return cluster.await(cluster.get(at).status());
    }

    /** What replica {@code at} knows of how far every member merged {@code origin}'s log. */
    private static long stableAt(Cluster cluster, int at, ReplicaId origin) {
        SyncStatus s = status(cluster, at);
        if (s.replica().equals(origin)) {
            return s.stableSeq();
        }
        return s.peers().stream().filter(p -> p.peer().equals(origin)).findFirst().orElseThrow().stableSeq();
    }

    @Test
    void watermarksReachWhatEveryMemberMergedAndNoFurther() {
        try (Cluster cluster = new Cluster(3, 41, EngineConfig.defaults())) {
            ReplicaId a = cluster.id(0);
            ReplicaId c = cluster.id(2);
            for (int i = 0; i < 10; i++) {
                cluster.await(cluster.get(0).counter("hits").increment());
            }
            cluster.runFor(3_000);
            long written = status(cluster, 0).lastSeq();
            assertThat(written).isGreaterThanOrEqualTo(10);
            for (int at = 0; at < 3; at++) {
                assertThat(stableAt(cluster, at, a)).as("a's log at replica %d, everyone merged it", at).isEqualTo(written);
            }

            cluster.network.isolate(c);
            for (int i = 0; i < 5; i++) {
                cluster.await(cluster.get(0).counter("hits").increment());
            }
            cluster.runFor(3_000);
            long later = status(cluster, 0).lastSeq();
            assertThat(later).isGreaterThan(written);
            for (int at = 0; at < 2; at++) {
                assertThat(stableAt(cluster, at, a)).as("at replica %d, c lacks a's newest entries", at)
                        .isGreaterThanOrEqualTo(written).isLessThan(later);
            }
            // b's own log got a's writes (effective deltas, forwarded to no one c can hear): b's
            // watermark for its own log stays below its end too while c is away.
            SyncStatus atB = status(cluster, 1);
            assertThat(atB.stableSeq()).isLessThan(atB.lastSeq());

            cluster.network.heal();
            cluster.runFor(5_000);
            for (int at = 0; at < 3; at++) {
                assertThat(stableAt(cluster, at, a)).as("after the heal, at replica %d", at).isEqualTo(later);
            }
            cluster.assertConverged();
        }
    }

    @Test
    void aReplicaAloneHoldsItsWholeLogStable() {
        try (Cluster cluster = new Cluster(1, 5, EngineConfig.defaults())) {
            cluster.await(cluster.get(0).counter("hits").increment());
            cluster.runFor(1_000);
            SyncStatus s = status(cluster, 0);
            assertThat(s.stableSeq()).isEqualTo(s.lastSeq()).isPositive();
        }
    }
}
