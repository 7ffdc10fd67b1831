package dev.converge.crdt.sync;

import dev.converge.crdt.causal.ReplicaId;
import java.util.List;

/**
 * The deltas of {@code origin}'s delta log in the sequence interval {@code (fromSeq, toSeq]},
 * joined per document (delta-interval anti-entropy, Almeida et al. 2018, Algorithm 2).
 *
 * <p>{@code ackSeq} piggybacks an acknowledgement the other way: the highest sequence number of
 * the receiver's own log that {@code origin} has merged (0 for none).
 */
public record DeltaBatch(ReplicaId origin, long fromSeq, long toSeq, List<Document> deltas, long ackSeq) implements SyncMessage {

    public DeltaBatch {
        if (origin == null) {
            throw new IllegalArgumentException("a delta batch needs an origin");
        }
        if (fromSeq < 0 || toSeq < fromSeq) {
            throw new IllegalArgumentException("invalid sequence interval (" + fromSeq + ", " + toSeq + "]");
        }
        if (ackSeq < 0) {
            throw new IllegalArgumentException("negative ack " + ackSeq);
        }
        deltas = List.copyOf(deltas);
    }
}
