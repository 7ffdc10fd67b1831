package dev.converge.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.causal.VersionVector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tricky cases, told as stories. */
class ScenarioTest {

    private static final ReplicaId ALICE = ReplicaId.of(0xA11CE);
    private static final ReplicaId BOB = ReplicaId.of(0xB0B);
    private static final Bytes MILK = Bytes.of("milk");

    @Test
    void anAddConcurrentWithARemoveWins() {
        ORSet shared = ORSet.empty().add(ALICE, MILK).state();
        Mutation<ORSet> bobRemoves = shared.remove(MILK);
        Mutation<ORSet> aliceAddsAgain = shared.add(ALICE, MILK);
        ORSet atAlice = aliceAddsAgain.state().join(bobRemoves.delta());
        ORSet atBob = bobRemoves.state().join(aliceAddsAgain.delta());
        assertThat(atAlice).isEqualTo(atBob);
        assertThat(atAlice.contains(MILK)).isTrue();
    }

    @Test
    void aRemovedElementLeavesNoMetadataBehind() {
        ORSet set = ORSet.empty();
        for (int i = 0; i < 100; i++) {
            set = set.add(ALICE, Bytes.of("e" + i)).state();
        }
        for (int i = 0; i < 100; i++) {
            set = set.remove(Bytes.of("e" + i)).state();
        }
        assertThat(set.size()).isZero();
        // Only the compact version vector remains: no tombstones, whatever was removed.
        assertThat(set.context().versionVector()).isEqualTo(VersionVector.of(ALICE, 100));
        assertThat(set.context().cloudRanges()).isZero();
    }

    @Test
    void addingToALargeSetLeavesTheOldVersionIntactAndSharesStructure() {
        ORSet big = ORSet.empty();
        for (int i = 0; i < 100_000; i++) {
            big = big.add(ALICE, Bytes.of("elem-" + i)).state();
        }
        Mutation<ORSet> one = big.add(BOB, Bytes.of("new"));
        assertThat(big.size()).isEqualTo(100_000);
        assertThat(big.contains(Bytes.of("new"))).isFalse();
        assertThat(one.state().size()).isEqualTo(100_001);
        assertThat(one.delta().elements()).containsExactly(Bytes.of("new"));
    }

    @Test
    void concurrentRegisterWritesAreKeptVisibleUntilAWriteObservesThem() {
        Mutation<MVRegister> alice = MVRegister.empty().write(ALICE, Bytes.of("red"));
        Mutation<MVRegister> bob = MVRegister.empty().write(BOB, Bytes.of("blue"));
        MVRegister conflict = alice.state().join(bob.delta());
        assertThat(conflict.values()).containsExactly(Bytes.of("blue"), Bytes.of("red"));
        assertThat(conflict.versions()).extracting(v -> v.dot().replica()).containsExactlyInAnyOrder(ALICE, BOB);
        MVRegister resolved = conflict.write(ALICE, Bytes.of("purple")).state();
        assertThat(resolved.values()).containsExactly(Bytes.of("purple"));
        assertThat(bob.state().join(resolved).values()).containsExactly(Bytes.of("purple"));
    }

    @Test
    void lastWriterWinsByHybridTimestampEvenWithSkewedClocks() {
        HybridTimestamp aliceTs = new HybridTimestamp(10_000, 0, ALICE);
        LWWRegister afterAlice = LWWRegister.empty().set(ALICE, aliceTs, Bytes.of("a")).state();
        // Bob's physical clock is 5 s behind, but his clock merged Alice's timestamp first.
        HybridTimestamp bobTs = new HybridTimestamp(10_000, 1, BOB);
        LWWRegister afterBob = afterAlice.set(BOB, bobTs, Bytes.of("b")).state();
        assertThat(afterBob.value()).contains(Bytes.of("b"));
        assertThat(afterAlice.join(afterBob)).isEqualTo(afterBob.join(afterAlice));
        // A write stamped before the current winner loses and changes nothing.
        Mutation<LWWRegister> stale = afterBob.set(ALICE, new HybridTimestamp(9_000, 0, ALICE), Bytes.of("old"));
        assertThat(stale.delta().isBottom()).isTrue();
        assertThat(stale.state()).isSameAs(afterBob);
        assertThatThrownBy(() -> afterBob.set(ALICE, bobTs, Bytes.of("x"))).hasMessageContaining("not issued by");
    }

