package dev.converge.replica.sync;

import dev.converge.crdt.causal.ReplicaId;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** What the protocol knows of one peer. Mutable, touched only on the engine loop. */
final class PeerState {

    /** A time that has not happened: the loop's clock has an arbitrary zero, so -1 may be a real time. */
    static final long NEVER = Long.MIN_VALUE;

    final ReplicaId id;
    boolean connected;
    /** Over the peer's heartbeats on the current link. */
    final PhiAccrual detector;
    /** The detector's verdict at the last round or heartbeat: rounds skip a suspected peer. */
    boolean suspected;
    /** The highest local sequence number the peer acknowledged (A[j] of the delta-interval algorithm). */
    long acked;
    /** The highest local sequence number sent to it since the last acknowledgement. */
    long sentUpTo;
    /** When the oldest data beyond {@link #acked} was sent, or {@link #acked} last moved since. */
    long sentAtMillis;
    /** Rewinds to {@link #acked} since it last moved (or the link came up): after the first, the wait doubles. */
    int retransmissions;
    /** The highest of the peer's sequence numbers merged here durably, with nothing missing below it. */
    long merged;
    /**
     * The end of the unbroken run of the peer's batches taken in on this link (merged or being
     * merged): a batch starting past it follows a lost one and is not merged.
     */
    long receivedThrough;
    /** Counts the peer's link-ups: an answer prepared on one link is not sent on the next. */
    long linkEpoch;
    /** The last acknowledgement sent to the peer. */
    long ackSent = -1;
    /** When a message carrying our merged point last went to the peer ({@link #NEVER} on this link). */
    long ackSentAtMillis = NEVER;
    /** An acknowledgement waits for the acknowledgement delay to pass. */
    boolean ackScheduled;
    long lastContactMillis = -1;
    /** Since when the peer has been behind the local log, or -1 when it is not. */
    long behindSinceMillis = -1;
    /** When the next periodic digest backstop with this peer is due; {@link #NEVER} until the first link-up. */
    long nextAntiEntropyMillis = NEVER;
    CatchUp catchUp;
    /** The peer's last report of how far it merged, first-hand, the logs of the replicas it is linked to. */
    Map<ReplicaId, Long> progress = new HashMap<>();
    /** Batches from the peer being merged, in arrival order: their effects apply in that order. */
    final ArrayDeque<Merging> merging = new ArrayDeque<>();
    /** Entries from third replicas held back from this peer because it gets them first-hand, by sequence number. */
    final TreeMap<Long, Deferred> deferred = new TreeMap<>();
    /**
     * A push found nothing for the peer in {@code (coverFrom, coverTo]} (its own entries, or ones it
     * gets first-hand); the next batch from {@code coverFrom} covers that interval without reading it
     * again. Stale, and ignored, once the send position moved.
     */
    long coverFrom = -1;
    long coverTo = -1;
    /** After a rewind: resend from here (then -1). */
    long resendFrom = -1;
    /**
     * Resent from here below the acknowledged point, not yet known to have arrived (-1: nothing):
     * resent again at the next link-up; known once an acknowledgement passes {@link #resendSettledPast}.
     */
    long resendFloor = -1;
    long resendSettledPast = -1;
    /** The position in our log the peer last reported having merged (its latest acknowledgement). */
    long reportedMerged;

    /** A batch from the peer on its way into the store: its interval, and the log entry it made (-1: none). */
    static final class Merging {
        final long fromSeq;
        final long toSeq;
        final boolean hasDeltas;
        final boolean ackNow;
        boolean done;
        boolean failed;
        long seq;

        Merging(long fromSeq, long toSeq, boolean hasDeltas, boolean ackNow) {
            this.fromSeq = fromSeq;
            this.toSeq = toSeq;
            this.hasDeltas = hasDeltas;
            this.ackNow = ackNow;
        }
    }

    /** A held-back log entry: its sequence number, its origin, when to look at it again. */
    record Deferred(long seq, ReplicaId origin, long dueMillis) {
    }

    /**
     * The point below which the peer holds every entry: what it acknowledged, but never past an
     * entry held back from it. What log truncation and persisted acknowledgements use.
     */
    long safeAcked() {
        long safe = deferred.isEmpty() ? acked : Math.min(acked, deferred.firstKey() - 1);
        if (resendFloor >= 0) {
            safe = Math.min(safe, resendFloor);
        }
        return resendFrom < 0 ? safe : Math.min(safe, resendFrom);
    }

    PeerState(ReplicaId id, PhiAccrual detector) {
        this.id = id;
        this.detector = detector;
    }
}
