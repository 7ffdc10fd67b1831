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
public sealed interface Crdt<S extends Crdt<S>> permits GCounter, PNCounter, LWWRegister, MVRegister, ORSet, EWFlag, ORMap {

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
     * Joins two values of one type known only at run time, as documents are.
     *
     * @throws WrongTypeException when the types differ
     */
    static Crdt<?> joinAny(Crdt<?> a, Crdt<?> b) {
        return join(a, b, WrongTypeException.check(a.type(), b.type()));
    }

    /**
     * Merges {@code delta} into {@code state}, both of one type known only at run time.
     *
     * @throws WrongTypeException when the types differ
     */
    static Merge<?> mergeAny(Crdt<?> state, Crdt<?> delta) {
        return merge(state, delta, WrongTypeException.check(state.type(), delta.type()));
    }

    @SuppressWarnings("unchecked")
    private static <S extends Crdt<S>> S join(Crdt<?> a, Crdt<?> b, CrdtType checked) {
        return ((S) a).join((S) b);
    }

    @SuppressWarnings("unchecked")
    private static <S extends Crdt<S>> Merge<S> merge(Crdt<?> a, Crdt<?> b, CrdtType checked) {
        return ((S) a).merge((S) b);
    }
}
