package dev.converge.crdt.causal;

/**
 * A hybrid logical clock timestamp (Kulkarni et al., <i>Logical Physical Clocks</i>, 2014):
 * physical milliseconds, a logical counter that orders events within one millisecond, and the
 * issuing replica, which makes the order total.
 *
 * <p>Ordered by physical time, then logical counter, then replica. A replica never issues the
 * same timestamp twice, so two different writes never compare equal. Physical time fits in 48
 * bits (until the year 10889) and the logical counter in 16, as in the classic 64-bit packing.
 */
public record HybridTimestamp(long physicalMillis, int logical, ReplicaId replica) implements Comparable<HybridTimestamp> {

    public static final long MAX_PHYSICAL = (1L << 48) - 1;
    public static final int MAX_LOGICAL = 0xFFFF;

    public HybridTimestamp {
        if (physicalMillis < 0 || physicalMillis > MAX_PHYSICAL) {
            throw new IllegalArgumentException("physical time " + physicalMillis + " ms is outside 0.." + MAX_PHYSICAL);
        }
        if (logical < 0 || logical > MAX_LOGICAL) {
            throw new IllegalArgumentException("logical counter " + logical + " is outside 0.." + MAX_LOGICAL);
        }
        if (replica == null) {
            throw new IllegalArgumentException("a timestamp needs a replica");
        }
    }

    @Override
    public int compareTo(HybridTimestamp other) {
        int c = Long.compare(physicalMillis, other.physicalMillis);
        if (c == 0) {
            c = Integer.compare(logical, other.logical);
        }
        return c != 0 ? c : replica.compareTo(other.replica);
    }

    /** Whether this timestamp orders after {@code other}. */
    public boolean isAfter(HybridTimestamp other) {
        return compareTo(other) > 0;
    }

    @Override
    public String toString() {
        return physicalMillis + "." + logical + "@" + replica;
    }
}
