package dev.converge.crdt.causal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** VersionVector against a sorted map of counters. */
class VersionVectorTest {

    private static Gen<Map<ReplicaId, Long>> models() {
        return lists().of(integers().between(0, 12 * 40 - 1)).ofSizeBetween(0, 12).map(codes -> {
            Map<ReplicaId, Long> m = new TreeMap<>();
            for (int c : codes) {
                m.put(ReplicaId.of(1 + c % 12), 1L + c / 12);
            }
            return m;
        });
    }

    private static VersionVector vector(Map<ReplicaId, Long> model) {
        VersionVector v = VersionVector.empty();
        for (var e : model.entrySet()) {
            v = v.with(e.getKey(), e.getValue());
        }
        return v;
    }

    @Test
    void joinIsPointwiseMaximum() {
        qt().forAll(models(), models()).checkAssert((a, b) -> {
            Map<ReplicaId, Long> max = new TreeMap<>(a);
            b.forEach((r, c) -> max.merge(r, c, Math::max));
            VersionVector joined = vector(a).join(vector(b));
            assertThat(joined).isEqualTo(vector(max));
            assertThat(joined.size()).isEqualTo(max.size());
            for (int i = 1; i < joined.size(); i++) {
                assertThat(joined.replica(i - 1)).isLessThan(joined.replica(i));
            }
            assertThat(vector(a).leq(joined)).isTrue();
            boolean aBelowB = a.entrySet().stream().allMatch(e -> b.getOrDefault(e.getKey(), 0L) >= e.getValue());
            assertThat(vector(a).leq(vector(b))).isEqualTo(aBelowB);
        });
    }

    @Test
    void incrementAndRemoval() {
        qt().forAll(models(), integers().between(1, 12), integers().between(0, 5)).checkAssert((a, r, by) -> {
            ReplicaId replica = ReplicaId.of(r);
            VersionVector v = vector(a).increment(replica, by);
            assertThat(v.get(replica)).isEqualTo(a.getOrDefault(replica, 0L) + by);
            assertThat(v.with(replica, 0).get(replica)).isZero();
            assertThat(v.with(replica, 0).size()).isEqualTo(a.containsKey(replica) || by > 0 ? v.size() - 1 : v.size());
        });
    }

    @Test
    void countersNeverWrap() {
        VersionVector v = VersionVector.of(ReplicaId.of(1), Long.MAX_VALUE);
        assertThatThrownBy(() -> v.increment(ReplicaId.of(1), 1)).isInstanceOf(ArithmeticException.class);
        VersionVector two = v.with(ReplicaId.of(2), 1);
        assertThatThrownBy(two::sum).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> VersionVector.ofSorted(new ReplicaId[] {ReplicaId.of(2), ReplicaId.of(1)}, new long[] {1, 1}))
                .hasMessageContaining("not strictly ascending");
    }

    @Test
    void replicaIdsOrderUnsignedAndRoundTripThroughText() {
        ReplicaId high = ReplicaId.of(0x8000_0000_0000_0000L);
        assertThat(high).isGreaterThan(ReplicaId.of(1));
        assertThat(ReplicaId.parse(high.toString())).isEqualTo(high);
        assertThat(high.toString()).isEqualTo("8000000000000000");
        assertThatThrownBy(() -> ReplicaId.of(0)).hasMessageContaining("reserved");
        assertThatThrownBy(() -> ReplicaId.parse("xyz")).hasMessageContaining("16 hex digits");
    }
}
