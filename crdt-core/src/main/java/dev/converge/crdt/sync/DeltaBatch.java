package dev.converge.crdt.sync;

import java.util.List;

/**
 * The deltas of the sender's delta log in the sequence interval {@code (fromSeq, toSeq]}, joined
 * per document (delta-interval anti-entropy, Almeida et al. 2018, Algorithm 2). Entries the
 * receiver does not need (its own, or ones it gets first-hand) are covered by the interval but
 * left out, so a batch may have no deltas at all.
 *
 * <p>{@code ackSeq} piggybacks an acknowledgement the other way: the highest sequence number of
 * the receiver's own log that the sender has merged (0: none, or none new since the receiver was
 * last told).
 *
 * <p>{@code ackNow}: a caller at the sender waits for entries up to or past this batch to be
 * acknowledged, so the receiver acknowledges at once instead of coalescing its acknowledgements;
 * an empty batch at the receiver's acknowledged point asks only that.
 */
public record DeltaBatch(long fromSeq, long toSeq, List<Document> deltas, long ackSeq, boolean ackNow) implements SyncMessage {

    public DeltaBatch {
        if (fromSeq < 0 || toSeq < fromSeq) {
            throw new IllegalArgumentException("invalid sequence interval (" + fromSeq + ", " + toSeq + "]");
        }
        if (ackSeq < 0) {
            throw new IllegalArgumentException("negative ack " + ackSeq);
        }
        deltas = List.copyOf(deltas);
    }

    /** A batch whose acknowledgement may be coalesced with others. */
    public DeltaBatch(long fromSeq, long toSeq, List<Document> deltas, long ackSeq) {
        this(fromSeq, toSeq, deltas, ackSeq, false);
    }
}
