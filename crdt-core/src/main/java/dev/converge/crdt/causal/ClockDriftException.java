package dev.converge.crdt.causal;

/**
 * A remote timestamp is further ahead of local physical time than the clock accepts. Merging it
 * would drag every later local timestamp into the future, so the clock refuses it unchanged.
 */
public final class ClockDriftException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient HybridTimestamp remote;
    private final long localPhysicalMillis;

    public ClockDriftException(HybridTimestamp remote, long localPhysicalMillis, long maxForwardDriftMillis) {
        super("remote timestamp " + remote + " is " + (remote.physicalMillis() - localPhysicalMillis)
                + " ms ahead of local time " + localPhysicalMillis + " (limit " + maxForwardDriftMillis + " ms)");
        this.remote = remote;
        this.localPhysicalMillis = localPhysicalMillis;
    }

    public HybridTimestamp remote() {
        return remote;
    }

    public long localPhysicalMillis() {
        return localPhysicalMillis;
    }
}
