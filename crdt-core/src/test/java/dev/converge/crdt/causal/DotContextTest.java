package dev.converge.crdt.causal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** DotContext against the obvious model: a set of dots. */
class DotContextTest {

    private static final ReplicaId[] R = {ReplicaId.of(3), ReplicaId.of(1), ReplicaId.of(0xFFFF_FFFF_FFFF_FFFFL)};

    private static Gen<Set<Dot>> dotSets() {
        return lists().of(integers().between(0, 3 * 24 - 1)).ofSizeBetween(0, 30).map(codes -> {
            Set<Dot> dots = new TreeSet<>();
            for (int c : codes) {
                dots.add(new Dot(R[c % 3], 1 + c / 3));
            }
            return dots;
        });
    }

    private static DotContext context(Set<Dot> dots) {
        return DotContext.of(dots.toArray(new Dot[0]));
    }

    private static void assertModels(DotContext c, Set<Dot> model) {
        for (ReplicaId r : R) {
            for (long n = 1; n <= 26; n++) {
                Dot d = new Dot(r, n);
                assertThat(c.contains(d)).as("%s in %s", d, c).isEqualTo(model.contains(d));
            }
        }
        assertThat(c.count()).isEqualTo(model.size());
        assertThat(c.isEmpty()).isEqualTo(model.isEmpty());
        assertThat(c).as("canonical form").isEqualTo(context(model));
    }

    @Test
    void unionIsSetUnionAndCompacts() {
        qt().forAll(dotSets(), dotSets()).checkAssert((a, b) -> {
            Set<Dot> union = new HashSet<>(a);
            union.addAll(b);
            DotContext c = context(a).union(context(b));
            assertModels(c, union);
            for (int i = 0; i < c.cloudRanges(); i++) {
                assertThat(c.cloudLow(i)).as("cloud range starts past a gap").isGreaterThan(c.versionVector().get(c.cloudReplica(i)) + 1);
            }
        });
    }

    @Test
    void subtractIsSetDifference() {
        qt().forAll(dotSets(), dotSets()).checkAssert((a, b) -> {
            Set<Dot> difference = new HashSet<>(a);
            difference.removeAll(b);
            assertModels(context(a).subtract(context(b)), difference);
            assertThat(context(a).leq(context(b))).isEqualTo(b.containsAll(a));
        });
    }

    @Test
    void addingDotsOneByOneEqualsBuildingAtOnce() {
        qt().forAll(dotSets()).checkAssert(a -> {
            DotContext c = DotContext.empty();
            for (Dot d : a) {
                c = c.with(d);
            }
            assertModels(c, a);
        });
    }

    @Test
    void nextDotIsAboveEverythingSeen() {
        DotContext c = DotContext.of(new Dot(R[0], 1), new Dot(R[0], 2), new Dot(R[0], 9));
        assertThat(c.versionVector().get(R[0])).isEqualTo(2);
        assertThat(c.nextDot(R[0])).isEqualTo(new Dot(R[0], 10));
        assertThat(c.nextDot(R[1])).isEqualTo(new Dot(R[1], 1));
        assertThat(c.with(new Dot(R[0], 3)).cloudRanges()).isEqualTo(1);
        assertThat(c.union(DotContext.of(new Dot(R[0], 3), new Dot(R[0], 4), new Dot(R[0], 5), new Dot(R[0], 6),
                new Dot(R[0], 7), new Dot(R[0], 8))).toString()).isEqualTo("{" + R[0] + "=9}");
    }

    @Test
    void nonCanonicalCloudsAreRefused() {
        VersionVector vv = VersionVector.of(R[0], 5);
        assertThatThrownBy(() -> DotContext.of(vv, new ReplicaId[] {R[0]}, new long[] {6}, new long[] {7}))
                .hasMessageContaining("not above the vector's 5 with a gap");
        assertThatThrownBy(() -> DotContext.of(vv, new ReplicaId[] {R[1], R[1]}, new long[] {3, 6}, new long[] {5, 8}))
                .hasMessageContaining("touching");
        assertThatThrownBy(() -> DotContext.of(vv, new ReplicaId[] {R[1]}, new long[] {4}, new long[] {3}))
                .hasMessageContaining("is empty");
        assertThat(DotContext.of(vv, new ReplicaId[] {R[1]}, new long[] {4}, new long[] {4}).count()).isEqualTo(6);
    }

    /** At the top of the counter range the checks must not wrap: these came through a decoder once. */
    @Test
    void nonCanonicalCloudsAreRefusedAtTheTopOfTheRangeToo() {
        assertThatThrownBy(() -> DotContext.of(VersionVector.empty(), new ReplicaId[] {R[0], R[0]}, new long[] {10, 3},
                new long[] {Long.MAX_VALUE, 4})).hasMessageContaining("out of order");
        VersionVector full = VersionVector.of(R[0], Long.MAX_VALUE);
        assertThatThrownBy(() -> DotContext.of(full, new ReplicaId[] {R[0]}, new long[] {5}, new long[] {5}))
                .hasMessageContaining("not above the vector's " + Long.MAX_VALUE);
        assertThatThrownBy(() -> DotContext.of(VersionVector.empty(), new ReplicaId[] {R[0]}, new long[] {0}, new long[] {2}))
                .hasMessageContaining("starts below 1");
        assertThat(DotContext.of(VersionVector.empty(), new ReplicaId[] {R[0]}, new long[] {10}, new long[] {Long.MAX_VALUE}).count())
                .isEqualTo(Long.MAX_VALUE - 9);
    }

    @Test
    void rangesNearTheLimitOfLongDoNotOverflow() {
        DotContext high = DotContext.of(VersionVector.empty(), new ReplicaId[] {R[0]}, new long[] {Long.MAX_VALUE - 1},
                new long[] {Long.MAX_VALUE});
        assertThat(high.contains(new Dot(R[0], Long.MAX_VALUE))).isTrue();
        assertThat(high.subtract(DotContext.of(new Dot(R[0], Long.MAX_VALUE))).count()).isEqualTo(1);
        assertThat(high.union(high)).isEqualTo(high);
        assertThatThrownBy(() -> high.nextDot(R[0])).isInstanceOf(ArithmeticException.class);
        assertThat(List.of(high.count())).containsExactly(2L);
    }
}
