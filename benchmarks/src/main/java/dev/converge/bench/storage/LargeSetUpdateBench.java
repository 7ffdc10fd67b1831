package dev.converge.bench.storage;

import dev.converge.bench.BenchDirs;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.storage.rocksdb.RocksDocumentStore;
import dev.converge.storage.rocksdb.RocksStoreOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One acknowledged update of one OR-set document of {@code size} elements (buffered mode,
 * default fold settings, so background folds of the whole set run during the measurement and
 * their bytes are counted; a 512 MiB cache, as the growing set passes the default 64 MiB).
 *
 * <ul>
 * <li>{@code addThenRemove}: operations alternate between adding a fresh element and removing
 *     it again, so the set keeps {@code size} or {@code size + 1} elements: the like-for-like
 *     comparison of a 10- and a 100,000-element set;
 * <li>{@code add} (100,000 only): every operation adds a fresh element; the set grows by the
 *     operations of the run.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class LargeSetUpdateBench {

    private static final ReplicaId ME = ReplicaId.of(0x5E7);
    private static final Bytes KEY = Bytes.of("set:large");

    /** A store with one set of {@code size} elements, held as its snapshot. */
    public abstract static class SetStore {
        Path dir;
        RocksDocumentStore store;
        long ops;
        long bytesAtStart;

        void open(int size) {
            dir = BenchDirs.create("large-set");
            store = RocksDocumentStore.open(dir, RocksStoreOptions.builder().cacheMaxBytes(StoreUpdateBench.CACHE_BYTES).build());
            List<Bytes> elements = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                elements.add(Bytes.of("element-" + i));
            }
            Mutation<ORSet> initial = ORSet.empty().addAll(ME, elements);
            // A new document's first state is written as its snapshot: nothing to wait for.
            store.commit(Commit.of(ME, List.of(new Change(KEY, initial.delta(), initial.state())))).toCompletableFuture().join();
            bytesAtStart = store.metrics().bytesWritten();
        }

        void update(boolean remove, Bytes element) {
            ORSet current = (ORSet) store.read(KEY).orElseThrow();
            Mutation<ORSet> m = remove ? current.remove(element) : current.add(ME, element);
            store.commit(Commit.of(ME, List.of(new Change(KEY, m.delta(), m.state())))).toCompletableFuture().join();
            ops++;
        }

        void close(BenchmarkParams params, int size) {
            BenchDirs.reportBytes(params.getBenchmark() + ":" + size, store.metrics().bytesWritten() - bytesAtStart, ops);
            System.out.printf("folds %s:%d %d%n", params.getBenchmark(), size, store.metrics().folds());
            store.close();
            BenchDirs.delete(dir);
        }
    }

    @State(Scope.Thread)
    public static class Alternating extends SetStore {
        @Param({"10", "100000"})
        int size;

        @Setup(Level.Trial)
        public void setUp() {
            open(size);
        }

        @TearDown(Level.Trial)
        public void tearDown(BenchmarkParams params) {
            close(params, size);
        }
    }

    @State(Scope.Thread)
    public static class Growing extends SetStore {
        @Param({"100000"})
        int size;

        @Setup(Level.Trial)
        public void setUp() {
            open(size);
        }

        @TearDown(Level.Trial)
        public void tearDown(BenchmarkParams params) {
            close(params, size);
        }
    }

    @Benchmark
    public long addThenRemove(Alternating s) {
        long n = s.ops;
        s.update(n % 2 == 1, Bytes.of("fresh-" + n / 2));
        return n;
    }

    @Benchmark
    public long add(Growing s) {
        long n = s.ops;
        s.update(false, Bytes.of("fresh-" + n));
        return n;
    }
}
