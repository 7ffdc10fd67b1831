package dev.converge.crdt.causal;

import java.time.InstantSource;

/**
 * A hybrid logical clock for one replica, fed by an injected physical time source.
 *
 * <p>Every timestamp it issues is greater than every timestamp it issued or merged before, even
 * when the physical clock jumps backwards (then the logical counter carries the order). When the
 * logical counter would overflow within one millisecond, the clock moves to the next millisecond
 * rather than wrap. Thread-safe; the cost is one uncontended lock per timestamp.
 */
public final class HybridClock {

    private final ReplicaId replica;
    private final InstantSource source;
    private final long maxForwardDriftMillis;
    private long lastPhysical;
    private int lastLogical;

    /** A clock for {@code replica} with no limit on how far ahead a merged remote clock may be. */
    public HybridClock(ReplicaId replica, InstantSource source) {
        this(replica, source, Long.MAX_VALUE, null);
    }

    /**
     * A clock for {@code replica} that refuses remote timestamps more than
     * {@code maxForwardDriftMillis} ahead of local physical time, and never issues a timestamp at
     * or below {@code highWaterMark} (the last one persisted before a restart; may be null).
     */
    public HybridClock(ReplicaId replica, InstantSource source, long maxForwardDriftMillis, HybridTimestamp highWaterMark) {
        if (maxForwardDriftMillis < 0) {
            throw new IllegalArgumentException("maxForwardDriftMillis must be >= 0, got " + maxForwardDriftMillis);
        }
        this.replica = replica;
        this.source = source;
        this.maxForwardDriftMillis = maxForwardDriftMillis;
        if (highWaterMark != null) {
            this.lastPhysical = highWaterMark.physicalMillis();
            this.lastLogical = highWaterMark.logical();
        }
    }

    public ReplicaId replica() {
        return replica;
    }

    /** A new timestamp for a local event. */
    public synchronized HybridTimestamp now() {
        long physical = physicalNow();
        if (physical > lastPhysical) {
            lastPhysical = physical;
            lastLogical = 0;
        } else {
            if (exhausted()) {
                throw new IllegalStateException("the hybrid clock of " + replica + " has issued its greatest timestamp");
            }
            tick();
        }
        return current();
    }

    /**
     * Merges a timestamp received from another replica and returns a new local timestamp greater
     * than both it and everything issued before: the receive event of the HLC algorithm.
     *
     * @throws ClockDriftException when {@code remote} is too far ahead of local physical time;
     *     the clock is then unchanged
     */
    public synchronized HybridTimestamp update(HybridTimestamp remote) {
        long physical = physicalNow();
        if (remote.physicalMillis() > physical && remote.physicalMillis() - physical > maxForwardDriftMillis) {
            throw new ClockDriftException(remote, physical, maxForwardDriftMillis);
        }
        if (remote.physicalMillis() == HybridTimestamp.MAX_PHYSICAL && remote.logical() == HybridTimestamp.MAX_LOGICAL || exhausted()) {
            // Nothing is greater: merging it would leave a clock that can issue no timestamp again.
            throw new ClockDriftException(remote, physical, maxForwardDriftMillis);
        }
        long max = Math.max(physical, Math.max(lastPhysical, remote.physicalMillis()));
        if (max == lastPhysical && max == remote.physicalMillis()) {
            lastLogical = Math.max(lastLogical, remote.logical());
            tick();
        } else if (max == lastPhysical) {
            tick();
        } else if (max == remote.physicalMillis()) {
            lastPhysical = max;
            lastLogical = remote.logical();
            tick();
        } else {
            lastPhysical = max;
            lastLogical = 0;
        }
        return current();
    }

    /** The greatest timestamp issued or merged so far: the high-water mark to persist. */
    public synchronized HybridTimestamp last() {
        return current();
    }

    /** No timestamp is left after the last one issued. */
    private boolean exhausted() {
        return lastPhysical == HybridTimestamp.MAX_PHYSICAL && lastLogical == HybridTimestamp.MAX_LOGICAL;
    }

    private void tick() {
        if (lastLogical == HybridTimestamp.MAX_LOGICAL) {
            // 65,536 events in one millisecond: borrow the next millisecond instead of wrapping.
            lastPhysical++;
            lastLogical = 0;
        } else {
            lastLogical++;
        }
    }

    private HybridTimestamp current() {
        return new HybridTimestamp(lastPhysical, lastLogical, replica);
    }

    private long physicalNow() {
        long millis = source.millis();
        return Math.max(0, Math.min(millis, HybridTimestamp.MAX_PHYSICAL));
    }
}
