package dev.converge.replica.sync;

import dev.converge.crdt.causal.ReplicaId;

/** What the protocol knows of one peer. Mutable, touched only on the engine loop. */
final class PeerState {

    final ReplicaId id;
    boolean connected;
    /** The highest local sequence number the peer acknowledged (A[j] of the delta-interval algorithm). */
    long acked;
    /** The highest local sequence number sent to it since the last acknowledgement. */
    long sentUpTo;
    /** When data beyond {@link #acked} was last sent. */
    long sentAtMillis;
    /** The highest of the peer's sequence numbers merged here durably, with nothing missing below it. */
    long merged;
    /** Whether {@link #merged} is known; after a restart it is learned from the peer's first batch. */
    boolean mergedKnown;
    /** The last acknowledgement sent to the peer. */
    long ackSent = -1;
    long lastContactMillis = -1;
    /** Since when the peer has been behind the local log, or -1 when it is not. */
    long behindSinceMillis = -1;
    long lastAntiEntropyMillis;
    CatchUp catchUp;

    PeerState(ReplicaId id) {
        this.id = id;
    }
}
