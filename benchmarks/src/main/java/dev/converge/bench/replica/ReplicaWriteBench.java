package dev.converge.bench.replica;

import dev.converge.bench.BenchLogging;
import dev.converge.crdt.Bytes;
import dev.converge.replica.Replica;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
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
 *
 * <p>{@code increment*} is closed-loop: one write in flight per thread, so it measures a write's
 * round trip through the engine and the store. {@code pipelined*} keeps {@value #IN_FLIGHT}
 * writes in flight per thread (a new one as soon as one completes), as a caller of an
 * asynchronous API does; throughput is counted as writes issued, which with a bounded window
 * equals writes completed to within {@value #IN_FLIGHT} per thread.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
public class ReplicaWriteBench {

    private static final int KEYS = 10_000;
    static final int IN_FLIGHT = 64;

    @State(Scope.Benchmark)
    public static class Cluster {
        BenchCluster cluster;
        Replica writer;
        Bytes[] keys;
        final AtomicInteger threads = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

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
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " pipelined writes failed");
            }
            System.out.printf("%nreplicated: peers acknowledged all %,d log entries of A%n", cluster.status(0).lastSeq());
            cluster.close();
        }
    }

    @State(Scope.Thread)
    public static class Writer {
        SplittableRandom random;
        final Semaphore window = new Semaphore(IN_FLIGHT);

        @Setup(Level.Trial)
        public void init(Cluster cluster) {
            random = new SplittableRandom(cluster.threads.incrementAndGet());
        }

        /** An iteration's writes complete within it, not in the next one's time. */
        @TearDown(Level.Iteration)
        public void drain() throws InterruptedException {
            window.acquire(IN_FLIGHT);
            window.release(IN_FLIGHT);
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

    @Benchmark
    @Threads(1)
    public void pipelined1(Cluster c, Writer w) throws InterruptedException {
        pipelined(c, w);
    }

    @Benchmark
    @Threads(4)
    public void pipelined4(Cluster c, Writer w) throws InterruptedException {
        pipelined(c, w);
    }

    private static void pipelined(Cluster c, Writer w) throws InterruptedException {
        w.window.acquire();
        c.writer.counter(c.keys[w.random.nextInt(KEYS)]).increment().whenComplete((written, failure) -> {
            if (failure != null) {
                c.failures.incrementAndGet();
            }
            w.window.release();
        });
    }

    private static Object increment(Cluster c, Writer w) {
        return c.writer.counter(c.keys[w.random.nextInt(KEYS)]).increment().toCompletableFuture().join();
    }
}
