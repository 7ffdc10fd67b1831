package dev.converge.bench.storage;

import dev.converge.bench.BenchDirs;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.storage.rocksdb.RocksDocumentStore;
import dev.converge.storage.rocksdb.RocksStoreOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** {@code read} of a document whose decoded state is in the cache: 10,000 counters, all cached. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class CachedReadBench {

    @State(Scope.Thread)
    public static class Store {
        Path dir;
        RocksDocumentStore store;
        Bytes[] keys;
        int next;

        @Setup(Level.Trial)
        public void open() {
            dir = BenchDirs.create("reads");
            store = RocksDocumentStore.open(dir, RocksStoreOptions.defaults());
            ReplicaId me = ReplicaId.of(0x4EAD);
            keys = new Bytes[10_000];
            List<Change> changes = new ArrayList<>();
            for (int i = 0; i < keys.length; i++) {
                keys[i] = Bytes.of("counter:" + i);
                Mutation<GCounter> m = GCounter.empty().increment(me, i + 1);
                changes.add(new Change(keys[i], m.delta(), m.state()));
            }
            store.commit(Commit.of(me, changes)).toCompletableFuture().join();
            for (Bytes k : keys) {
                store.read(k).orElseThrow();
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            System.out.printf("%ncache hits %d misses %d%n", store.metrics().cacheHits(), store.metrics().cacheMisses());
            store.close();
            BenchDirs.delete(dir);
        }
    }

    @Benchmark
    public Optional<Crdt<?>> cachedRead(Store s) {
        int i = s.next;
        s.next = i + 1 == s.keys.length ? 0 : i + 1;
        return s.store.read(s.keys[i]);
    }
}
