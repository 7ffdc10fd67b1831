package dev.converge.replica;

import dev.converge.replica.sync.SyncConfig;

/**
 * The engine's limits.
 *
 * @param sync the replication protocol's limits and intervals
 * @param maxClockDriftMillis remote timestamps further ahead of local time do not move the local
 *     hybrid clock (the data still merges)
 * @param maxPendingEventsPerSubscriber changed keys buffered per subscriber before overflow is reported
 * @param discoverMembers whether the replica dials every member it learns of from the cluster's
 *     membership document (on by default); off, it links only to the peers it is given, as when
 *     every link must pass through a proxy
 * @param maxInboundMessages received messages waiting for the engine before the transport stops
 *     reading (it resumes at half)
 * @param maxInboundBytes the same bound in encoded bytes, for transports that report sizes
 */
public record EngineConfig(SyncConfig sync, long maxClockDriftMillis, int maxPendingEventsPerSubscriber, boolean discoverMembers,
                           int maxInboundMessages, long maxInboundBytes) {

    public EngineConfig {
        if (sync == null || maxClockDriftMillis < 0 || maxPendingEventsPerSubscriber < 1 || maxInboundMessages < 2
                || maxInboundBytes < 2) {
            throw new IllegalArgumentException("invalid engine configuration: " + sync + ", " + maxClockDriftMillis + ", "
                    + maxPendingEventsPerSubscriber + ", " + maxInboundMessages + ", " + maxInboundBytes);
        }
    }

    public static EngineConfig defaults() {
        return new EngineConfig(SyncConfig.defaults(), 60_000, 10_000, true, 4_096, 64L << 20);
    }

    public EngineConfig withSync(SyncConfig sync) {
        return new EngineConfig(sync, maxClockDriftMillis, maxPendingEventsPerSubscriber, discoverMembers, maxInboundMessages,
                maxInboundBytes);
    }

    public EngineConfig withDiscoverMembers(boolean discover) {
        return new EngineConfig(sync, maxClockDriftMillis, maxPendingEventsPerSubscriber, discover, maxInboundMessages,
                maxInboundBytes);
    }

    public EngineConfig withMaxPendingEventsPerSubscriber(int events) {
        return new EngineConfig(sync, maxClockDriftMillis, events, discoverMembers, maxInboundMessages, maxInboundBytes);
    }

    public EngineConfig withMaxInbound(int messages, long bytes) {
        return new EngineConfig(sync, maxClockDriftMillis, maxPendingEventsPerSubscriber, discoverMembers, messages, bytes);
    }
}
