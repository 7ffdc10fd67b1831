package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.storage.contract.Ops;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an open does after a run that did not close: a buffered run on an earlier boot (power loss,
 * OS crash) may have lost acknowledged writes its peers hold, so the store comes back under a new
 * id with its documents, no delta log and no acks; anything else keeps the id and everything.
 */
class UncleanShutdownTest {

    private static final ReplicaId ME = ReplicaId.of(0xA1);
    private static final ReplicaId PEER = ReplicaId.of(0xB1);
    private static final Bytes COUNTER = bytes("visits");
    private static final Bytes SET = bytes("tags");

    @TempDir
    Path dir;

    private static RocksStoreOptions options(RocksStoreOptions.Durability mode) {
        return RocksStoreOptions.builder().durability(mode).newReplicaId(ME).build();
    }

    /** Writes two documents and a peer's ack, then lets go of the directory as a killed process would. */
    private Map<Bytes, Crdt<?>> writeAndAbandon(RocksStoreOptions.Durability mode, String boot) {
        RocksDocumentStore store = RocksDocumentStore.open(dir, options(mode), boot);
        ReplicaId id = store.replicaId();
        store.commit(Commit.of(id, List.of(Ops.add(store, COUNTER, id, 5)))).toCompletableFuture().join();
        store.commit(Commit.of(id, List.of(Ops.setAdd(store, SET, id, bytes("red"))))).toCompletableFuture().join();
        store.commit(new Commit(id, List.of(), Map.of(PEER, 2L), Optional.empty())).toCompletableFuture().join();
        Map<Bytes, Crdt<?>> states = Map.of(COUNTER, store.read(COUNTER).orElseThrow(), SET, store.read(SET).orElseThrow());
        store.abandon();
        return states;
    }

    @Test
    void aBufferedRunCutByAMachineRestartComesBackUnderANewIdWithItsDocuments() {
        Map<Bytes, Crdt<?>> written = writeAndAbandon(RocksStoreOptions.Durability.BUFFERED, "boot-1");
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options(RocksStoreOptions.Durability.BUFFERED), "boot-2")) {
            assertThat(store.replicaId()).isNotEqualTo(ME);
            assertThat(store.read(COUNTER)).contains(written.get(COUNTER));
            assertThat(store.read(SET)).contains(written.get(SET));
            assertThat(store.acks()).as("peers must catch up with the new id from scratch").isEmpty();
            assertThat(store.lastSeq()).as("numbering continues: no sequence number is issued twice").isEqualTo(2);
            DeltaLogSlice log = store.readDeltaLog(0, Integer.MAX_VALUE);
            assertThat(log.truncated()).isTrue();
            assertThat(log.entries()).isEmpty();
            ReplicaId fresh = store.replicaId();
            long seq = store.commit(Commit.of(fresh, List.of(Ops.add(store, COUNTER, fresh, 1)))).toCompletableFuture().join();
            assertThat(seq).isEqualTo(3);
            assertThat(store.readDeltaLog(2, Integer.MAX_VALUE).entries()).singleElement()
                    .satisfies(e -> assertThat(e.origin()).isEqualTo(fresh));
        }
    }

    @Test
    void theNewIdIsKeptByLaterOpensAndACleanCloseKeepsItAcrossBoots() {
        writeAndAbandon(RocksStoreOptions.Durability.BUFFERED, "boot-1");
        ReplicaId fresh;
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options(RocksStoreOptions.Durability.BUFFERED), "boot-2")) {
            fresh = store.replicaId();
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options(RocksStoreOptions.Durability.BUFFERED), "boot-3")) {
            assertThat(store.replicaId()).isEqualTo(fresh);
        }
    }

    @Test
    void aProcessCrashOnTheSameBootLosesNothingAndKeepsTheId() {
        Map<Bytes, Crdt<?>> written = writeAndAbandon(RocksStoreOptions.Durability.BUFFERED, "boot-1");
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options(RocksStoreOptions.Durability.BUFFERED), "boot-1")) {
            assertThat(store.replicaId()).isEqualTo(ME);
            assertThat(store.read(COUNTER)).contains(written.get(COUNTER));
            assertThat(store.acks()).containsEntry(PEER, 2L);
            assertThat(store.readDeltaLog(0, Integer.MAX_VALUE).entries()).hasSize(2);
        }
    }

    @Test
    void aSyncRunLosesNothingAcknowledgedWhateverTheBoot() {
        writeAndAbandon(RocksStoreOptions.Durability.SYNC, "boot-1");
        // Opened in buffered mode now: what counts is how the interrupted run acknowledged.
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options(RocksStoreOptions.Durability.BUFFERED), "boot-2")) {
            assertThat(store.replicaId()).isEqualTo(ME);
            assertThat(store.acks()).containsEntry(PEER, 2L);
        }
    }

    @Test
    void anUnknownBootCountsAsARestart() {
        writeAndAbandon(RocksStoreOptions.Durability.BUFFERED, "");
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options(RocksStoreOptions.Durability.BUFFERED), "")) {
            assertThat(store.replicaId()).isNotEqualTo(ME);
        }
    }
}
