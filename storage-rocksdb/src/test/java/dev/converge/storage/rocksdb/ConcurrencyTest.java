package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four writer threads on shared keys of every shape, each its own replica (as four engines'
 * worth of origins would be), serialised per document as the engine does: the final states
 * equal a sequential replay of the same operations, byte for byte.
 */
class ConcurrencyTest {

    private static final int THREADS = 4;
    private static final int KEYS = 40;

    @TempDir
    Path dir;

    /** One operation: on which key, from which bottom, which mutator. */
    private record Op(Bytes key, CrdtType type, Function<Crdt<?>, Mutation<?>> mutate) {
    }

    @Test
    void fourWritersOnSharedKeysEndWhereASequentialReplayEnds() throws Exception {
        List<List<Op>> plans = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            plans.add(plan(t, new Random(1000 + t), 1500));
        }
        ReentrantLock[] locks = new ReentrantLock[KEYS];
        for (int i = 0; i < KEYS; i++) {
            locks[i] = new ReentrantLock();
        }
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        Map<Bytes, Crdt<?>> model = replay(plans);
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(16 << 10).foldMinBytes(512).build())) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                List<Op> plan = plans.get(t);
                boolean pipelined = t % 2 == 0;
                threads.add(new Thread(() -> {
                    try {
                        List<CompletableFuture<Long>> pending = new ArrayList<>();
                        for (Op op : plan) {
                            ReentrantLock lock = locks[Integer.parseInt(op.key().asString().substring(1))];
                            CompletableFuture<Long> f;
                            lock.lock();
                            try {
                                Crdt<?> current = store.read(op.key()).orElse(op.type().bottom());
                                Mutation<?> m = op.mutate().apply(current);
                                f = store.commit(Commit.of(store.replicaId(), List.of(new Change(op.key(), m.delta(), m.state())))).toCompletableFuture();
                            } finally {
                                lock.unlock();
                            }
                            if (pipelined) {
                                pending.add(f);
                            } else {
                                f.join();
                            }
                        }
                        pending.forEach(CompletableFuture::join);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failures).isEmpty();
            assertMatches(store, model);
            assertThat(store.lastSeq()).isEqualTo(THREADS * 1500L);
            StoreChecks.assertConsistent(store);
            assertThat(store.metrics().cacheEvictions()).as("the data set outgrew the 16 KiB cache").isPositive();
        }
        try (RocksDocumentStore reopened = RocksDocumentStore.open(dir)) {
            assertMatches(reopened, model);
        }
    }

    @Test
    void concurrentCommitsShareGroupsInSyncMode() throws Exception {
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().durability(RocksStoreOptions.Durability.SYNC).build())) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                ReplicaId me = ReplicaId.of(0x500 + t);
                Bytes key = bytes("k" + t);
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 150; i++) {
                        Crdt<?> current = store.read(key).orElse(GCounter.empty());
                        Mutation<GCounter> m = ((GCounter) current).increment(me, 1);
                        store.commit(Commit.of(me, List.of(new Change(key, m.delta(), m.state())))).toCompletableFuture().join();
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            RocksStoreMetrics metrics = store.metrics();
            assertThat(metrics.commits()).isEqualTo(THREADS * 150L);
            assertThat(metrics.groups()).as("write batches for %d commits", metrics.commits()).isLessThan(metrics.commits());
        }
    }

    @Test
    void aBufferedCommitIsWrittenByItsCommitterWhenNoOtherIsWriting() {
        ReplicaId me = ReplicaId.of(0x610);
        Bytes key = bytes("own");
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            for (int i = 1; i <= 20; i++) {
                Crdt<?> current = store.read(key).orElse(GCounter.empty());
                Mutation<GCounter> m = ((GCounter) current).increment(me, 1);
                Thread committer = Thread.currentThread();
                AtomicReference<Thread> completedOn = new AtomicReference<>();
                CompletableFuture<Long> f = store.commit(Commit.of(me, List.of(new Change(key, m.delta(), m.state())))).toCompletableFuture();
                // Done before commit returned: a callback attached now runs here, at once.
                f.whenComplete((seq, e) -> completedOn.set(Thread.currentThread()));
                assertThat(f).isCompletedWithValue((long) i);
                assertThat(completedOn.get()).isSameAs(committer);
            }
            assertThat(store.metrics().groups()).isEqualTo(20);
        }
    }

    @Test
    void deferredCommitsAreReadAtOnceAndWrittenTogether() {
        ReplicaId me = ReplicaId.of(0x611);
        Bytes key = bytes("burst");
        long value = 0;
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().maxGroupCommits(8).build())) {
            // The idle writer thread looks at the queue every 100 ms as a safety net, and may take
            // a burst itself: a burst it touched is tried again; one it did not must be one group.
            boolean oneGroup = false;
            for (int attempt = 0; attempt < 3 && !oneGroup; attempt++) {
                long groupsBefore = store.metrics().groups();
                List<CompletableFuture<Long>> burst = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    Crdt<?> current = store.read(key).orElse(GCounter.empty());
                    Mutation<GCounter> m = ((GCounter) current).increment(me, 1);
                    burst.add(store.commitDeferred(Commit.of(me, List.of(new Change(key, m.delta(), m.state())))).toCompletableFuture());
                    value++;
                    // Visible before it is written: the next commit of the burst builds on it.
                    assertThat(((GCounter) store.read(key).orElseThrow()).value()).isEqualTo(value);
                }
                boolean untouched = burst.stream().noneMatch(CompletableFuture::isDone);
                store.writeDeferred();
                for (int i = 0; i < burst.size(); i++) {
                    assertThat(burst.get(i).join()).isEqualTo(value - burst.size() + i + 1);
                }
                oneGroup = untouched && store.metrics().groups() == groupsBefore + 1;
            }
            assertThat(oneGroup).as("a burst of deferred commits written as one group").isTrue();
            // A burst past maxGroupCommits writes a group whenever that many are queued.
            List<CompletableFuture<Long>> longBurst = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Crdt<?> current = store.read(key).orElseThrow();
                Mutation<GCounter> m = ((GCounter) current).increment(me, 1);
                longBurst.add(store.commitDeferred(Commit.of(me, List.of(new Change(key, m.delta(), m.state())))).toCompletableFuture());
                value++;
                assertThat(store.metrics().pendingCommits()).isLessThan(8);
            }
            store.writeDeferred();
            longBurst.forEach(CompletableFuture::join);
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThat(((GCounter) store.read(key).orElseThrow()).value()).isEqualTo(value);
        }
    }

    @Test
    void aDeferredCommitIsWrittenByTheCloseAndByAWaiter() {
        ReplicaId me = ReplicaId.of(0x612);
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            Mutation<GCounter> m = GCounter.empty().increment(me, 7);
            CompletableFuture<Long> f = store.commitDeferred(Commit.of(me, List.of(new Change(bytes("waited"), m.delta(), m.state()))))
                    .toCompletableFuture();
            // A caller blocked on it writes it (CommitFuture helps), rather than waiting for a writeDeferred.
            assertThat(f.join()).isEqualTo(1L);
            Mutation<GCounter> n = GCounter.empty().increment(me, 9);
            store.commitDeferred(Commit.of(me, List.of(new Change(bytes("closed"), n.delta(), n.state()))));
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir)) {
            assertThat(((GCounter) store.read(bytes("waited")).orElseThrow()).value()).isEqualTo(7);
            assertThat(((GCounter) store.read(bytes("closed")).orElseThrow()).value()).as("written by the close").isEqualTo(9);
        }
    }

    @Test
    @Timeout(60)
    void commitsFromCompletionCallbacksDoNotDeadlockOnAFullQueue() throws Exception {
        ReplicaId peer = ReplicaId.of(0x9EE7);
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().maxPendingCommits(1).maxGroupCommits(2).build())) {
            List<Thread> threads = new ArrayList<>();
            ConcurrentLinkedQueue<CompletableFuture<Long>> acks = new ConcurrentLinkedQueue<>();
            for (int t = 0; t < 3; t++) {
                ReplicaId me = ReplicaId.of(0x600 + t);
                Bytes key = bytes("k" + t);
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 300; i++) {
                        Crdt<?> current = store.read(key).orElse(GCounter.empty());
                        Mutation<GCounter> m = ((GCounter) current).increment(me, 1);
                        // The callback runs on the writer thread and commits again: as an engine
                        // recording an ack when a write becomes durable would.
                        store.commit(Commit.of(me, List.of(new Change(key, m.delta(), m.state()))))
                                .thenAccept(seq -> acks.add(store.commit(new Commit(me, List.of(), Map.of(peer, seq), Optional.empty())).toCompletableFuture()));
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            store.sync();
            store.sync();
            assertThat(acks).hasSize(900);
            acks.forEach(CompletableFuture::join);
            assertThat(store.lastSeq()).isEqualTo(900);
            assertThat(store.acks()).containsEntry(peer, 900L);
            for (int t = 0; t < 3; t++) {
                assertThat(((GCounter) store.read(bytes("k" + t)).orElseThrow()).value()).isEqualTo(300);
            }
            StoreChecks.assertConsistent(store);
        }
    }

    private static void assertMatches(RocksDocumentStore store, Map<Bytes, Crdt<?>> model) {
        assertThat(store.documentCount()).isEqualTo(model.size());
        for (Map.Entry<Bytes, Crdt<?>> e : model.entrySet()) {
            assertThat(CrdtCodec.encode(store.read(e.getKey()).orElseThrow())).as("state of %s", e.getKey()).isEqualTo(CrdtCodec.encode(e.getValue()));
        }
    }

    private static Map<Bytes, Crdt<?>> replay(List<List<Op>> plans) {
        Map<Bytes, Crdt<?>> model = new HashMap<>();
        for (List<Op> plan : plans) {
            for (Op op : plan) {
                model.put(op.key(), op.mutate().apply(model.getOrDefault(op.key(), op.type().bottom())).state());
            }
        }
        return model;
    }

    /**
     * A thread's operations. Only operations whose result does not depend on other threads'
     * interleaving: each replica counts for itself, adds its own elements, writes registers at
     * timestamps it issued, and updates its own map fields.
     */
    private static List<Op> plan(int thread, Random random, int n) {
        ReplicaId me = ReplicaId.of(0x700 + thread);
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = random.nextInt(KEYS);
            Bytes key = bytes("k" + k);
            long stamp = i;
            // Drawn now, not inside the mutators: the replay must see the same values.
            Bytes element = bytes("t" + thread + "-" + random.nextInt(200));
            // Never 0: adding 0 creates a counter that shows nothing, so it depends on what came
            // before and would not commute with the other threads' writes, which the replay assumes.
            int drawn = random.nextInt(7) - 3;
            int amount = drawn == 0 ? 4 : drawn;
            boolean remove = random.nextInt(4) == 0;
            ops.add(switch (k % 5) {
                case 0 -> new Op(key, CrdtType.G_COUNTER, c -> ((GCounter) c).increment(me, 4 + amount));
                case 1 -> new Op(key, CrdtType.PN_COUNTER, c -> ((PNCounter) c).add(me, amount));
                case 2 -> new Op(key, CrdtType.OR_SET, c -> remove ? ((ORSet) c).remove(element) : ((ORSet) c).add(me, element));
                case 3 -> new Op(key, CrdtType.LWW_REGISTER, c -> ((LWWRegister) c).set(me, new HybridTimestamp(1000 + stamp, 0, me), bytes("v" + stamp)));
                default -> new Op(key, CrdtType.OR_MAP, c -> ((ORMap) c).increment(me, bytes("f" + thread), 1));
            });
        }
        return ops;
    }
}
