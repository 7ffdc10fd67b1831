package dev.converge.crdt.causal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HybridClockTest {

    /** A physical clock the test moves by hand, forwards and backwards. */
    static final class ManualTime implements InstantSource {
        long millis;

        ManualTime(long millis) {
            this.millis = millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public long millis() {
            return millis;
        }
    }

    /**
     * Three replicas with drifting, jumping physical clocks exchange timestamps: every replica's
     * timestamps strictly increase, and a receive orders after the send (happens-before).
     */
    @Test
    void monotonicAndCausalUnderArbitraryClockJumps() {
        qt().forAll(lists().of(integers().between(0, 3 * 5 * 61 - 1)).ofSizeBetween(1, 200)).checkAssert(events -> {
            List<ManualTime> times = new ArrayList<>();
            List<HybridClock> clocks = new ArrayList<>();
            List<HybridTimestamp> last = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ManualTime t = new ManualTime(1_000_000 + 100L * i);
                times.add(t);
                clocks.add(new HybridClock(ReplicaId.of(i + 1), t));
                last.add(null);
            }
            for (int e : events) {
                int replica = e % 3;
                int kind = (e / 3) % 5;
                long jump = (e / 15) - 30; // -30..+30 ms, backwards included
                times.get(replica).millis = Math.max(0, times.get(replica).millis + jump * (kind == 4 ? 1000 : 1));
                HybridTimestamp ts;
                if (kind == 0 || kind == 4) {
                    ts = clocks.get(replica).now();
                } else {
                    int sender = (replica + kind) % 3;
                    HybridTimestamp sent = clocks.get(sender).now();
                    if (last.get(sender) != null) {
                        assertThat(sent).as("sender strictly increasing").isGreaterThan(last.get(sender));
                    }
                    last.set(sender, sent);
                    ts = clocks.get(replica).update(sent);
                    assertThat(ts).as("receive after send").isGreaterThan(sent);
                }
                if (last.get(replica) != null) {
                    assertThat(ts).as("strictly increasing").isGreaterThan(last.get(replica));
                }
                last.set(replica, ts);
                assertThat(clocks.get(replica).last()).isEqualTo(ts);
            }
        });
    }

    @Test
    void physicalClockGoingBackwardsKeepsOrderWithTheLogicalCounter() {
        ManualTime time = new ManualTime(50_000);
        HybridClock clock = new HybridClock(ReplicaId.of(7), time);
        HybridTimestamp before = clock.now();
        time.millis = 10_000; // an NTP step back of 40 s
        HybridTimestamp after = clock.now();
        assertThat(after).isGreaterThan(before);
        assertThat(after.physicalMillis()).isEqualTo(50_000);
        assertThat(after.logical()).isEqualTo(1);
        time.millis = 60_000;
        assertThat(clock.now()).isEqualTo(new HybridTimestamp(60_000, 0, ReplicaId.of(7)));
    }

    @Test
    void logicalOverflowBorrowsTheNextMillisecondInsteadOfWrapping() {
        ManualTime time = new ManualTime(5);
        HybridClock clock = new HybridClock(ReplicaId.of(1), time);
        HybridTimestamp previous = clock.now();
        for (int i = 0; i < 70_000; i++) {
            HybridTimestamp next = clock.now();
            assertThat(next).isGreaterThan(previous);
            previous = next;
        }
        assertThat(previous.physicalMillis()).isEqualTo(6);
    }

    @Test
    void aRemoteClockTooFarAheadIsRefusedAndChangesNothing() {
        ManualTime time = new ManualTime(1_000);
        HybridClock clock = new HybridClock(ReplicaId.of(1), time, 500, null);
        HybridTimestamp before = clock.now();
        HybridTimestamp farAhead = new HybridTimestamp(1_000 + 501, 0, ReplicaId.of(2));
        assertThatThrownBy(() -> clock.update(farAhead))
                .isInstanceOf(ClockDriftException.class)
                .hasMessageContaining("501 ms ahead")
                .hasMessageContaining("limit 500 ms");
        assertThat(clock.last()).isEqualTo(before);
        assertThat(clock.update(new HybridTimestamp(1_500, 3, ReplicaId.of(2)))).isEqualTo(new HybridTimestamp(1_500, 4, ReplicaId.of(1)));
    }

    /** A remote at the end of time would leave no timestamp to issue: refused, the clock unchanged, even with no drift limit. */
    @Test
    void theGreatestTimestampIsRefusedAndChangesNothing() {
        ManualTime time = new ManualTime(1_000);
        HybridClock clock = new HybridClock(ReplicaId.of(1), time);
        HybridTimestamp before = clock.now();
        HybridTimestamp end = new HybridTimestamp(HybridTimestamp.MAX_PHYSICAL, HybridTimestamp.MAX_LOGICAL, ReplicaId.of(2));
        assertThatThrownBy(() -> clock.update(end)).isInstanceOf(ClockDriftException.class);
        assertThat(clock.last()).isEqualTo(before);
        assertThat(clock.now()).isEqualTo(new HybridTimestamp(1_000, before.logical() + 1, ReplicaId.of(1)));
        // Just below the end is merged; the one timestamp after it is issued; then the clock says it is spent.
        HybridTimestamp last = clock.update(new HybridTimestamp(HybridTimestamp.MAX_PHYSICAL, HybridTimestamp.MAX_LOGICAL - 1, ReplicaId.of(2)));
        assertThat(last).isEqualTo(new HybridTimestamp(HybridTimestamp.MAX_PHYSICAL, HybridTimestamp.MAX_LOGICAL, ReplicaId.of(1)));
        assertThatThrownBy(clock::now).isInstanceOf(IllegalStateException.class).hasMessageContaining("greatest timestamp");
        assertThat(clock.last()).isEqualTo(last);
    }

    @Test
    void aRestartedClockNeverGoesBelowItsPersistedHighWaterMark() {
        ManualTime time = new ManualTime(100);
        HybridTimestamp persisted = new HybridTimestamp(9_000, 12, ReplicaId.of(3));
        HybridClock clock = new HybridClock(ReplicaId.of(3), time, Long.MAX_VALUE, persisted);
        assertThat(clock.now()).isEqualTo(new HybridTimestamp(9_000, 13, ReplicaId.of(3)));
    }

    @Test
    void timestampsOrderByPhysicalThenLogicalThenReplica() {
        ReplicaId a = ReplicaId.of(1);
        ReplicaId b = ReplicaId.of(2);
        assertThat(new HybridTimestamp(2, 0, a)).isGreaterThan(new HybridTimestamp(1, 9, b));
        assertThat(new HybridTimestamp(1, 2, a)).isGreaterThan(new HybridTimestamp(1, 1, b));
        assertThat(new HybridTimestamp(1, 1, b)).isGreaterThan(new HybridTimestamp(1, 1, a));
        assertThatThrownBy(() -> new HybridTimestamp(-1, 0, a)).hasMessageContaining("physical time -1");
        assertThatThrownBy(() -> new HybridTimestamp(1, 65_536, a)).hasMessageContaining("logical counter 65536");
    }
}
