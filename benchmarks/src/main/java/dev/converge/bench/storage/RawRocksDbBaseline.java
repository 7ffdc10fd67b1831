package dev.converge.bench.storage;

import dev.converge.bench.BenchDirs;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
import org.rocksdb.CompressionType;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.StatsLevel;
import org.rocksdb.TickerType;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The baseline: what RocksDB alone does for the same bytes. One WriteBatch per operation with
 * two puts (as a Converge update has a document delta and a delta-log entry) whose keys and
 * values add up to {@code bytesPerOp} of RocksDB's {@code BYTES_WRITTEN}, WAL on, no fsync, no
 * CRDT, no cache, no writer thread; each thread reuses one native WriteBatch, as the store does.
 * {@code bytesPerOp} is set to what each Converge workload of {@link StoreUpdateBench} measured
 * (counter 119 B, set 180 B, register 140 B; see benchmarks/results/storage.md), so each has its
 * own baseline in the same run. {@code putBatched*} write {@link #BATCHED} operations per
 * WriteBatch: the baseline for writes kept in flight, which the store groups into one write.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class RawRocksDbBaseline {

    /** WriteBatch header (12) + two puts of a 16-byte key, each with a type byte and two length varints. */
    private static final int OVERHEAD = 12 + 2 * (1 + 1 + 16 + 1);

    static {
        RocksDB.loadLibrary();
    }

    @State(Scope.Benchmark)
    public static class Db {
        @Param({"119", "180", "140"})
        int bytesPerOp;

        Path dir;
        Statistics statistics;
        Options options;
        WriteOptions write;
        RocksDB db;
        final AtomicInteger threadIds = new AtomicInteger();
        final LongAdder ops = new LongAdder();
        long bytesAtStart;

        @Setup(Level.Trial)
        public void open() throws RocksDBException {
            dir = BenchDirs.create("raw");
            statistics = new Statistics();
            statistics.setStatsLevel(StatsLevel.EXCEPT_DETAILED_TIMERS);
            options = new Options().setCreateIfMissing(true).setStatistics(statistics)
                    .setCompressionType(CompressionType.LZ4_COMPRESSION).setWriteBufferSize(16L << 20);
            write = new WriteOptions().setSync(false);
            db = RocksDB.open(options, dir.toString());
            bytesAtStart = statistics.getTickerCount(TickerType.BYTES_WRITTEN);
        }

        @TearDown(Level.Trial)
        public void close(BenchmarkParams params) {
            BenchDirs.reportBytes(params.getBenchmark() + ":" + bytesPerOp + ":t" + params.getThreads(),
                    statistics.getTickerCount(TickerType.BYTES_WRITTEN) - bytesAtStart, ops.sum());
            db.close();
            write.close();
            options.close();
            statistics.close();
            BenchDirs.delete(dir);
        }
    }

    @State(Scope.Thread)
    public static class Writer {
        final byte[] first = new byte[16];
        final byte[] second = new byte[16];
        byte[] firstValue;
        byte[] secondValue;
        final WriteBatch batch = new WriteBatch();
        SplittableRandom random;
        long id;
        long n;

        @TearDown(Level.Trial)
        public void free() {
            batch.close();
        }

        @Setup(Level.Trial)
        public void init(Db db) {
            id = db.threadIds.incrementAndGet();
            random = new SplittableRandom(id);
            int values = Math.max(0, db.bytesPerOp - OVERHEAD);
            firstValue = new byte[values / 2];
            secondValue = new byte[values - values / 2];
            random.nextBytes(firstValue);
            random.nextBytes(secondValue);
        }
    }

    /** Operations per WriteBatch in {@code putBatched*}: as many as a pipelined writer keeps in flight. */
    static final int BATCHED = 64;

    @Benchmark
    @Threads(1)
    public void put1(Db db, Writer w) throws RocksDBException {
        put(db, w, 1);
    }

    @Benchmark
    @Threads(4)
    public void put4(Db db, Writer w) throws RocksDBException {
        put(db, w, 1);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCHED)
    public void putBatched1(Db db, Writer w) throws RocksDBException {
        put(db, w, BATCHED);
    }

    @Benchmark
    @Threads(4)
    @OperationsPerInvocation(BATCHED)
    public void putBatched4(Db db, Writer w) throws RocksDBException {
        put(db, w, BATCHED);
    }

    private static void put(Db db, Writer w, int operations) throws RocksDBException {
        w.batch.clear();
        for (int i = 0; i < operations; i++) {
            long n = w.n++;
            // Like a document delta (one of 10,000 documents, then a sequence number) and a log entry.
            putLong(w.first, 0, w.random.nextInt(10_000));
            putLong(w.first, 8, n);
            putLong(w.second, 0, w.id);
            putLong(w.second, 8, n);
            w.batch.put(w.first, w.firstValue);
            w.batch.put(w.second, w.secondValue);
        }
        db.db.write(db.write, w.batch);
        db.ops.add(operations);
    }

    private static void putLong(byte[] b, int p, long v) {
        for (int i = 7; i >= 0; i--) {
            b[p + i] = (byte) v;
            v >>>= 8;
        }
    }
}
