package dev.converge.crdt;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.causal.VersionVector;

/**
 * A grow-only counter: each replica counts its own increments; the value is their sum and the
 * join is the pointwise maximum, the same lattice as a version vector, whose representation it
 * shares.
 *
 * <p>64-bit: an increment that would take the value past {@link Long#MAX_VALUE} throws
 * {@link ArithmeticException} and changes nothing. Never wraps.
 */
public final class GCounter implements Crdt<GCounter> {

    private static final GCounter BOTTOM = new GCounter(VersionVector.empty());

    private final VersionVector counts;
    /** The sum when it fits a long; computed once, so an increment checks overflow in O(1). */
    private final long value;
    private final boolean valueFits;

    private GCounter(VersionVector counts) {
        this.counts = counts;
        long v = 0;
        boolean fits = true;
        try {
            v = counts.sum();
        } catch (ArithmeticException outOfRange) {
            fits = false;
        }
        this.value = v;
        this.valueFits = fits;
    }

    private GCounter(VersionVector counts, long value) {
        this.counts = counts;
        this.value = value;
        this.valueFits = true;
    }

    public static GCounter empty() {
        return BOTTOM;
    }

    /** The counter in which each replica has counted its entry of {@code counts}. */
    public static GCounter of(VersionVector counts) {
        return counts.isEmpty() ? BOTTOM : new GCounter(counts);
    }

    @Override
    public CrdtType type() {
        return CrdtType.G_COUNTER;
    }

    /**
     * The sum of all increments.
     *
     * @throws ArithmeticException when the sum exceeds {@link Long#MAX_VALUE}, which only
     *     concurrent increments on several replicas can cause
     */
    public long value() {
        if (!valueFits) {
            throw new ArithmeticException("counter value exceeds 2^63 - 1");
        }
        return value;
    }

    /** The increments counted by {@code replica}. */
    public long valueOf(ReplicaId replica) {
        return counts.get(replica);
    }

    /** Each replica's count. */
    public VersionVector counts() {
        return counts;
    }

    /**
     * Adds {@code amount} (at least 0) on behalf of {@code replica}.
     *
     * @throws ArithmeticException when the value would exceed {@link Long#MAX_VALUE}
     */
    public Mutation<GCounter> increment(ReplicaId replica, long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("a grow-only counter cannot be decremented (amount " + amount + ")");
        }
        if (amount == 0) {
            return new Mutation<>(this, BOTTOM);
        }
        long next = Math.addExact(value(), amount);
        long count = Math.addExact(counts.get(replica), amount);
        return new Mutation<>(new GCounter(counts.with(replica, count), next), new GCounter(VersionVector.of(replica, count), count));
    }

    @Override
    public GCounter join(GCounter other) {
        VersionVector joined = counts.join(other.counts);
        return joined == counts ? this : joined == other.counts ? other : new GCounter(joined);
    }

    @Override
    public Merge<GCounter> merge(GCounter delta) {
        return new Merge<>(join(delta), new GCounter(newer(counts, delta.counts)));
    }

    /** The entries of {@code delta} greater than those of {@code state}. */
    static VersionVector newer(VersionVector state, VersionVector delta) {
        VersionVector out = VersionVector.empty();
        for (int i = 0, n = delta.size(); i < n; i++) {
            if (delta.counter(i) > state.get(delta.replica(i))) {
                out = out.with(delta.replica(i), delta.counter(i));
            }
        }
        return out;
    }

    @Override
    public boolean isBottom() {
        return counts.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GCounter other && counts.equals(other.counts);
    }

    @Override
    public int hashCode() {
        return counts.hashCode();
    }

    @Override
    public String toString() {
        return "GCounter" + counts;
    }
}
