package dev.converge.storage.rocksdb;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.StorageException;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Hashing;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.TickerType;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DocumentStore} on RocksDB: durable, crash-safe, and an update to a document writes
 * its delta, not the document (a small document, up to {@code rewriteMaxBytes}, is written whole
 * when nothing of it is pending: that is cheaper than its delta plus the delta's later fold).
 *
 * <p>Open one with {@link #open(Path, RocksStoreOptions)}; one process at a time may hold a
 * directory. A commit is one RocksDB write batch (its documents' deltas, its delta-log entry,
 * its metadata): all of it survives a crash or none does. One writer at a time groups the
 * queued commits into one batch (group commit). In {@code buffered} mode that is the committing
 * thread when no other is writing, so {@code commit} usually returns a completed future; in
 * {@code sync} mode, whose groups wait for an fsync, it is the store's writer thread, or a caller
 * blocked on its commit's future (see {@link GroupWriter}). A commit's future completes once its
 * group is durable as {@link RocksStoreOptions.Durability} says. Reads see every commit submitted before them.
 * Errors are {@link StorageException}s naming the operation and the key; a corrupt value fails
 * only the reads of its key.
 *
 * <p>Futures complete on the thread that wrote their group: a committer (possibly inside
 * {@code commit}, for commits of its own and of other threads), the store's writer thread, or a
 * caller that was waiting for a commit and wrote the pending group itself. A dependent stage may
 * read and commit; one that waits for a later write, or closes the store, must be attached with
 * an {@code *Async} method, or it would wait for the write it is part of.
 */
public final class RocksDocumentStore implements DocumentStore {

    private static final Logger LOG = LoggerFactory.getLogger(RocksDocumentStore.class);

    /** Unlocked disk loads of a key that keep racing commits to it before falling back to the commit lock. */
    private static final int LOAD_ATTEMPTS = 3;
    /**
     * Bounds of the in-memory log tail: the pushes of a busy writer, not a second log. At 128
     * entries, pushes behind a pipelined writer (tens of thousands of writes a second) missed it
     * and read RocksDB and decoded every entry again; at 2,048, allocation per write in
     * {@code ReplicaWriteBench} fell by a fifth to a quarter. The byte bound stays small (see
     * DESIGN.md): a received batch is one entry of many documents, and a megabyte of them kept
     * alive lengthened young collections.
     */
    private static final int TAIL_ENTRIES = 2_048;
    private static final long TAIL_BYTES = 256L << 10;

    private final RocksHandles h;
    private final RocksStoreOptions options;
    /**
     * Most commits left queued by {@link #commitDeferred} before one writes: a group, and at most
     * half the queue's bound, so a deferring caller never waits in backpressure for writes only it
     * would lead.
     */
    private final int deferredMax;
    private final ReplicaId replicaId;
    private final StateCache cache;
    /** The newest log entries, decoded: what a push reads right after the commit. */
    private final LogTail tail = new LogTail(TAIL_ENTRIES, TAIL_BYTES);
    private final DigestTree tree;
    private final Folder folder;
    /** Runs {@link #digestsAsync}; its one thread starts at the first call and stops at close. */
    private final ExecutorService digester = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "converge-rocksdb-digests");
        t.setDaemon(true);
        return t;
    });
    private final GroupWriter writer;

    /**
     * Orders commits: sequence numbers, cached states, the dirty set of the digest tree and the
     * writer's queue all change under it, in one order.
     */
    private final ReentrantLock commitLock = new ReentrantLock();
    /** Disk reads hold it shared; close holds it exclusively while it frees the native handles. */
    private final ReentrantReadWriteLock handleGuard = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private boolean handlesClosed;

    private volatile long lastSeq;
    private volatile HybridTimestamp clockHighWater;
    private final ConcurrentHashMap<ReplicaId, Long> acks;
    private final AtomicLong documents;
    /** Guarded by the commit lock. */
    private boolean digestFlushQueued;
    /** Whether open took the digest tree a clean close saved instead of reading every document. */
    private final boolean digestsRestored;

    private RocksDocumentStore(RocksHandles h, RocksStoreOptions options, Meta meta, long lastSeq, DigestTree tree, Folder folder, long documents,
                               boolean digestsRestored) {
        this.h = h;
        this.digestsRestored = digestsRestored;
        this.options = options;
        this.deferredMax = Math.max(1, Math.min(options.maxGroupCommits(), options.maxPendingCommits() / 2));
        this.replicaId = meta.replica();
        this.cache = new StateCache(options.cacheMaxBytes());
        this.tree = tree;
        this.folder = folder;
        this.lastSeq = lastSeq;
        this.clockHighWater = meta.clockHighWater();
        this.acks = new ConcurrentHashMap<>(meta.acks());
        this.documents = new AtomicLong(documents);
        this.writer = new GroupWriter(h, options, lastSeq, meta.head(), this::written, "converge-rocksdb-writer " + h.directory);
    }

    /** Opens the store at {@code directory} with {@linkplain RocksStoreOptions#defaults() default options}. */
    public static RocksDocumentStore open(Path directory) {
        return open(directory, RocksStoreOptions.defaults());
    }

    /**
     * Opens the store at {@code directory}, creating it when the directory is missing or empty.
     *
     * <p>After a run that acknowledged writes before fsync ({@code buffered}) ended without
     * {@link #close()} and the machine restarted since (power loss, OS crash), the store keeps its
     * documents but takes a new {@linkplain #replicaId() replica id}, with an empty delta log and no
     * acks: the lost writes may be known to peers, and the old id would issue their dots again.
     * A process crash on the same boot loses nothing and keeps the id.
     *
     * @throws StorageException when the directory is in use by another process (or already open
     *     in this one), holds a store of a newer on-disk format, is not a store, or cannot be read
     */
    public static RocksDocumentStore open(Path directory, RocksStoreOptions options) {
        return open(directory, options, BootId.current());
    }

    /** As {@link #open(Path, RocksStoreOptions)}, on the boot {@code bootId} names (empty: unknown). */
    static RocksDocumentStore open(Path directory, RocksStoreOptions options, String bootId) {
        RocksHandles h = RocksHandles.open(directory);
        Folder folder = null;
        try {
            Meta recorded = Meta.readOrCreate(h, options);
            long lastSeq = Math.max(Math.max(recorded.seqFloor(), recorded.head() - 1), newestLogSeq(h));
            Meta meta = recorded.begin(h, options, bootId, lastSeq);
            folder = new Folder(h, options, "converge-rocksdb-compaction " + directory);
            DigestTree.Restored saved = meta.savedDigests() == null ? null : DigestTree.restore(meta.savedDigests(), lastSeq, meta.replica());
            if (meta.savedDigests() != null && saved == null) {
                LOG.warn("open of {}: the saved digest tree is of another release or an older run; rebuilding it from the documents",
                        directory);
            }
            DigestTree tree = saved == null ? new DigestTree() : saved.tree();
            long documents;
            if (saved == null) {
                documents = scan(h, tree, folder);
            } else {
                documents = saved.documents();
                seedPending(h, folder);
            }
            RocksDocumentStore store = new RocksDocumentStore(h, options, meta, lastSeq, tree, folder, documents, saved != null);
            store.writer.start();
            return store;
        } catch (RocksDBException e) {
            closeAfterFailedOpen(h, folder);
            throw new StorageException("open of " + directory + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeAfterFailedOpen(h, folder);
            throw e;
        }
    }

    private static void closeAfterFailedOpen(RocksHandles h, Folder folder) {
        if (folder != null) {
            folder.shutdown();
        }
        h.close();
    }

    /**
     * The newest delta-log entry's sequence number, 0 for an empty log. A read error or a key that
     * is not a sequence number stops the open: taken for an empty log, the last sequence number
     * could fall back to a stale floor, and new commits would reuse numbers already on disk.
     */
    private static long newestLogSeq(RocksHandles h) throws RocksDBException {
        try (RocksIterator it = h.db.newIterator(h.deltaLog)) {
            it.seekToLast();
            if (!it.isValid()) {
                it.status();
                return 0;
            }
            byte[] key = it.key();
            if (key.length != 8 || Layout.getLong(key, 0) < 1) {
                throw new StorageException("open of " + h.directory + ": corrupt delta log, its last key is not a sequence number ("
                        + key.length + " bytes)");
            }
            return Layout.getLong(key, 0);
        }
    }

    /**
     * Reads every document once: rebuilds the digest tree, counts documents and tells the folder
     * which have pending deltas. A corrupt document is counted, logged and left out of the
     * digests; it does not stop the store from opening. Runs after a crash; a clean close saves
     * the tree instead, and the next open only {@linkplain #seedPending seeds the folder}.
     */
    private static long scan(RocksHandles h, DigestTree tree, Folder folder) throws RocksDBException {
        Map<Bytes, Long> pendingBytes = pendingDeltaBytes(h);
        long documents = 0;
        try (ReadOptions read = new ReadOptions(); RocksIterator it = h.db.newIterator(h.docs, read)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                Bytes key = Bytes.wrap(k);
                byte[] value = it.value();
                documents++;
                Long pending = pendingBytes.remove(key);
                try {
                    Crdt<?> state;
                    if (pending == null) {
                        state = Documents.decodeSnapshot(k, value, key, "open").state();
                    } else {
                        Documents.Loaded loaded = Documents.load(h, read, key, "open");
                        state = loaded.state();
                        folder.seed(new Key(key), loaded.snapshotBytes(), loaded.deltaBytes());
                    }
                    tree.addAtOpen(key, DigestTree.documentHash(key, state));
                } catch (StorageException corrupt) {
                    LOG.warn("{}; the document is left out of digests until repaired", corrupt.getMessage());
                    tree.countAtOpen(key);
                }
            }
            it.status();
        }
        warnOrphans(h, pendingBytes.keySet());
        return documents;
    }

    /**
     * Tells the folder which documents have pending deltas, from their stored sizes only: a fold
     * reads the document anyway, and reports it if it is corrupt.
     */
    private static void seedPending(RocksHandles h, Folder folder) throws RocksDBException {
        List<Bytes> orphans = new ArrayList<>();
        for (Map.Entry<Bytes, Long> e : pendingDeltaBytes(h).entrySet()) {
            byte[] snapshot = h.db.get(h.docs, e.getKey().toByteArray());
            if (snapshot == null) {
                orphans.add(e.getKey());
            } else {
                folder.seed(new Key(e.getKey()), snapshot.length, e.getValue());
            }
        }
        warnOrphans(h, orphans);
    }

    /** The bytes of pending deltas per document, from the one pass over {@code docdeltas} every open makes. */
    private static Map<Bytes, Long> pendingDeltaBytes(RocksHandles h) throws RocksDBException {
        Map<Bytes, Long> pendingBytes = new HashMap<>();
        try (RocksIterator it = h.db.newIterator(h.docDeltas)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] k = it.key();
                Bytes doc = Layout.docOfDeltaKey(k);
                if (doc == null) {
                    LOG.warn("open of {}: ignoring malformed docdeltas key 0x{}", h.directory, Bytes.wrap(k).toHex());
                    continue;
                }
                pendingBytes.merge(doc, (long) it.value().length, Long::sum);
            }
            it.status();
        }
        return pendingBytes;
    }

    private static void warnOrphans(RocksHandles h, Collection<Bytes> orphans) {
        for (Bytes orphan : orphans) {
            LOG.warn("open of {}: deltas of key '{}' have no document; ignored", h.directory, orphan);
        }
    }

    @Override
    public ReplicaId replicaId() {
        return replicaId;
    }

    // ---- reads

    @Override
    public Optional<Crdt<?>> read(Bytes bytes) {
        checkServing();
        Key key = new Key(bytes);
        for (int attempt = 0; attempt < LOAD_ATTEMPTS; attempt++) {
            // Noted before looking in memory: a commit after it makes the load below stale.
            long stamp = cache.stamp(key);
            StateCache.Entry e = cache.get(key);
            if (e != null) {
                return Optional.of(e.state());
            }
            if (StateCache.publishing(stamp)) {
                Thread.onSpinWait();
                continue;
            }
            Documents.Loaded loaded = loadFromDisk(bytes, "read");
            if (loaded == null) {
                if (cache.stamp(key) == stamp) {
                    return Optional.empty();
                }
            } else {
                StateCache.Entry installed = cache.install(key, entry(loaded), stamp);
                if (installed != null) {
                    return Optional.of(installed.state());
                }
            }
        }
        // Commits to this key's stripe kept racing the load: read under the commit lock.
        commitLock.lock();
        try {
            checkOpen();
            StateCache.Entry current = currentForCommit(key, "read");
            return current == null ? Optional.empty() : Optional.of(current.state());
        } finally {
            commitLock.unlock();
        }
    }

    private static StateCache.Entry entry(Documents.Loaded loaded) {
        return Weights.loaded(loaded.state(), loaded.snapshotBytes() + loaded.deltaBytes());
    }

    /** The document as stored, read at one RocksDB snapshot so a concurrent fold is all or nothing. */
    private Documents.Loaded loadFromDisk(Bytes key, String operation) {
        return guarded(operation, key, () -> {
            Snapshot snapshot = h.db.getSnapshot();
            try (ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
                return Documents.load(h, read, key, operation);
            } finally {
                h.db.releaseSnapshot(snapshot);
                // A no-op on the native side (the database owns snapshots), kept so every RocksObject is closed.
                snapshot.close();
            }
        });
    }

    /**
     * The newest state of {@code key} (null: no document), under the commit lock: no commit can
     * race, so a state read from disk is current and may be cached.
     */
    private StateCache.Entry currentForCommit(Key key, String operation) {
        DigestTree.Dirty dirty = tree.dirty(key);
        if (dirty != null) {
            return dirty.latest;
        }
        StateCache.Entry e = cache.get(key);
        if (e != null) {
            return e;
        }
        Documents.Loaded loaded = loadFromDisk(key.bytes, operation);
        if (loaded == null) {
            return null;
        }
        e = entry(loaded);
        cache.putLoaded(key, e);
        return e;
    }

    // ---- commits

    /**
     * The encoded state when it is at most {@code rewriteMaxBytes}, else null. Encodes only
     * states whose shape says they are small, so a large document's commit stays O(delta).
     */
    private byte[] smallState(Crdt<?> state) {
        if (options.rewriteMaxBytes() == 0 || !Weights.mayEncodeWithin(state, options.rewriteMaxBytes())) {
            return null;
        }
        byte[] encoded = CrdtCodec.encode(state);
        return encoded.length <= options.rewriteMaxBytes() ? encoded : null;
    }

    @Override
    public CompletionStage<Long> commit(Commit commit) {
        return commit(commit, true);
    }

    /**
     * In {@code buffered} mode, leaves the commit queued for {@link #writeDeferred} (or the next
     * commit that writes), so a burst of commits from one thread is one RocksDB write, not one
     * each; past a group queued (and half of {@code maxPendingCommits}) it writes anyway.
     * In {@code sync} mode the writer thread writes every group either way.
     */
    @Override
    public CompletionStage<Long> commitDeferred(Commit commit) {
        return commit(commit, false);
    }

    @Override
    public void writeDeferred() {
        checkOpen();
        writer.lead();
    }

    private CompletionStage<Long> commit(Commit commit, boolean write) {
        checkOpen();
        List<Change> changes = commit.changes();
        int n = changes.size();
        Key[] keys = new Key[n];
        Bytes[] keyBytes = new Bytes[n];
        byte[][] deltas = new byte[n][];
        byte[][] small = new byte[n][];
        long logBytes = 0;
        for (int i = 0; i < n; i++) {
            Change c = changes.get(i);
            keyBytes[i] = c.key();
            keys[i] = new Key(c.key());
            // Encoded outside the lock: the costly part of a commit runs in parallel across callers.
            deltas[i] = CrdtCodec.encode(c.delta());
            logBytes += deltas[i].length + keyBytes[i].length(); // a delta travels with its key: both count against a slice's budget
            // A document with deltas pending is written as a delta whatever its size: skip the
            // encoding then. Checked again under the lock; a race only costs or forgoes a rewrite.
            small[i] = folder.tracks(keys[i]) ? null : smallState(c.state());
        }
        byte[] logPayload = n == 0 ? null : DeltaLogFormat.encode(commit.origin(), keyBytes, deltas);
        CompletableFuture<Long> future = new CommitFuture(writer);
        // Backpressure before the lock: a caller waiting for queue space must not hold it.
        boolean reserved = writer.reserve();
        boolean queued = false;
        commitLock.lock();
        try {
            checkOpen();
            StorageException failure = writer.failure();
            if (failure != null) {
                return CompletableFuture.failedFuture(new StorageException(
                        "commit: the store failed earlier and accepts no writes: " + failure.getMessage(), failure));
            }
            StateCache.Entry[] previous = new StateCache.Entry[n];
            for (int i = 0; i < n; i++) {
                try {
                    previous[i] = currentForCommit(keys[i], "commit");
                } catch (StorageException e) {
                    return CompletableFuture.failedFuture(e);
                }
                if (!changes.get(i).follows(previous[i] == null ? null : previous[i].state())) {
                    // The engine checks types before it builds a change; reaching here is a bug there.
                    throw new IllegalArgumentException("commit: key '" + keys[i] + "' holds a " + previous[i].state().type()
                            + ", refusing to overwrite it with a " + changes.get(i).state().type());
                }
            }
            // Validated: from here on nothing fails, so memory and the queued write agree.
            long seq = n == 0 ? 0 : lastSeq + 1;
            boolean[] created = new boolean[n];
            boolean[] whole = new boolean[n];
            StateCache.Entry[] states = new StateCache.Entry[n];
            for (int i = 0; i < n; i++) {
                Change c = changes.get(i);
                created[i] = previous[i] == null;
                // A small document with no delta on disk or queued is written whole (see
                // rewriteMaxBytes); the folder must know of every other delta before it is
                // written, so that no later rewrite supersedes a delta it would never delete.
                whole[i] = created[i] || small[i] != null && !folder.tracks(keys[i]);
                if (whole[i]) {
                    // Stored as the document's snapshot, which must be the complete state (a delta
                    // may be partial); the delta log keeps the delta.
                    deltas[i] = small[i] != null ? small[i] : CrdtCodec.encode(c.state());
                } else {
                    folder.queued(keys[i]);
                }
                states[i] = Weights.afterCommit(c.state(), previous[i], deltas[i].length);
                cache.committed(keys[i], states[i]);
                tree.changed(keys[i], previous[i], states[i]);
                if (created[i]) {
                    documents.incrementAndGet();
                }
            }
            Map<ReplicaId, Long> ackUpdates = mergeAcks(commit.acks());
            HybridTimestamp clock = commit.clockHighWater().orElse(null);
            if (clock != null) {
                clockHighWater = clock;
            }
            if (n > 0) {
                lastSeq = seq;
                List<Document> logged = new ArrayList<>(n);
                for (Change c : changes) {
                    logged.add(new Document(c.key(), c.delta()));
                }
                tail.append(new DeltaLogEntry(seq, commit.origin(), logged), logBytes);
            }
            writer.submit(new GroupWriter.CommitItem(seq, lastSeq, keys, created, whole, deltas, states, logPayload,
                    ackUpdates, clock, future, reserved));
            queued = true;
            if (options.truncateAcked() && !ackUpdates.isEmpty()) {
                truncateAckedLocked();
            }
            if (!digestFlushQueued && tree.overBound()) {
                digestFlushQueued = true;
                folder.execute(this::flushDigestsInBackground);
            }
        } finally {
            commitLock.unlock();
            if (!queued) {
                writer.release(reserved);
            }
        }
        if (write || writer.pending() >= deferredMax) {
            writer.lead();
        }
        return future;
    }

    private Map<ReplicaId, Long> mergeAcks(Map<ReplicaId, Long> incoming) {
        if (incoming.isEmpty()) {
            return Map.of();
        }
        Map<ReplicaId, Long> raised = new HashMap<>();
        for (Map.Entry<ReplicaId, Long> a : incoming.entrySet()) {
            Long current = acks.get(a.getKey());
            if (current == null || a.getValue() > current) {
                acks.put(a.getKey(), a.getValue());
                raised.put(a.getKey(), a.getValue());
            }
        }
        return raised;
    }

    private void truncateAckedLocked() {
        long min = Long.MAX_VALUE;
        for (long v : acks.values()) {
            min = Math.min(min, v);
        }
        long through = Math.min(min, lastSeq);
        if (through >= writer.head()) {
            writer.submit(new GroupWriter.Truncate(through, null));
        }
    }

    private void flushDigestsInBackground() {
        commitLock.lock();
        try {
            digestFlushQueued = false;
        } finally {
            commitLock.unlock();
        }
        tree.flush(commitLock);
    }

    /** Called by whichever thread wrote {@code item}'s group, once it is in RocksDB. */
    private void written(GroupWriter.CommitItem item) {
        for (int i = 0; i < item.keys().length; i++) {
            cache.written(item.keys()[i], item.states()[i]);
            if (item.whole()[i]) {
                folder.onWhole();
            } else {
                folder.onDelta(item.keys()[i], Values.HEADER + item.deltas()[i].length);
            }
        }
    }

    @Override
    public long lastSeq() {
        return lastSeq;
    }

    @Override
    public Optional<HybridTimestamp> clockHighWater() {
        return Optional.ofNullable(clockHighWater);
    }

    @Override
    public Map<ReplicaId, Long> acks() {
        return Map.copyOf(acks);
    }

    // ---- delta log

    @Override
    public DeltaLogSlice readDeltaLog(long afterSeq, int maxBytes) {
        checkServing();
        if (afterSeq < 0) {
            throw new IllegalArgumentException("afterSeq must be >= 0, got " + afterSeq);
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        }
        long last = lastSeq;
        if (afterSeq >= last) {
            // Nothing after it; and the head is at most last + 1, so nothing asked for is gone.
            return new DeltaLogSlice(List.of(), false, writer.head());
        }
        if (writer.writtenSeq() < last) {
            awaitWritten("read of the delta log");
        }
        if (afterSeq + 1 >= writer.head()) {
            // Written entries only (a log entry a peer acknowledged must survive a crash here). A
            // truncation racing this may already have deleted them on disk; served from memory they
            // are still exactly the entries after afterSeq, so the slice is whole, not truncated.
            List<DeltaLogEntry> fresh = tail.read(afterSeq, Math.min(last, writer.writtenSeq()), maxBytes);
            if (fresh != null) {
                return new DeltaLogSlice(fresh, false, writer.head());
            }
        }
        return guarded("read of the delta log", null, () -> {
            List<DeltaLogEntry> entries = new ArrayList<>();
            long bytes = 0;
            try (RocksIterator it = h.db.newIterator(h.deltaLog)) {
                for (it.seek(Layout.seqKey(afterSeq + 1)); it.isValid(); it.next()) {
                    byte[] k = it.key();
                    byte[] v = it.value();
                    if (k.length != 8) {
                        throw new StorageException("read of the delta log: malformed key 0x" + Bytes.wrap(k).toHex());
                    }
                    long seq = Layout.getLong(k, 0);
                    if (!Values.intact(k, v)) {
                        throw new StorageException("read of delta-log entry seq " + seq + ": corrupt value: fails its checksum (" + v.length + " bytes)");
                    }
                    DeltaLogFormat.Decoded d;
                    try {
                        d = DeltaLogFormat.decode(seq, v);
                    } catch (CodecException e) {
                        throw new StorageException("read of delta-log entry seq " + seq + ": corrupt value: " + e.getMessage(), e);
                    }
                    long size = d.deltaBytes();
                    for (Document doc : d.entry().deltas()) {
                        size += doc.key().length(); // as the tail counts them at commit
                    }
                    if (!entries.isEmpty() && bytes + size > maxBytes) {
                        break;
                    }
                    entries.add(d.entry());
                    bytes += size;
                }
                it.status();
            }
            // Read after the entries: a truncation racing this read shows up as a gap at the start.
            long head = writer.head();
            boolean truncated = afterSeq + 1 < head || (!entries.isEmpty() && entries.get(0).seq() > afterSeq + 1);
            return new DeltaLogSlice(entries, truncated, head);
        });
    }

    @Override
    public void forgetAcks(Set<ReplicaId> peers) {
        checkOpen();
        commitLock.lock();
        try {
            checkOpen();
            for (ReplicaId peer : peers) {
                if (acks.remove(peer) != null) {
                    h.db.delete(h.meta, Layout.ackKey(peer));
                }
            }
        } catch (RocksDBException e) {
            throw new StorageException("cannot forget the acknowledgements of " + peers + ": " + e.getMessage(), e);
        } finally {
            commitLock.unlock();
        }
    }

    @Override
    public void truncateDeltaLog(long throughSeq) {
        checkOpen();
        CompletableFuture<Void> done = new CompletableFuture<>();
        commitLock.lock();
        try {
            checkOpen();
            long through = Math.min(throughSeq, lastSeq);
            if (through < writer.head()) {
                return;
            }
            writer.submit(new GroupWriter.Truncate(through, done));
        } finally {
            commitLock.unlock();
        }
        if (!writer.writing()) {
            await(done);
        }
    }

    // ---- iteration and digests

    @Override
    public long documentCount() {
        checkServing();
        return documents.get();
    }

    @Override
    public List<Bytes> keys(Bytes fromInclusive, Bytes toExclusive, int limit) {
        checkServing();
        checkLimit(limit);
        if (limit == 0) {
            return List.of();
        }
        awaitWritten("listing of keys");
        return guarded("listing of keys", fromInclusive, () -> {
            List<Bytes> out = new ArrayList<>();
            try (RocksIterator it = h.db.newIterator(h.docs)) {
                if (fromInclusive == null) {
                    it.seekToFirst();
                } else {
                    it.seek(fromInclusive.toByteArray());
                }
                for (; it.isValid() && out.size() < limit; it.next()) {
                    Bytes key = Bytes.wrap(it.key());
                    if (toExclusive != null && key.compareTo(toExclusive) >= 0) {
                        break;
                    }
                    out.add(key);
                }
                it.status();
            }
            return out;
        });
    }

    /** Keys in {@code range} in the order of the {@code keyhash} index: by unsigned key hash, then by key. */
    @Override
    public List<Bytes> keysInHashRange(KeyHashRange range, Bytes after, int limit) {
        checkServing();
        checkLimit(limit);
        if (limit == 0) {
            return List.of();
        }
        awaitWritten("listing of keys by hash");
        long low = range.prefix();
        // Not prefix | (-1L >>> bits) for all bits: a shift by 64 is a shift by 0 in Java.
        long high = range.bits() == 0 ? -1L : range.bits() == 64 ? range.prefix() : range.prefix() | (-1L >>> range.bits());
        long afterHash = after == null ? 0 : Hashing.keyHash(after);
        if (after != null && Long.compareUnsigned(afterHash, high) > 0) {
            return List.of();
        }
        byte[] start = after == null || Long.compareUnsigned(afterHash, low) < 0 ? Layout.seqKey(low) : Layout.keyHashKey(afterHash, after);
        return guarded("listing of keys by hash", after, () -> {
            List<Bytes> out = new ArrayList<>();
            try (RocksIterator it = h.db.newIterator(h.keyHash)) {
                for (it.seek(start); it.isValid() && out.size() < limit; it.next()) {
                    byte[] k = it.key();
                    long hash = Layout.getLong(k, 0);
                    if (Long.compareUnsigned(hash, high) > 0) {
                        break;
                    }
                    Bytes key = Bytes.of(k, 8, k.length - 8);
                    if (after != null && hash == afterHash && key.compareTo(after) <= 0) {
                        continue;
                    }
                    out.add(key);
                }
                it.status();
            }
            return out;
        });
    }

    @Override
    public List<RangeDigest> digests(List<KeyHashRange> ranges) {
        checkServing();
        tree.flush(commitLock);
        List<RangeDigest> out = new ArrayList<>(ranges.size());
        for (KeyHashRange range : ranges) {
            out.add(range.bits() <= DigestTree.LEAF_BITS ? tree.digest(range) : scanDigest(range));
        }
        return out;
    }

    /**
     * {@link #digests} on the store's digest thread: the first digests after many commits hash
     * every document changed since the last (tens of milliseconds for ten thousand), and ranges
     * finer than the tree's leaves read their documents, which the replica's loop must not wait
     * for. Fails once the store is closing.
     */
    @Override
    public CompletionStage<List<RangeDigest>> digestsAsync(List<KeyHashRange> ranges) {
        CompletableFuture<List<RangeDigest>> out = new CompletableFuture<>();
        try {
            digester.execute(() -> {
                try {
                    out.complete(digests(ranges));
                } catch (RuntimeException | Error e) {
                    out.completeExceptionally(e); // an Error too: a future left open would stall the catch-up until its timeout
                    if (e instanceof Error error) {
                        throw error;
                    }
                }
            });
        } catch (RejectedExecutionException closing) {
            out.completeExceptionally(new StorageException("digests of " + h.directory + ": the store is closed", closing));
        }
        return out;
    }

    /** A range finer than the tree's leaves: hashes its documents, found through the keyhash index. */
    private RangeDigest scanDigest(KeyHashRange range) {
        long sum = 0;
        long count = 0;
        Bytes after = null;
        while (true) {
            List<Bytes> page = keysInHashRange(range, after, 1024);
            for (Bytes key : page) {
                Crdt<?> state = read(key).orElseThrow(() -> new IllegalStateException("indexed key '" + key + "' has no document"));
                sum += DigestTree.documentHash(key, state);
                count++;
            }
            if (page.size() < 1024) {
                return new RangeDigest(range, sum, count);
            }
            after = page.get(page.size() - 1);
        }
    }

    // ---- metrics, lifecycle

    /** Counters for a metrics registry. */
    public RocksStoreMetrics metrics() {
        checkOpen();
        CacheStats s = cache.stats();
        long[] tickers = guarded("metrics", null, () -> new long[] {
            h.ticker(TickerType.BYTES_WRITTEN),
            h.ticker(TickerType.WAL_FILE_BYTES),
            h.ticker(TickerType.FLUSH_WRITE_BYTES) + h.ticker(TickerType.COMPACT_WRITE_BYTES)});
        return new RocksStoreMetrics(s.hitCount(), s.missCount(), s.evictionCount(), cache.estimatedBytes(),
                writer.commits(), writer.groups(), writer.pending(), folder.folds(), tickers[0], tickers[1], tickers[2]);
    }

    /** Folds the pending deltas of {@code key} into its snapshot now, waiting for it. For tests and tools. */
    void foldNow(Bytes key) {
        checkOpen();
        awaitWritten("fold");
        folder.foldNow(key);
    }

    /** Waits until everything committed so far is written. */
    void sync() {
        checkOpen();
        awaitWritten("sync");
    }

    /** Whether this open took the digest tree saved at the last clean close (for tests). */
    boolean digestsRestored() {
        return digestsRestored;
    }

    /** Makes the next group write fail as a failing disk would, for tests of what that leaves behind. */
    void injectWriteFault(String message) {
        writer.injectFault(message);
    }

    /** The native handles, for tests that inspect or damage the stored bytes. */
    RocksHandles handles() {
        return h;
    }

    /**
     * Writes every queued commit, stops the writer and compaction threads, flushes RocksDB's
     * memtables and WAL, and frees every native handle. Idempotent; other methods then throw
     * {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (writer.writing()) {
            throw new IllegalStateException("close from a commit's completion callback would wait for itself; close from another thread");
        }
        release(true);
    }

    /**
     * Lets go of the directory as a killed process would: what was written stays, but nothing
     * marks the run closed. For tests of what the next open does after a crash.
     */
    void abandon() {
        release(false);
    }

    /** Stops the threads and frees the handles; a clean close first records the last seq and clears the run's marker. */
    private void release(boolean clean) {
        commitLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            commitLock.unlock();
        }
        writer.stop();
        folder.shutdown();
        digester.shutdown(); // a digest still running fails on the closed store
        // The tree counts every accepted commit: after a failed write it is not what disk holds, and the next open rebuilds it.
        // Saved before taking the handle guard: saving flushes under the commit lock, which a reader may hold while it waits for the guard.
        byte[] digests = null;
        if (clean && writer.failure() == null) {
            try {
                digests = tree.save(commitLock, documents.get(), writer.writtenSeq(), replicaId);
            } catch (RuntimeException e) {
                // Only a shortcut for the next open: closing, and freeing the handles, matters more.
                LOG.warn("close of {}: the digest tree was not saved ({}); the next open rebuilds it", h.directory, e.toString());
            }
        }
        handleGuard.writeLock().lock();
        try {
            if (clean) {
                try (WriteBatch batch = new WriteBatch(); WriteOptions sync = new WriteOptions().setSync(true)) {
                    batch.put(h.meta, Layout.META_SEQ, Values.seal(Layout.META_SEQ, Layout.longValue(writer.writtenSeq())));
                    if (digests != null) {
                        batch.put(h.meta, Layout.META_DIGESTS, Values.seal(Layout.META_DIGESTS, digests));
                    }
                    batch.delete(h.meta, Layout.META_RUNNING); // a clean close: the next open keeps the id
                    h.db.write(sync, batch);
                    h.flush();
                }
            }
        } catch (RocksDBException e) {
            throw new StorageException("close of " + h.directory + ": " + e.getMessage(), e);
        } finally {
            handlesClosed = true;
            h.close();
            handleGuard.writeLock().unlock();
        }
    }

    // ---- helpers

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the store at " + h.directory + " is closed");
        }
    }

    /**
     * Once a write failed, memory holds commits the disk does not (their states, digests, counts):
     * serving them would let their dots reach peers, and the replica, reopened under the same id,
     * would issue those dots again for other writes. Nothing is served until the store is reopened.
     */
    private void checkServing() {
        checkOpen();
        StorageException failure = writer.failure();
        if (failure != null) {
            throw new StorageException("the store at " + h.directory + " failed to write (" + failure.getMessage()
                    + ") and serves nothing until it is reopened", failure);
        }
    }

    private static void checkLimit(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        }
    }

    /** Waits until everything queued before this call is written, so disk shows it. */
    private void awaitWritten(String operation) {
        if (writer.idle() || writer.writing()) {
            return;
        }
        // In buffered mode, write what is queued here (a deferred burst, typically) rather than
        // hand it to the writer thread and wait to be woken.
        writer.writeQueued();
        if (writer.idle()) {
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        commitLock.lock();
        try {
            checkOpen();
            writer.submit(new GroupWriter.Barrier(done));
        } finally {
            commitLock.unlock();
        }
        await(done);
    }

    private static void await(CompletableFuture<Void> done) {
        try {
            done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof StorageException s) {
                throw s;
            }
            throw e;
        }
    }

    /** A disk operation: runs while the native handles are alive, RocksDBException wrapped once, here. */
    private <T> T guarded(String operation, Bytes key, DiskRead<T> read) {
        handleGuard.readLock().lock();
        try {
            if (handlesClosed) {
                throw new IllegalStateException("the store at " + h.directory + " is closed");
            }
            return read.run();
        } catch (RocksDBException e) {
            throw new StorageException(operation + (key == null ? "" : " of key '" + key + "'") + ": " + e.getMessage(), e);
        } finally {
            handleGuard.readLock().unlock();
        }
    }

    @FunctionalInterface
    private interface DiskRead<T> {
        T run() throws RocksDBException;
    }
}
