package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.SyncMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@link Transport.Listener} that records link events and checks, per peer, that {@link Ack}
 * messages arrive with consecutive sequence numbers (the tests number their messages that way).
 */
final class Recorder implements Transport.Listener {

    /** What one peer has sent us. */
    static final class Inbox {
        private long count;
        private long lastSeq;
        private long outOfOrder;
        private final List<SyncMessage> others = new ArrayList<>();

        synchronized void add(SyncMessage m) {
            count++;
            if (m instanceof Ack a) {
                if (a.seq() != lastSeq + 1) {
                    outOfOrder++;
                }
                lastSeq = a.seq();
            } else if (others.size() < 10_000) {
                others.add(m);
            }
        }

        synchronized long count() {
            return count;
        }

        synchronized long lastSeq() {
            return lastSeq;
        }

        synchronized long outOfOrder() {
            return outOfOrder;
        }

        synchronized List<SyncMessage> others() {
            return List.copyOf(others);
        }
    }

    final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<ReplicaId, Inbox> inboxes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ReplicaId, Boolean> up = new ConcurrentHashMap<>();

    @Override
    public void onLinkUp(ReplicaId peer) {
        events.add("up " + peer);
        up.put(peer, true);
    }

    @Override
    public void onLinkDown(ReplicaId peer) {
        events.add("down " + peer);
        up.put(peer, false);
    }

    @Override
    public void onMessage(ReplicaId peer, SyncMessage message) {
        inbox(peer).add(message);
    }

    Inbox inbox(ReplicaId peer) {
        return inboxes.computeIfAbsent(peer, p -> new Inbox());
    }

    /** The peers that delivered at least one message. */
    Set<ReplicaId> senders() {
        Set<ReplicaId> out = new HashSet<>();
        inboxes.forEach((peer, inbox) -> {
            if (inbox.count() > 0) {
                out.add(peer);
            }
        });
        return out;
    }

    boolean isUp(ReplicaId peer) {
        return up.getOrDefault(peer, false);
    }

    long count(String event) {
        return events.stream().filter(event::equals).count();
    }

    List<String> events() {
        return List.copyOf(events);
    }

    void awaitUp(ReplicaId peer, Duration timeout) {
        Waits.until(timeout, "link up to " + peer + "; events " + events, () -> isUp(peer));
    }

    void awaitDown(ReplicaId peer, Duration timeout) {
        Waits.until(timeout, "link down to " + peer + "; events " + events, () -> !isUp(peer));
    }
}
