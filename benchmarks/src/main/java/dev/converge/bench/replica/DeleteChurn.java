package dev.converge.bench.replica;

import dev.converge.bench.BenchDirs;
import dev.converge.bench.report.Measure;
import dev.converge.crdt.Bytes;
import dev.converge.replica.Replica;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Issue 7's delete-churn figure: on a three-replica cluster (RocksDB, Netty on loopback), creates
 * and deletes documents over and over on a fixed set of keys ({@code SADD key member}, then
 * {@code DEL key}, round robin over the replicas), lets replication settle, and compares each
 * replica's store on disk with a fresh cluster's holding the same number of live keys. Sizes are
 * measured once replication has settled and the stores have been idle for a few seconds, after a
 * full manual compaction of every column family (so RocksDB's own garbage —
 * overwritten versions, tombstones awaiting compaction — is not counted against either side), as
 * the total of the table files.
 *
 * <p>{@code java ... DeleteChurn [--cycles 1000000] [--keys 1000]}; prints one {@code RESULT} line.
 */
public final class DeleteChurn {

    private static final int IN_FLIGHT = 256;
    private static final long IDLE_MILLIS = 5_000;

    private DeleteChurn() {
    }

    public static void main(String[] args) throws Exception {
        long cycles = 1_000_000;
        int keys = 1_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--cycles" -> cycles = Long.parseLong(args[++i]);
                case "--keys" -> keys = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("usage: DeleteChurn [--cycles N] [--keys K], got " + args[i]);
            }
        }
        measures(cycles, keys);
    }

    /** Runs both clusters, prints the {@code RESULT} line, and returns the figures for the results file. */
    public static List<Measure> measures(long cycles, int keys) throws Exception {
        RocksDB.loadLibrary();
        long live = storeBytes(keys, 0);
        long churned = storeBytes(keys, cycles);
        System.out.printf(Locale.ROOT, "RESULT delete-churn keys=%d cycles=%d live-store-bytes=%d churned-store-bytes=%d ratio=%.3f%n",
                keys, cycles, live, churned, (double) churned / live);
        Map<String, String> params = Map.of("keys", Integer.toString(keys), "cycles", Long.toString(cycles));
        return List.of(new Measure("metadata", "metadata.deleteChurn.ratio", params, (double) churned / live, Double.NaN, "x", null),
                new Measure("metadata", "metadata.deleteChurn.churnedBytes", params, churned, Double.NaN, "B", null),
                new Measure("metadata", "metadata.deleteChurn.liveBytes", params, live, Double.NaN, "B", null));
    }

    /**
     * Runs {@code cycles} create/delete cycles over {@code keys} keys (none: just creates each key
     * once), then leaves every key live, and returns the mean compacted store size per replica.
     */
    private static long storeBytes(int keys, long cycles) throws Exception {
        BenchCluster cluster = new BenchCluster(3);
        List<Path> dirs = cluster.directories();
        try {
            Semaphore window = new Semaphore(IN_FLIGHT);
            long started = System.nanoTime();
            long lastReport = started;
            for (long c = 0; c < cycles; c++) {
                Replica r = cluster.get((int) (c % cluster.size()));
                Bytes key = Bytes.of("churn-" + (c % keys));
                Bytes member = Bytes.of("member-" + c);
                window.acquire(2);
                r.set(key).add(member).whenComplete((w, e) -> window.release());
                r.delete(key).whenComplete((w, e) -> window.release());
                long now = System.nanoTime();
                if (now - lastReport > TimeUnit.SECONDS.toNanos(10)) {
                    lastReport = now;
                    System.out.printf(Locale.ROOT, "delete-churn: %,d of %,d cycles, %.0f cycles/s%n", c, cycles,
                            c / ((now - started) / 1e9));
                }
            }
            window.acquire(IN_FLIGHT);
            window.release(IN_FLIGHT);
            List<CompletableFuture<?>> creates = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                creates.add(cluster.get(k % cluster.size()).set("churn-" + k).add(Bytes.of("live")).toCompletableFuture());
            }
            CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            cluster.awaitQuiescent(300_000);
            // A few gossip rounds (acknowledgements recorded, the delta log truncated), and time for
            // the stores' idle folding (RocksStoreOptions.idleFoldMillis, 1 s) to fold what is pending.
            Thread.sleep(IDLE_MILLIS);
            for (int i = 0; i < cluster.size(); i++) {
                long count = cluster.get(i).documentCount();
                if (count != keys) {
                    throw new IllegalStateException("replica " + i + " holds " + count + " documents, expected " + keys);
                }
            }
            cluster.closeKeepingData();
            long total = 0;
            for (Path dir : dirs) {
                total += compactedBytes(dir);
            }
            return total / dirs.size();
        } finally {
            cluster.closeKeepingData();
            dirs.forEach(BenchDirs::delete);
        }
    }

    /** Flushes and fully compacts every column family of the store in {@code dir}, then sums its table files. */
    private static long compactedBytes(Path dir) throws RocksDBException, IOException {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        try (Options listing = new Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(listing, dir.toString())) {
                descriptors.add(new ColumnFamilyDescriptor(name));
            }
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions(); FlushOptions flush = new FlushOptions().setWaitForFlush(true);
             RocksDB db = RocksDB.open(options, dir.toString(), descriptors, handles)) {
            try {
                StringBuilder perFamily = new StringBuilder();
                for (int i = 0; i < handles.size(); i++) {
                    ColumnFamilyHandle h = handles.get(i);
                    db.flush(flush, h);
                    db.compactRange(h);
                    perFamily.append(' ').append(new String(descriptors.get(i).getName(), java.nio.charset.StandardCharsets.UTF_8)).append('=')
                            .append(db.getProperty(h, "rocksdb.total-sst-files-size")).append('/')
                            .append(db.getProperty(h, "rocksdb.estimate-num-keys"));
                }
                System.out.println("store " + dir.getFileName() + " bytes/keys per column family:" + perFamily);
            } finally {
                handles.forEach(ColumnFamilyHandle::close);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".sst")).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }
}
