package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/** A view of a store whose reads find nothing: builds a change for a key that cannot be read. */
final class EmptyReads implements DocumentStore {

    private final DocumentStore store;

    EmptyReads(DocumentStore store) {
        this.store = store;
    }

    @Override
    public ReplicaId replicaId() {
        return store.replicaId();
    }

    @Override
    public Optional<Crdt<?>> read(Bytes key) {
        return Optional.empty();
    }

    @Override
    public CompletionStage<Long> commit(Commit commit) {
        return store.commit(commit);
    }

    @Override
    public long lastSeq() {
        return store.lastSeq();
    }

    @Override
    public Optional<HybridTimestamp> clockHighWater() {
        return store.clockHighWater();
    }

    @Override
    public Map<ReplicaId, Long> acks() {
        return store.acks();
    }

    @Override
    public void forgetAcks(Set<ReplicaId> peers) {
        store.forgetAcks(peers);
    }

    @Override
    public DeltaLogSlice readDeltaLog(long afterSeq, int maxBytes) {
        return store.readDeltaLog(afterSeq, maxBytes);
    }

    @Override
    public void truncateDeltaLog(long throughSeq) {
        store.truncateDeltaLog(throughSeq);
    }

    @Override
    public long documentCount() {
        return store.documentCount();
    }

    @Override
    public List<Bytes> keys(Bytes fromInclusive, Bytes toExclusive, int limit) {
        return store.keys(fromInclusive, toExclusive, limit);
    }

    @Override
    public List<Bytes> keysInHashRange(KeyHashRange range, Bytes after, int limit) {
        return store.keysInHashRange(range, after, limit);
    }

    @Override
    public List<RangeDigest> digests(List<KeyHashRange> ranges) {
        return store.digests(ranges);
    }

    @Override
    public void close() {
        store.close();
    }
}
