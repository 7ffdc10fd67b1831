package dev.converge.replica.sync;

/**
 * One digest-driven catch-up this replica runs towards a peer: compare hash-tree digests top
 * down, descend only into differing ranges, exchange the states of differing leaves. When every
 * request is answered the peer holds everything this replica held at {@link #startSeq}, so the
 * delta-interval path resumes from there. Idempotent, so an abandoned session simply restarts.
 */
final class CatchUp {

    final long startSeq;
    final long startedAtMillis;
    long lastProgressMillis;
    int outstanding;
    long rangesCompared;
    long documentsSent;

    CatchUp(long startSeq, long nowMillis) {
        this.startSeq = startSeq;
        this.startedAtMillis = nowMillis;
        this.lastProgressMillis = nowMillis;
    }
}
