package dev.converge.crdt.sync;

import dev.converge.crdt.causal.ReplicaId;

/** How far the sender has merged {@code origin}'s delta log, received from it directly: through {@code seq}. */
public record Progress(ReplicaId origin, long seq) {

    public Progress {
        if (origin == null || seq < 0) {
            throw new IllegalArgumentException("invalid progress " + origin + " " + seq);
        }
    }
}
