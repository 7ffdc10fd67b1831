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

    private static final PNCounter BOTTOM = new PNCounter(VersionVector.empty(), VersionVector.empty());

    private final VersionVector increments;
    private final VersionVector decrements;
    /** The value when it fits a long; computed once, so an update checks overflow in O(1). */
    private final long value;
    private final boolean valueFits;

    private PNCounter(VersionVector increments, VersionVector decrements) {
        this.increments = increments;
        this.decrements = decrements;
        long v = 0;
        boolean fits = true;
        try {
            v = exactValue(increments, decrements);
        } catch (ArithmeticException outOfRange) {
            fits = false;
        }
        this.value = v;
        this.valueFits = fits;
    }

    private PNCounter(VersionVector increments, VersionVector decrements, long value) {
        this.increments = increments;
        this.decrements = decrements;
        this.value = value;
        this.valueFits = true;
    }

    public static PNCounter empty() {
        return BOTTOM;
    }

    /** The counter with each replica's total increments and total decrements. */
    public static PNCounter of(VersionVector increments, VersionVector decrements) {
        return increments.isEmpty() && decrements.isEmpty() ? BOTTOM : new PNCounter(increments, decrements);
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

    private static long exactValue(VersionVector increments, VersionVector decrements) {
        try {
            return Math.subtractExact(increments.sum(), decrements.sum());
        } catch (ArithmeticException sumOverflowed) {
            // A sum overflowed; the difference may still fit.
            return total(increments).subtract(total(decrements)).longValueExact();
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

    /**
     * Adds {@code amount}, which may be negative, on behalf of {@code replica}.
     *
     * @throws ArithmeticException when the value would leave the range of {@code long}
     */
    public Mutation<PNCounter> add(ReplicaId replica, long amount) {
        if (amount == 0) {
            return new Mutation<>(this, BOTTOM);
        }
        long next = Math.addExact(value(), amount);
        if (amount > 0) {
            long count = Math.addExact(increments.get(replica), amount);
            return new Mutation<>(new PNCounter(increments.with(replica, count), decrements, next),
                    new PNCounter(VersionVector.of(replica, count), VersionVector.empty(), count));
        }
        long count = Math.addExact(decrements.get(replica), Math.negateExact(amount));
        return new Mutation<>(new PNCounter(increments, decrements.with(replica, count), next),
                new PNCounter(VersionVector.empty(), VersionVector.of(replica, count), -count));
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
        if (p == increments && n == decrements) {
            return this;
        }
        return p == other.increments && n == other.decrements ? other : new PNCounter(p, n);
    }

    @Override
    public Merge<PNCounter> merge(PNCounter delta) {
        return new Merge<>(join(delta), of(GCounter.newer(increments, delta.increments), GCounter.newer(decrements, delta.decrements)));
    }

    @Override
    public boolean isBottom() {
        return increments.isEmpty() && decrements.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PNCounter other && increments.equals(other.increments) && decrements.equals(other.decrements);
    }

    @Override
    public int hashCode() {
        return 31 * increments.hashCode() + decrements.hashCode();
    }

    @Override
    public String toString() {
        return "PNCounter{+" + increments + ", -" + decrements + "}";
    }
}
