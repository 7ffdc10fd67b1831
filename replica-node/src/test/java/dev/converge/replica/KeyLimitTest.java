package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.converge.crdt.Bytes;
import dev.converge.replica.sync.SyncConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A key travels with every part of its document, so it may take at most a quarter of
 * {@code maxBatchBytes}: a longer one could be written but never caught up (a state exchange
 * splits a document into parts of {@code maxBatchBytes} less its key).
 */
class KeyLimitTest {

    private static Bytes key(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) 'k');
        return Bytes.wrap(b);
    }

    @Test
    void aKeyTooLongToReplicateIsRefusedAndTheLongestAllowedCatchesUp() {
        SyncConfig sync = SyncConfig.defaults().withMaxBatchBytes(64 << 10).withRetainedLogEntries(10).withAntiEntropyIntervalMillis(0);
        try (Cluster cluster = new Cluster(2, 71, EngineConfig.defaults().withSync(sync))) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            assertThat(catchThrowable(() -> cluster.await(a.counter(key((16 << 10) + 1)).add(1))))
                    .hasMessageContaining("a quarter of maxBatchBytes");
            cluster.network.isolate(b.id());
            Bytes longest = key(16 << 10);
            cluster.await(a.set(longest).add(Bytes.of("x")));
            for (int i = 0; i < 20; i++) {
                cluster.await(a.counter("pad" + i).add(1)); // past the retained log: b is caught up by digest
            }
            cluster.runFor(1_000);
            cluster.network.heal();
            cluster.runFor(10_000);
            assertThat(b.set(longest).contains(Bytes.of("x"))).isTrue();
            cluster.assertConverged();
        }
    }
}
