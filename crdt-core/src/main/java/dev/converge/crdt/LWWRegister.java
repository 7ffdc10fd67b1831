package dev.converge.crdt;

import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import java.util.Objects;
import java.util.Optional;

/**
 * A last-writer-wins register: the value written with the greatest hybrid logical timestamp. A
 * delete is a write of no value ({@link #clear}): it wins over older writes and loses to newer.
 * Hybrid timestamps are totally ordered and respect causality, so skewed physical clocks still
 * give every replica the same winner, and a write that observed another wins over it.
 */
public final class LWWRegister implements Crdt<LWWRegister> {

    private static final LWWRegister BOTTOM = new LWWRegister(null, null);

    private final HybridTimestamp timestamp;
    private final Bytes value;

    private LWWRegister(HybridTimestamp timestamp, Bytes value) {
        this.timestamp = timestamp;
        this.value = value;
    }

    public static LWWRegister empty() {
        return BOTTOM;
    }

    /** The register holding {@code value}, written at {@code timestamp}. */
    public static LWWRegister of(HybridTimestamp timestamp, Bytes value) {
        if (timestamp == null || value == null) {
            throw new IllegalArgumentException("a written register needs a timestamp and a value");
        }
        return new LWWRegister(timestamp, value);
    }

    /** The register deleted at {@code timestamp}: it holds no value. */
    public static LWWRegister deleted(HybridTimestamp timestamp) {
        if (timestamp == null) {
            throw new IllegalArgumentException("a deletion needs a timestamp");
        }
        return new LWWRegister(timestamp, null);
    }

    @Override
    public CrdtType type() {
        return CrdtType.LWW_REGISTER;
    }

    /** The winning value, empty before the first write and after a delete. */
    public Optional<Bytes> value() {
        return Optional.ofNullable(value);
    }

    /** The winning write's timestamp, or null when bottom: for this package's encoder, without an {@code Optional}. */
    HybridTimestamp timestampOrNull() {
        return timestamp;
    }

    /** The value, or null when bottom or deleted: for this package's encoder. */
    Bytes valueOrNull() {
        return value;
    }

    /** When the winning write (or delete) happened, empty before the first write. */
    public Optional<HybridTimestamp> timestamp() {
        return Optional.ofNullable(timestamp);
    }

    /**
     * Writes {@code value} at {@code timestamp}, issued by {@code replica}'s clock. A write
     * whose timestamp does not order after the current one loses: the state is unchanged and
     * the delta is bottom.
     */
    public Mutation<LWWRegister> set(ReplicaId replica, HybridTimestamp timestamp, Bytes value) {
        if (!timestamp.replica().equals(replica)) {
            throw new IllegalArgumentException("timestamp " + timestamp + " was not issued by " + replica);
        }
        LWWRegister written = of(timestamp, value);
        if (this.timestamp != null && !timestamp.isAfter(this.timestamp)) {
            return new Mutation<>(this, BOTTOM);
        }
        return new Mutation<>(written, written);
    }

    /**
     * Deletes the value at {@code timestamp}: a write of nothing, which like any write loses if
     * the timestamp does not order after the current one.
     */
    public Mutation<LWWRegister> clear(ReplicaId replica, HybridTimestamp timestamp) {
        if (!timestamp.replica().equals(replica)) {
            throw new IllegalArgumentException("timestamp " + timestamp + " was not issued by " + replica);
        }
        if (this.timestamp != null && !timestamp.isAfter(this.timestamp)) {
            return new Mutation<>(this, BOTTOM);
        }
        LWWRegister deleted = deleted(timestamp);
        return new Mutation<>(deleted, deleted);
    }

    @Override
    public LWWRegister join(LWWRegister other) {
        return wins(other) ? other : this;
    }

    /** Whether {@code other} beats this; equal timestamps with different values (impossible from
     *  one clock) are ordered by value, so the join stays commutative whatever the input. */
    private boolean wins(LWWRegister other) {
        if (other.timestamp == null) {
            return false;
        }
        if (timestamp == null) {
            return true;
        }
        int c = other.timestamp.compareTo(timestamp);
        return c > 0 || c == 0 && compareValues(other.value, value) > 0;
    }

    /** Orders values for the (impossible from one clock) case of equal timestamps; no value is least. */
    private static int compareValues(Bytes a, Bytes b) {
        if (a == null || b == null) {
            return a == b ? 0 : a == null ? -1 : 1;
        }
        return a.compareTo(b);
    }

    @Override
    public Merge<LWWRegister> merge(LWWRegister delta) {
        return wins(delta) ? new Merge<>(delta, delta) : new Merge<>(this, BOTTOM);
    }

    @Override
    public boolean isBottom() {
        return timestamp == null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LWWRegister other
                && Objects.equals(timestamp, other.timestamp)
                && Objects.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(timestamp, value);
    }

    @Override
    public String toString() {
        return timestamp == null ? "LWWRegister{}" : "LWWRegister{" + (value == null ? "deleted" : value) + " @" + timestamp + "}";
    }
}
