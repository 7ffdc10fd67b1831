package dev.converge.crdt;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.causal.VersionVector;
import java.math.BigInteger;

/**
 * A counter that goes up and down: a pair of grow-only counts per replica, increments and
 * decrements; the value is their difference.
 *
 * <p>64-bit: an update that would take the value outside the range of {@code long} throws
 * {@link ArithmeticException} and changes nothing. Never wraps.
 */
public final class PNCounter implements Crdt<PNCounter> {

    private static final VersionVector NONE = VersionVector.empty();
    private static final PNCounter BOTTOM = new PNCounter(NONE, NONE, NONE, NONE);

    private final VersionVector increments;
    private final VersionVector decrements;
    /** The counts a reset observed (0 for a counter never reset): the value counts only what came after. */
    private final VersionVector resetIncrements;
    private final VersionVector resetDecrements;
    /** The value when it fits a long; computed once, so an update checks overflow in O(1). */
    private final long value;
    private final boolean valueFits;

    private PNCounter(VersionVector increments, VersionVector decrements, VersionVector resetIncrements,
                      VersionVector resetDecrements) {
        this.increments = increments;
        this.decrements = decrements;
        this.resetIncrements = resetIncrements;
        this.resetDecrements = resetDecrements;
        long v = 0;
        boolean fits = true;
        try {
            v = exactValue();
        } catch (ArithmeticException outOfRange) {
            fits = false;
        }
        this.value = v;
        this.valueFits = fits;
    }

    private PNCounter(VersionVector increments, VersionVector decrements, VersionVector resetIncrements,
                      VersionVector resetDecrements, long value) {
        this.increments = increments;
        this.decrements = decrements;
        this.resetIncrements = resetIncrements;
        this.resetDecrements = resetDecrements;
        this.value = value;
        this.valueFits = true;
    }

    public static PNCounter empty() {
        return BOTTOM;
    }

    /** The counter with each replica's total increments and total decrements. */
    public static PNCounter of(VersionVector increments, VersionVector decrements) {
        return of(increments, decrements, NONE, NONE);
    }

    /** The counter with each replica's totals and the totals its resets observed. */
    public static PNCounter of(VersionVector increments, VersionVector decrements, VersionVector resetIncrements,
                               VersionVector resetDecrements) {
        if (increments.isEmpty() && decrements.isEmpty() && resetIncrements.isEmpty() && resetDecrements.isEmpty()) {
            return BOTTOM;
        }
        return new PNCounter(increments, decrements, resetIncrements, resetDecrements);
    }

    @Override
    public CrdtType type() {
        return CrdtType.PN_COUNTER;
    }

    /**
     * Increments minus decrements.
     *
     * @throws ArithmeticException when the value is outside the range of {@code long}, which
     *     only concurrent updates on several replicas can cause
     */
    public long value() {
        if (!valueFits) {
            throw new ArithmeticException("counter value is outside the range of long");
        }
        return value;
    }

    /** Increments minus decrements, each counted from the resets. */
    private long exactValue() {
        try {
            return Math.subtractExact(Math.subtractExact(increments.sum(), resetIncrements.sum()),
                    Math.subtractExact(decrements.sum(), resetDecrements.sum()));
        } catch (ArithmeticException sumOverflowed) {
            // A sum overflowed; the result may still fit.
            return total(increments).subtract(total(resetIncrements))
                    .subtract(total(decrements).subtract(total(resetDecrements))).longValueExact();
        }
    }

    private static BigInteger total(VersionVector v) {
        BigInteger sum = BigInteger.ZERO;
        for (int i = 0, n = v.size(); i < n; i++) {
            sum = sum.add(BigInteger.valueOf(v.counter(i)));
        }
        return sum;
    }

    /** Each replica's total increments. */
    public VersionVector increments() {
        return increments;
    }

    /** Each replica's total decrements. */
    public VersionVector decrements() {
        return decrements;
    }

    /** Each replica's increments observed by a reset. */
    public VersionVector resetIncrements() {
        return resetIncrements;
    }

    /** Each replica's decrements observed by a reset. */
    public VersionVector resetDecrements() {
        return resetDecrements;
    }

    /** Whether any update counts since the last reset (a counter that was written and not reset since). */
    public boolean hasUpdates() {
        return !increments.leq(resetIncrements) || !decrements.leq(resetDecrements);
    }

    /**
     * Resets the counter to 0 as observed here: the updates seen so far stop counting, an update
     * this replica has not seen still counts (observed-remove, as a map field's counter). The
     * delta carries the counts with the resets, so no receiver ever holds a reset above its counts.
     */
    public Mutation<PNCounter> reset() {
        if (!hasUpdates()) {
            return new Mutation<>(this, BOTTOM);
        }
        PNCounter reset = new PNCounter(increments, decrements, increments.join(resetIncrements), decrements.join(resetDecrements), 0);
        return new Mutation<>(reset, reset);
    }

