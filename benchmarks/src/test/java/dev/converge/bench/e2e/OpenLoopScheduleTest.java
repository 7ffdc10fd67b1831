package dev.converge.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void theConnectionsTogetherSendAtTheOfferedRateEvenlySpaced() {
        OpenLoopSchedule s = new OpenLoopSchedule(1_000, 5_000, 16);
        List<Long> due = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            for (long i = 0; i < s.requests(c, 2 * SECOND); i++) {
                due.add(s.intended(c, i));
            }
        }
        Collections.sort(due);
        assertThat(due).hasSize(10_000);
        assertThat(due.get(0)).isEqualTo(1_000);
        for (int k = 1; k < due.size(); k++) {
            // 5,000/s: one request every 200 us, whichever connection sends it
            assertThat(due.get(k) - due.get(k - 1)).isBetween(199_999L, 200_001L);
        }
        assertThat(due.get(due.size() - 1)).isLessThan(1_000 + 2 * SECOND);
    }

    @Test
    void eachConnectionSendsEveryNthRequestOffsetByItsIndex() {
        OpenLoopSchedule s = new OpenLoopSchedule(0, 1_000, 4);
        assertThat(s.intended(0, 0)).isZero();
        assertThat(s.intended(1, 0)).isEqualTo(1_000_000);
        assertThat(s.intended(3, 2)).isEqualTo(11_000_000);
    }

    @Test
    void requestsDueInAWindowThatDoesNotDivideEvenly() {
        // 10 requests due in 10 ms at 1,000/s (at 0, 1, ..., 9 ms) over 4 connections: 3, 3, 2, 2
        OpenLoopSchedule s = new OpenLoopSchedule(0, 1_000, 4);
        long window = 10_000_000;
        assertThat(List.of(s.requests(0, window), s.requests(1, window), s.requests(2, window), s.requests(3, window)))
                .containsExactly(3L, 3L, 2L, 2L);
        assertThat(s.requests(3, 2_000_000)).isZero();
    }

    @Test
    void rejectsANonPositiveRate() {
        assertThatThrownBy(() -> new OpenLoopSchedule(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
