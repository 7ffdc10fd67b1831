package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import org.junit.jupiter.api.Test;

/**
 * What one write costs on the wire in a three-replica mesh: a batch to each peer and an
 * acknowledgement back, nothing else per write. The peers' own log entries for what they merged
 * (which each must neither echo back nor forward to a peer that hears the writer first-hand) are
 * covered by their rounds, not by a message per write.
 */
class WireEconomyTest {

    @Test
    void oneWriteAtATimeCostsABatchAndAnAckPerPeer() {
        try (Cluster cluster = new Cluster(3, 41, EngineConfig.defaults())) {
            cluster.runFor(1_000);
            long[] before = new long[3];
            for (int i = 0; i < 3; i++) {
                before[i] = cluster.network.messagesSentBy(cluster.id(i));
            }
            int writes = 100;
            long started = cluster.time.millis();
            for (int i = 0; i < writes; i++) {
                cluster.await(cluster.get(0).set("s-" + i % 10).add(Bytes.of("e-" + i)));
                cluster.runFor(10); // delivered and acknowledged, one write at a time
            }
            long rounds = (cluster.time.millis() - started) / EngineConfig.defaults().sync().gossipIntervalMillis() + 1;
            long[] sent = new long[3];
            for (int i = 0; i < 3; i++) {
                sent[i] = cluster.network.messagesSentBy(cluster.id(i)) - before[i];
            }
            // Per round each replica may send each of its two peers a heartbeat and a covering batch.
            long roundBudget = rounds * 2 * 2;
            assertThat(sent[0]).as("the writer: one batch per write per peer").isLessThanOrEqualTo(2L * writes + roundBudget);
            assertThat(sent[1]).as("a peer: one ack per write").isLessThanOrEqualTo(writes + roundBudget);
            assertThat(sent[2]).as("a peer: one ack per write").isLessThanOrEqualTo(writes + roundBudget);
            cluster.assertConverged();
        }
    }
}
