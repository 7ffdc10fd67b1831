package dev.converge.storage.rocksdb;

import dev.converge.crdt.causal.ReplicaId;
import java.util.Optional;

/**
 * How a {@link RocksDocumentStore} behaves: durability, memory and limits. Every limit names
 * its unit. Start from {@link #defaults()} or {@link #builder()}.
 *
 * @param durability when a commit's future completes; default {@link Durability#BUFFERED}
 * @param cacheMaxBytes bound on the estimated bytes of decoded document states kept in memory;
 *     0 disables the cache (every read of a document without a commit in flight goes to disk)
 * @param foldFraction a document's pending deltas are folded into its snapshot once their
 *     encoded bytes exceed this fraction of the snapshot's bytes (and {@code foldMinBytes});
 *     larger values write less and make cold reads join more deltas
 * @param foldMinBytes pending delta bytes below which a document is never folded, so small
 *     documents are not rewritten on every update
 * @param maxGroupCommits most commits in one RocksDB write batch (group commit)
 * @param maxPendingCommits most commits waiting to be written; a caller blocks in
 *     {@code commit} while that many wait (backpressure, bounded memory). Commits made by
 *     completion callbacks (on the thread writing a group) never wait, so they may exceed it by what one
 *     group's callbacks commit
 * @param deltaLogRetention most delta-log entries kept; older ones are dropped as new ones are
 *     written, whether or not peers acknowledged them ({@link Long#MAX_VALUE}: no limit)
 * @param truncateAcked drop delta-log entries every peer in the ack map has acknowledged, as
 *     acks are committed; off by default because only the engine knows which peers still count
 * @param newReplicaId the replica id given to a store this call creates (ignored when the
 *     directory already holds a store); empty: a random id from {@link java.security.SecureRandom}
 * @param idleFoldMillis once no commit has written a delta for this long, every document with
 *     pending deltas is folded, whatever their size, until commits resume (0: never). Small
 *     documents' deltas stay below {@code foldMinBytes} for good otherwise: many such documents
 *     (update/delete churn, a store written once) would keep their deltas on disk and in the
 *     folder's bookkeeping indefinitely
 * @param rewriteMaxBytes a commit to a document whose complete state encodes to at most this
 *     many bytes, and which has no delta pending, writes the state as the document's snapshot
 *     instead of a delta (0: always a delta after the first write). For a counter or a short
 *     register the state is a few times its delta, and writing it costs less than the delta plus
 *     its share of a later fold (a read, a rewrite and a delete)
 */
