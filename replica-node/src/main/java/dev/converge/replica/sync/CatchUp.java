package dev.converge.replica.sync;

import dev.converge.crdt.sync.KeyHashRange;
import java.util.ArrayList;
import java.util.List;

/**
 * One digest-driven catch-up this replica runs towards a peer: compare hash-tree digests top
 * down, descend only into differing ranges, exchange the states of differing leaves. When every
 * request is answered the peer holds everything this replica held at {@link #startSeq}, so the
 * delta-interval path resumes from there. Idempotent, so an abandoned session simply restarts.
 *
 * <p>A peer behind the log's head can be sent no deltas until it is done ({@link #holdsDeltas}).
 * A periodic backstop towards a peer the log still serves holds nothing back: fresh writes keep
 * flowing to it while the digests are compared, which under load takes hundreds of milliseconds.
 */
final class CatchUp {

    final long startSeq;
    final long startedAtMillis;
    long lastProgressMillis;
    int outstanding;
    long rangesCompared;
    long documentsSent;
    /** Deltas wait for the end: the peer lacks entries the log no longer holds. */
    boolean holdsDeltas;
    /**
     * Small ranges found differing, to compare again at the next round (each counted in
     * {@link #outstanding} until then). Only a backstop settles ranges, never a session that
     * holds deltas back, whose differences are real.
     */
    final List<Settling> settling = new ArrayList<>();

    /** A range to compare again once a round has passed, and how many times it was found differing so far. */
    record Settling(KeyHashRange range, int attempt, long dueMillis) {
    }

    CatchUp(long startSeq, long nowMillis, boolean holdsDeltas) {
        this.startSeq = startSeq;
        this.holdsDeltas = holdsDeltas;
        this.startedAtMillis = nowMillis;
        this.lastProgressMillis = nowMillis;
    }
}
