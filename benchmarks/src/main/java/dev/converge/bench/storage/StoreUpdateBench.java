package dev.converge.bench.storage;

import dev.converge.bench.BenchDirs;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.storage.rocksdb.RocksDocumentStore;
import dev.converge.storage.rocksdb.RocksStoreOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Acknowledged updates through the DocumentStore in buffered mode (default options but a
 * 512 MiB cache that holds the working set), as the engine makes them:
 * read the document, apply a delta-mutator, commit the delta and the new state, wait for the
 * commit's future. Writers are serialised per document (a striped lock), as the engine does;
 * each thread is its own replica.
 *
 * <ul>
 * <li>{@code counter}: increments of 10,000 grow-only counters;
 * <li>{@code set}: adds of fresh elements to 100 OR-sets;
 * <li>{@code register}: writes to 10,000 LWW registers.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class StoreUpdateBench {

    private static final int STRIPES = 1024;
    /**
     * Room for the working set: the 100 sets grow to several thousand elements each during a
     * trial, past the default 64 MiB, and this measures updates, not cache misses.
     */
    static final long CACHE_BYTES = 512L << 20;

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"counter", "set", "register"})
        String workload;

        Path dir;
        RocksDocumentStore store;
        int keyCount;
        Bytes[] keys;
        final ReentrantLock[] locks = new ReentrantLock[STRIPES];
        final AtomicLong clock = new AtomicLong(1);
        final AtomicInteger threadIds = new AtomicInteger();
        final LongAdder ops = new LongAdder();
        long bytesAtStart;

        @Setup(Level.Trial)
        public void open() {
            dir = BenchDirs.create("updates");
            store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(CACHE_BYTES).build());
            keyCount = workload.equals("set") ? 100 : 10_000;
            keys = new Bytes[keyCount];
            ReplicaId seeder = ReplicaId.of(0x5EED);
            List<Change> creations = new ArrayList<>();
            for (int i = 0; i < keyCount; i++) {
                keys[i] = Bytes.of(workload + ":" + i);
                creations.add(change(keys[i], bottom(), s -> first(s, seeder)));
                if (creations.size() == 500) {
                    store.commit(Commit.of(seeder, creations)).toCompletableFuture().join();
                    creations.clear();
                }
            }
            if (!creations.isEmpty()) {
                store.commit(Commit.of(seeder, creations)).toCompletableFuture().join();
            }
            for (int i = 0; i < STRIPES; i++) {
                locks[i] = new ReentrantLock();
            }
            bytesAtStart = store.metrics().bytesWritten();
        }

        private Crdt<?> bottom() {
            return switch (workload) {
                case "counter" -> GCounter.empty();
                case "set" -> ORSet.empty();
                default -> LWWRegister.empty();
            };
        }

        private Mutation<?> first(Crdt<?> s, ReplicaId r) {
            return switch (workload) {
                case "counter" -> ((GCounter) s).increment(r, 1);
                case "set" -> ((ORSet) s).add(r, Bytes.of("seed"));
                default -> ((LWWRegister) s).set(r, new HybridTimestamp(clock.getAndIncrement(), 0, r), Bytes.of("v"));
            };
        }

        Change change(Bytes key, Crdt<?> bottom, Function<Crdt<?>, Mutation<?>> op) {
            Crdt<?> current = store.read(key).orElse(bottom);
            Mutation<?> m = op.apply(current);
            return new Change(key, m.delta(), m.state());
        }

        @TearDown(Level.Trial)
        public void close(BenchmarkParams params) {
            BenchDirs.reportBytes(params.getBenchmark() + ":" + workload + ":t" + params.getThreads(),
                    store.metrics().bytesWritten() - bytesAtStart, ops.sum());
            store.close();
            BenchDirs.delete(dir);
        }
    }

    @State(Scope.Thread)
    public static class Writer {
        ReplicaId me;
        String prefix;
        SplittableRandom random;
        long n;

        @Setup(Level.Trial)
        public void init(Store s) {
            int id = s.threadIds.incrementAndGet();
            me = ReplicaId.of(0xB000 + id);
            prefix = "t" + id + "-";
            random = new SplittableRandom(id);
        }
    }

    @Benchmark
    @Threads(1)
    public long update1(Store s, Writer w) {
        return update(s, w);
    }

    @Benchmark
    @Threads(4)
    public long update4(Store s, Writer w) {
        return update(s, w);
    }

    private static long update(Store s, Writer w) {
        int k = w.random.nextInt(s.keyCount);
        Bytes key = s.keys[k];
        ReentrantLock lock = s.locks[k & (STRIPES - 1)];
        Crdt<?> bottom = s.bottom();
        long n = w.n++;
        CompletableFuture<Long> f;
        lock.lock();
        try {
            Change c = switch (s.workload) {
                case "counter" -> s.change(key, bottom, st -> ((GCounter) st).increment(w.me, 1));
                case "set" -> s.change(key, bottom, st -> ((ORSet) st).add(w.me, Bytes.of(w.prefix + n)));
                default -> s.change(key, bottom, st -> ((LWWRegister) st).set(w.me, new HybridTimestamp(s.clock.getAndIncrement(), 0, w.me), Bytes.of("value-" + n)));
            };
            f = s.store.commit(Commit.of(w.me, List.of(c))).toCompletableFuture();
        } finally {
            lock.unlock();
        }
        long seq = f.join();
        s.ops.increment();
        return seq;
    }
}