    /**
     * Adds {@code amount}, which may be negative, on behalf of {@code replica}. Adding 0 changes
     * nothing, except to a counter with no updates since its last reset (or none ever): that one
     * now shows 0, as Redis's {@code INCRBY k 0} creates {@code k}.
     *
     * @throws ArithmeticException when the value would leave the range of {@code long}
     */
    public Mutation<PNCounter> add(ReplicaId replica, long amount) {
        if (amount == 0) {
            return hasUpdates() ? new Mutation<>(this, BOTTOM) : updateByZero(replica);
        }
        long next = Math.addExact(value(), amount);
        if (amount > 0) {
            long count = Math.addExact(increments.get(replica), amount);
            return new Mutation<>(new PNCounter(increments.with(replica, count), decrements, resetIncrements, resetDecrements, next),
                    new PNCounter(VersionVector.of(replica, count), NONE, NONE, NONE, count));
        }
        long count = Math.addExact(decrements.get(replica), Math.negateExact(amount));
        return new Mutation<>(new PNCounter(increments, decrements.with(replica, count), resetIncrements, resetDecrements, next),
                new PNCounter(NONE, VersionVector.of(replica, count), NONE, NONE, -count));
    }

    /** One increment and one decrement of 1: an update that leaves the value as it was. */
    private Mutation<PNCounter> updateByZero(ReplicaId replica) {
        long p = Math.addExact(increments.get(replica), 1);
        long n = Math.addExact(decrements.get(replica), 1);
        return new Mutation<>(new PNCounter(increments.with(replica, p), decrements.with(replica, n), resetIncrements, resetDecrements, value()),
                new PNCounter(VersionVector.of(replica, p), VersionVector.of(replica, n), NONE, NONE, p - n));
    }

    /** Adds {@code amount} (at least 0). */
    public Mutation<PNCounter> increment(ReplicaId replica, long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("increment amount must be >= 0, got " + amount);
        }
        return add(replica, amount);
    }

    /** Subtracts {@code amount} (at least 0). */
    public Mutation<PNCounter> decrement(ReplicaId replica, long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("decrement amount must be >= 0, got " + amount);
        }
        return add(replica, Math.negateExact(amount));
    }

    @Override
    public PNCounter join(PNCounter other) {
        VersionVector p = increments.join(other.increments);
        VersionVector n = decrements.join(other.decrements);
        VersionVector rp = resetIncrements.join(other.resetIncrements);
        VersionVector rn = resetDecrements.join(other.resetDecrements);
        if (p == increments && n == decrements && rp == resetIncrements && rn == resetDecrements) {
            return this;
        }
        if (p == other.increments && n == other.decrements && rp == other.resetIncrements && rn == other.resetDecrements) {
            return other;
        }
        return new PNCounter(p, n, rp, rn);
    }

    @Override
    public Merge<PNCounter> merge(PNCounter delta) {
        VersionVector rp = GCounter.newer(resetIncrements, delta.resetIncrements);
        VersionVector rn = GCounter.newer(resetDecrements, delta.resetDecrements);
        // A forwarded reset must travel with the delta's counts for its replicas, or a third
        // replica could hold a reset above its counts and show a negative value for a while.
        VersionVector p = withCountsFor(GCounter.newer(increments, delta.increments), rp, delta.increments);
        VersionVector n = withCountsFor(GCounter.newer(decrements, delta.decrements), rn, delta.decrements);
        return new Merge<>(join(delta), of(p, n, rp, rn));
    }

    private static VersionVector withCountsFor(VersionVector counts, VersionVector resets, VersionVector source) {
        VersionVector out = counts;
        for (int i = 0; i < resets.size(); i++) {
            ReplicaId r = resets.replica(i);
            out = out.with(r, Math.max(out.get(r), source.get(r)));
        }
        return out;
    }

    @Override
    public boolean isBottom() {
        return increments.isEmpty() && decrements.isEmpty() && resetIncrements.isEmpty() && resetDecrements.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PNCounter other && increments.equals(other.increments) && decrements.equals(other.decrements)
                && resetIncrements.equals(other.resetIncrements) && resetDecrements.equals(other.resetDecrements);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * increments.hashCode() + decrements.hashCode()) + resetIncrements.hashCode()) + resetDecrements.hashCode();
    }

    @Override
    public String toString() {
        return "PNCounter{+" + increments + ", -" + decrements
                + (resetIncrements.isEmpty() && resetDecrements.isEmpty() ? "" : ", reset +" + resetIncrements + " -" + resetDecrements) + "}";
    }
}
