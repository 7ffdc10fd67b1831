package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.StorageException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background compaction of documents: folds a document's pending deltas into its snapshot once
 * they exceed {@code foldFraction} of it (and {@code foldMinBytes}), so a commit writes only its
 * delta and the cost of rewriting a document is amortised over many updates: each update pays
 * about {@code deltaBytes / foldFraction} bytes of folding however large the document is. It
 * also tells the store which documents have deltas on disk or queued: only the others may be
 * written whole (see {@link #tracks}).
 *
 * <p>A fold reads the document at a RocksDB snapshot and writes, in one batch, the new snapshot
 * and a range delete of exactly the deltas it read. Commits keep appending deltas with higher
 * sequence numbers meanwhile; nothing waits for a fold, and a read sees either the old snapshot
 * with all its deltas or the new one with the rest.
 *
 * <p>When the store goes idle ({@code idleFoldMillis} without a delta written), it also folds every
 * document with pending deltas, whatever their size, stopping as soon as a commit writes again:
 * otherwise a small document's few deltas, below {@code foldMinBytes}, would stay on disk (and in
 * this class's bookkeeping) for good, and a store of many small documents — churned by
 * update/delete cycles, or written once each — would hold several times its folded size.
 *
 * <p>Runs on one daemon thread, which also takes the store's other background jobs.
 */
final class Folder {

    private static final Logger LOG = LoggerFactory.getLogger(Folder.class);

    /** Folds of more deltas than this delete them with one range tombstone (see {@link #deleteFolded}). */
    static final int POINT_DELETES_MAX = 1024;

    /** Bytes of pending deltas per document, as the group writer reports them. */
    private static final class Pending {
        /** Stored size of the snapshot, -1 until known. */
        long snapshotBytes = -1;
        long deltaBytes;
        boolean scheduled;
        /** Deltas committed but not yet written; the entry stays while any is on its way. */
        int queued;
    }

    private final RocksHandles h;
    private final double fraction;
    private final long minBytes;
    private final ConcurrentHashMap<Key, Pending> pending = new ConcurrentHashMap<>();
    /** A fold that failed with a RocksDB error waits this long before it is tried again. */
    static final long RETRY_AFTER_MILLIS = 1_000;
    private final ScheduledThreadPoolExecutor executor;
    private final long idleNanos;
    /** When a delta was last written ({@link System#nanoTime()}); an idle sweep stops when it moves. */
    private volatile long lastWriteNanos = System.nanoTime();
    private final WriteOptions writeOptions;
    private final AtomicLong folds = new AtomicLong();

    Folder(RocksHandles h, RocksStoreOptions options, String name) {
        this.h = h;
        this.fraction = options.foldFraction();
        this.minBytes = options.foldMinBytes();
        // Folds need no fsync in any mode: a lost fold leaves the deltas it would have removed.
        this.writeOptions = h.writeOptions(false);
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(options.idleFoldMillis());
        if (idleNanos > 0) {
            long period = Math.max(1, options.idleFoldMillis() / 2);
            executor.scheduleWithFixedDelay(this::sweepIfIdle, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Folds every document with pending deltas once no delta has been written for
     * {@code idleNanos}; gives up the moment one is, leaving the rest to the size rule or the next
     * idle spell.
     */
    private void sweepIfIdle() {
        try {
            sweep();
        } catch (RuntimeException e) {
            // A throw would cancel this periodic task for the rest of the store's life.
            LOG.warn("idle fold sweep failed: {}", e.toString());
        }
    }

    private void sweep() {
        long since = lastWriteNanos;
        if (pending.isEmpty() || System.nanoTime() - since < idleNanos) {
            return;
        }
        for (Key key : pending.keySet()) {
            if (lastWriteNanos != since || executor.isShutdown()) {
                return;
            }
            boolean[] claimed = new boolean[1];
            pending.computeIfPresent(key, (k, p) -> {
                if (!p.scheduled) {
                    p.scheduled = true;
                    claimed[0] = true;
                }
                return p;
            });
            if (claimed[0]) {
                fold(key, true);
            }
        }
    }

    /** Runs {@code job} on the background thread; ignored once closing. */
    void execute(Runnable job) {
        if (!executor.isShutdown()) {
            try {
                executor.execute(job);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // close() raced us; the job was optional.
            }
        }
    }

    /** What the open-time scan found for a document with pending deltas. */
    void seed(Key key, long snapshotBytes, long deltaBytes) {
        account(key, snapshotBytes, deltaBytes, false);
    }

    /** A commit will write a delta for {@code key} (called in commit order, before the write). */
    void queued(Key key) {
        pending.compute(key, (k, p) -> {
            Pending q = p == null ? new Pending() : p;
            q.queued++;
            return q;
        });
    }

    /**
     * Whether {@code key} may have deltas on disk or on their way there. A commit that finds it
     * untracked may write the whole state as the snapshot: no delta exists that it would leave
     * behind, unfolded and undeleted, below the snapshot's sequence number.
     */
    boolean tracks(Key key) {
        return pending.containsKey(key);
    }

    /** A group write put a delta of {@code bytes} for {@code key}, announced by {@link #queued}. */
    void onDelta(Key key, long bytes) {
        lastWriteNanos = System.nanoTime();
        account(key, -1, bytes, true);
    }

    /** A group write put a document whole: the store is not idle, though no delta was written. */
    void onWhole() {
        lastWriteNanos = System.nanoTime();
    }

    private void account(Key key, long snapshotBytes, long deltaBytes, boolean written) {
        boolean[] schedule = new boolean[1];
        pending.compute(key, (k, p) -> {
            if (p == null) {
                p = new Pending();
            }
            if (written && p.queued > 0) {
                p.queued--;
            }
            if (snapshotBytes >= 0) {
                p.snapshotBytes = snapshotBytes;
            }
            p.deltaBytes += deltaBytes;
            schedule[0] = claim(p);
            // A fold that read this delta before it was accounted already subtracted it: with
            // nothing queued either, the document has nothing pending and is forgotten (so its
            // next commit may be written whole again).
            return written && p.deltaBytes <= 0 && p.queued == 0 && !p.scheduled ? null : p;
        });
        if (schedule[0]) {
            execute(() -> fold(key));
        }
    }

    /** Marks {@code p} scheduled when it is due; an unknown snapshot size is learned by the fold. */
    private boolean claim(Pending p) {
        if (p.scheduled || p.deltaBytes < minBytes) {
            return false;
        }
        if (p.snapshotBytes >= 0 && p.deltaBytes < fraction * p.snapshotBytes) {
            return false;
        }
        p.scheduled = true;
        return true;
    }

    long folds() {
        return folds.get();
    }

    /**
     * Folds {@code key} now if it has pending deltas, whatever their size (for tests and tools).
     * Runs on the background thread like every fold: two folds of one document must never
     * overlap, or the older could overwrite the newer snapshot after the newer deleted its deltas.
     */
    void foldNow(Bytes key) {
        try {
            executor.submit(() -> fold(new Key(key), true)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while folding '" + key + "'", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("fold of '" + key + "' failed", e.getCause());
        }
    }

    private void fold(Key key) {
        fold(key, false);
    }

    private void fold(Key key, boolean force) {
        Documents.Loaded loaded;
        long newSnapshotBytes;
        boolean nothingPending = false;
        boolean failed = false;
        long[] accountedBefore = new long[1];
        pending.computeIfPresent(key, (k, p) -> {
            accountedBefore[0] = p.deltaBytes;
            return p;
        });
        Snapshot snapshot = h.db.getSnapshot();
        try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
            loaded = Documents.load(h, read, key.bytes, "fold");
            nothingPending = loaded == null || loaded.deltaCount() == 0;
            if (loaded != null && loaded.deltaCount() > 0 && (force || loaded.deltaBytes() >= fraction * loaded.snapshotBytes())) {
                byte[] k = key.bytes.toByteArray();
                byte[] encoded = CrdtCodec.encode(loaded.state());
                byte[] value = Values.seal(k, Documents.snapshot(loaded.maxSeq(), encoded));
                byte[] prefix = Layout.docDeltaPrefix(key.bytes);
                try (WriteBatch batch = new WriteBatch()) {
                    batch.put(h.docs, k, value);
                    deleteFolded(batch, prefix, loaded);
                    h.db.write(writeOptions, batch);
                }
                folds.incrementAndGet();
                newSnapshotBytes = encoded.length;
            } else {
                newSnapshotBytes = loaded == null ? 0 : loaded.snapshotBytes();
                loaded = loaded == null || loaded.deltaCount() == 0 ? loaded
                        : new Documents.Loaded(loaded.state(), loaded.foldedThrough(), loaded.snapshotBytes(), 0, 0, 0, new long[0]);
            }
        } catch (StorageException corrupt) {
            // Leave it scheduled so it is not retried on every commit; reads report the corruption.
            LOG.warn("background fold skipped: {}", corrupt.getMessage());
            return;
        } catch (RocksDBException e) {
            LOG.warn("background fold of key '{}' failed: {}; retried in {} ms", key, e.getMessage(), RETRY_AFTER_MILLIS);
            loaded = null;
            newSnapshotBytes = -1;
            failed = true;
        } finally {
            h.db.releaseSnapshot(snapshot);
            // A no-op on the native side (the database owns snapshots), kept so every RocksObject is closed.
            snapshot.close();
        }
        // A document found with no deltas at all drops what was counted for it before this fold
        // (the count can drift from the stored bytes); deltas counted since stay counted.
        long folded = nothingPending ? accountedBefore[0] : loaded == null ? 0 : loaded.deltaBytes();
        long snapshotBytes = newSnapshotBytes;
        boolean[] again = new boolean[1];
        pending.computeIfPresent(key, (k, p) -> {
            p.deltaBytes -= folded;
            if (snapshotBytes >= 0) {
                p.snapshotBytes = snapshotBytes;
            }
            p.scheduled = false;
            again[0] = claim(p);
            // Forget documents with nothing pending, so the map only holds documents with deltas
            // on disk or on their way there.
            return p.deltaBytes <= 0 && !p.scheduled && p.queued == 0 ? null : p;
        });
        if (again[0] && failed) {
            // Not at once: a read or write error that persists (a damaged block, a full disk) would
            // otherwise be retried in a loop that holds a core and floods the log.
            retryLater(() -> fold(key));
        } else if (again[0]) {
            execute(() -> fold(key));
        }
    }

    private void retryLater(Runnable job) {
        if (!executor.isShutdown()) {
            try {
                executor.schedule(job, RETRY_AFTER_MILLIS, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // close() raced us; the fold was optional.
            }
        }
    }

    /**
     * Deletes the deltas a fold read, exactly those: later ones have higher sequence numbers,
     * earlier ones were deleted by the fold before. Reads seek past them either way (see
     * {@link Documents}); deleting reclaims their space.
     *
     * <p>Point deletes, unless there are many: each new range tombstone makes the next iterator
     * on the column family re-fragment every range tombstone in its memtable, so one range
     * delete per small fold (thousands a second with many small documents) made every fold and
     * cold read slower the longer the memtable lived. A docdeltas key is put once and deleted
     * once, so {@code SingleDelete} applies, and a delta folded before its memtable is flushed
     * never reaches a table file: the put and its delete cancel out in the flush.
     */
    private void deleteFolded(WriteBatch batch, byte[] prefix, Documents.Loaded loaded) throws RocksDBException {
        if (loaded.deltaCount() > POINT_DELETES_MAX) {
            batch.deleteRange(h.docDeltas, Layout.docDeltaKey(prefix, loaded.foldedThrough() + 1),
                    Layout.docDeltaKey(prefix, loaded.maxSeq() + 1));
            return;
        }
        for (long seq : loaded.seqs()) {
            batch.singleDelete(h.docDeltas, Layout.docDeltaKey(prefix, seq));
        }
    }

    /** Stops the background thread after its current job; queued jobs are dropped. */
    void shutdown() {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.MINUTES)) {
                LOG.warn("background compaction did not stop within 5 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
