package dev.converge.node;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.SyncMessage;
import java.util.List;
import java.util.Set;

/** The transport of a replica configured without networking: it never has a link. */
final class OfflineTransport implements Transport {

    private final ReplicaId id;

    OfflineTransport(ReplicaId id) {
        this.id = id;
    }

    @Override
    public ReplicaId localId() {
        return id;
    }

    @Override
    public void start(Listener listener) {
    }

    @Override
    public void connect(Endpoint endpoint) {
        throw new IllegalStateException("this replica was configured without networking");
    }

    @Override
    public void disconnect(Endpoint endpoint) {
    }

    @Override
    public SendResult send(ReplicaId peer, SyncMessage message) {
        return SendResult.NO_LINK;
    }

    @Override
    public Set<ReplicaId> connectedPeers() {
        return Set.of();
    }

    @Override
    public List<LinkStats> linkStats() {
        return List.of();
    }

    @Override
    public void close() {
    }
}
