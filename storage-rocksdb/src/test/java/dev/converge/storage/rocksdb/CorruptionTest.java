package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.StorageException;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.storage.contract.Ops;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/** Bad bytes under one key fail the operations on that key, clearly, and nothing else. */
class CorruptionTest {

    private static final ReplicaId ME = ReplicaId.of(0xBAD);

    @TempDir
    Path dir;

    @BeforeEach
    void writeThreeDocuments() {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().foldMinBytes(Long.MAX_VALUE).rewriteMaxBytes(0).build())) {
            for (int i = 0; i < 5; i++) {
                for (String k : List.of("a", "b", "c")) {
                    store.commit(Commit.of(ME, List.of(Ops.increment(store, bytes(k), ME, 1)))).toCompletableFuture().join();
                }
            }
            store.foldNow(bytes("b"));
        }
    }

    @Test
    void aFlippedByteInASnapshotFailsReadsOfThatKeyOnly() throws Exception {
        damage(h -> h.docs, bytes("b").toByteArray(), 6);
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThatThrownBy(() -> store.read(bytes("b")))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("read of key 'b'")
                    .hasMessageContaining("corrupt");
            assertOthersWork(store, "b");
        }
    }

    @Test
    void aFlippedByteInAPendingDeltaFailsReadsOfThatKeyOnly() throws Exception {
        byte[] prefix = Layout.docDeltaPrefix(bytes("c"));
        damage(h -> h.docDeltas, Layout.docDeltaKey(prefix, 3 * 2 + 3), 5);
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThatThrownBy(() -> store.read(bytes("c")))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("key 'c'")
                    .hasMessageContaining("delta seq 9");
            assertOthersWork(store, "c");
        }
    }

    @Test
    void aValueMovedUnderAnotherKeyIsDetected() throws Exception {
        try (RocksHandles h = RocksHandles.open(dir)) {
            h.db.put(h.docs, bytes("a").toByteArray(), h.db.get(h.docs, bytes("b").toByteArray()));
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThatThrownBy(() -> store.read(bytes("a"))).isInstanceOf(StorageException.class).hasMessageContaining("key 'a'");
            assertOthersWork(store, "a");
        }
    }

    @Test
    void anIntactButUndecodableValueFailsWithTheCodecReason() throws Exception {
        byte[] key = bytes("b").toByteArray();
        // Type tag 1, encoding version 9: what a newer release might have written.
        byte[] newer = Values.seal(key, Documents.snapshot(0, new byte[] {1, 9}));
        try (RocksHandles h = RocksHandles.open(dir)) {
            h.db.put(h.docs, key, newer);
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThatThrownBy(() -> store.read(bytes("b")))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("key 'b'")
                    .hasMessageContaining("version 9");
            assertOthersWork(store, "b");
        }
    }

    @Test
    void aDeflatedSnapshotThatDoesNotInflateFailsReadsOfThatKeyOnly() throws Exception {
        byte[] payload = deflatedSnapshot();
        payload[payload.length / 2] ^= (byte) 0x5A;
        assertReadsOfBFail(payload, "snapshot"); // resealed: the checksum passes, the deflate stream does not
    }

    /** A length no deflate stream of that size can inflate to is refused before it is allocated. */
    @Test
    void aDeflatedSnapshotClaimingAnImplausibleLengthFailsBeforeAllocatingIt() throws Exception {
        byte[] payload = deflatedSnapshot();
        Layout.putInt(payload, 9, Integer.MAX_VALUE - 64);
        assertReadsOfBFail(payload, "claims " + (Integer.MAX_VALUE - 64) + " bytes");
    }

    /** A snapshot payload large enough to be stored deflated. */
    private static byte[] deflatedSnapshot() {
        List<Bytes> elements = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            elements.add(bytes("element-" + i));
        }
        byte[] payload = Documents.snapshot(0, dev.converge.crdt.codec.CrdtCodec.encode(dev.converge.crdt.ORSet.empty().addAll(ME, elements).state()));
        assertThat(payload[8]).as("stored deflated").isEqualTo((byte) 1);
        return payload;
    }

    /** Stores {@code payload}, sealed, as b's snapshot; reads of b then fail naming {@code reason}, and the rest works. */
    private void assertReadsOfBFail(byte[] payload, String reason) throws RocksDBException {
        byte[] key = bytes("b").toByteArray();
        try (RocksHandles h = RocksHandles.open(dir)) {
            h.db.put(h.docs, key, Values.seal(key, payload));
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThatThrownBy(() -> store.read(bytes("b")))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("key 'b'")
                    .hasMessageContaining(reason);
            assertOthersWork(store, "b");
        }
    }

    /**
     * The open takes the last sequence number from the newest log key; a key that is not one stops
     * the open (taken for an empty log, new commits could reuse numbers already written).
     */
    @Test
    void aDeltaLogKeyThatIsNoSequenceNumberStopsTheOpen() throws Exception {
        try (RocksHandles h = RocksHandles.open(dir)) {
            h.db.put(h.deltaLog, new byte[] {(byte) 0xFF, 1, 2}, new byte[] {0});
        }
        assertThatThrownBy(() -> RocksDocumentStore.open(dir))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("open of " + dir)
                .hasMessageContaining("corrupt delta log");
    }

    @Test
    void aFlippedByteInTheDeltaLogFailsReadsOfThatEntry() throws Exception {
        damage(h -> h.deltaLog, Layout.seqKey(7), 9);
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThat(store.readDeltaLog(0, 1).entries()).hasSize(1);
            assertThatThrownBy(() -> store.readDeltaLog(6, 1 << 20))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("delta-log entry seq 7");
            assertThat(store.readDeltaLog(7, 1 << 20).entries()).hasSize(8);
            assertThat(((GCounter) store.read(bytes("a")).orElseThrow()).value()).isEqualTo(5);
        }
    }

    @Test
    void corruptMetadataStopsTheOpenWithAClearError() throws Exception {
        damage(h -> h.meta, Layout.META_REPLICA, 5);
        assertThatThrownBy(() -> RocksDocumentStore.open(dir))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("open of " + dir)
                .hasMessageContaining("corrupt meta value 'replica'");
        // The failed open released the directory.
        try (RocksHandles h = RocksHandles.open(dir)) {
            assertThat(h.db.get(h.meta, Layout.META_FORMAT)).isNotNull();
        }
    }

    private static void assertOthersWork(RocksDocumentStore store, String bad) {
        for (String k : List.of("a", "b", "c")) {
            if (!k.equals(bad)) {
                assertThat(((GCounter) store.read(bytes(k)).orElseThrow()).value()).isEqualTo(5);
                store.commit(Commit.of(ME, List.of(Ops.increment(store, bytes(k), ME, 1)))).toCompletableFuture().join();
                assertThat(((GCounter) store.read(bytes(k)).orElseThrow()).value()).isEqualTo(6);
            }
        }
        assertThat(store.documentCount()).isEqualTo(3);
        assertThat(store.keys((Bytes) null, null, 10)).containsExactly(bytes("a"), bytes("b"), bytes("c"));
        assertThat(store.digests(List.of(KeyHashRange.ALL)).get(0).documents()).isEqualTo(3);
        // A commit to the damaged key is refused rather than joined onto garbage.
        assertThatThrownBy(() -> store.commit(Commit.of(ME, List.of(Ops.increment(new EmptyReads(store), bytes(bad), ME, 1))))
                .toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(StorageException.class)
                .hasMessageContaining("'" + bad + "'");
        // Still open and working after all that.
        store.sync();
        assertThat(store.readDeltaLog(store.lastSeq() - 1, 100).entries()).hasSize(1);
    }

    private interface Family {
        ColumnFamilyHandle of(RocksHandles h);
    }

    /** Flips the bits of byte {@code index} of the value under {@code key}, with the store closed. */
    private void damage(Family family, byte[] key, int index) throws RocksDBException {
        try (RocksHandles h = RocksHandles.open(dir)) {
            ColumnFamilyHandle cf = family.of(h);
            byte[] value = h.db.get(cf, key);
            assertThat(value).as("value to damage").isNotNull();
            value[index] ^= (byte) 0xFF;
            h.db.put(cf, key, value);
            try (RocksIterator it = h.db.newIterator(cf)) {
                it.seekToFirst();
                assertThat(it.isValid()).isTrue();
            }
        }
    }
}