public record RocksStoreOptions(
        Durability durability,
        long cacheMaxBytes,
        double foldFraction,
        long foldMinBytes,
        int maxGroupCommits,
        int maxPendingCommits,
        long deltaLogRetention,
        boolean truncateAcked,
        Optional<ReplicaId> newReplicaId,
        long idleFoldMillis,
        int rewriteMaxBytes) {

    /** When a commit counts as durable, and so when its future completes. */
    public enum Durability {
        /** fsync each group. */
        SYNC,
        /**
         * WAL without fsync — a process crash loses nothing acknowledged; an OS crash may lose
         * the last groups.
         */
        BUFFERED
    }

    public RocksStoreOptions {
        if (durability == null) {
            throw new IllegalArgumentException("durability is required");
        }
        if (cacheMaxBytes < 0) {
            throw new IllegalArgumentException("cacheMaxBytes must be >= 0, got " + cacheMaxBytes);
        }
        if (!(foldFraction > 0) || Double.isInfinite(foldFraction)) {
            throw new IllegalArgumentException("foldFraction must be a positive finite number, got " + foldFraction);
        }
        if (foldMinBytes < 0) {
            throw new IllegalArgumentException("foldMinBytes must be >= 0, got " + foldMinBytes);
        }
        if (maxGroupCommits < 1) {
            throw new IllegalArgumentException("maxGroupCommits must be >= 1, got " + maxGroupCommits);
        }
        if (maxPendingCommits < 1) {
            throw new IllegalArgumentException("maxPendingCommits must be >= 1, got " + maxPendingCommits);
        }
        if (deltaLogRetention < 1) {
            throw new IllegalArgumentException("deltaLogRetention must be >= 1, got " + deltaLogRetention);
        }
        if (idleFoldMillis < 0) {
            throw new IllegalArgumentException("idleFoldMillis must be >= 0, got " + idleFoldMillis);
        }
        if (rewriteMaxBytes < 0 || rewriteMaxBytes > MAX_REWRITE_BYTES) {
            throw new IllegalArgumentException("rewriteMaxBytes must be 0.." + MAX_REWRITE_BYTES + ", got " + rewriteMaxBytes);
        }
        if (newReplicaId == null) {
            throw new IllegalArgumentException("newReplicaId must not be null (use Optional.empty())");
        }
    }

    /** The largest {@code rewriteMaxBytes}: past this a whole state is no longer cheap next to a delta. */
    public static final int MAX_REWRITE_BYTES = 4096;

    /** Buffered durability, a 64 MiB cache, fold at 100% of the snapshot (at least 1 KiB), small documents (up to 128 bytes) rewritten whole, no retention limit. */
    public static RocksStoreOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.durability = durability;
        b.cacheMaxBytes = cacheMaxBytes;
        b.foldFraction = foldFraction;
        b.foldMinBytes = foldMinBytes;
        b.maxGroupCommits = maxGroupCommits;
        b.maxPendingCommits = maxPendingCommits;
        b.deltaLogRetention = deltaLogRetention;
        b.truncateAcked = truncateAcked;
        b.newReplicaId = newReplicaId;
        b.idleFoldMillis = idleFoldMillis;
        b.rewriteMaxBytes = rewriteMaxBytes;
        return b;
    }

    /** Builds {@link RocksStoreOptions}; each setter documents its field on the record. */
    public static final class Builder {
        private Durability durability = Durability.BUFFERED;
        private long cacheMaxBytes = 64L << 20;
        private double foldFraction = 1.0;
        private long foldMinBytes = 1024;
        private int maxGroupCommits = 512;
        private int maxPendingCommits = 4096;
        private long deltaLogRetention = Long.MAX_VALUE;
        private boolean truncateAcked;
        private Optional<ReplicaId> newReplicaId = Optional.empty();
        private long idleFoldMillis = 1_000;
        private int rewriteMaxBytes = 128;

        private Builder() {
        }

        public Builder durability(Durability value) {
            durability = value;
            return this;
        }

        public Builder cacheMaxBytes(long value) {
            cacheMaxBytes = value;
            return this;
        }

        public Builder foldFraction(double value) {
            foldFraction = value;
            return this;
        }

        public Builder idleFoldMillis(long value) {
            idleFoldMillis = value;
            return this;
        }

        public Builder rewriteMaxBytes(int value) {
            rewriteMaxBytes = value;
            return this;
        }

        public Builder foldMinBytes(long value) {
            foldMinBytes = value;
            return this;
        }

        public Builder maxGroupCommits(int value) {
            maxGroupCommits = value;
            return this;
        }

        public Builder maxPendingCommits(int value) {
            maxPendingCommits = value;
            return this;
        }

        public Builder deltaLogRetention(long value) {
            deltaLogRetention = value;
            return this;
        }

        public Builder truncateAcked(boolean value) {
            truncateAcked = value;
            return this;
        }

        public Builder newReplicaId(ReplicaId value) {
            newReplicaId = Optional.of(value);
            return this;
        }

        public RocksStoreOptions build() {
            return new RocksStoreOptions(durability, cacheMaxBytes, foldFraction, foldMinBytes, maxGroupCommits,
                    maxPendingCommits, deltaLogRetention, truncateAcked, newReplicaId, idleFoldMillis, rewriteMaxBytes);
        }
    }
}
