package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.StorageException;
import dev.converge.crdt.sync.Hashing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Group commit: takes the commits callers queued, in commit order, and writes as many as are
 * waiting (up to {@code maxGroupCommits}) in one RocksDB write batch, then completes their
 * futures. One write, and in sync mode one fsync, serves the whole group.
 *
 * <p>Writing is a role, held by one thread at a time (the {@link #token}); only its holder takes
 * commits off the queue, so groups are written in commit order. Who takes it depends on the
 * durability mode:
 *
 * <ul>
 * <li>{@code buffered}: the committing thread, right after it queued its commit ({@link #lead}),
 *     as RocksDB's own write path does: when no group is being written, the committer writes
 *     its commit and whatever else is queued, and its future is complete when {@code commit}
 *     returns. A buffered write is a WAL append of a few microseconds, less than handing the
 *     commit to another thread and being woken again on a small or busy machine. A committer that
 *     finds the role taken leaves its commit to the holder, which looks at the queue once it lets
 *     go and wakes the writer thread for what it finds ({@link #tryWrite}).
 * <li>{@code sync}: the store's writer thread, as a group's fsync may take milliseconds and the
 *     engine commits from its event loop, which must not wait for a disk. It waits a short grace
 *     period before taking a single queued commit, as a caller blocked on that commit's future
 *     takes the role too when it is free ({@link CommitFuture}): that caller is blocked anyway.
 * </ul>
 *
 * <p>The writer thread also writes what no committer leads: delta-log truncations, barriers, the
 * stop, and commits queued from completion callbacks.
 *
 * <p>Each commit becomes, in the batch: per change either the document's {@code docs} entry
 * (the whole state, for a new document or a small one with nothing pending; a new document's
 * {@code keyhash} index entry too) or a {@code docdeltas} entry; the {@code deltalog} entry at
 * its sequence number; and changed metadata. RocksDB applies a batch atomically, so a crash keeps a prefix of the groups.
 */
final class GroupWriter {

    /** How long the idle writer thread yields between looks at the queue before it parks. */
    private static final long IDLE_YIELD_NANOS = 50_000;
    /** Longest park of an idle writer thread; a submit wakes it sooner. */
    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long the writer thread leaves a lone queued commit to a caller who may be about to wait for it. */
    private static final long GRACE_NANOS = 20_000;
    private static final byte[] NO_BYTES = new byte[0];

    /** Something for the writer thread to do, in queue order. */
    sealed interface Item permits CommitItem, Truncate, Barrier, Stop {
    }

    /**
     * A prepared commit. Arrays are indexed by change.
     *
     * @param seq the sequence number of its delta-log entry, 0 for a metadata-only commit
     * @param result what the future completes with
     * @param created which changes create their document (its key-hash entry is written too)
     * @param whole which changes are written as the document's snapshot (in {@code deltas},
     *     encoded complete), with no pending delta: every created document, and small ones
     *     with nothing pending (see {@link RocksStoreOptions#rewriteMaxBytes()})
     * @param ackUpdates acks after merging, only those this commit raised
     * @param clockHighWater the new high-water mark, or null to keep the stored one
     * @param reserved whether it holds a queue slot (see {@link GroupWriter#reserve})
     */
    record CommitItem(long seq, long result, Key[] keys, boolean[] created, boolean[] whole, byte[][] deltas,
            StateCache.Entry[] states, byte[] logPayload, Map<ReplicaId, Long> ackUpdates, HybridTimestamp clockHighWater,
            CompletableFuture<Long> future, boolean reserved) implements Item {
    }

    /** Drops delta-log entries through {@code throughSeq}; {@code done} may be null. */
    record Truncate(long throughSeq, CompletableFuture<Void> done) implements Item {
    }

    /** Completes once everything queued before it is written. */
    record Barrier(CompletableFuture<Void> done) implements Item {
    }

    record Stop() implements Item {
    }

    /** What the store does once a commit is in RocksDB, before its future completes. */
    interface Listener {
        void written(CommitItem item);
    }

    private final RocksHandles h;
    private final Listener listener;
    private final int maxGroup;
    private final long retention;
    /** Unbounded: {@link #slots} bounds the commits in it. */
    private final LinkedBlockingQueue<Item> queue;
    private final Semaphore slots;
    private final WriteOptions writeOptions;
    /** Reused for every group (cleared first): only the token holder touches it. */
    private final WriteBatch batch;
    private final Thread thread;
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong groups = new AtomicLong();

    private volatile long writtenSeq;
    private volatile long head;
    private volatile StorageException failure;
    /** A write error to raise instead of the next group's write: tests of what a failed disk leaves behind. */
    private volatile String injectedFault;
    /** Set by whichever thread wrote the stop. */
    private volatile boolean stopped;
    /** The writing role: held while taking a group off the queue and writing it. */
    private final ReentrantLock token = new ReentrantLock();
    /** Whether the writer thread is parked, so a submit must wake it. */
    private volatile boolean parked;
    /** Whether committers write their own groups ({@code buffered}) rather than the writer thread ({@code sync}). */
    private final boolean callerWrites;

    GroupWriter(RocksHandles h, RocksStoreOptions options, long writtenSeq, long head, Listener listener, String name) {
        this.h = h;
        this.listener = listener;
        this.maxGroup = options.maxGroupCommits();
        this.retention = options.deltaLogRetention();
        this.queue = new LinkedBlockingQueue<>();
        this.slots = new Semaphore(options.maxPendingCommits());
        boolean sync = options.durability() == RocksStoreOptions.Durability.SYNC;
        this.writeOptions = h.writeOptions(sync);
        this.callerWrites = !sync;
        this.batch = h.writeBatch();
        this.writtenSeq = writtenSeq;
        this.head = head;
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Takes a slot for one commit, waiting while {@code maxPendingCommits} are queued: the
     * backpressure that bounds memory. Called before the commit lock, never under it, so a full
     * queue cannot stop completion callbacks from committing. A thread that is writing a group
     * (running its callbacks) takes no slot, as it would wait for itself: callbacks may overshoot
     * the bound by at most what one group's callbacks commit.
     *
     * @return whether a slot was taken, to be handed back through the item or {@link #release}
     */
    boolean reserve() {
        if (writing()) {
            return false;
        }
        slots.acquireUninterruptibly();
        return true;
    }

    void release(boolean reserved) {
        if (reserved) {
            slots.release();
        }
    }

    /**
     * Queues {@code item}; never blocks (see {@link #reserve}). Called under the commit lock, in
     * commit order. A commit in {@code buffered} mode is then written by its committer
     * ({@link #lead}); anything else wakes the writer thread.
     */
    void submit(Item item) {
        submitted.incrementAndGet();
        queue.add(item);
        if (!(callerWrites && item instanceof CommitItem)) {
            wake();
        }
    }

    /**
     * Called by a committer after {@link #submit}, outside the commit lock: in {@code buffered}
     * mode writes the queued group unless another thread holds the role, which then sees the
     * commit when it lets go. A completion callback (already writing) leaves its commit to the
     * group it is part of, whose writer looks at the queue when done.
     */
    void lead() {
        if (callerWrites && !writing()) {
            tryWrite();
        }
    }

    /**
     * In {@code buffered} mode, writes everything queued on the calling thread while no other
     * thread is writing: for a caller about to wait until the queue is written anyway.
     */
    void writeQueued() {
        if (callerWrites && !writing()) {
            boolean wrote = true;
            while (wrote && !queue.isEmpty()) {
                wrote = tryWrite();
            }
        }
    }

    /**
     * Writes the next group if no thread is writing and one is queued; any thread may call it.
     *
     * @return whether this call wrote a group
     */
    boolean tryWrite() {
        if (!token.tryLock()) {
            // Whoever holds it looks at the queue after letting go (below): nothing is stranded.
            return false;
        }
        boolean wrote = false;
        try {
            Item first = queue.poll();
            if (first != null) {
                writeGroup(first);
                wrote = true;
            }
        } finally {
            token.unlock();
        }
        // Committers that found the role taken while this thread held it left their commits to it,
        // also while it found the queue empty and wrote nothing. Read after the unlock, as they
        // queue before they try the lock: one of the two always sees the other. The writer thread
        // takes them rather than this caller, whose own commit is done.
        if (Thread.currentThread() != thread && !queue.isEmpty()) {
            wake();
        }
        return wrote;
    }

    private void wake() {
        // Read after the add, as the writer sets it before its last look at the queue: one of
        // the two always sees the other.
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Whether the current thread is writing a group: completion callbacks run there. Such a
     * callback must not wait for a write (a barrier, a truncation, another group's durability)
     * that needs the role it holds; the store skips those waits there. It must not wait for a
     * future of its own group either: that group is durable but completes after the callback.
     */
    boolean writing() {
        return token.isHeldByCurrentThread();
    }

    /** Whether everything queued so far has been written. */
    boolean idle() {
        return processed.get() == submitted.get();
    }

    long writtenSeq() {
        return writtenSeq;
    }

    long head() {
        return head;
    }

    /** Makes the next group's write fail with {@code message}, as a failing disk would (for tests). */
    void injectFault(String message) {
        injectedFault = message;
    }

    StorageException failure() {
        return failure;
    }

    long commits() {
        return commits.get();
    }

    long groups() {
        return groups.get();
    }

    long pending() {
        return submitted.get() - processed.get();
    }

    /** Queues a stop after everything queued and waits until it is written and the thread has ended. */
    void stop() {
        submit(new Stop());
        boolean interrupted = false;
        while (thread.isAlive()) {
            LockSupport.unpark(thread);
            try {
                thread.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        // A helping caller may have written the stop and still be completing its group's futures.
        token.lock();
        token.unlock();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!stopped) {
            if (queue.isEmpty()) {
                waitForWork();
                continue;
            }
            // A lone commit is likely one a caller is about to wait for and write itself.
            long seen = System.nanoTime();
            while (!callerWrites && queue.size() == 1 && System.nanoTime() - seen < GRACE_NANOS && !stopped) {
                Thread.yield();
            }
            if (!tryWrite()) {
                // Someone else is writing, or wrote it all; look again without burning the core.
                Thread.yield();
            }
        }
    }

    /**
     * Parks until a submit wakes it (or a timeout, to look at {@link #stopped}); in {@code sync}
     * mode, where it writes every commit, it yields for a while first, as the next commit is
     * usually near. In {@code buffered} mode committers write their own: spinning would only take
     * a core from them and from RocksDB's background work.
     */
    private void waitForWork() {
        long start = System.nanoTime();
        while (!callerWrites && queue.isEmpty() && !stopped && System.nanoTime() - start < IDLE_YIELD_NANOS) {
            Thread.yield();
        }
        if (!queue.isEmpty() || stopped) {
            return;
        }
        parked = true;
        try {
            if (queue.isEmpty() && !stopped) {
                LockSupport.parkNanos(this, PARK_NANOS);
            }
        } finally {
            parked = false;
        }
    }

    /** Writes {@code first} and whatever else is queued, up to a group. Only with the token held. */
    private void writeGroup(Item first) {
        List<Item> group = new ArrayList<>(Math.min(maxGroup, queue.size() + 1));
        group.add(first);
        queue.drainTo(group, maxGroup - 1);
        try {
            if (write(group)) {
                stopped = true;
                LockSupport.unpark(thread);
            }
        } catch (RuntimeException | Error e) {
            // A bug must not kill the thread silently with callers waiting forever; memory and
            // disk may now disagree, so the store takes no more writes.
            StorageException failed = new StorageException("commit: the group writer failed: " + e, e);
            failure = failed;
            fail(group, failed);
            if (group.stream().anyMatch(i -> i instanceof Stop)) {
                stopped = true;
            }
        }
        for (Item item : group) {
            if (item instanceof CommitItem c) {
                release(c.reserved());
            }
        }
        processed.addAndGet(group.size());
    }

    /** Writes one group; returns whether it held the stop. */
    private boolean write(List<Item> group) {
        if (failure != null) {
            fail(group, new StorageException("commit: the store failed earlier and accepts no writes: " + failure.getMessage(), failure));
            return group.stream().anyMatch(i -> i instanceof Stop);
        }
        boolean stop = false;
        long maxSeq = writtenSeq;
        long newHead = head;
        int commitCount = 0;
        WriteBatch batch = this.batch;
        try {
            batch.clear();
            for (Item item : group) {
                if (item instanceof CommitItem c) {
                    put(batch, c);
                    maxSeq = Math.max(maxSeq, c.seq());
                    commitCount++;
                } else if (item instanceof Truncate t) {
                    newHead = truncate(batch, Math.min(t.throughSeq(), maxSeq), newHead, maxSeq);
                } else if (item instanceof Stop) {
                    stop = true;
                }
            }
            if (retention != Long.MAX_VALUE && maxSeq - newHead + 1 > retention) {
                newHead = truncate(batch, maxSeq - retention, newHead, maxSeq);
            }
            if (batch.count() > 0) {
                String fault = injectedFault;
                if (fault != null) {
                    throw new RocksDBException(fault);
                }
                h.db.write(writeOptions, batch);
                groups.incrementAndGet();
            }
        } catch (RocksDBException e) {
            StorageException failed = new StorageException("commit of " + describe(group) + ": " + e.getMessage(), e);
            failure = failed;
            fail(group, failed);
            return stop;
        }
        // Published before any future completes, so a caller that waited sees its entry as written.
        head = newHead;
        writtenSeq = maxSeq;
        commits.addAndGet(commitCount);
        for (Item item : group) {
            if (item instanceof CommitItem c) {
                listener.written(c);
                c.future().complete(c.result());
            } else if (item instanceof Truncate t) {
                if (t.done() != null) {
                    t.done().complete(null);
                }
            } else if (item instanceof Barrier b) {
                b.done().complete(null);
            }
        }
        return stop;
    }

    private void put(WriteBatch batch, CommitItem c) throws RocksDBException {
        for (int i = 0; i < c.keys().length; i++) {
            Bytes key = c.keys()[i].bytes;
            if (c.whole()[i]) {
                // The complete state as the snapshot: it supersedes any older delta (reads start
                // after this seq) and leaves nothing to fold, nor to track until a fold.
                byte[] k = key.toByteArray();
                batch.put(h.docs, k, Values.seal(k, Documents.snapshot(c.seq(), c.deltas()[i])));
                if (c.created()[i]) {
                    batch.put(h.keyHash, Layout.keyHashKey(Hashing.keyHash(key), key), NO_BYTES);
                }
                continue;
            }
            byte[] dk = Layout.docDeltaKey(key, c.seq());
            batch.put(h.docDeltas, dk, Values.seal(dk, c.deltas()[i]));
        }
        if (c.logPayload() != null) {
            byte[] lk = Layout.seqKey(c.seq());
            batch.put(h.deltaLog, lk, Values.seal(lk, c.logPayload()));
        }
        for (Map.Entry<ReplicaId, Long> a : c.ackUpdates().entrySet()) {
            byte[] ak = Layout.ackKey(a.getKey());
            batch.put(h.meta, ak, Values.seal(ak, Layout.longValue(a.getValue())));
        }
        if (c.clockHighWater() != null) {
            batch.put(h.meta, Layout.META_HLC, Values.seal(Layout.META_HLC, Layout.encodeTimestamp(c.clockHighWater())));
        }
    }

    /** Adds the deletion of entries {@code [head, through]}; returns the new head. */
    private long truncate(WriteBatch batch, long through, long head, long maxSeq) throws RocksDBException {
        if (through < head) {
            return head;
        }
        batch.deleteRange(h.deltaLog, Layout.seqKey(head), Layout.seqKey(through + 1));
        batch.put(h.meta, Layout.META_HEAD, Values.seal(Layout.META_HEAD, Layout.longValue(through + 1)));
        // The log may now be empty: keep the last sequence number where open can find it.
        batch.put(h.meta, Layout.META_SEQ, Values.seal(Layout.META_SEQ, Layout.longValue(maxSeq)));
        return through + 1;
    }

    private static String describe(List<Item> group) {
        long first = Long.MAX_VALUE;
        long last = 0;
        for (Item item : group) {
            if (item instanceof CommitItem c && c.seq() > 0) {
                first = Math.min(first, c.seq());
                last = Math.max(last, c.seq());
            }
        }
        return last == 0 ? "metadata" : "seq " + first + ".." + last;
    }

    private static void fail(List<Item> group, StorageException e) {
        for (Item item : group) {
            if (item instanceof CommitItem c) {
                c.future().completeExceptionally(e);
            } else if (item instanceof Truncate t) {
                if (t.done() != null) {
                    t.done().completeExceptionally(e);
                }
            } else if (item instanceof Barrier b) {
                b.done().completeExceptionally(e);
            }
        }
    }
}
