package dev.converge.transport.netty;

import java.util.random.RandomGenerator;

/**
 * Reconnect delays: exponential in the number of failed attempts, capped, with "equal jitter"
 * (half the delay fixed, half random). The fixed half keeps a flapping peer from being hammered;
 * the random half spreads the redials of many nodes that lost the same peer at once.
 */
final class Backoff {

    private final long baseMillis;
    private final long maxMillis;

    Backoff(long baseMillis, long maxMillis) {
        if (baseMillis <= 0 || maxMillis < baseMillis) {
            throw new IllegalArgumentException("backoff " + baseMillis + ".." + maxMillis + " ms");
        }
        this.baseMillis = baseMillis;
        this.maxMillis = maxMillis;
    }

    /** The delay before attempt {@code attempt} (0 for the first retry): in [d/2, d] for d = min(max, base * 2^attempt). */
    long delayMillis(int attempt, RandomGenerator random) {
        long ceiling = attempt >= 62 || baseMillis > maxMillis >>> Math.min(attempt, 62)
                ? maxMillis
                : Math.min(maxMillis, baseMillis << attempt);
        long half = ceiling / 2;
        return ceiling - half + random.nextLong(half + 1);
    }

    long maxMillis() {
        return maxMillis;
    }
}
