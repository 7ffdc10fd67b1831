package dev.converge.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.testkit.Generators;
import dev.converge.crdt.testkit.History;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Splitting a state for transfer: the parts join back to it, and none holds what it does not. */
class DecompositionTest {

    private static <S extends Crdt<S>> void checkSplits(TypeSpec<S> spec) {
        qt().forAll(Generators.scripts(), integers().between(64, 400)).checkAssert((script, maxBytes) -> {
            for (History.Tracked<S> t : script.run(spec).current()) {
                S state = t.value();
                List<Crdt<?>> parts = Decomposition.split(state, maxBytes);
                Crdt<?> joined = state.type().bottom();
                for (Crdt<?> part : parts) {
                    assertThat(Crdt.joinAny(part, state)).as("each part is below the state").isEqualTo(state);
                    joined = Crdt.joinAny(joined, part);
                }
                assertThat(joined).as("the parts join back to the state").isEqualTo(state);
            }
        });
    }

    @Test
    void orSetsSplitAndJoinBack() {
        checkSplits(Specs.orSet());
    }

    @Test
    void orMapsSplitAndJoinBack() {
        checkSplits(Specs.orMap());
    }

    @Test
    void aLargeSetWithRemovalsSplitsIntoPartsThatFit() {
        ReplicaId a = ReplicaId.of(1);
        ReplicaId b = ReplicaId.of(2);
        ORSet set = ORSet.empty();
        for (int i = 0; i < 20_000; i++) {
            set = set.add(i % 2 == 0 ? a : b, Bytes.of("element-" + i)).state();
        }
        for (int i = 0; i < 20_000; i += 7) {
            set = set.remove(Bytes.of("element-" + i)).state();
        }
        int maxBytes = 16 * 1024;
        List<Crdt<?>> parts = Decomposition.split(set, maxBytes);
        assertThat(CrdtCodec.encode(set).length).isGreaterThan(10 * maxBytes);
        assertThat(parts).allSatisfy(p -> assertThat(CrdtCodec.encode(p).length).isLessThanOrEqualTo(maxBytes));
        Crdt<?> joined = ORSet.empty();
        for (Crdt<?> p : parts) {
            joined = Crdt.joinAny(joined, p);
        }
        assertThat(joined).isEqualTo(set);
        // A replica that had every element, removed ones included, ends with exactly the state.
        ORSet stale = ORSet.empty();
        for (int i = 0; i < 20_000; i++) {
            stale = stale.add(i % 2 == 0 ? a : b, Bytes.of("element-" + i)).state();
        }
        Crdt<?> merged = stale;
        for (Crdt<?> p : parts) {
            merged = Crdt.joinAny(merged, p);
        }
        assertThat(merged).isEqualTo(set);
    }

    @Test
    void aLargeNestedSetInAMapSplitsInside() {
        ReplicaId a = ReplicaId.of(1);
        ORMap doc = ORMap.empty().increment(a, Bytes.of("n"), 3).state();
        for (int i = 0; i < 5_000; i++) {
            int n = i;
            doc = doc.updateSet(Bytes.of("members"), s -> s.add(a, Bytes.of("member-" + n))).state();
        }
        assertThat(assertSplitsIntoPartsThatFitAndJoinBack(doc, 8 * 1024).size()).isGreaterThan(4);
    }

    /** A nested set of few but large elements is split inside too, though its dots alone look small. */
    @Test
    void aNestedSetOfLargeElementsSplitsInside() {
        ReplicaId a = ReplicaId.of(1);
        ORMap doc = ORMap.empty();
        for (int i = 0; i < 8; i++) {
            byte[] element = new byte[4096];
            java.util.Arrays.fill(element, (byte) i);
            doc = doc.updateSet(Bytes.of("files"), s -> s.add(a, Bytes.wrap(element))).state();
        }
        assertSplitsIntoPartsThatFitAndJoinBack(doc, 8 * 1024);
    }

    /** The field that wraps each inner part counts too: a long field name must not push a part over. */
    @Test
    void aNestedSetUnderALongFieldNameSplitsIntoPartsThatFitWrapped() {
        Bytes field = Bytes.of("f".repeat(2_000));
        ORMap doc = ORMap.empty();
        for (int i = 0; i < 1_000; i++) {
            ReplicaId writer = ReplicaId.of(i + 1);
            int n = i;
            doc = doc.updateSet(field, s -> s.add(writer, Bytes.of(Integer.toString(n, 36)))).state();
        }
        assertSplitsIntoPartsThatFitAndJoinBack(doc, 8 * 1024);
    }

    /** {@code doc} splits into parts of at most {@code maxBytes} whose join is {@code doc}; returns them. */
    private static List<Crdt<?>> assertSplitsIntoPartsThatFitAndJoinBack(ORMap doc, int maxBytes) {
        List<Crdt<?>> parts = Decomposition.split(doc, maxBytes);
        assertThat(parts).allSatisfy(p -> assertThat(CrdtCodec.encode(p).length).isLessThanOrEqualTo(maxBytes));
        Crdt<?> joined = ORMap.empty();
        for (Crdt<?> p : parts) {
            joined = Crdt.joinAny(joined, p);
        }
        assertThat(joined).isEqualTo(doc);
        return parts;
    }
}
