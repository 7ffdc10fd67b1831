package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.replica.sync.SyncConfig;
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

    /**
     * Three replicas; the writer's messages to the receiver stop (the link stays up) just before
     * it adds one element, which the forwarder then holds back from the receiver (it hears the
     * writer first-hand) while the receiver acknowledges the forwarder's whole log. Returns once
     * the receiver's link to the writer is gone. The backstop is off: nothing else would bring
     * the element but forwarding it after all.
     */
    private static Cluster heldBackThenOriginLost() {
        return heldBackThenOriginLost(false);
    }

    /**
     * As above; with {@code receiverWrites}, the receiver writes once right after, so that the
     * forwarder's push to it finds nothing to send (the held-back entry and the receiver's own)
     * and remembers that interval as covered.
     */
    private static Cluster heldBackThenOriginLost(boolean receiverWrites) {
        EngineConfig config = EngineConfig.defaults().withSync(SyncConfig.defaults().withAntiEntropyIntervalMillis(0));
        Cluster cluster = new Cluster(3, 7, config);
        cluster.runFor(1_000);
        write(cluster, 0, 0, 20); // the first progress reports reach the forwarders
        cluster.runFor(1_000);
        cluster.network.mute(cluster.id(0), cluster.id(2));
        cluster.await(cluster.get(0).set("late").add(HELD_BACK));
        if (receiverWrites) {
            cluster.runFor(10);
            cluster.await(cluster.get(2).counter("receiver").add(1));
        }
        cluster.runFor(2_000);
        assertThat(cluster.get(2).set("late").contains(HELD_BACK)).as("held back while the receiver hears the writer").isFalse();
        cluster.network.disconnect(cluster.id(0), cluster.id(2));
        return cluster;
    }

    private static final Bytes HELD_BACK = Bytes.of("held back");

    @Test
    void anEntryHeldBackIsForwardedAfterAllWhenThePeerLosesItsOrigin() {
        try (Cluster cluster = heldBackThenOriginLost()) {
            cluster.runFor(3_000);
            assertThat(cluster.get(2).set("late").contains(HELD_BACK)).as("forwarded once the receiver lost the writer").isTrue();
        }
    }

    /** A push that skipped the held-back entry remembered its interval as covered; the rewind must read it all the same. */
    @Test
    void anEntryHeldBackInAnIntervalAPushSkippedIsStillForwarded() {
        try (Cluster cluster = heldBackThenOriginLost(true)) {
            cluster.runFor(3_000);
            assertThat(cluster.get(2).set("late").contains(HELD_BACK)).as("forwarded once the receiver lost the writer").isTrue();
        }
    }

    /** That resend lies below what the receiver acknowledged: lost with a link, it is sent again on the next one. */
    @Test
    void aForwardingAfterAllLostWithItsLinkIsSentAgain() {
        try (Cluster cluster = heldBackThenOriginLost()) {
            boolean[] resent = new boolean[1];
            cluster.network.refused = m -> {
                if (m instanceof DeltaBatch b && b.deltas().stream().anyMatch(d -> d.key().equals(Bytes.of("late")))) {
                    resent[0] = true;
                }
                return false;
            };
            assertThat(cluster.time.runUntil(() -> resent[0], 3_000)).as("the forwarder resends the element").isTrue();
            cluster.network.disconnect(cluster.id(1), cluster.id(2)); // before it is delivered
            cluster.runFor(1_000);
            cluster.network.connect(cluster.id(1), cluster.id(2));
            cluster.runFor(3_000);
            assertThat(cluster.get(2).set("late").contains(HELD_BACK)).as("resent on the new link").isTrue();
        }
    }
}
