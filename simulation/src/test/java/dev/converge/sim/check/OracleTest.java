package dev.converge.sim.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.MVRegister;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.sim.check.History.Effect;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The oracle on hand-made histories: it accepts exactly the final states the specification
 * allows and names the violation otherwise.
 */
class OracleTest {

    private static final ReplicaId R = ReplicaId.of(0x1);
    private static final ReplicaId Q = ReplicaId.of(0x2);
    private static final Bytes K = Bytes.of("k");

    private final History history = new History();
    private int ids;

    private History.Entry op(Effect effect, ReplicaId replica, CrdtType type, Bytes field, Bytes value, long amount, Crdt<?> delta,
                             History.Outcome outcome) {
        History.Entry e = history.submit(++ids, replica.equals(R) ? 0 : 1, replica, 1, effect, K, type, field, value, amount, ids);
        if (delta != null) {
            e.committed(delta, ids);
        }
        switch (outcome) {
            case ACKNOWLEDGED -> e.acknowledged(ids, "");
            case UNKNOWN -> e.unknown();
            case FAILED -> e.failed("refused");
            default -> {
            }
        }
        return e;
    }

    private List<Violation> check(Crdt<?>... finals) {
        Map<String, Map<Bytes, Crdt<?>>> states = new LinkedHashMap<>();
        for (int i = 0; i < finals.length; i++) {
            Map<Bytes, Crdt<?>> docs = new LinkedHashMap<>();
            if (finals[i] != null) {
                docs.put(K, finals[i]);
            }
            states.put("n" + i, docs);
        }
        return Oracle.check(history, states, new ArrayList<>());
    }

    @Test
    void aCounterIsTheAcknowledgedIncrementsPlusAnySubsetOfTheUnknownOnes() {
        Mutation<PNCounter> a = PNCounter.empty().add(R, 3);
        Mutation<PNCounter> b = a.state().add(R, 2);
        Mutation<PNCounter> u = PNCounter.empty().add(Q, 5);
        op(Effect.COUNTER_ADD, R, CrdtType.PN_COUNTER, null, null, 3, a.delta(), History.Outcome.ACKNOWLEDGED);
        op(Effect.COUNTER_ADD, R, CrdtType.PN_COUNTER, null, null, 2, b.delta(), History.Outcome.ACKNOWLEDGED);
        op(Effect.COUNTER_ADD, Q, CrdtType.PN_COUNTER, null, null, 5, u.delta(), History.Outcome.UNKNOWN);
        assertThat(check(b.state(), b.state())).isEmpty();
        assertThat(check(b.state().join(u.state()))).isEmpty();
        assertThat(check(a.state().join(u.state())))
                .anySatisfy(v -> assertThat(v.message()).contains("acknowledged op#2").contains("missing"))
                .anySatisfy(v -> assertThat(v.message()).contains("no subset of the unknown ones"));
    }

    @Test
    void aKeyWrittenAsTwoTypesIsJudgedPartByPart() {
        Bytes e1 = Bytes.of("e1");
        Mutation<ORSet> add = ORSet.empty().add(R, e1);
        Mutation<PNCounter> three = PNCounter.empty().add(Q, 3);
        op(Effect.SET_ADD, R, CrdtType.OR_SET, null, e1, 0, add.delta(), History.Outcome.ACKNOWLEDGED);
        op(Effect.COUNTER_ADD, Q, CrdtType.PN_COUNTER, null, null, 3, three.delta(), History.Outcome.ACKNOWLEDGED);
        op(Effect.COUNTER_ADD, R, CrdtType.PN_COUNTER, null, null, 4, null, History.Outcome.FAILED); // refused: R held the set
        Crdt<?> both = Crdt.joinAny(add.state(), three.state());
        assertThat(check(both, both)).isEmpty();
        assertThat(check(add.state())).anySatisfy(v -> assertThat(v.message()).contains("holds no PN_COUNTER").contains("op#2"));
        assertThat(check(Crdt.joinAny(ORSet.empty().add(R, Bytes.of("x")).state(), three.state())))
                .anySatisfy(v -> assertThat(v.message()).contains("holds x, which no operation added"));
        assertThat(check(Crdt.joinAny(add.state(), PNCounter.empty().add(Q, 1).state())))
                .anySatisfy(v -> assertThat(v.message()).contains("acknowledged op#2").contains("missing"));
        assertThat(check(both, add.state())).anySatisfy(v -> assertThat(v.message()).contains("replicas differ"));
        // A delete of the conflicted key, with one part per type in its delta, is judged in each.
        Crdt<?> deletion = Crdt.joinAny(add.state().clear().delta(), three.state().reset().delta());
        op(Effect.DELETE, R, null, null, null, 0, deletion, History.Outcome.ACKNOWLEDGED);
        Crdt<?> deleted = Crdt.joinAny(both, deletion);
        assertThat(check(deleted)).isEmpty();
        assertThat(check(both)).anySatisfy(v -> assertThat(v.message()).contains("acknowledged op#4").contains("missing"));
    }

