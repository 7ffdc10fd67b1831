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
 */
public record EngineConfig(SyncConfig sync, long maxClockDriftMillis, int maxPendingEventsPerSubscriber, boolean discoverMembers) {

    public EngineConfig {
        if (sync == null || maxClockDriftMillis < 0 || maxPendingEventsPerSubscriber < 1) {
            throw new IllegalArgumentException("invalid engine configuration: " + sync + ", " + maxClockDriftMillis + ", "
                    + maxPendingEventsPerSubscriber);
        }
    }

    public static EngineConfig defaults() {
        return new EngineConfig(SyncConfig.defaults(), 60_000, 10_000, true);
    }

    public EngineConfig withSync(SyncConfig sync) {
        return new EngineConfig(sync, maxClockDriftMillis, maxPendingEventsPerSubscriber, discoverMembers);
    }

    public EngineConfig withDiscoverMembers(boolean discover) {
        return new EngineConfig(sync, maxClockDriftMillis, maxPendingEventsPerSubscriber, discover);
    }

    public EngineConfig withMaxPendingEventsPerSubscriber(int events) {
        return new EngineConfig(sync, maxClockDriftMillis, events, discoverMembers);
    }
}
