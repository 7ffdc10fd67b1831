package dev.converge.replica;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.SyncMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A network between in-memory transports on virtual time, with seeded faults: loss, duplication,
 * reordering (random delay) and partitions. Every message crosses it as codec bytes, so the real
 * encoding is on the path, and bytes are counted per sender.
 */
final class MemoryNetwork {

    private final VirtualTime time;
    private final SplittableRandom random;
    private final Map<ReplicaId, Node> nodes = new LinkedHashMap<>();
    private final Set<Set<ReplicaId>> cut = new HashSet<>();
    /** Messages the sending transport refuses with NO_LINK, as a link going down mid-send would. */
    java.util.function.Predicate<SyncMessage> refused = m -> false;
    /** Messages the transport takes (QUEUED) and then loses on the way, as a dropped frame. */
    java.util.function.Predicate<SyncMessage> lost = m -> false;
    /** Directed links whose messages vanish while the link stays up, as from a stalled process. */
    private final Set<List<ReplicaId>> muted = new HashSet<>();
    private final Map<List<ReplicaId>, Long> deltaDocuments = new HashMap<>();
    double lossRate;
    double duplicateRate;
    long minDelayMillis = 1;
    long maxDelayMillis = 1;

    MemoryNetwork(VirtualTime time, long seed) {
        this.time = time;
        this.random = new SplittableRandom(seed);
    }

    Transport transport(ReplicaId id) {
        Node node = new Node(id);
        nodes.put(id, node);
        return node;
    }

    /** Faults off: every message arrives once, in order, after 1 ms. */
    void heal() {
        lossRate = 0;
        duplicateRate = 0;
        minDelayMillis = 1;
        maxDelayMillis = 1;
        for (Set<ReplicaId> pair : new ArrayList<>(cut)) {
            List<ReplicaId> ids = new ArrayList<>(pair);
            connect(ids.get(0), ids.get(1));
        }
    }

    /** Cuts the link between {@code a} and {@code b}: both see it go down. */
    void disconnect(ReplicaId a, ReplicaId b) {
        if (cut.add(Set.of(a, b))) {
            nodes.get(a).linkDown(b);
            nodes.get(b).linkDown(a);
        }
    }

    void connect(ReplicaId a, ReplicaId b) {
        if (cut.remove(Set.of(a, b))) {
            nodes.get(a).linkUp(b);
            nodes.get(b).linkUp(a);
        }
    }

    /** Isolates {@code a} from everyone. */
    void isolate(ReplicaId a) {
        for (ReplicaId b : nodes.keySet()) {
            if (!b.equals(a)) {
                disconnect(a, b);
            }
        }
    }

    /** Drops every message {@code from} sends to anyone, links staying up (a stalled process); undone by {@link #unmute}. */
    void mute(ReplicaId from) {
        for (ReplicaId to : nodes.keySet()) {
            muted.add(List.of(from, to));
        }
    }

    /** Drops every message {@code from} sends to {@code to}, the link staying up (a one-way stall). */
    void mute(ReplicaId from, ReplicaId to) {
        muted.add(List.of(from, to));
    }

    void unmute(ReplicaId from) {
        muted.removeIf(link -> link.get(0).equals(from));
    }

    /** Documents sent in delta batches from {@code from} to {@code to}, the network's duplicates not counted. */
    long deltaDocumentsSent(ReplicaId from, ReplicaId to) {
        return deltaDocuments.getOrDefault(List.of(from, to), 0L);
    }

    long bytesSentBy(ReplicaId id) {
        return nodes.get(id).bytesOut;
    }

    long messagesSentBy(ReplicaId id) {
        return nodes.get(id).messagesOut;
    }

    /** Delivers raw bytes to {@code to} as if {@code from} had sent them (for bad-input tests). */
    void inject(ReplicaId from, ReplicaId to, SyncMessage message) {
        nodes.get(to).deliver(from, CrdtCodec.encode(message));
    }

    private boolean linked(ReplicaId a, ReplicaId b) {
        return !cut.contains(Set.of(a, b)) && nodes.containsKey(a) && nodes.containsKey(b) && nodes.get(a).started && nodes.get(b).started;
    }

    private final class Node implements Transport {
        final ReplicaId id;
        Listener listener;
        boolean started;
        long bytesOut;
        long messagesOut;
        final Map<ReplicaId, Boolean> up = new HashMap<>();

        Node(ReplicaId id) {
            this.id = id;
        }

        @Override
        public ReplicaId localId() {
            return id;
        }

        @Override
        public void start(Listener l) {
            listener = l;
            started = true;
            for (ReplicaId other : nodes.keySet()) {
                if (!other.equals(id) && linked(id, other)) {
                    linkUp(other);
                    nodes.get(other).linkUp(id);
                }
            }
        }

        void linkUp(ReplicaId peer) {
            if (started && !Boolean.TRUE.equals(up.put(peer, true))) {
                time.schedule(0, () -> listener.onLinkUp(peer));
            }
        }

        void linkDown(ReplicaId peer) {
            if (started && Boolean.TRUE.equals(up.put(peer, false))) {
                time.schedule(0, () -> listener.onLinkDown(peer));
            }
        }

        @Override
        public void connect(Endpoint endpoint) {
        }

        @Override
        public void disconnect(Endpoint endpoint) {
        }

        @Override
        public SendResult send(ReplicaId peer, SyncMessage message) {
            if (!linked(id, peer) || refused.test(message)) {
                return SendResult.NO_LINK;
            }
            byte[] bytes = CrdtCodec.encode(message);
            bytesOut += bytes.length + 4; // plus a 4-byte length prefix, as on the wire
            messagesOut++;
            if (message instanceof DeltaBatch b) {
                deltaDocuments.merge(List.of(id, peer), (long) b.deltas().size(), Long::sum);
            }
            int copies = random.nextDouble() < lossRate ? 0 : random.nextDouble() < duplicateRate ? 2 : 1;
            if (muted.contains(List.of(id, peer)) || lost.test(message)) {
                copies = 0;
            }
            for (int i = 0; i < copies; i++) {
                long delay = minDelayMillis + (maxDelayMillis > minDelayMillis ? random.nextLong(maxDelayMillis - minDelayMillis + 1) : 0);
                time.schedule(delay, () -> {
                    if (linked(id, peer)) {
                        nodes.get(peer).deliver(id, bytes);
                    }
                });
            }
            return SendResult.QUEUED;
        }

        void deliver(ReplicaId from, byte[] bytes) {
            try {
                listener.onMessage(from, CrdtCodec.decodeMessage(bytes));
            } catch (CodecException e) {
                throw new AssertionError("the codec refused its own bytes", e);
            }
        }

        @Override
        public Set<ReplicaId> connectedPeers() {
            Set<ReplicaId> out = new HashSet<>();
            up.forEach((peer, isUp) -> {
                if (isUp) {
                    out.add(peer);
                }
            });
            return out;
        }

        @Override
        public List<LinkStats> linkStats() {
            return List.of();
        }

        @Override
        public void close() {
            started = false;
        }
    }
}