    @Test
    void replicasThatDifferAreASafetyViolation() {
        Mutation<PNCounter> a = PNCounter.empty().add(R, 3);
        op(Effect.COUNTER_ADD, R, CrdtType.PN_COUNTER, null, null, 3, a.delta(), History.Outcome.ACKNOWLEDGED);
        assertThat(check(a.state(), PNCounter.empty().add(R, 1).state()))
                .singleElement().satisfies(v -> {
                    assertThat(v.kind()).isEqualTo(Violation.Kind.SAFETY);
                    assertThat(v.message()).contains("replicas differ");
                });
    }

    @Test
    void aSetHoldsUnremovedAcknowledgedAddsNeverResurrectsAndInventsNothing() {
        Bytes e1 = Bytes.of("e1");
        Mutation<ORSet> add = ORSet.empty().add(R, e1);
        Mutation<ORSet> remove = add.state().remove(e1);
        op(Effect.SET_ADD, R, CrdtType.OR_SET, null, e1, 0, add.delta(), History.Outcome.ACKNOWLEDGED);
        assertThat(check(add.state())).isEmpty();
        assertThat(check(ORSet.empty())).anySatisfy(v -> assertThat(v.message()).contains("acknowledged op#1"));
        op(Effect.SET_REMOVE, Q, CrdtType.OR_SET, null, e1, 0, remove.delta(), History.Outcome.ACKNOWLEDGED);
        assertThat(check(remove.state())).isEmpty();
        // The add's state again, with the remove "lost": the remove is missing, and e1 is resurrected.
        assertThat(check(add.state()))
                .anySatisfy(v -> assertThat(v.message()).contains("resurrection"))
                .anySatisfy(v -> assertThat(v.message()).contains("acknowledged op#2"));
        Mutation<ORSet> invented = remove.state().add(Q, Bytes.of("never-added"));
        assertThat(check(invented.state())).anySatisfy(v -> assertThat(v.message()).contains("no operation added"));
    }

    @Test
    void anLwwRegisterHoldsTheGreatestTimestampWrite() {
        Mutation<LWWRegister> early = LWWRegister.empty().set(R, new HybridTimestamp(5, 0, R), Bytes.of("early"));
        Mutation<LWWRegister> late = LWWRegister.empty().set(Q, new HybridTimestamp(7, 0, Q), Bytes.of("late"));
        op(Effect.REGISTER_WRITE, R, CrdtType.LWW_REGISTER, null, Bytes.of("early"), 0, early.delta(), History.Outcome.ACKNOWLEDGED);
        op(Effect.REGISTER_WRITE, Q, CrdtType.LWW_REGISTER, null, Bytes.of("late"), 0, late.delta(), History.Outcome.ACKNOWLEDGED);
        assertThat(check(late.state())).isEmpty();
        assertThat(check(early.state())).anySatisfy(v -> assertThat(v.message()).contains("later timestamp"));
        Mutation<LWWRegister> forged = LWWRegister.empty().set(Q, new HybridTimestamp(9, 0, Q), Bytes.of("forged"));
        assertThat(check(forged.state())).anySatisfy(v -> assertThat(v.message()).contains("no operation wrote"));
    }

    @Test
    void anMvRegisterHoldsExactlyTheMaximalConcurrentWrites() {
        Mutation<MVRegister> x = MVRegister.empty().write(R, Bytes.of("x"));
        Mutation<MVRegister> y = MVRegister.empty().write(Q, Bytes.of("y"));
        op(Effect.MV_WRITE, R, CrdtType.MV_REGISTER, null, Bytes.of("x"), 0, x.delta(), History.Outcome.ACKNOWLEDGED);
        op(Effect.MV_WRITE, Q, CrdtType.MV_REGISTER, null, Bytes.of("y"), 0, y.delta(), History.Outcome.ACKNOWLEDGED);
        MVRegister both = x.state().join(y.state());
        assertThat(both.values()).hasSize(2);
        assertThat(check(both)).isEmpty();
        assertThat(check(x.state())).anySatisfy(v -> assertThat(v.message()).contains("op#2"));
        Mutation<MVRegister> z = both.write(R, Bytes.of("z"));
        op(Effect.MV_WRITE, R, CrdtType.MV_REGISTER, null, Bytes.of("z"), 0, z.delta(), History.Outcome.ACKNOWLEDGED);
        assertThat(check(z.state())).isEmpty();
    }

