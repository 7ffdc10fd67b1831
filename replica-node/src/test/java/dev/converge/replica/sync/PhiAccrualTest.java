package dev.converge.replica.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

/** The phi-accrual detector: suspicion grows with silence, adapts to the link's rhythm, and starts over with a new link. */
class PhiAccrualTest {

    private static PhiAccrual steady(long intervalMillis, int beats) {
        PhiAccrual d = new PhiAccrual(200);
        for (int i = 0; i < beats; i++) {
            d.heartbeat(i * intervalMillis);
        }
        return d;
    }

    @Test
    void aRegularPeerIsTrustedUntilItFallsSilentForSeveralIntervals() {
        PhiAccrual d = steady(200, 50);
        long last = 49 * 200;
        assertThat(d.phi(last + 200)).isLessThan(1);
        assertThat(d.suspects(last + 1_000)).as("a pause of five intervals is tolerated").isFalse();
        assertThat(d.suspects(last + 2_500)).as("two and a half seconds of silence").isTrue();
        d.heartbeat(last + 2_600);
        assertThat(d.suspects(last + 2_700)).as("its next heartbeat clears it").isFalse();
    }

    @Test
    void aJitteryLinkIsGivenMoreTimeThanARegularOne() {
        PhiAccrual regular = steady(200, 100);
        PhiAccrual jittery = new PhiAccrual(200);
        long t = 0;
        for (int i = 0; i < 100; i++) {
            t += i % 2 == 0 ? 50 : 950; // mean 500, deviation 450
            jittery.heartbeat(t);
        }
        long silence = 2_200;
        assertThat(regular.phi(99 * 200 + silence)).isGreaterThan(jittery.phi(t + silence));
        assertThat(jittery.suspects(t + silence)).isFalse();
    }

    @Test
    void nothingIsSuspectedBeforeTheFirstIntervalOrAfterAReset() {
        PhiAccrual d = new PhiAccrual(200);
        assertThat(d.phi(1_000_000)).isZero();
        d.heartbeat(0);
        assertThat(d.suspects(1_000_000)).as("one heartbeat is no rhythm").isFalse();
        d.heartbeat(200);
        assertThat(d.suspects(1_000_000)).isTrue();
        d.reset();
        assertThat(d.suspects(1_000_000)).isFalse();
    }

    @Test
    void phiNeverDecreasesAsSilenceGrows() {
        qt().forAll(integers().between(1, 2_000), integers().between(2, 100), longs().between(0, 20_000), longs().between(0, 20_000))
                .checkAssert((interval, beats, a, b) -> {
                    PhiAccrual d = steady(interval, beats);
                    long last = (long) (beats - 1) * interval;
                    long early = last + Math.min(a, b);
                    long late = last + Math.max(a, b);
                    assertThat(d.phi(late)).isGreaterThanOrEqualTo(d.phi(early)).isNotNaN();
                });
    }
}
