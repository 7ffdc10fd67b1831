package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.ReplicaId;
import org.junit.jupiter.api.Test;

/**
 * A peer that stops talking while its link stays up (a stalled process, a silent one-way cut) is
 * suspected by the others within seconds, reported in their status, and cleared when it speaks
 * again; meanwhile the others keep replicating between themselves, and nothing is lost.
 */
class FailureDetectionTest {

    private static PeerStatus statusOf(Cluster cluster, int at, ReplicaId peer) {
        return cluster.await(cluster.get(at).status()).peers().stream().filter(p -> p.peer().equals(peer)).findFirst().orElseThrow();
    }

    @Test
    void aSilentPeerIsSuspectedThenClearedAndTheOthersKeepReplicating() {
        try (Cluster cluster = new Cluster(3, 77, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica c = cluster.get(2);
            ReplicaId b = cluster.id(1);
            cluster.runFor(3_000);
            assertThat(statusOf(cluster, 0, b).suspected()).isFalse();

            cluster.network.mute(b);
            cluster.runFor(1_000);
            assertThat(statusOf(cluster, 0, b).suspected()).as("a second of silence is within the tolerated pause").isFalse();
            cluster.runFor(2_000);
            PeerStatus seen = statusOf(cluster, 0, b);
            assertThat(seen.connected()).as("the link itself is up").isTrue();
            assertThat(seen.suspected()).isTrue();
            assertThat(statusOf(cluster, 2, b).suspected()).isTrue();
            assertThat(statusOf(cluster, 0, c.id()).suspected()).as("the talking peer is not").isFalse();

            cluster.await(a.counter("hits").add(4));
            cluster.await(cluster.get(1).counter("hits").add(1)); // written at the silent node
            cluster.runFor(1_000);
            assertThat(c.counter("hits").value()).as("a and c replicate while b is silent").isEqualTo(4);

            cluster.network.unmute(b);
            cluster.runFor(1_000);
            assertThat(statusOf(cluster, 0, b).suspected()).isFalse();
            assertThat(statusOf(cluster, 2, b).suspected()).isFalse();
            cluster.runFor(2_000);
            cluster.assertConverged();
            assertThat(a.counter("hits").value()).isEqualTo(5);
        }
    }
}
