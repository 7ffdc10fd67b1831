package dev.converge.crdt;

/**
 * A state-based CRDT with delta-mutators: an immutable value in a join-semilattice.
 *
 * <p>The contract, checked for every type by the lattice-laws test: {@link #join} is
 * commutative, associative and idempotent, by value and by encoded bytes; a mutator returns a
 * {@link Mutation} whose delta {@code d} satisfies {@code old.join(d).equals(newState)}; and
 * {@link #merge} returns the join together with the effective delta {@code e}, the part of the
 * delta that was new, such that {@code this.join(e).equals(this.join(delta))} and {@code e} is
 * bottom exactly when {@code delta.leq(this)}.
 *
 * <p>The set of types is closed: every value has a type tag in the canonical encoding.
 *
 * @param <S> the type itself
 */
public sealed interface Crdt<S extends Crdt<S>> permits GCounter, PNCounter, LWWRegister, MVRegister, ORSet, EWFlag, ORMap, TypeConflict {

    CrdtType type();

    /** The least upper bound of this and {@code other}. */
    S join(S other);

    /** The join with {@code delta}, and the part of {@code delta} that this state lacked. */
    Merge<S> merge(S delta);

    /** Whether this is the least element: no information at all. */
    boolean isBottom();

    /**
     * Whether {@code other} already holds everything this holds: {@code this ⊔ other = other}.
     * Compared in complete form (joined with bottom), so a delta-shaped value and the state with
     * the same content are the same lattice element.
     */
    default boolean leq(S other) {
        S bottom = bottomOf(other);
        return join(other).join(bottom).equals(other.join(bottom));
    }

    @SuppressWarnings("unchecked")
    private static <S extends Crdt<S>> S bottomOf(S value) {
        return (S) value.type().bottom();
    }

    /**
     * Joins two documents of one key, whose types are known only at run time. Values of one type
     * join as that type; values of different types join to a {@link TypeConflict} that keeps each
     * (the keyspace maps a key and a type to a state), in canonical form.
     */
    static Crdt<?> joinAny(Crdt<?> a, Crdt<?> b) {
        if (a.type() == b.type() && a.type() != CrdtType.TYPE_CONFLICT) {
            return join(a, b);
        }
        return TypeConflict.asParts(a).join(TypeConflict.asParts(b)).canonical();
    }

    /**
     * Merges {@code delta} into {@code state}, documents of one key whose types are known only at
     * run time; of different types, into a {@link TypeConflict} as {@link #joinAny} does.
     */
    static Merged mergeAny(Crdt<?> state, Crdt<?> delta) {
        if (state.type() == delta.type() && state.type() != CrdtType.TYPE_CONFLICT) {
            Merge<?> m = merge(state, delta);
            return new Merged(m.state(), m.effectiveDelta());
        }
        Merge<TypeConflict> m = TypeConflict.asParts(state).merge(TypeConflict.asParts(delta));
        return new Merged(m.state().canonical(), m.effectiveDelta().canonical());
    }

    @SuppressWarnings("unchecked")
    private static <S extends Crdt<S>> S join(Crdt<?> a, Crdt<?> b) {
        return ((S) a).join((S) b);
    }

    @SuppressWarnings("unchecked")
    private static <S extends Crdt<S>> Merge<S> merge(Crdt<?> a, Crdt<?> b) {
        return ((S) a).merge((S) b);
    }
}
