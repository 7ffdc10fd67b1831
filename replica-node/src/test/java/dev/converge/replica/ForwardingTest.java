package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import org.junit.jupiter.api.Test;

/** Forwarding in a mesh: a replica that hears a writer first-hand is not sent its writes again by a third. */
class ForwardingTest {

    private static void write(Cluster cluster, int writer, int from, int count) {
        for (int i = from; i < from + count; i++) {
            cluster.await(cluster.get(writer).set("s-" + i % 10).add(Bytes.of("e-" + i)));
            cluster.runFor(50);
        }
    }

    private static long forwardedBetween(Cluster cluster, int a, int b) {
        return cluster.network.deltaDocumentsSent(cluster.id(a), cluster.id(b))
                + cluster.network.deltaDocumentsSent(cluster.id(b), cluster.id(a));
    }

    @Test
    void aTriangleForwardsNothingTheReceiverHearsFirstHand() {
        try (Cluster cluster = new Cluster(3, 7, EngineConfig.defaults())) {
            cluster.runFor(1_000);
            write(cluster, 0, 0, 20); // the first progress reports reach the forwarders
            long before = forwardedBetween(cluster, 1, 2);
            write(cluster, 0, 20, 200);
            cluster.runFor(2_000);
            assertThat(forwardedBetween(cluster, 1, 2) - before).as("documents forwarded between the two receivers").isZero();
            cluster.assertConverged();
        }
    }
}
