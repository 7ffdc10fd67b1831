package dev.converge.bench.replica;

import dev.converge.bench.BenchLogging;
import dev.converge.crdt.Bytes;
import dev.converge.replica.Replica;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Acknowledged writes through the embedded API with replication running: increments of 10,000
 * counters on replica A of a three-replica loopback cluster, each call waiting until its write is
 * durable locally (buffered mode), while A pushes to both peers and they apply and acknowledge.
 * Compared with {@code RawRocksDbBaseline} at 125 bytes per operation (a counter update's
 * measured RocksDB bytes) in the same run: {@code ./converge bench replica}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class ReplicaWriteBench {

    private static final int KEYS = 10_000;

    @State(Scope.Benchmark)
    public static class Cluster {
        BenchCluster cluster;
        Replica writer;
        Bytes[] keys;
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void open() {
            BenchLogging.quiet();
            cluster = new BenchCluster(3);
            writer = cluster.get(0);
            keys = new Bytes[KEYS];
            for (int i = 0; i < KEYS; i++) {
                keys[i] = Bytes.of("counter-" + i);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws InterruptedException {
            // Replication kept up: the peers hold everything A wrote once the cluster settles.
            cluster.awaitQuiescent(60_000);
            System.out.printf("%nreplicated: peers acknowledged all %,d log entries of A%n", cluster.status(0).lastSeq());
            cluster.close();
        }
    }

    @State(Scope.Thread)
    public static class Writer {
        SplittableRandom random;

        @Setup(Level.Trial)
        public void init(Cluster cluster) {
            random = new SplittableRandom(cluster.threads.incrementAndGet());
        }
    }

    @Benchmark
    @Threads(1)
    public Object increment1(Cluster c, Writer w) {
        return increment(c, w);
    }

    @Benchmark
    @Threads(4)
    public Object increment4(Cluster c, Writer w) {
        return increment(c, w);
    }

    private static Object increment(Cluster c, Writer w) {
        return c.writer.counter(c.keys[w.random.nextInt(KEYS)]).increment().toCompletableFuture().join();
    }
}
