package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.storage.contract.Ops;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's own delta-log truncation policies: a retention limit and acknowledged entries. */
class DeltaLogRetentionTest {

    private static final ReplicaId ME = ReplicaId.of(0x7E7);
    private static final ReplicaId P = ReplicaId.of(0x7E8);
    private static final ReplicaId Q = ReplicaId.of(0x7E9);

    @TempDir
    Path dir;

    @Test
    void aRetentionLimitKeepsOnlyTheNewestEntries() {
        RocksStoreOptions options = RocksStoreOptions.builder().deltaLogRetention(10).build();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            for (int i = 0; i < 25; i++) {
                store.commit(Commit.of(ME, List.of(Ops.increment(store, bytes("c"), ME, 1))));
            }
            assertRetained(store, 16, 25);
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            assertRetained(store, 16, 25);
            StoreChecks.assertConsistent(store);
        }
    }

    @Test
    void acknowledgedEntriesAreDroppedWhenAsked() {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().truncateAcked(true).build())) {
            for (int i = 0; i < 10; i++) {
                store.commit(Commit.of(ME, List.of(Ops.increment(store, bytes("c"), ME, 1))));
            }
            store.commit(new Commit(ME, List.of(), Map.of(P, 4L, Q, 7L), Optional.empty())).toCompletableFuture().join();
            store.sync();
            assertRetained(store, 5, 10);
            store.commit(new Commit(ME, List.of(), Map.of(P, 9L), Optional.empty())).toCompletableFuture().join();
            store.sync();
            assertRetained(store, 8, 10);
        }
    }

    private static void assertRetained(RocksDocumentStore store, long first, long last) {
        DeltaLogSlice all = store.readDeltaLog(0, Integer.MAX_VALUE);
        assertThat(all.truncated()).isTrue();
        assertThat(all.firstRetainedSeq()).isEqualTo(first);
        assertThat(all.entries()).extracting(DeltaLogEntry::seq).first().isEqualTo(first);
        assertThat(all.entries()).extracting(DeltaLogEntry::seq).last().isEqualTo(last);
        assertThat(store.readDeltaLog(first - 1, Integer.MAX_VALUE).truncated()).isFalse();
    }
}
