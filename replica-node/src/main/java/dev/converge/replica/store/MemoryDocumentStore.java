package dev.converge.replica.store;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link DocumentStore} in memory: for tests and for embedding without persistence. Every
 * commit is "durable" at once. Digests are computed on demand by a scan, which is fine at test
 * sizes. Thread-safe through one lock.
 */
public final class MemoryDocumentStore implements DocumentStore {

    /** The port's order for hash ranges: unsigned key hash, then key. */
    private static final Comparator<Bytes> HASH_ORDER = (a, b) -> {
        int c = Long.compareUnsigned(Hashing.keyHash(a), Hashing.keyHash(b));
        return c != 0 ? c : a.compareTo(b);
    };

    private final ReplicaId replicaId;
    private final NavigableMap<Bytes, Crdt<?>> documents;
    private final NavigableMap<Long, DeltaLogEntry> log;
    private final Map<ReplicaId, Long> acks;
    private HybridTimestamp clockHighWater;
    private long lastSeq;
    private long firstRetained = 1;
    private boolean closed;

    public MemoryDocumentStore(ReplicaId replicaId) {
        this(replicaId, new TreeMap<>(), new TreeMap<>(), new HashMap<>());
    }

    private MemoryDocumentStore(ReplicaId replicaId, NavigableMap<Bytes, Crdt<?>> documents, NavigableMap<Long, DeltaLogEntry> log,
                                Map<ReplicaId, Long> acks) {
        this.replicaId = replicaId;
        this.documents = documents;
        this.log = log;
        this.acks = acks;
    }

    /** A new store over this one's data, as if the process had restarted: this one must be closed. */
    public synchronized MemoryDocumentStore reopened() {
        if (!closed) {
            throw new IllegalStateException("close the store before reopening its data");
        }
        MemoryDocumentStore again = new MemoryDocumentStore(replicaId, documents, log, acks);
        again.clockHighWater = clockHighWater;
        again.lastSeq = lastSeq;
        again.firstRetained = firstRetained;
        return again;
    }

    @Override
    public ReplicaId replicaId() {
        return replicaId;
    }

    @Override
    public synchronized Optional<Crdt<?>> read(Bytes key) {
        checkOpen("read");
        return Optional.ofNullable(documents.get(key));
    }

    @Override
    public synchronized CompletionStage<Long> commit(Commit commit) {
        checkOpen("commit");
        for (Change c : commit.changes()) {
            Crdt<?> existing = documents.get(c.key());
            if (!c.follows(existing)) {
                return CompletableFuture.failedFuture(new StorageException("commit: key '" + c.key() + "' holds "
                        + existing.type() + ", not " + c.state().type()));
            }
        }
        if (!commit.changes().isEmpty()) {
            List<Document> deltas = new ArrayList<>(commit.changes().size());
            for (Change c : commit.changes()) {
                documents.put(c.key(), c.state());
                deltas.add(new Document(c.key(), c.delta()));
            }
            lastSeq++;
            log.put(lastSeq, new DeltaLogEntry(lastSeq, commit.origin(), deltas));
        }
        commit.acks().forEach((peer, seq) -> acks.merge(peer, seq, Math::max));
        commit.clockHighWater().ifPresent(ts -> clockHighWater = ts);
        return CompletableFuture.completedFuture(lastSeq);
    }

    @Override
    public synchronized long lastSeq() {
        checkOpen("lastSeq");
        return lastSeq;
    }

    @Override
    public synchronized Optional<HybridTimestamp> clockHighWater() {
        checkOpen("clockHighWater");
        return Optional.ofNullable(clockHighWater);
    }

    @Override
    public synchronized Map<ReplicaId, Long> acks() {
        checkOpen("acks");
        return Map.copyOf(acks);
    }

    @Override
    public synchronized DeltaLogSlice readDeltaLog(long afterSeq, int maxBytes) {
        checkOpen("readDeltaLog");
        return MemoryDocumentStore.slice(log, afterSeq, maxBytes, firstRetained);
    }

