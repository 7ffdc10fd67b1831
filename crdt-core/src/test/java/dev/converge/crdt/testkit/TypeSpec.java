package dev.converge.crdt.testkit;

import dev.converge.crdt.Crdt;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.causal.HybridClock;
import dev.converge.crdt.causal.ReplicaId;

/**
 * A CRDT type as the test kit drives it: random operations on the real type, each recorded in
 * an independent reference model, and the model's prediction of the observable value.
 *
 * <p>The model is deliberately naive: sets of ops and which ops each op saw (see
 * {@link Knowledge}). Its value is the type's specification: a counter is the sum of the
 * increments known; a register the known write with the greatest timestamp; a multi-value
 * register the writes not superseded by a write that saw them; an add-wins set the elements
 * with an add not observed by a remove (or replaced by a later add of the same element); a map
 * the same, field by field.
 */
public interface TypeSpec<S extends Crdt<S>> {

    /** Where an operation runs: the replica, its clock, what it knows, and the op log. */
    record OpContext(ReplicaId replica, HybridClock clock, Knowledge known, OpLog ops) {
    }

    /** An applied operation: the real mutation and the model's knowledge of its delta. */
    record Performed<S extends Crdt<S>>(Mutation<S> mutation, Knowledge delta) {
    }

    String name();

    S bottom();

    /** Applies operation {@code code} (any int) with argument {@code arg} to {@code state}. */
    Performed<S> perform(S state, OpContext context, int code, int arg);

    /** The observable value of a state, comparable with {@link #expect}. */
    Object observe(S state);

    /** The value the specification gives a replica that knows {@code knowledge}. */
    Object expect(Knowledge knowledge, OpLog ops);

    /** The model of the effective delta of merging {@code d} into {@code x}. */
    default Knowledge effective(Knowledge x, Knowledge d, OpLog ops) {
        return Knowledge.causalEffective(x, d);
    }

    /**
     * The same value with every delta-shaped (partial) part turned into its complete form: the
     * reference for checking that the keyed fast join agrees with the plain lattice join.
     */
    default S asComplete(S value) {
        return value;
    }
}