    @Test
    void countersNeverWrapAndAFailedUpdateChangesNothing() {
        PNCounter nearMax = PNCounter.empty().add(ALICE, Long.MAX_VALUE - 1).state();
        assertThatThrownBy(() -> nearMax.add(ALICE, 2)).isInstanceOf(ArithmeticException.class);
        assertThat(nearMax.value()).isEqualTo(Long.MAX_VALUE - 1);
        assertThatThrownBy(() -> PNCounter.empty().add(ALICE, Long.MIN_VALUE)).isInstanceOf(ArithmeticException.class);
        // Both sums exceed 2^63 - 1, the difference does not.
        PNCounter big = PNCounter.of(VersionVector.of(ALICE, Long.MAX_VALUE).with(BOB, 10), VersionVector.of(BOB, Long.MAX_VALUE));
        assertThat(big.value()).isEqualTo(10);
        GCounter g = GCounter.empty().increment(ALICE, Long.MAX_VALUE).state();
        assertThatThrownBy(() -> g.increment(BOB, 1)).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> g.increment(BOB, -1)).hasMessageContaining("cannot be decremented");
    }

    @Test
    void aFlagEnabledConcurrentlyWithADisableStaysEnabled() {
        EWFlag on = EWFlag.empty().enable(ALICE).state();
        Mutation<EWFlag> off = on.disable();
        Mutation<EWFlag> again = on.enable(BOB);
        assertThat(off.state().join(again.delta()).value()).isTrue();
        assertThat(again.state().join(off.delta()).value()).isTrue();
        assertThat(on.join(off.delta()).value()).isFalse();
    }

    @Test
    void aMapFieldKeepsItsTypeAndTellsWhenItDoesNot() {
        ORMap doc = ORMap.empty().increment(ALICE, Bytes.of("visits"), 1).state();
        assertThatThrownBy(() -> doc.updateSet(Bytes.of("visits"), s -> s.add(ALICE, MILK)))
                .isInstanceOf(WrongTypeException.class)
                .hasMessage("field 'visits' holds PN_COUNTER, not OR_SET");
        // Two replicas create the same field concurrently with different types: both stay visible.
        Mutation<ORMap> asCounter = ORMap.empty().increment(ALICE, Bytes.of("x"), 5);
        Mutation<ORMap> asSet = ORMap.empty().updateSet(Bytes.of("x"), s -> s.add(BOB, MILK));
        ORMap merged = asCounter.state().join(asSet.delta());
        assertThat(merged.kinds(Bytes.of("x"))).containsExactlyInAnyOrder(CrdtType.PN_COUNTER, CrdtType.OR_SET);
        assertThat(merged.counter(Bytes.of("x"))).hasValue(5);
        assertThat(merged.set(Bytes.of("x")).orElseThrow().contains(MILK)).isTrue();
        assertThatThrownBy(() -> merged.increment(ALICE, Bytes.of("x"), 1)).isInstanceOf(WrongTypeException.class);
        ORMap cleared = merged.removeField(Bytes.of("x")).state();
        assertThat(cleared.contains(Bytes.of("x"))).isFalse();
        assertThat(cleared.updateSet(Bytes.of("x"), s -> s.add(ALICE, MILK)).state().set(Bytes.of("x"))).isPresent();
        // Documents of one key join across types the same way: each type keeps its data.
        Crdt<?> document = Crdt.joinAny(GCounter.empty().increment(ALICE, 2).state(), ORSet.empty().add(BOB, MILK).state());
        assertThat(((TypeConflict) document).parts()).extracting(Crdt::type).containsExactly(CrdtType.G_COUNTER, CrdtType.OR_SET);
    }

    @Test
    void addingZeroCreatesACounterThatShowsNothingAndOtherwiseChangesNothing() {
        Mutation<PNCounter> created = PNCounter.empty().add(ALICE, 0);
        assertThat(created.state().hasUpdates()).as("a new counter shows 0").isTrue();
        assertThat(created.state().value()).isZero();
        assertThat(PNCounter.empty().join(created.delta()).hasUpdates()).as("and so does a replica that merges the delta").isTrue();
        PNCounter five = created.state().add(BOB, 5).state();
        assertThat(five.add(ALICE, 0).delta().isBottom()).as("a counter that shows something: nothing to do").isTrue();
        PNCounter reset = five.reset().state();
        assertThat(reset.hasUpdates()).isFalse();
        Mutation<PNCounter> again = reset.add(BOB, 0);
        assertThat(again.state().hasUpdates()).isTrue();
        assertThat(again.state().value()).isZero();
        assertThat(reset.join(again.delta()).value()).isZero();

        Mutation<ORMap> field = ORMap.empty().increment(ALICE, Bytes.of("n"), 0);
        assertThat(field.state().counter(Bytes.of("n"))).as("a map's counter field is created at 0 too").hasValue(0);
        assertThat(field.state().increment(BOB, Bytes.of("n"), 0).delta().isBottom()).isTrue();
    }

    @Test
    void removingAFieldKeepsOnlyAConcurrentUpdateNotTheRemovedContent() {
        ORMap shared = ORMap.empty()
                .updateSet(Bytes.of("tags"), s -> s.addAll(ALICE, List.of(Bytes.of("old1"), Bytes.of("old2")))).state();
        Mutation<ORMap> aliceRemoves = shared.removeField(Bytes.of("tags"));
        Mutation<ORMap> bobAdds = shared.updateSet(Bytes.of("tags"), s -> s.add(BOB, Bytes.of("new")));
        ORMap atAlice = aliceRemoves.state().join(bobAdds.delta());
        ORMap atBob = bobAdds.state().join(aliceRemoves.delta());
        assertThat(atAlice).isEqualTo(atBob);
        assertThat(atAlice.set(Bytes.of("tags")).orElseThrow().elements()).containsExactly(Bytes.of("new"));
    }

    @Test
    void removingACounterFieldResetsItExceptForAConcurrentIncrementersContribution() {
        ORMap shared = ORMap.empty().increment(ALICE, Bytes.of("n"), 10).state();
        shared = shared.join(ORMap.empty().join(shared).increment(BOB, Bytes.of("n"), 3).state());
        assertThat(shared.counter(Bytes.of("n"))).hasValue(13);
        Mutation<ORMap> reset = shared.removeField(Bytes.of("n"));
        Mutation<ORMap> bobIncrements = shared.increment(BOB, Bytes.of("n"), 1);
        ORMap merged = reset.state().join(bobIncrements.delta());
        // Bob's entry is replaced by his concurrent one (his whole contribution, 3 + 1); Alice's 10 is gone.
        assertThat(merged.counter(Bytes.of("n"))).hasValue(4);
        assertThat(reset.state().increment(ALICE, Bytes.of("n"), 2).state().counter(Bytes.of("n"))).hasValue(2);
    }
}