    @Test
    void aRemovedMapFieldStaysRemovedUnlessAnUpdateWasConcurrent() {
        Bytes f = Bytes.of("f");
        Mutation<ORMap> inc = ORMap.empty().increment(R, f, 2);
        Mutation<ORMap> removal = inc.state().removeField(f);
        op(Effect.MAP_UPDATE, R, CrdtType.OR_MAP, f, null, 2, inc.delta(), History.Outcome.ACKNOWLEDGED);
        op(Effect.MAP_REMOVE_FIELD, Q, CrdtType.OR_MAP, f, null, 0, removal.delta(), History.Outcome.ACKNOWLEDGED);
        assertThat(check(removal.state())).isEmpty();
        assertThat(check(inc.state())).anySatisfy(v -> assertThat(v.message()).contains("resurrection"));
        // An increment the removal did not observe keeps the field.
        Mutation<ORMap> concurrent = ORMap.empty().increment(Q, f, 1);
        op(Effect.MAP_UPDATE, Q, CrdtType.OR_MAP, f, null, 1, concurrent.delta(), History.Outcome.ACKNOWLEDGED);
        ORMap merged = removal.state().join(concurrent.state());
        assertThat(merged.contains(f)).isTrue();
        assertThat(check(merged)).isEmpty();
    }

    @Test
    void aDotIssuedTwiceIsNamedWhenItCostsAnAcknowledgedWrite() {
        // R lost its add of e1 (dot R:1) in a crash after a peer had removed it; the restarted
        // process adds e2 with the same dot, which the peer's remove then swallows.
        Bytes e1 = Bytes.of("e1");
        Bytes e2 = Bytes.of("e2");
        Mutation<ORSet> first = ORSet.empty().add(R, e1);
        Mutation<ORSet> removed = first.state().remove(e1);
        Mutation<ORSet> again = ORSet.empty().add(R, e2);
        op(Effect.SET_ADD, R, CrdtType.OR_SET, null, e1, 0, first.delta(), History.Outcome.UNKNOWN);
        op(Effect.SET_REMOVE, Q, CrdtType.OR_SET, null, e1, 0, removed.delta(), History.Outcome.ACKNOWLEDGED);
        op(Effect.SET_ADD, R, CrdtType.OR_SET, null, e2, 0, again.delta(), History.Outcome.ACKNOWLEDGED);
        ORSet merged = removed.state().join(again.state());
        assertThat(merged.contains(e2)).as("the reused dot makes the join drop e2").isFalse();
        assertThat(check(merged))
                .anySatisfy(v -> assertThat(v.message()).contains("lacks e2"))
                .anySatisfy(v -> assertThat(v.message()).contains("was issued for 2 writes"));
    }

    @Test
    void aClusterThatDidNotConvergeIsJudgedOnlyForInventions() {
        Mutation<PNCounter> a = PNCounter.empty().add(R, 3);
        op(Effect.COUNTER_ADD, R, CrdtType.PN_COUNTER, null, null, 3, a.delta(), History.Outcome.ACKNOWLEDGED);
        List<Violation> liveness = new ArrayList<>(List.of(new Violation(Violation.Kind.LIVENESS, Oracle.NOT_CONVERGED + " within 1 round")));
        Map<String, Map<Bytes, Crdt<?>>> states = new LinkedHashMap<>();
        states.put("n0", Map.of(K, a.state()));
        states.put("n1", Map.of());
        assertThat(Oracle.check(history, states, liveness)).extracting(Violation::kind).containsExactly(Violation.Kind.LIVENESS);
        states.put("n1", Map.of(K, PNCounter.empty().add(Q, 9).state()));
        assertThat(Oracle.check(history, states, liveness)).extracting(Violation::kind)
                .containsExactly(Violation.Kind.SAFETY, Violation.Kind.LIVENESS);
    }

    /** However many liveness violations a run has, a safety violation is still reported (and so decides the exit code). */
    @Test
    void manyLivenessViolationsDoNotHideASafetyViolation() {
        Mutation<PNCounter> a = PNCounter.empty().add(R, 3);
        op(Effect.COUNTER_ADD, R, CrdtType.PN_COUNTER, null, null, 3, a.delta(), History.Outcome.ACKNOWLEDGED);
        List<Violation> liveness = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            liveness.add(new Violation(Violation.Kind.LIVENESS, "op#" + i + " never answered though its replica stayed up"));
        }
        Map<String, Map<Bytes, Crdt<?>>> states = new LinkedHashMap<>();
        states.put("n0", Map.of(K, PNCounter.empty().add(Q, 1).state()));
        assertThat(Oracle.check(history, states, liveness)).extracting(Violation::kind).contains(Violation.Kind.SAFETY);
    }
}
