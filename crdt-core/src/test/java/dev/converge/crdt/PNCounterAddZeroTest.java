package dev.converge.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.testkit.Generators;
import dev.converge.crdt.testkit.Specs;
import org.junit.jupiter.api.Test;

/**
 * Adding 0 to a counter, on states of random histories (the per-type model draws only non-zero
 * amounts, and cannot express the increment-and-decrement pair that creates a counter): the value
 * never moves, a counter that showed nothing shows 0 afterwards, one that showed something is left
 * as it was, and the delta obeys the mutator and merge laws.
 */
class PNCounterAddZeroTest {

    /** The history's own replica ids and one it never used. */
    private static final long[] WRITERS = {0x5eedL, 0x17L, 0xC0FFEEL, 0x3L, 0xABCDEF0123L, 0x99L};

    @Test
    void addingZeroKeepsTheValueAndCreatesOnlyWhatShowedNothing() {
        qt().forAll(Generators.states(Specs.pnCounter()), integers().between(0, WRITERS.length - 1))
                .checkAssert((x, w) -> {
                    ReplicaId writer = ReplicaId.of(WRITERS[w]);
                    Mutation<PNCounter> m = x.add(writer, 0);
                    assertThat(m.state().value()).as("the value does not move").isEqualTo(x.value());
                    assertThat(m.state().hasUpdates()).as("afterwards the counter shows").isTrue();
                    if (x.hasUpdates()) {
                        assertThat(m.delta().isBottom()).as("a counter that showed something is left as it was").isTrue();
                        assertThat(m.state()).isEqualTo(x);
                    }
                    assertThat(x.join(m.delta())).as("state = before ⊔ delta").isEqualTo(m.state());
                    Merge<PNCounter> merged = x.merge(m.delta());
                    assertThat(merged.state()).isEqualTo(m.state());
                    assertThat(merged.effectiveDelta().isBottom()).as("the effective delta is bottom exactly when nothing was new")
                            .isEqualTo(x.hasUpdates());
                    PNCounter reset = m.state().reset().state();
                    assertThat(reset.add(writer, 0).state().value()).as("after a reset, 0 again creates it at 0").isZero();
                });
    }
}
