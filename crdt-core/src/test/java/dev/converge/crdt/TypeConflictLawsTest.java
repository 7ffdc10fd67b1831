package dev.converge.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import com.google.protobuf.ByteString;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.codec.proto.TypeConflictState;
import dev.converge.crdt.testkit.Generators;
import dev.converge.crdt.testkit.History;
import dev.converge.crdt.testkit.Script;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The keyspace's join: a key maps each type to a state, so documents of one key written as
 * different types join without losing either ({@link Crdt#joinAny}, {@link Crdt#mergeAny}). The
 * lattice laws hold for that join too, in canonical form: equal values, equal bytes.
 *
 * <p>Values of one type always come from one random history (as in the per-type law tests), so
 * every state joined is one a real system can reach; each document picks some of the types.
 */
class TypeConflictLawsTest {

    private static final List<TypeSpec<?>> SPECS = List.of(Specs.pnCounter(), Specs.orSet(), Specs.lwwRegister(), Specs.orMap());
    private static final int EXAMPLES = 300;

    /** One history per type, all from the same generated script. */
    private record World(List<History<?>> histories) {

        static World of(Script script) {
            List<History<?>> hs = new ArrayList<>();
            for (TypeSpec<?> spec : SPECS) {
                hs.add(script.run(spec));
            }
            return new World(hs);
        }

        /** A document holding, for each set bit of {@code types}, a value of that type picked by {@code pick}. */
        Crdt<?> doc(int types, int pick) {
            Crdt<?> doc = SPECS.get(Math.floorMod(pick, SPECS.size())).bottom();
            for (int t = 0; t < SPECS.size(); t++) {
                if ((types & (1 << t)) != 0) {
                    doc = Crdt.joinAny(doc, histories.get(t).pick(pick * 31 + t));
                }
            }
            return doc;
        }
    }

    private static Gen<World> worlds() {
        return Generators.scripts().map(World::of);
    }

    /**
     * The value compared: every type's bottom is the keyspace's one bottom (no information, no
     * type; a replica never stores one), and a delta-shaped part counts in its complete form, as
     * in the per-type law tests.
     */
    private static Crdt<?> normal(Crdt<?> v) {
        if (v.isBottom()) {
            return TypeConflict.empty();
        }
        List<Crdt<?>> parts = new ArrayList<>();
        for (Crdt<?> p : TypeConflict.asParts(v).parts()) {
            parts.add(Crdt.joinAny(p, p.type().bottom()));
        }
        return TypeConflict.of(parts).canonical();
    }

    private static void assertSame(Crdt<?> a, Crdt<?> b, String law) {
        assertThat(normal(a)).as(law).isEqualTo(normal(b));
        assertThat(CrdtCodec.encode(normal(a))).as(law + ", encoded").isEqualTo(CrdtCodec.encode(normal(b)));
    }

    private static void assertCanonical(Crdt<?> value) {
        if (value instanceof TypeConflict c && !c.isBottom()) {
            assertThat(c.parts()).as("a conflict has two or more parts").hasSizeGreaterThanOrEqualTo(2);
            assertThat(c.parts()).allSatisfy(p -> assertThat(p.isBottom()).as("no part is bottom").isFalse());
        }
    }

    @Test
    void joinIsCommutativeAssociativeAndIdempotentAcrossTypes() {
        // Three documents' type sets, four bits each.
        qt().withExamples(EXAMPLES).forAll(worlds(), integers().between(0, 4095), integers().allPositive()).checkAssert((w, types, pick) -> {
                    Crdt<?> a = w.doc(types & 15, pick);
                    Crdt<?> b = w.doc((types >> 4) & 15, pick + 1);
                    Crdt<?> c = w.doc(types >> 8, pick + 2);
                    assertSame(Crdt.joinAny(a, b), Crdt.joinAny(b, a), "a ⊔ b = b ⊔ a");
                    assertSame(Crdt.joinAny(Crdt.joinAny(a, b), c), Crdt.joinAny(a, Crdt.joinAny(b, c)), "(a ⊔ b) ⊔ c = a ⊔ (b ⊔ c)");
                    assertSame(Crdt.joinAny(a, a), a, "a ⊔ a = a");
                    assertCanonical(Crdt.joinAny(a, b));
                });
    }

    @Test
    void everyTypesBottomIsTheIdentity() {
        qt().withExamples(EXAMPLES).forAll(worlds(), integers().between(1, 15), integers().allPositive()).checkAssert((w, types, pick) -> {
            Crdt<?> a = w.doc(types, pick);
            for (CrdtType t : CrdtType.values()) {
                assertSame(Crdt.joinAny(a, t.bottom()), a, "a ⊔ ⊥(" + t + ") = a");
                assertSame(Crdt.joinAny(t.bottom(), a), a, "⊥(" + t + ") ⊔ a = a");
            }
        });
    }

    @Test
    void mergeReturnsTheJoinAndTheEffectiveDelta() {
        qt().withExamples(EXAMPLES).forAll(worlds(), integers().between(0, 15), integers().between(0, 15), integers().allPositive())
                .checkAssert((w, tx, td, pick) -> {
                    Crdt<?> x = w.doc(tx, pick);
                    Crdt<?> d = w.doc(td, pick + 7);
                    Merged m = Crdt.mergeAny(x, d);
                    Crdt<?> joined = Crdt.joinAny(x, d);
                    assertSame(m.state(), joined, "merge's state is the join");
                    assertSame(Crdt.joinAny(x, m.effectiveDelta()), joined, "x ⊔ effective = x ⊔ d");
                    assertThat(m.changed()).as("changed exactly when d is not below x").isEqualTo(!normal(joined).equals(normal(x)));
                    assertCanonical(m.state());
                    assertCanonical(m.effectiveDelta());
                });
    }

    /**
     * What replicas store: deltas merged one at a time into the document, starting from the first
     * delta's bottom, as the engine does. Any order gives the same bytes, with no normalising:
     * a replica that had a set before a counter arrived must hold what one that had the counter first holds.
     */
    @Test
    void mergingTheSameDeltasInAnyOrderStoresTheSameBytes() {
        qt().withExamples(EXAMPLES).forAll(worlds(), integers().between(0, 4095), integers().allPositive(), integers().allPositive())
                .checkAssert((w, types, pick, seed) -> {
                    List<Crdt<?>> deltas = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        Crdt<?> d = w.doc((types >> (4 * i)) & 15, pick + i);
                        if (!d.isBottom()) {
                            deltas.add(d);
                        }
                    }
                    if (deltas.isEmpty()) {
                        return;
                    }
                    Crdt<?> first = storedAfter(deltas);
                    java.util.Collections.shuffle(deltas, new java.util.Random(seed));
                    Crdt<?> second = storedAfter(deltas);
                    assertThat(second).isEqualTo(first);
                    assertThat(CrdtCodec.encode(second)).isEqualTo(CrdtCodec.encode(first));
                    assertCanonical(first);
                });
    }

    private static Crdt<?> storedAfter(List<Crdt<?>> deltas) {
        Crdt<?> state = null;
        for (Crdt<?> d : deltas) {
            state = Crdt.mergeAny(state == null ? d.type().bottom() : state, d).state();
        }
        return state;
    }

    @Test
    void encodingRoundTripsCanonically() {
        qt().withExamples(EXAMPLES).forAll(worlds(), integers().between(0, 15), integers().allPositive()).checkAssert((w, types, pick) -> {
            Crdt<?> a = w.doc(types, pick);
            byte[] bytes = CrdtCodec.encode(a);
            Crdt<?> back = decode(bytes);
            assertSame(back, a, "decode(encode(a)) = a");
            assertThat(CrdtCodec.encodedSize(a)).isEqualTo(bytes.length);
        });
    }

    @Test
    void aConflictSplitsIntoPartsThatJoinBack() {
        qt().withExamples(EXAMPLES).forAll(worlds(), integers().between(3, 15), integers().allPositive(), integers().between(64, 300))
                .checkAssert((w, types, pick, maxBytes) -> {
                    Crdt<?> a = w.doc(types, pick);
                    Crdt<?> joined = TypeConflict.empty();
                    for (Crdt<?> part : Decomposition.split(a, maxBytes)) {
                        assertSame(Crdt.joinAny(part, a), a, "each part is below the value");
                        joined = Crdt.joinAny(joined, part);
                    }
                    assertSame(joined, a, "the parts join back to the value");
                });
    }

    @Test
    void concurrentWritesOfTwoTypesKeepBothAndReplacingAPartKeepsTheOther() {
        ReplicaId r1 = ReplicaId.of(1);
        ReplicaId r2 = ReplicaId.of(2);
        PNCounter counter = PNCounter.empty().add(r1, 5).state();
        ORSet set = ORSet.empty().add(r2, Bytes.of("x")).state();
        Crdt<?> both = Crdt.joinAny(counter, set);
        assertThat(both).isInstanceOf(TypeConflict.class);
        TypeConflict c = (TypeConflict) both;
        assertThat(c.parts()).containsExactly(counter, set);
        assertThat(c.part(CrdtType.OR_SET)).contains(set);
        assertThat(c.part(CrdtType.LWW_REGISTER)).isEmpty();

        PNCounter more = counter.add(r1, 2).state();
        assertThat(c.with(more)).isEqualTo(Crdt.joinAny(more, set));
        assertThat(TypeConflict.asParts(set).with(more)).as("a part added to one type makes a conflict").isEqualTo(c.with(more));
    }

    @Test
    void theDecoderRefusesNonCanonicalConflicts() {
        byte[] counter = CrdtCodec.encode(PNCounter.empty().add(ReplicaId.of(1), 5).state());
        byte[] set = CrdtCodec.encode(ORSet.empty().add(ReplicaId.of(2), Bytes.of("x")).state());
        byte[] conflict = CrdtCodec.encode(Crdt.joinAny(decode(counter), decode(set)));
        assertThat(decode(conflict)).isInstanceOf(TypeConflict.class);

        assertRefused(conflictOf(counter), "one part");
        assertRefused(conflictOf(set, counter), "ascending");
        assertRefused(conflictOf(counter, counter), "ascending");
        assertRefused(conflictOf(counter, conflict), "itself a type conflict");
        assertRefused(conflictOf(CrdtCodec.encode(PNCounter.empty()), set), "bottom");
        // Nested conflicts are refused from the first part's header, before anything is decoded:
        // decoding them first recursed once per level, past the codec's own recursion limit.
        byte[] nested = conflict;
        for (int depth = 0; depth < 3_000; depth++) {
            nested = conflictOf(nested, counter);
        }
        assertRefused(nested, "itself a type conflict");
    }

    private static byte[] conflictOf(byte[]... parts) {
        TypeConflictState.Builder b = TypeConflictState.newBuilder();
        for (byte[] p : parts) {
            b.addParts(ByteString.copyFrom(p));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(CrdtType.TYPE_CONFLICT.tag());
        out.write(CrdtCodec.VERSION);
        try {
            b.build().writeTo(out);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static void assertRefused(byte[] bytes, String reason) {
        assertThatThrownBy(() -> CrdtCodec.decode(bytes)).isInstanceOf(CodecException.class).hasMessageContaining(reason);
    }

    private static Crdt<?> decode(byte[] bytes) {
        try {
            return CrdtCodec.decode(bytes);
        } catch (CodecException e) {
            throw new AssertionError(e);
        }
    }
}
