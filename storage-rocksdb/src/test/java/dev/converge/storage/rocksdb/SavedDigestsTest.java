package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.sync.Hashing;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import dev.converge.storage.contract.Ops;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksIterator;

/**
 * A clean close saves the digest tree so the next open reads only documents with pending deltas,
 * not every document; any doubt about the saved tree (a crash since, damage, another layout)
 * means it is rebuilt from the documents, and the digests always equal a recomputation.
 */
class SavedDigestsTest {

    private static final ReplicaId ME = ReplicaId.of(0xD16);
    /** Deltas stay pending: nothing folds and nothing is written whole. */
    private static final RocksStoreOptions PENDING = RocksStoreOptions.builder()
            .newReplicaId(ME).foldMinBytes(Long.MAX_VALUE).rewriteMaxBytes(0).idleFoldMillis(0).build();
    private static final List<KeyHashRange> RANGES = ranges();

    @TempDir
    Path dir;

    @Test
    void theNextOpenAfterACleanCloseTakesTheSavedTreeAndItsDigestsAreExact() throws Exception {
        List<RangeDigest> before;
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING)) {
            writeMixed(store, 0, 300);
            before = store.digests(RANGES);
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING)) {
            assertThat(store.digestsRestored()).isTrue();
            assertThat(store.handles().db.get(store.handles().meta, Layout.META_DIGESTS))
                    .as("taken at open: a crash of this run must not find it").isNull();
            assertThat(store.documentCount()).isEqualTo(300);
            assertThat(store.digests(RANGES)).isEqualTo(before);
            StoreChecks.assertConsistent(store);
            // Commits after the restore keep the tree exact.
            writeMixed(store, 150, 450);
            StoreChecks.assertConsistent(store);
        }
    }

    /**
     * The digests a replica's loop asks for without waiting: computed on the store's own thread,
     * equal to the synchronous ones (also for ranges finer than the tree's leaves, which read
     * documents), and failing, never hanging, once the store is closed.
     */
    @Test
    void digestsComputedOffTheCallersThreadEqualTheSynchronousOnesAndFailAfterClose() throws Exception {
        RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING);
        writeMixed(store, 0, 300);
        List<KeyHashRange> ranges = new ArrayList<>(RANGES);
        KeyHashRange fine = KeyHashRange.ALL;
        while (fine.bits() <= DigestTree.LEAF_BITS) {
            fine = fine.split()[0];
        }
        ranges.add(fine);
        List<RangeDigest> async = store.digestsAsync(ranges).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(async).isEqualTo(store.digests(ranges));
        assertThat(Thread.getAllStackTraces().keySet()).as("the store's digest thread")
                .anyMatch(t -> t.getName().equals("converge-rocksdb-digests"));
        store.close();
        assertThatThrownBy(() -> store.digestsAsync(RANGES).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(java.util.concurrent.ExecutionException.class)
                .hasCauseInstanceOf(dev.converge.crdt.port.StorageException.class);
    }

    @Test
    void documentsWithPendingDeltasAreStillKnownToTheFolderAfterARestore() {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING)) {
            writeMixed(store, 0, 40);
        }
        assertThat(pendingDeltas()).as("deltas left pending by the first run").isPositive();
        RocksStoreOptions idleFolds = RocksStoreOptions.builder().newReplicaId(ME).rewriteMaxBytes(0).idleFoldMillis(20).build();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, idleFolds)) {
            assertThat(store.digestsRestored()).isTrue();
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (store.metrics().folds() < 40 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            // The idle sweep folds only documents the folder knows have deltas: without the seeding, none.
            assertThat(store.metrics().folds()).as("idle folds of the 40 documents with pending deltas").isEqualTo(40);
            StoreChecks.assertConsistent(store);
        }
        assertThat(pendingDeltas()).isZero();
    }

    @Test
    void anOpenAfterACrashRebuildsTheTreeFromTheDocuments() {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING)) {
            writeMixed(store, 0, 200);
        }
        RocksDocumentStore crashed = RocksDocumentStore.open(dir, PENDING);
        assertThat(crashed.digestsRestored()).isTrue();
        // Commits the saved tree does not know of, then no clean close: trusting it now would be wrong.
        writeMixed(crashed, 100, 260);
        List<RangeDigest> expected = crashed.digests(RANGES);
        crashed.abandon();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING)) {
            assertThat(store.digestsRestored()).isFalse();
            assertThat(store.documentCount()).isEqualTo(260);
            assertThat(store.digests(RANGES)).isEqualTo(expected);
            StoreChecks.assertConsistent(store);
        }
    }

    @Test
    void aDamagedSavedTreeIsRebuiltAndTheStoreOpens() throws Exception {
        List<RangeDigest> before = writeAndClose();
        try (RocksHandles h = RocksHandles.open(dir)) {
            byte[] saved = h.db.get(h.meta, Layout.META_DIGESTS);
            saved[Values.HEADER + 100] ^= 0x10;
            h.db.put(h.meta, Layout.META_DIGESTS, saved);
        }
        assertReopenRebuilds(before);
    }

    @Test
    void aTreeSavedInAnotherLayoutIsRebuilt() throws Exception {
        List<RangeDigest> before = writeAndClose();
        try (RocksHandles h = RocksHandles.open(dir)) {
            byte[] value = h.db.get(h.meta, Layout.META_DIGESTS);
            byte[] payload = java.util.Arrays.copyOfRange(value, Values.HEADER, value.length);
            payload[0] = DigestTree.SAVED_FORMAT + 1; // as a later release that hashes differently would write
            payload[Values.HEADER + 40] ^= 0x01; // and with other sums: trusting it would show in the digests
            h.db.put(h.meta, Layout.META_DIGESTS, Values.seal(Layout.META_DIGESTS, payload));
        }
        assertReopenRebuilds(before);
    }

    @Test
    void aTreeLeftBehindByARunThatDidNotSaveOneIsRebuilt() throws Exception {
        writeAndClose();
        byte[] stale;
        try (RocksHandles h = RocksHandles.open(dir)) {
            stale = h.db.get(h.meta, Layout.META_DIGESTS);
        }
        List<RangeDigest> after;
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING)) {
            writeMixed(store, 100, 120);
            after = store.digests(RANGES);
        }
        // As a release that knows nothing of saved trees would leave it: the old tree, the marker cleared.
        try (RocksHandles h = RocksHandles.open(dir)) {
            h.db.put(h.meta, Layout.META_DIGESTS, stale);
        }
        assertReopenRebuilds(after);
    }

    @Test
    void aStoreWhoseWritesFailedSavesNoTree() throws Exception {
        List<RangeDigest> before;
        RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING);
        try {
            writeMixed(store, 0, 50);
            before = store.digests(RANGES);
            store.injectWriteFault("injected: the disk failed");
            assertThatThrownBy(() -> writeMixed(store, 0, 10)).hasRootCauseMessage("injected: the disk failed");
            // Memory holds the failed commit; none of it may be served (its dots would reach peers,
            // and the reopened replica, under the same id, would issue them again).
            assertThatThrownBy(() -> store.digests(RANGES)).hasMessageContaining("serves nothing until it is reopened");
            assertThatThrownBy(() -> store.read(Bytes.of("k0"))).isInstanceOf(dev.converge.crdt.port.StorageException.class);
            assertThatThrownBy(() -> store.keysInHashRange(KeyHashRange.ALL, null, 10)).hasMessageContaining("failed to write");
        } finally {
            store.close();
        }
        try (RocksDocumentStore reopened = RocksDocumentStore.open(dir, PENDING)) {
            assertThat(reopened.digestsRestored()).as("the tree counted commits that never reached disk").isFalse();
            // The failed commits are not on disk; the digests say what the documents are, as a tree saved from memory would not.
            long sum = 0;
            List<Bytes> keys = reopened.keys((Bytes) null, null, Integer.MAX_VALUE);
            for (Bytes key : keys) {
                sum += Hashing.documentHash(key, CrdtCodec.encode(reopened.read(key).orElseThrow()));
            }
            assertThat(reopened.digests(List.of(KeyHashRange.ALL))).containsExactly(new RangeDigest(KeyHashRange.ALL, sum, keys.size()));
            assertThat(reopened.digests(RANGES)).as("disk holds what was written before the failure").isEqualTo(before);
        }
    }

    /** 100 documents written and the store closed cleanly; their digests. */
    private List<RangeDigest> writeAndClose() {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING)) {
            writeMixed(store, 0, 100);
            return store.digests(RANGES);
        }
    }

    private void assertReopenRebuilds(List<RangeDigest> expected) {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, PENDING)) {
            assertThat(store.digestsRestored()).isFalse();
            assertThat(store.digests(RANGES)).isEqualTo(expected);
        }
    }

    /** Keys {@code k0..k(to-1)} from {@code from} on: sets, counters and registers, several deltas each. */
    private static void writeMixed(RocksDocumentStore store, int from, int to) {
        for (int round = 0; round < 3; round++) {
            List<Change> changes = new ArrayList<>();
            for (int i = from; i < to; i++) {
                Bytes key = bytes("k" + i);
                changes.add(switch (i % 3) {
                    case 0 -> Ops.setAdd(store, key, ME, bytes("e" + round));
                    case 1 -> Ops.increment(store, key, ME, round + 1);
                    default -> Ops.mvWrite(store, key, ME, bytes("v" + round));
                });
                if (changes.size() == 20) {
                    store.commit(Commit.of(ME, changes)).toCompletableFuture().join();
                    changes = new ArrayList<>();
                }
            }
            if (!changes.isEmpty()) {
                store.commit(Commit.of(ME, changes)).toCompletableFuture().join();
            }
        }
    }

    private long pendingDeltas() {
        try (RocksHandles h = RocksHandles.open(dir); RocksIterator it = h.db.newIterator(h.docDeltas)) {
            long n = 0;
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
            return n;
        }
    }

    private static List<KeyHashRange> ranges() {
        List<KeyHashRange> out = new ArrayList<>(List.of(KeyHashRange.ALL));
        for (KeyHashRange half : KeyHashRange.ALL.split()) {
            out.addAll(List.of(half.split()));
        }
        return out;
    }
}
