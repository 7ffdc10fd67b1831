package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.storage.contract.Ops;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decoded-state cache: bounded by estimated bytes, counted, and never the only copy. */
class CacheTest {

    private static final ReplicaId ME = ReplicaId.of(0xCAC4E);

    @TempDir
    Path dir;

    @Test
    void aDataSetLargerThanTheCacheReadsBackWhole() {
        long bound = 64 << 10;
        Map<Bytes, Crdt<?>> model = new HashMap<>();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(bound).build())) {
            for (int round = 0; round < 20; round++) {
                for (int doc = 0; doc < 500; doc++) {
                    Bytes key = bytes("set-" + doc);
                    Change c = Ops.setAdd(store, key, ME, bytes("element-" + round));
                    store.commit(Commit.of(ME, List.of(c)));
                    model.put(key, c.state());
                }
            }
            store.sync();
            RocksStoreMetrics m = store.metrics();
            assertThat(m.cacheEvictions()).isPositive();
            assertThat(m.cacheEstimatedBytes()).isLessThanOrEqualTo(bound);
            for (Map.Entry<Bytes, Crdt<?>> e : model.entrySet()) {
                assertThat(store.read(e.getKey())).contains(e.getValue());
            }
        }
    }

    @Test
    void aHotDocumentsWeightDoesNotDriftOutOfTheCache() {
        // 20,000 updates that do not grow their documents: estimates carried forward per delta
        // would reach megabytes and evict them, sending every read to disk.
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(256 << 10).build())) {
            Bytes map = bytes("map");
            Bytes set = bytes("set");
            store.commit(Commit.of(ME, List.of(Ops.mapIncrement(store, map, ME, bytes("n"), 1), Ops.setAdd(store, set, ME, bytes("x")))))
                    .toCompletableFuture().join();
            long misses = store.metrics().cacheMisses();
            for (int i = 0; i < 10_000; i++) {
                store.commit(Commit.of(ME, List.of(
                        Ops.mapIncrement(store, map, ME, bytes("n"), 1),
                        i % 2 == 0 ? Ops.setRemove(store, set, bytes("x")) : Ops.setAdd(store, set, ME, bytes("x")))));
            }
            RocksStoreMetrics m = store.metrics();
            assertThat(m.cacheMisses()).as("reads that missed").isEqualTo(misses);
            assertThat(m.cacheEvictions()).isZero();
            assertThat(m.cacheEstimatedBytes()).isLessThan(16 << 10);
        }
    }

    @Test
    void racingColdLoadsNeverCacheAStaleStateNorReadBack() throws Exception {
        // No cache room: every state is evicted as soon as it is put, so readers load from disk
        // while the writer commits. A stale load that got cached would show up as a read that
        // misses the writer's own acknowledged increment (and, in an engine, as a lost update);
        // a reader finding a commit's state and then an older one as a read going back.
        Bytes key = bytes("hot");
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(0).build())) {
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> wentBack = new ConcurrentLinkedQueue<>();
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                readers.add(new Thread(() -> {
                    long last = 0;
                    while (!stop.get()) {
                        long now = store.read(key).map(c -> ((GCounter) c).value()).orElse(0L);
                        if (now < last) {
                            wentBack.add(last + " then " + now);
                        }
                        last = now;
                    }
                }));
            }
            readers.forEach(Thread::start);
            try {
                for (int i = 1; i <= 20_000; i++) {
                    store.commit(Commit.of(ME, List.of(Ops.increment(store, key, ME, 1)))).toCompletableFuture().join();
                    assertThat(((GCounter) store.read(key).orElseThrow()).value()).as("read after increment %d", i).isEqualTo(i);
                }
            } finally {
                stop.set(true);
                for (Thread t : readers) {
                    t.join();
                }
            }
            assertThat(wentBack).as("reads that went back").isEmpty();
        }
    }

    @Test
    void hitsAndMissesAreCounted() {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            store.commit(Commit.of(ME, List.of(Ops.increment(store, bytes("a"), ME, 1)))).toCompletableFuture().join();
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            RocksStoreMetrics before = store.metrics();
            store.read(bytes("a"));
            store.read(bytes("a"));
            store.read(bytes("a"));
            store.read(bytes("absent"));
            RocksStoreMetrics after = store.metrics();
            assertThat(after.cacheMisses() - before.cacheMisses()).isEqualTo(2);
            assertThat(after.cacheHits() - before.cacheHits()).isEqualTo(2);
        }
    }
}
