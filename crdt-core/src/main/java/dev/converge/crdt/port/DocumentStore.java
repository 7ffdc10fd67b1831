package dev.converge.crdt.port;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a replica keeps its documents, its delta log and its replication metadata: the engine's
 * only view of storage. Implementations: RocksDB ({@code storage-rocksdb}) and the simulator's
 * in-memory store with faults; both pass the same contract test.
 *
 * <p>Reads see every commit submitted before them, durable yet or not (read-your-writes); a
 * commit's future completes when it is durable as the store's durability mode promises. Errors
 * are {@link StorageException}s naming the operation and key. Methods are thread-safe.
 */
public interface DocumentStore extends AutoCloseable {

    /**
     * The replica this store belongs to: chosen when the store was created, and chosen anew only
     * when the store reopens after a crash that may have lost acknowledged commits, so the replica
     * never issues a dot twice.
     */
    ReplicaId replicaId();

    /** The document's state, or empty when it was never written. */
    Optional<Crdt<?>> read(Bytes key);

    /**
     * Commits atomically: each change's delta (and the new state), one delta-log entry at the
     * next local sequence number holding the deltas and their origin, and the metadata. A commit
     * without changes writes only metadata and takes no sequence number. A change of another type
     * than the key holds is refused (an {@link IllegalArgumentException}, or a future failed with a
     * {@link StorageException}) and nothing of the commit is written. The future may complete on
     * a storage thread: callers hand off rather than block there.
     *
     * @return completes with the commit's sequence number (the last one, for a metadata-only
     *     commit) once durable, or exceptionally with a {@link StorageException}
     */
    CompletionStage<Long> commit(Commit commit);

    /**
     * As {@link #commit}, for a caller about to commit again: a store that writes a commit on
     * its committer's thread may leave this one queued until {@link #writeDeferred} or a later
     * commit writes, so commits made in a burst share one write. Reads see it at once, as after
     * {@code commit}; its future completes once it is durable, as ever. By default a plain commit.
     */
    default CompletionStage<Long> commitDeferred(Commit commit) {
        return commit(commit);
    }

    /** Writes what {@link #commitDeferred} left queued on this thread's account; by default nothing is left. */
    default void writeDeferred() {
    }

    /** The highest local sequence number assigned, 0 before the first commit. */
    long lastSeq();

    /** The greatest hybrid timestamp committed, so a restarted clock never goes back. */
    Optional<HybridTimestamp> clockHighWater();

    /** Peer to the highest local sequence number it has acknowledged. */
    Map<ReplicaId, Long> acks();

    /**
     * Drops the recorded acknowledgements of {@code peers}, replicas removed from the cluster, so
     * {@link #acks()} holds current members only. Commits merge acknowledgements by maximum and
     * never drop one, so without this every replica ever seen would stay. Best effort: a commit
     * in flight may record one of them again (the engine forgets removed peers again each start).
     */
    void forgetAcks(Set<ReplicaId> peers);

    /**
     * Delta-log entries with sequence numbers above {@code afterSeq}, ascending and consecutive,
     * at least one (when any exist) and then as many as fit in {@code maxBytes} of encoded deltas and
     * their keys (a delta travels with its key).
     * When entries after {@code afterSeq} were truncated, the slice says so and holds the retained
     * entries from the head on. Only entries as durable as the store's mode promises (a store may
     * wait for them, or leave newer ones out): the protocol sends what it reads, a peer may
     * acknowledge it, and an entry a crash then took back would give its sequence number and its
     * dots to another write, which every peer that got the first would take for seen.
     */
    DeltaLogSlice readDeltaLog(long afterSeq, int maxBytes);

    /** Drops delta-log entries with sequence numbers up to {@code throughSeq} (clamped to {@link #lastSeq()}). */
    void truncateDeltaLog(long throughSeq);

    /** Number of documents. */
    long documentCount();

    /**
     * Up to {@code limit} keys in ascending unsigned-byte order, from {@code fromInclusive} (null:
     * the first) to {@code toExclusive} (null: the end).
     */
    List<Bytes> keys(Bytes fromInclusive, Bytes toExclusive, int limit);

    /**
     * Up to {@code limit} keys whose {@link dev.converge.crdt.sync.Hashing#keyHash} lies in
     * {@code range}, ascending by unsigned key hash, then by key; starting after {@code after}
     * (null: from the first), which pages through a range with the last key of the previous page.
     */
    List<Bytes> keysInHashRange(KeyHashRange range, Bytes after, int limit);

    /**
     * For each range, the sum mod 2<sup>64</sup> of {@link dev.converge.crdt.sync.Hashing#documentHash}
     * over its documents and their number: the nodes of the anti-entropy hash tree.
     */
    List<RangeDigest> digests(List<KeyHashRange> ranges);

    /**
     * {@link #digests}, completing when they are computed. A store whose digests may take long
     * (hashing documents changed since the last call) computes them on a thread of its own, so the
     * replica's loop keeps replicating meanwhile; the digests then describe the store as it was
     * at some moment after the call. This default computes them at once.
     */
    default CompletionStage<List<RangeDigest>> digestsAsync(List<KeyHashRange> ranges) {
        CompletableFuture<List<RangeDigest>> out = new CompletableFuture<>();
        try {
            out.complete(digests(ranges));
        } catch (RuntimeException e) {
            out.completeExceptionally(e);
        }
        return out;
    }

    /** Flushes and releases every resource. Further calls fail. */
    @Override
    void close();
}
