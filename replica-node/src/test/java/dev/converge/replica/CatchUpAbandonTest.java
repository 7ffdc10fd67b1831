package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.sync.StateBatch;
import dev.converge.replica.sync.SyncConfig;
import org.junit.jupiter.api.Test;

/**
 * A catch-up abandoned half-way through a digest response (its states could not be sent: the
 * link went down under it) stops there; the rest of the response is not acted on, and a later
 * session converges. Found by the chaos suite, where the engine task died with an exception.
 */
class CatchUpAbandonTest {

    @Test
    void aSessionAbandonedWhileOfferingStatesStopsCleanlyAndALaterOneConverges() {
        EngineConfig config = EngineConfig.defaults().withSync(SyncConfig.defaults().withRetainedLogEntries(10));
        try (Cluster cluster = new Cluster(2, 31, config)) {
            Replica ahead = cluster.get(0);
            Replica behind = cluster.get(1);
            for (int i = 0; i < 200; i++) {
                cluster.await(ahead.counter("k" + i).add(1));
            }
            cluster.runFor(1_000);
            cluster.network.isolate(behind.id());
            cluster.runFor(100);
            for (int i = 0; i < 200; i++) {
                cluster.await(ahead.counter("k" + i).add(1)); // every document differs, the log is truncated past them
            }
            cluster.runFor(1_000);
            cluster.network.refused = m -> m instanceof StateBatch;
            cluster.network.heal();
            cluster.runFor(3_000); // sessions start, descend, and are abandoned as their first states cannot be sent
            assertThat(behind.counter("k7").value()).isEqualTo(1);
            cluster.network.refused = m -> false;
            cluster.runFor(10_000);
            cluster.assertConverged();
            assertThat(behind.counter("k7").value()).isEqualTo(2);
        }
    }
}
