package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.sync.Document;
import dev.converge.replica.store.MemoryDocumentStore;
import dev.converge.replica.sync.SyncConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A replica works offline, comes back, and sends what it wrote: not the store. */
class OfflineFirstTest {

    private static void populate(Cluster cluster, int documents) {
        for (int d = 0; d < documents; d++) {
            Replica writer = cluster.get(d % cluster.replicas.size());
            List<Bytes> elements = new java.util.ArrayList<>();
            for (int e = 0; e < 20; e++) {
                elements.add(Bytes.of("member-" + d + "-" + e));
            }
            writer.set("doc-" + d).add(elements);
        }
        cluster.runFor(5_000);
        cluster.assertConverged();
    }

    private static long storeBytes(MemoryDocumentStore store) {
        long bytes = 0;
        for (Bytes key : store.keys((Bytes) null, null, Integer.MAX_VALUE)) {
            bytes += key.length() + CrdtCodec.encode(store.read(key).orElseThrow()).length;
        }
        return bytes;
    }

    @Test
    void tenThousandOfflineUpdatesSendAboutTheirDeltasNotTheStore() {
        try (Cluster cluster = new Cluster(3, 21, EngineConfig.defaults())) {
            populate(cluster, 1_000);
            Replica offline = cluster.get(2);
            cluster.network.isolate(offline.id());
            cluster.runFor(100);
            long seqBefore = cluster.stores.get(2).lastSeq();
            for (int i = 0; i < 10_000; i++) {
                switch (i % 3) {
                    case 0 -> offline.counter("likes-" + (i % 200)).add(1);
                    case 1 -> offline.set("doc-" + (i % 300)).add(Bytes.of("offline-" + i));
                    default -> offline.map("profile-" + (i % 100)).increment(Bytes.of("visits"), 1);
                }
                if (i % 100 == 0) {
                    cluster.runFor(1);
                }
            }
            cluster.runFor(1_000);
            // The deltas of the offline writes, one by one and joined per document.
            long deltaBytes = 0;
            Map<Bytes, Crdt<?>> joined = new HashMap<>();
            DeltaLogSlice slice = cluster.stores.get(2).readDeltaLog(seqBefore, Integer.MAX_VALUE);
            assertThat(slice.entries()).hasSize(10_000);
            for (DeltaLogEntry e : slice.entries()) {
                for (Document d : e.deltas()) {
                    deltaBytes += d.key().length() + CrdtCodec.encode(d.value()).length;
                    joined.merge(d.key(), d.value(), Crdt::joinAny);
                }
            }
            long joinedBytes = joined.entrySet().stream()
                    .mapToLong(e -> e.getKey().length() + CrdtCodec.encode(e.getValue()).length).sum();
            long sentBefore = cluster.network.bytesSentBy(offline.id());
            cluster.network.heal();
            cluster.runFor(5_000);
            cluster.assertConverged();
            long sentPerPeer = (cluster.network.bytesSentBy(offline.id()) - sentBefore) / 2;
            long store = storeBytes(cluster.stores.get(2));
            System.out.printf("offline-first: store %,d B; 10,000 deltas %,d B (joined per document %,d B); sent per peer %,d B%n",
                    store, deltaBytes, joinedBytes, sentPerPeer);
            assertThat(cluster.get(0).counter("likes-7").value()).isEqualTo(17);
            assertThat(sentPerPeer).as("at most the deltas").isLessThanOrEqualTo(deltaBytes);
            assertThat(sentPerPeer).as("about the joined deltas").isLessThanOrEqualTo(joinedBytes * 3 / 2 + 4_096);
            assertThat(sentPerPeer).as("far less than the store").isLessThan(store / 4);
        }
    }

    @Test
    void aPeerBehindTheTruncatedLogCatchesUpByDigestMovingOnlyTheDifference() {
        EngineConfig config = EngineConfig.defaults().withSync(SyncConfig.defaults().withRetainedLogEntries(100));
        try (Cluster cluster = new Cluster(2, 22, config)) {
            populate(cluster, 2_000);
            Replica behind = cluster.get(1);
            cluster.network.isolate(behind.id());
            cluster.runFor(100);
            for (int i = 0; i < 1_000; i++) {
                cluster.get(0).counter("hot-" + (i % 10)).add(1);
            }
            cluster.runFor(2_000);
            assertThat(cluster.stores.get(0).readDeltaLog(0, 1).truncated()).as("the log was truncated past the offline peer").isTrue();
            long sentBefore = cluster.network.bytesSentBy(cluster.id(0));
            cluster.network.heal();
            cluster.runFor(10_000);
            cluster.assertConverged();
            assertThat(behind.counter("hot-3").value()).isEqualTo(100);
            long sent = cluster.network.bytesSentBy(cluster.id(0)) - sentBefore;
            long store = storeBytes(cluster.stores.get(0));
            System.out.printf("digest catch-up: store %,d B over %,d documents; sent to the returning peer %,d B%n",
                    store, cluster.stores.get(0).documentCount(), sent);
            assertThat(sent).as("the difference, not the store").isLessThan(store / 10);
            SyncStatus status = cluster.await(cluster.get(0).status());
            assertThat(status.peers()).allSatisfy(p -> {
                assertThat(p.unackedEntries()).isZero();
                assertThat(p.catchingUp()).isFalse();
            });
        }
    }

    @Test
    void aDocumentLargerThanAMessageCrossesInParts() {
        EngineConfig config = EngineConfig.defaults().withSync(SyncConfig.defaults().withRetainedLogEntries(10).withMaxBatchBytes(8 * 1024));
        try (Cluster cluster = new Cluster(2, 23, config)) {
            cluster.network.isolate(cluster.id(1));
            Replica a = cluster.get(0);
            for (int i = 0; i < 200; i++) {
                List<Bytes> batch = new java.util.ArrayList<>();
                for (int j = 0; j < 50; j++) {
                    batch.add(Bytes.of("member-" + i + "-" + j));
                }
                a.set("big").add(batch);
            }
            cluster.runFor(1_000);
            long encoded = CrdtCodec.encode(a.read(Bytes.of("big")).orElseThrow()).length;
            assertThat(encoded).as("the document is many messages large").isGreaterThan(10 * 8 * 1024);
            cluster.network.heal();
            cluster.runFor(10_000);
            cluster.assertConverged();
            assertThat(cluster.get(1).set("big").size()).isEqualTo(10_000);
        }
    }
}
