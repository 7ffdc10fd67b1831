package dev.converge.chaos;

import java.nio.file.Path;
import java.util.Locale;

/**
 * A run's shape, validated.
 *
 * @param nodes cluster size
 * @param durationMillis total time under faults, split into rounds
 * @param roundMillis the longest round wanted; the duration is split into rounds of at most this (and at least 45 s)
 * @param seed drives the fault schedule, the clients' choices and the proxy's draws
 * @param runDir data, logs, the summary and (on failure) the history
 * @param clients concurrent client threads
 * @param opsPerSecond the clients' total rate
 * @param syncNodes the first this many nodes run {@code --durability sync}, the rest {@code buffered}
 * @param netns whether to run in a private network namespace: auto, on, off
 * @param nodeHeap each node's maximum heap
 * @param clientTimeoutMillis a client's socket timeout; no answer by then is a timeout
 * @param livenessMillis the liveness bound
 * @param quietMillis the quiet period after convergence, before the final reads
 * @param convergeTimeoutMillis how long after a heal the digests may take to agree
 * @param membershipChanges whether rounds after the first may start with a leave-and-rejoin or a wipe-and-rejoin
 * @param keepHistory write the history also when the run passes
 */
record ChaosConfig(int nodes, long durationMillis, long roundMillis, long seed, Path runDir, int clients, double opsPerSecond,
                   int syncNodes, String netns, String nodeHeap, int clientTimeoutMillis, long livenessMillis, long quietMillis,
                   long convergeTimeoutMillis, boolean membershipChanges, boolean keepHistory) {

    /** The shortest round: every fault kind fits once. */
    static final long MIN_ROUND_MILLIS = 45_000;

    /** Rounds of equal length, each at most {@code roundMillis} as long as none gets shorter than {@link #MIN_ROUND_MILLIS}. */
    int rounds() {
        long toFitRound = (durationMillis + roundMillis - 1) / roundMillis;
        return (int) Math.max(1, Math.min(toFitRound, durationMillis / MIN_ROUND_MILLIS));
    }

    long actualRoundMillis() {
        return durationMillis / rounds();
    }

    boolean membershipChangesHappen() {
        return membershipChanges && rounds() >= 2;
    }

    private String durabilities() {
        if (syncNodes >= nodes) {
            return "all --durability sync";
        }
        return syncNodes == 0 ? "all buffered" : "n1-n" + syncNodes + " sync, n" + (syncNodes + 1) + "-n" + nodes + " buffered";
    }

    String describe() {
        return String.format(Locale.ROOT, "%d nodes (%s), %d round%s of %.0f s, %d clients at %.0f ops/s, client timeout %d ms, liveness bound %d ms%s",
                nodes, durabilities(),
                rounds(), rounds() == 1 ? "" : "s", actualRoundMillis() / 1e3, clients, opsPerSecond, clientTimeoutMillis, livenessMillis,
                membershipChangesHappen() ? ", leave-and-rejoin and wipe-and-rejoin between rounds" : "");
    }
}
