package dev.converge.crdt.sync;

import dev.converge.crdt.causal.ReplicaId;

/** The sender has merged {@code origin}'s delta log up to and including {@code seq}. */
public record Ack(ReplicaId origin, long seq) implements SyncMessage {

    public Ack {
        if (origin == null) {
            throw new IllegalArgumentException("an ack needs an origin");
        }
        if (seq < 0) {
            throw new IllegalArgumentException("negative ack " + seq);
        }
    }
}
