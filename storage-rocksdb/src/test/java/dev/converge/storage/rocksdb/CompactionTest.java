package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.storage.contract.Ops;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.PerfContext;
import org.rocksdb.PerfLevel;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/** Background folding of deltas into snapshots: invisible to reads, and what keeps writes O(delta). */
class CompactionTest {

    private static final ReplicaId ME = ReplicaId.of(0xF01D);

    @TempDir
    Path dir;

    @Test
    void foldingChangesNoStateAndRemovesTheFoldedDeltas() {
        RocksStoreOptions options = RocksStoreOptions.builder().cacheMaxBytes(0).foldMinBytes(Long.MAX_VALUE).idleFoldMillis(0).rewriteMaxBytes(0).build();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            List<Bytes> keys = List.of(bytes("g"), bytes("s"), bytes("m"));
            for (int i = 0; i < 200; i++) {
                store.commit(Commit.of(ME, List.of(
                        Ops.increment(store, keys.get(0), ME, 1),
                        Ops.setAdd(store, keys.get(1), ME, bytes("e" + i % 50)),
                        Ops.mapSetAdd(store, keys.get(2), ME, bytes("f" + i % 3), bytes("x" + i)))));
            }
            store.sync();
            Map<Bytes, byte[]> before = new HashMap<>();
            for (Bytes k : keys) {
                assertThat(pendingDeltas(store, k)).as("the first commit wrote the snapshot, the 199 others deltas").isEqualTo(199);
                before.put(k, CrdtCodec.encode(store.read(k).orElseThrow()));
            }
            for (Bytes k : keys) {
                store.foldNow(k);
                assertThat(pendingDeltas(store, k)).isZero();
                assertThat(CrdtCodec.encode(store.read(k).orElseThrow())).isEqualTo(before.get(k));
            }
            assertThat(store.metrics().folds()).isEqualTo(3);
            // New deltas after a fold join the new snapshot.
            store.commit(Commit.of(ME, List.of(Ops.increment(store, keys.get(0), ME, 5)))).toCompletableFuture().join();
            assertThat(((GCounter) store.read(keys.get(0)).orElseThrow()).value()).isEqualTo(205);
            assertThat(pendingDeltas(store, keys.get(0))).isEqualTo(1);
            StoreChecks.assertConsistent(store);
        }
    }

    @Test
    void readsNeverSeeAPartialFoldWhileWritersRun() throws Exception {
        // No cache and folds after almost every write: reads go to disk while folds commit.
        RocksStoreOptions options = RocksStoreOptions.builder().cacheMaxBytes(0).foldMinBytes(0).foldFraction(0.05).rewriteMaxBytes(0).build();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            int writers = 2;
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            long[] written = new long[writers];
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads.add(new Thread(() -> {
                    ReplicaId me = ReplicaId.of(0x100 + id);
                    try {
                        for (long i = 0; !stop.get(); i++) {
                            Change counter = Ops.increment(store, bytes("counter-" + id), me, 1);
                            Change set = Ops.setAdd(store, bytes("set-" + id), me, bytes("e" + i));
                            store.commit(Commit.of(me, List.of(counter, set))).toCompletableFuture().join();
                            written[id] = i + 1;
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                threads.add(new Thread(() -> {
                    Map<Bytes, Crdt<?>> last = new HashMap<>();
                    try {
                        while (!stop.get()) {
                            for (int w = 0; w < writers; w++) {
                                for (Bytes k : List.of(bytes("counter-" + w), bytes("set-" + w))) {
                                    Crdt<?> now = store.read(k).orElse(null);
                                    Crdt<?> before = last.get(k);
                                    if (before != null) {
                                        // A partial fold would lose deltas: the state would go back.
                                        assertThat(now).as("read of %s after %s", k, before).isNotNull();
                                        assertThat(Crdt.joinAny(before, now)).as("read of %s went back", k).isEqualTo(now);
                                    }
                                    last.put(k, now);
                                }
                            }
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            runFor(2500, threads, stop, failures);
            assertThat(store.metrics().folds()).as("folds during the run").isGreaterThan(20);
            for (int w = 0; w < writers; w++) {
                assertThat(((GCounter) store.read(bytes("counter-" + w)).orElseThrow()).value()).isEqualTo(written[w]);
                assertThat(((ORSet) store.read(bytes("set-" + w)).orElseThrow()).size()).isEqualTo((int) written[w]);
            }
            store.sync();
            StoreChecks.assertConsistent(store);
        }
    }

    @Test
    void anUpdateToALargeDocumentWritesItsDeltaNotTheDocument() {
        // No idle folds: a pause between the phases must not add a fold to the bytes measured.
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().idleFoldMillis(0).build())) {
            Bytes small = bytes("small");
            Bytes large = bytes("large");
            List<Bytes> elements = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                elements.add(bytes("element-" + i));
            }
            for (Bytes key : List.of(small, large)) {
                var initial = ORSet.empty().addAll(ME, key.equals(small) ? elements.subList(0, 10) : elements);
                store.commit(Commit.of(ME, List.of(new Change(key, initial.delta(), initial.state())))).toCompletableFuture().join();
                store.foldNow(key);
            }
            int snapshotBytes = CrdtCodec.encode(store.read(large).orElseThrow()).length;
            assertThat(snapshotBytes).isGreaterThan(200_000);
            double smallCost = bytesPerAdd(store, small, 2_000);
            double largeCost = bytesPerAdd(store, large, 2_000);
            assertThat(largeCost).as("bytes per add to a %d-byte set", snapshotBytes).isLessThan(200);
            assertThat(largeCost).isLessThan(smallCost * 1.2);
            // Amortised with the folds it triggers (each rewrites the whole set). Folds run in the
            // background: wait for the one these adds trigger, so its bytes are counted.
            long folds = store.metrics().folds();
            store.sync();
            long before = store.metrics().bytesWritten();
            bytesPerAdd(store, large, 20_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (store.metrics().folds() <= folds && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            assertThat(store.metrics().folds()).as("folds of the large set").isGreaterThan(folds);
            double amortised = (double) (store.metrics().bytesWritten() - before) / 20_000;
            assertThat(amortised).as("amortised bytes per add, folds included").isLessThan(250);
        }
    }

    @Test
    void anIdleStoreFoldsSmallDocumentsWhoseDeltasStayBelowTheMinimum() {
        List<Bytes> keys = new ArrayList<>();
        Map<Bytes, Crdt<?>> before = new HashMap<>();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().idleFoldMillis(0).rewriteMaxBytes(0).build())) {
            for (int i = 0; i < 200; i++) {
                Bytes key = bytes("churned-" + i);
                keys.add(key);
                for (int round = 0; round < 3; round++) {
                    store.commit(Commit.of(ME, List.of(Ops.setAdd(store, key, ME, bytes("e" + round))))).toCompletableFuture().join();
                    store.commit(Commit.of(ME, List.of(Ops.setRemove(store, key, bytes("e" + round))))).toCompletableFuture().join();
                }
            }
            keys.forEach(k -> before.put(k, store.read(k).orElseThrow()));
            assertThat(pendingDeltas(store)).as("five small deltas per document after its first state: below foldMinBytes, "
                    + "never folded by size").isEqualTo(200 * 5);
        }
        // Reopened with idle folding: what the open-time scan found is folded once nothing is written.
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(0).idleFoldMillis(100).rewriteMaxBytes(0).build())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (pendingDeltas(store) > 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertThat(pendingDeltas(store)).as("deltas left once the store was idle").isZero();
            assertThat(store.metrics().folds()).isEqualTo(200);
            keys.forEach(k -> assertThat(store.read(k)).as("state of %s", k).contains(before.get(k)));
        }
    }

    @Test
    void aNewDocumentIsWrittenAsItsSnapshotWithNothingPending() {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(0).idleFoldMillis(0).rewriteMaxBytes(0).build())) {
            for (int i = 0; i < 100; i++) {
                store.commit(Commit.of(ME, List.of(Ops.setAdd(store, bytes("once-" + i), ME, bytes("e"))))).toCompletableFuture().join();
            }
            assertThat(pendingDeltas(store)).as("documents written once leave no delta to fold").isZero();
            for (int i = 0; i < 100; i++) {
                assertThat(((ORSet) store.read(bytes("once-" + i)).orElseThrow()).elements()).containsExactly(bytes("e"));
            }
            assertThat(store.readDeltaLog(0, Integer.MAX_VALUE).entries()).as("the delta log still has every commit").hasSize(100);
            store.commit(Commit.of(ME, List.of(Ops.setAdd(store, bytes("once-0"), ME, bytes("f"))))).toCompletableFuture().join();
            assertThat(pendingDeltas(store)).as("a second write is a delta").isEqualTo(1);
            assertThat(((ORSet) store.read(bytes("once-0")).orElseThrow()).elements()).containsExactlyInAnyOrder(bytes("e"), bytes("f"));
            StoreChecks.assertConsistent(store);
        }
    }

    @Test
    void documentsCrossingTheRewriteLimitBothWaysUnderFoldsKeepEveryWrite() throws Exception {
        // Registers whose value alternates under and over rewriteMaxBytes: commits switch between
        // whole writes and deltas while folds run after nearly every delta and readers go to disk.
        RocksStoreOptions options = RocksStoreOptions.builder().cacheMaxBytes(0).foldMinBytes(0).foldFraction(0.05).build();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            int writers = 2;
            int keysPerWriter = 4;
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            Map<Bytes, Bytes> last = new java.util.concurrent.ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads.add(new Thread(() -> {
                    ReplicaId me = ReplicaId.of(0x200 + id);
                    java.util.SplittableRandom random = new java.util.SplittableRandom(id);
                    try {
                        for (long i = 1; !stop.get(); i++) {
                            Bytes key = bytes("register-" + id + "-" + random.nextInt(keysPerWriter));
                            Bytes value = bytes(i + "-" + "x".repeat(random.nextBoolean() ? 4 : 200));
                            Change c = Ops.register(store, key, new dev.converge.crdt.causal.HybridTimestamp(i, 0, me), value);
                            store.commit(Commit.of(me, List.of(c))).toCompletableFuture().join();
                            last.put(key, value);
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            for (int r = 0; r < 2; r++) {
                threads.add(new Thread(() -> {
                    Map<Bytes, Long> seen = new HashMap<>();
                    try {
                        while (!stop.get()) {
                            for (int w = 0; w < writers; w++) {
                                for (int k = 0; k < keysPerWriter; k++) {
                                    Bytes key = bytes("register-" + w + "-" + k);
                                    var read = store.read(key);
                                    if (read.isEmpty()) {
                                        assertThat(seen).as("%s vanished", key).doesNotContainKey(key);
                                        continue;
                                    }
                                    long at = ((dev.converge.crdt.LWWRegister) read.get()).timestamp().orElseThrow().physicalMillis();
                                    assertThat(at).as("read of %s went back", key).isGreaterThanOrEqualTo(seen.getOrDefault(key, 0L));
                                    seen.put(key, at);
                                }
                            }
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            runFor(2500, threads, stop, failures);
            assertThat(store.metrics().folds()).as("folds during the run").isGreaterThan(20);
            for (Map.Entry<Bytes, Bytes> e : last.entrySet()) {
                assertThat(((dev.converge.crdt.LWWRegister) store.read(e.getKey()).orElseThrow()).value()).as("%s", e.getKey())
                        .contains(e.getValue());
            }
            store.sync();
            StoreChecks.assertConsistent(store);
            StoreChecks.assertNoDeltaAtOrBelowItsSnapshot(store);
        }
    }

    @Test
    void aSmallDocumentIsRewrittenWholeWhileNothingIsPendingForIt() {
        // No folds but the one this test asks for, so the deltas on disk can be counted.
        RocksStoreOptions options = RocksStoreOptions.builder().cacheMaxBytes(0).idleFoldMillis(0).foldMinBytes(Long.MAX_VALUE).build();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            Bytes counter = bytes("small-counter");
            for (int i = 0; i < 200; i++) {
                store.commit(Commit.of(ME, List.of(Ops.increment(store, counter, ME, 1)))).toCompletableFuture().join();
            }
            assertThat(pendingDeltas(store)).as("a counter's state is under rewriteMaxBytes: written whole every time").isZero();
            assertThat(store.metrics().folds()).isZero();
            assertThat(((GCounter) store.read(counter).orElseThrow()).value()).isEqualTo(200);
            assertThat(store.readDeltaLog(0, Integer.MAX_VALUE).entries()).as("the delta log keeps every delta").hasSize(200);

            // A set past the limit gets deltas; once it shrinks below the limit, it still gets
            // deltas while any is pending (a rewrite would leave them below its sequence number,
            // never folded nor deleted), and is rewritten again after a fold cleared them.
            Bytes set = bytes("shrinking-set");
            for (int i = 0; i < 20; i++) {
                store.commit(Commit.of(ME, List.of(Ops.setAdd(store, set, ME, bytes("element-" + i))))).toCompletableFuture().join();
            }
            long large = pendingDeltas(store);
            assertThat(large).as("adds to a set over 128 bytes are deltas").isGreaterThan(0);
            for (int i = 0; i < 20; i++) {
                store.commit(Commit.of(ME, List.of(Ops.setRemove(store, set, bytes("element-" + i))))).toCompletableFuture().join();
            }
            assertThat(pendingDeltas(store)).as("removes while deltas are pending are deltas too").isEqualTo(large + 20);
            store.foldNow(set);
            assertThat(pendingDeltas(store)).isZero();
            store.commit(Commit.of(ME, List.of(Ops.setAdd(store, set, ME, bytes("again"))))).toCompletableFuture().join();
            assertThat(pendingDeltas(store)).as("small again and nothing pending: written whole").isZero();
            assertThat(((ORSet) store.read(set).orElseThrow()).elements()).containsExactly(bytes("again"));
            StoreChecks.assertConsistent(store);
            StoreChecks.assertNoDeltaAtOrBelowItsSnapshot(store);
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(0).build())) {
            assertThat(((GCounter) store.read(bytes("small-counter")).orElseThrow()).value()).isEqualTo(200);
            assertThat(((ORSet) store.read(bytes("shrinking-set")).orElseThrow()).elements()).containsExactly(bytes("again"));
        }
    }

    /** Starts {@code threads}, lets them run for {@code millis} or until one fails, stops and joins them; asserts none failed. */
    private static void runFor(long millis, List<Thread> threads, AtomicBoolean stop, ConcurrentLinkedQueue<Throwable> failures)
            throws InterruptedException {
        threads.forEach(Thread::start);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline && failures.isEmpty()) {
            Thread.sleep(50);
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
    }

    /** Entries in the docdeltas column family. */
    private static long pendingDeltas(RocksDocumentStore store) {
        long n = 0;
        try (RocksIterator it = store.handles().db.newIterator(store.handles().docDeltas)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void coldReadsSeekPastTheFoldedHistory() {
        // Folding after almost every write: thousands of deleted deltas under one key. RocksDB
        // keeps them until its own compaction; a read must not step over them.
        RocksStoreOptions options = RocksStoreOptions.builder().cacheMaxBytes(0).foldMinBytes(0).foldFraction(0.01).rewriteMaxBytes(0).build();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            Bytes key = bytes("small");
            for (int i = 0; i < 3000; i++) {
                Change c = i % 2 == 0 ? Ops.setAdd(store, key, ME, bytes("e" + i / 2)) : Ops.setRemove(store, key, bytes("e" + i / 2));
                store.commit(Commit.of(ME, List.of(c))).toCompletableFuture().join();
            }
            assertThat(store.metrics().folds()).as("folds").isGreaterThan(100);
            RocksDB db = store.handles().db;
            db.setPerfLevel(PerfLevel.ENABLE_COUNT);
            try (PerfContext perf = db.getPerfContext()) {
                perf.reset();
                assertThat(((ORSet) store.read(key).orElseThrow()).isEmpty()).isTrue();
                assertThat(perf.getInternalDeleteSkippedCount() + perf.getInternalKeySkippedCount())
                        .as("deleted entries a cold read stepped over").isLessThan(100);
            } finally {
                db.setPerfLevel(PerfLevel.DISABLE);
            }
        }
    }

    private static double bytesPerAdd(RocksDocumentStore store, Bytes key, int adds) {
        store.sync();
        long before = store.metrics().bytesWritten();
        for (int i = 0; i < adds; i++) {
            store.commit(Commit.of(ME, List.of(Ops.setAdd(store, key, ME, bytes("n" + key.asString() + i)))));
        }
        store.sync();
        return (double) (store.metrics().bytesWritten() - before) / adds;
    }

    private static int pendingDeltas(RocksDocumentStore store, Bytes key) {
        RocksHandles h = store.handles();
        byte[] prefix = Layout.docDeltaPrefix(key);
        int n = 0;
        try (ReadOptions read = new ReadOptions(); RocksIterator it = h.db.newIterator(h.docDeltas, read)) {
            for (it.seek(prefix); it.isValid() && Layout.hasPrefix(it.key(), prefix); it.next()) {
                n++;
            }
        }
        return n;
    }
}
