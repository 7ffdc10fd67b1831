package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.Hashing;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The anti-entropy hash tree: for each of 2<sup>{@value #LEAF_BITS}</sup> leaf buckets (the top
 * bits of {@link Hashing#keyHash}) the sum mod 2<sup>64</sup> of its documents'
 * {@link Hashing#documentHash} and their number. A range of at most {@value #LEAF_BITS} prefix
 * bits is a sum of whole leaves.
 *
 * <p>Incremental but lazy: hashing a document means encoding its whole state, which a commit
 * must not pay (an add to a 100,000-element set would encode 100,000 elements). A commit only
 * records the document as dirty with the state it had when it was last hashed and its newest
 * state, both immutable references; {@link #flush} subtracts the one and adds the other, so each
 * dirty document is encoded twice per digest request however often it changed. The dirty map is
 * bounded: the store flushes it in the background once it holds {@link #MAX_DIRTY} documents or
 * the states it keeps alive weigh {@link #MAX_PINNED_BYTES}. The bound is in bytes, not just
 * documents, because flushing costs two encodings per document: a low document bound would
 * re-encode every small document every few thousand commits, for no memory saved.
 */
final class DigestTree {

    static final int LEAF_BITS = 14;
    /**
     * The layout of {@link #save}: bump it whenever a document's hash would change (its encoding,
     * {@link Hashing}), so a tree saved by another release is rebuilt rather than trusted.
     */
    static final int SAVED_FORMAT = 1;
    /** Format, leaf bits, documents, last seq, replica id, hash fingerprint. */
    private static final int SAVED_HEADER = 2 + 8 + 8 + 8 + 8;
    static final int MAX_DIRTY = 1 << 16;
    static final long MAX_PINNED_BYTES = 32L << 20;

    private final long[] sums = new long[1 << LEAF_BITS];
    private final long[] counts = new long[1 << LEAF_BITS];
    /** Serialises flushes and reads of the sums, so a digest never shows half a flush. */
    private final ReentrantLock lock = new ReentrantLock();

    /** A document changed since it was last hashed. {@code hashed} is null for a new document. */
    static final class Dirty {
        final Crdt<?> hashed;
        StateCache.Entry latest;

        Dirty(Crdt<?> hashed, StateCache.Entry latest) {
            this.hashed = hashed;
            this.latest = latest;
        }
    }

    /** Guarded by the store's commit lock. */
    private Map<Key, Dirty> dirty = new HashMap<>();
    /** Estimated bytes of the {@code hashed} states the dirty map keeps alive; guarded by the commit lock. */
    private long pinnedBytes;

    static int leaf(long keyHash) {
        return (int) (keyHash >>> (64 - LEAF_BITS));
    }

    static long documentHash(Bytes key, Crdt<?> state) {
        return Hashing.documentHash(key, CrdtCodec.encode(state));
    }

    /** Adds a document while the store opens, before any commit. */
    void addAtOpen(Bytes key, long documentHash) {
        int leaf = leaf(Hashing.keyHash(key));
        sums[leaf] += documentHash;
        counts[leaf]++;
    }

    /** Counts a document whose state cannot be read (corrupt) without a hash, at open. */
    void countAtOpen(Bytes key) {
        counts[leaf(Hashing.keyHash(key))]++;
    }

    /** A tree saved at a clean close and the document count saved with it. */
    record Restored(DigestTree tree, long documents) {
    }

    /**
     * Hashes of fixed documents of several types under this release's codec and hash functions:
     * saved with the tree, so a tree hashed by a release that encodes or hashes differently is
     * rebuilt even if nobody remembered to bump {@link #SAVED_FORMAT}.
     */
    static final long HASH_FINGERPRINT = fingerprint();

    private static long fingerprint() {
        ReplicaId r = ReplicaId.of(1);
        Bytes key = Bytes.of("converge/fingerprint");
        long h = Hashing.keyHash(key);
        h = 31 * h + documentHash(key, GCounter.empty().increment(r, 7).state());
        h = 31 * h + documentHash(key, ORSet.empty().add(r, Bytes.of("x")).state());
        return 31 * h + documentHash(key, LWWRegister.empty().set(r, new HybridTimestamp(1, 2, r), Bytes.of("v")).state());
    }

    /**
     * The tree as saved by {@link #save}, or null when it does not belong to this store as it is
     * now: another layout or hash fingerprint (another release), or another last sequence number
     * or replica id (a run since, by a release that does not know of saved trees and so left this
     * one behind). The caller then rebuilds the tree by reading every document.
     */
    static Restored restore(byte[] saved, long lastSeq, ReplicaId replica) {
        int leaves = 1 << LEAF_BITS;
        if (saved.length != SAVED_HEADER + 16L * leaves || saved[0] != SAVED_FORMAT || saved[1] != LEAF_BITS
                || Layout.getLong(saved, 10) != lastSeq || Layout.getLong(saved, 18) != replica.value()
                || Layout.getLong(saved, 26) != HASH_FINGERPRINT) {
            return null;
        }
        long documents = Layout.getLong(saved, 2);
        DigestTree tree = new DigestTree();
        long counted = 0;
        for (int i = 0; i < leaves; i++) {
            tree.sums[i] = Layout.getLong(saved, SAVED_HEADER + 8 * i);
            tree.counts[i] = Layout.getLong(saved, SAVED_HEADER + 8 * (leaves + i));
            counted += tree.counts[i];
        }
        return counted == documents ? new Restored(tree, documents) : null;
    }

    /**
     * The flushed tree and {@code documents}, stamped with the store's last sequence number and
     * replica id, for the next open to {@link #restore}; only valid while no commit follows, so the
     * store saves it at a clean close, after its last commit.
     */
    byte[] save(Lock commitLock, long documents, long lastSeq, ReplicaId replica) {
        flush(commitLock);
        int leaves = 1 << LEAF_BITS;
        byte[] out = new byte[SAVED_HEADER + 16 * leaves];
        out[0] = SAVED_FORMAT;
        out[1] = LEAF_BITS;
        Layout.putLong(out, 2, documents);
        Layout.putLong(out, 10, lastSeq);
        Layout.putLong(out, 18, replica.value());
        Layout.putLong(out, 26, HASH_FINGERPRINT);
        lock.lock();
        try {
            for (int i = 0; i < leaves; i++) {
                Layout.putLong(out, SAVED_HEADER + 8 * i, sums[i]);
                Layout.putLong(out, SAVED_HEADER + 8 * (leaves + i), counts[i]);
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    // ---- under the commit lock

    Dirty dirty(Key key) {
        return dirty.get(key);
    }

    /** Records a commit of {@code latest} to {@code key}, whose entry before it was {@code previous} (null: new). */
    void changed(Key key, StateCache.Entry previous, StateCache.Entry latest) {
        Dirty d = dirty.get(key);
        if (d == null) {
            dirty.put(key, new Dirty(previous == null ? null : previous.state(), latest));
            pinnedBytes += previous == null ? 0 : previous.weight();
        } else {
            d.latest = latest;
        }
    }

    /** Whether the dirty map is past its bound and should be flushed. */
    boolean overBound() {
        return dirty.size() >= MAX_DIRTY || pinnedBytes >= MAX_PINNED_BYTES;
    }

    // ---- flushing and reading

    /**
     * Folds every dirty document into the sums. Takes the dirty set under {@code commitLock}
     * (briefly) and hashes outside it.
     */
    void flush(Lock commitLock) {
        lock.lock();
        try {
            Map<Key, Dirty> taken;
            commitLock.lock();
            try {
                if (dirty.isEmpty()) {
                    return;
                }
                taken = dirty;
                dirty = new HashMap<>();
                pinnedBytes = 0;
            } finally {
                commitLock.unlock();
            }
            for (Map.Entry<Key, Dirty> e : taken.entrySet()) {
                Bytes key = e.getKey().bytes;
                Dirty d = e.getValue();
                int leaf = leaf(Hashing.keyHash(key));
                if (d.hashed == null) {
                    counts[leaf]++;
                } else {
                    sums[leaf] -= documentHash(key, d.hashed);
                }
                sums[leaf] += documentHash(key, d.latest.state());
            }
        } finally {
            lock.unlock();
        }
    }

    /** The digest of a range of at most {@link #LEAF_BITS} prefix bits, from whole leaves. */
    RangeDigest digest(KeyHashRange range) {
        if (range.bits() > LEAF_BITS) {
            throw new IllegalArgumentException("range of " + range.bits() + " bits is finer than the " + LEAF_BITS + "-bit leaves");
        }
        int first = leaf(range.prefix());
        int n = 1 << (LEAF_BITS - range.bits());
        long sum = 0;
        long count = 0;
        lock.lock();
        try {
            for (int i = first; i < first + n; i++) {
                sum += sums[i];
                count += counts[i];
            }
        } finally {
            lock.unlock();
        }
        return new RangeDigest(range, sum, count);
    }
}
