package dev.converge.replica.sync;

/**
 * The phi-accrual failure detector (Hayashibara et al. 2004, as Cassandra and Akka use it) over
 * one peer's heartbeats: phi is how unlikely the silence since the last heartbeat is, given the
 * intervals seen so far (phi 8: a one-in-10<sup>8</sup> chance that the peer is merely slow).
 * Suspicion adapts to each link's rhythm instead of waiting for a fixed timeout, and it is only a
 * suspicion: a suspected peer stays a member and clears itself with its next heartbeat.
 *
 * <p>Intervals are modelled as normal with a floor on the deviation (a perfectly regular link
 * would otherwise turn one late heartbeat into certainty) and an acceptable pause added to the
 * mean (a collection pause or a busy loop). StrictMath keeps phi bit-identical on every JVM, so
 * simulations replay.
 */
final class PhiAccrual {

    static final double SUSPECT_PHI = 8.0;
    private static final int WINDOW = 100;

    private final double minDeviationMillis;
    private final double acceptablePauseMillis;
    private final long[] intervals = new long[WINDOW];
    private int count;
    private int next;
    private double sum;
    private double sumOfSquares;
    private long lastMillis = -1;

    /** For heartbeats every {@code intervalMillis}: deviation floor half an interval, a pause of five tolerated. */
    PhiAccrual(long intervalMillis) {
        this.minDeviationMillis = intervalMillis / 2.0;
        this.acceptablePauseMillis = 5.0 * intervalMillis;
    }

    /** A heartbeat arrived at {@code nowMillis}. */
    void heartbeat(long nowMillis) {
        if (lastMillis >= 0) {
            long interval = Math.max(0, nowMillis - lastMillis);
            if (count == WINDOW) {
                long old = intervals[next];
                sum -= old;
                sumOfSquares -= (double) old * old;
            } else {
                count++;
            }
            intervals[next] = interval;
            next = (next + 1) % WINDOW;
            sum += interval;
            sumOfSquares += (double) interval * interval;
        }
        lastMillis = nowMillis;
    }

    /** Forgets the history: a new connection starts a new rhythm, and the time it was down is no interval. */
    void reset() {
        count = 0;
        next = 0;
        sum = 0;
        sumOfSquares = 0;
        lastMillis = -1;
    }

    /** Phi at {@code nowMillis}; 0 until two heartbeats gave an interval. */
    double phi(long nowMillis) {
        if (count == 0) {
            return 0;
        }
        double mean = sum / count;
        double variance = Math.max(0, sumOfSquares / count - mean * mean);
        double deviation = Math.max(StrictMath.sqrt(variance), minDeviationMillis);
        double y = (nowMillis - lastMillis - (mean + acceptablePauseMillis)) / deviation;
        // A logistic approximation of the normal tail (error < 1.4e-4), written so neither branch overflows.
        double e = StrictMath.exp(-y * (1.5976 + 0.070566 * y * y));
        double tail = y > 0 ? e / (1.0 + e) : 1.0 - 1.0 / (1.0 + e);
        return tail <= 0 ? Double.MAX_VALUE : -StrictMath.log10(tail);
    }

    boolean suspects(long nowMillis) {
        return phi(nowMillis) > SUSPECT_PHI;
    }
}
