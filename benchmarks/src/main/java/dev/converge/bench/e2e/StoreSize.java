package dev.converge.bench.e2e;

import dev.converge.bench.BenchDirs;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.storage.rocksdb.RocksDocumentStore;
import dev.converge.storage.rocksdb.RocksStoreOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The store's size on disk against its document count, through the embedded
 * {@link RocksDocumentStore} (what a node runs on; through the Redis front end 10,000,000 writes
 * would take over ten minutes on this machine). Documents are what {@code SET doc:<i> <16 bytes>}
 * makes on a node: an LWW register per key, committed {@value #BATCH} to a commit. After every
 * commit the delta log is truncated, as a node does once its peers have acknowledged the entries,
 * so the figure is the documents' own. At each checkpoint, with the store open and still being
 * written, its directory
 * is measured (SST files, the WAL, per-document deltas not yet folded), the heap in use after a
 * full collection is read (the store keeps a digest entry per document in memory), and random
 * reads of existing documents are timed. The document cache is {@value #CACHE_BYTES} bytes, far
 * below the data set; RocksDB's block cache is the store's fixed 32 MiB. After the last checkpoint
 * the store is closed (flushing its memtables) and measured once more, then reopened: the time of
 * that open is what a node's restart after a clean shutdown costs (it takes the digest tree saved
 * at close; after a crash the open reads every document instead).
 */
final class StoreSize {

    static final long CACHE_BYTES = 1L << 20;
    static final int BATCH = 10_000;
    private static final int READS = 20_000;

    /** One checkpoint: documents, bytes on disk, the fill rate since the previous one, heap in use, random-read latency. */
    record Point(long documents, long diskBytes, double writesPerSecond, long heapBytes, Latencies.Summary reads) {

        double bytesPerDocument() {
            return (double) diskBytes / documents;
        }
    }

    /** The checkpoints, the bytes on disk of the last one once the store is closed, and how long reopening it took. */
    record Curve(List<Point> points, long closedDiskBytes, double reopenSeconds) {
    }

    private StoreSize() {
    }

    static Curve run(List<Long> checkpoints, PrintStream out) throws IOException {
        Path dir = BenchDirs.create("e2e-store");
        RocksStoreOptions options = RocksStoreOptions.builder().cacheMaxBytes(CACHE_BYTES).build();
        ReplicaId me = ReplicaId.of(0xE2E);
        SplittableRandom random = new SplittableRandom(42);
        List<Point> points = new ArrayList<>();
        try {
            try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
                long written = 0;
                for (long target : checkpoints) {
                    long t0 = System.nanoTime();
                    List<Change> batch = new ArrayList<>(BATCH);
                    while (written < target) {
                        byte[] value = Long.toHexString(random.nextLong() | Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);
                        Mutation<LWWRegister> m = LWWRegister.empty().set(me, new HybridTimestamp(System.currentTimeMillis(), 0, me),
                                Bytes.wrap(value));
                        batch.add(new Change(key(written), m.delta(), m.state()));
                        written++;
                        if (batch.size() == BATCH || written == target) {
                            long seq = store.commit(Commit.of(me, batch)).toCompletableFuture().join();
                            store.truncateDeltaLog(seq);
                            batch = new ArrayList<>(BATCH);
                        }
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    long previous = points.isEmpty() ? 0 : points.get(points.size() - 1).documents();
                    if (store.documentCount() != target) {
                        throw new IllegalStateException("the store holds " + store.documentCount() + " documents, expected " + target);
                    }
                    long bytes = diskBytes(dir);
                    long heap = heapInUse();
                    Latencies reads = new Latencies();
                    for (int i = 0; i < READS; i++) {
                        Bytes key = key(random.nextLong(target));
                        long r0 = System.nanoTime();
                        if (store.read(key).isEmpty()) {
                            throw new IllegalStateException("document " + key + " is missing");
                        }
                        reads.record(System.nanoTime() - r0);
                    }
                    Point p = new Point(target, bytes, (target - previous) / seconds, heap, reads.summarize());
                    points.add(p);
                    out.printf(Locale.ROOT, "store size: %,d documents: %,d bytes on disk (%.1f B/document), filled at %,.0f docs/s; "
                            + "heap in use %,d MiB; random read p50 %.1f us, p99 %.1f us%n", p.documents(), p.diskBytes(), p.bytesPerDocument(),
                            p.writesPerSecond(), p.heapBytes() >> 20, p.reads().p50() * 1e3, p.reads().p99() * 1e3);
                }
            }
            long closed = diskBytes(dir);
            long last = checkpoints.get(checkpoints.size() - 1);
            out.printf(Locale.ROOT, "store size: after closing (memtables flushed): %,d bytes (%.1f B/document)%n", closed, (double) closed / last);
            long t0 = System.nanoTime();
            try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
                double reopen = (System.nanoTime() - t0) / 1e9;
                if (store.documentCount() != last || store.read(key(random.nextLong(last))).isEmpty()) {
                    throw new IllegalStateException("the reopened store holds " + store.documentCount() + " documents, expected " + last);
                }
                out.printf(Locale.ROOT, "store size: reopened after a clean close in %.2f s%n", reopen);
                return new Curve(points, closed, reopen);
            }
        } finally {
            BenchDirs.delete(dir);
        }
    }

    /** Heap in use after a full collection: what the open store holds, as this process holds little else by then. */
    private static long heapInUse() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static Bytes key(long i) {
        return Bytes.of("doc:" + i);
    }

    /** Bytes of every file under {@code dir}, retried when RocksDB removes a file during the walk. */
    static long diskBytes(Path dir) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile).mapToLong(p -> {
                    try {
                        return Files.size(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).sum();
            } catch (UncheckedIOException e) {
                if (attempt == 5) {
                    throw e.getCause();
                }
            }
        }
    }
}