    @Override
    public synchronized void forgetAcks(Set<ReplicaId> peers) {
        checkOpen("forgetAcks");
        acks.keySet().removeAll(peers);
    }

    @Override
    public synchronized void truncateDeltaLog(long throughSeq) {
        checkOpen("truncateDeltaLog");
        log.headMap(throughSeq, true).clear();
        firstRetained = Math.max(firstRetained, Math.min(throughSeq, lastSeq) + 1);
    }

    @Override
    public synchronized long documentCount() {
        checkOpen("documentCount");
        return documents.size();
    }

    @Override
    public synchronized List<Bytes> keys(Bytes fromInclusive, Bytes toExclusive, int limit) {
        checkOpen("keys");
        NavigableMap<Bytes, Crdt<?>> range = documents;
        if (fromInclusive != null) {
            range = range.tailMap(fromInclusive, true);
        }
        if (toExclusive != null) {
            range = range.headMap(toExclusive, false);
        }
        return range.keySet().stream().limit(limit).toList();
    }

    @Override
    public synchronized List<Bytes> keysInHashRange(KeyHashRange range, Bytes after, int limit) {
        checkOpen("keysInHashRange");
        List<Bytes> inRange = new ArrayList<>();
        for (Bytes key : documents.keySet()) {
            if (range.contains(Hashing.keyHash(key))) {
                inRange.add(key);
            }
        }
        inRange.sort(HASH_ORDER);
        int from = 0;
        if (after != null) {
            while (from < inRange.size() && HASH_ORDER.compare(inRange.get(from), after) <= 0) {
                from++;
            }
        }
        return List.copyOf(inRange.subList(from, Math.min(inRange.size(), from + Math.max(0, limit))));
    }

    @Override
    public synchronized List<RangeDigest> digests(List<KeyHashRange> ranges) {
        checkOpen("digests");
        long[] sums = new long[ranges.size()];
        long[] counts = new long[ranges.size()];
        for (Map.Entry<Bytes, Crdt<?>> e : documents.entrySet()) {
            long keyHash = Hashing.keyHash(e.getKey());
            long docHash = 0;
            boolean hashed = false;
            for (int i = 0; i < ranges.size(); i++) {
                if (ranges.get(i).contains(keyHash)) {
                    if (!hashed) {
                        docHash = Hashing.documentHash(e.getKey(), CrdtCodec.encode(e.getValue()));
                        hashed = true;
                    }
                    sums[i] += docHash;
                    counts[i]++;
                }
            }
        }
        List<RangeDigest> out = new ArrayList<>(ranges.size());
        for (int i = 0; i < ranges.size(); i++) {
            out.add(new RangeDigest(ranges.get(i), sums[i], counts[i]));
        }
        return out;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    private void checkOpen(String operation) {
        if (closed) {
            throw new StorageException(operation + ": store is closed");
        }
    }

    /**
     * The delta-log slice above {@code afterSeq} of an in-memory log, as {@link #readDeltaLog}
     * defines it: at least one entry, then as many as fit in {@code maxBytes} of keys and encoded
     * deltas. Shared with the simulator's store.
     */
    public static DeltaLogSlice slice(NavigableMap<Long, DeltaLogEntry> log, long afterSeq, int maxBytes,
                                      long firstRetained) {
        List<DeltaLogEntry> entries = new ArrayList<>();
        long bytes = 0;
        for (DeltaLogEntry e : log.tailMap(afterSeq, false).values()) {
            long size = 0;
            for (Document d : e.deltas()) {
                size += d.key().length() + CrdtCodec.encodedSize(d.value());
            }
            if (!entries.isEmpty() && bytes + size > maxBytes) {
                break;
            }
            entries.add(e);
            bytes += size;
        }
        return new DeltaLogSlice(entries, afterSeq + 1 < firstRetained, firstRetained);
    }
}
