package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Reconnect delays: exponential, capped, jittered within [d/2, d], and safe at any attempt count. */
class BackoffTest {

    @Test
    void doublesPerAttemptWithinEqualJitterUpToTheCap() {
        Backoff b = new Backoff(100, 10_000);
        SplittableRandom random = new SplittableRandom(1);
        for (int attempt = 0; attempt < 100; attempt++) {
            long ceiling = Math.min(10_000, 100L << Math.min(attempt, 20));
            for (int i = 0; i < 200; i++) {
                long d = b.delayMillis(attempt, random);
                assertThat(d).as("attempt %d", attempt).isBetween((ceiling + 1) / 2, ceiling);
            }
        }
    }

    @Test
    void jitterActuallySpreadsDelays() {
        Backoff b = new Backoff(1_000, 1_000);
        SplittableRandom random = new SplittableRandom(2);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1_000; i++) {
            long d = b.delayMillis(0, random);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(max - min).isGreaterThan(400);
    }

    @Test
    void hugeAttemptCountsDoNotOverflow() {
        Backoff b = new Backoff(Long.MAX_VALUE / 4, Long.MAX_VALUE / 2);
        assertThat(b.delayMillis(Integer.MAX_VALUE, new SplittableRandom(3))).isBetween(Long.MAX_VALUE / 4, Long.MAX_VALUE / 2);
        assertThat(new Backoff(1, 5).delayMillis(63, new SplittableRandom(4))).isBetween(3L, 5L);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new Backoff(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(10, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
