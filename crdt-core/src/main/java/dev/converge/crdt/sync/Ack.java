package dev.converge.crdt.sync;

import dev.converge.crdt.causal.ReplicaId;
import java.util.List;

/**
 * The sender has merged {@code origin}'s delta log up to and including {@code seq}. Sent each
 * gossip round as a heartbeat too, carrying the sender's {@code progress} on the logs of the
 * other peers it is linked to, so a forwarder can skip what the receiver gets first-hand.
 */
public record Ack(ReplicaId origin, long seq, List<Progress> progress) implements SyncMessage {

    public Ack {
        if (origin == null) {
            throw new IllegalArgumentException("an ack needs an origin");
        }
        if (seq < 0) {
            throw new IllegalArgumentException("negative ack " + seq);
        }
        progress = List.copyOf(progress);
    }

    /** An ack with no progress report. */
    public Ack(ReplicaId origin, long seq) {
        this(origin, seq, List.of());
    }
}
