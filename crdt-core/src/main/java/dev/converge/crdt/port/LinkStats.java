package dev.converge.crdt.port;

import dev.converge.crdt.causal.ReplicaId;

/**
 * Counters of one peer link, for metrics; cumulative since the transport started.
 *
 * @param largestMessageIn the largest message received from the peer, in bytes (frame header
 *     included): shows that what peers send stays within the frame limit
 */
public record LinkStats(ReplicaId peer, boolean connected, long bytesIn, long bytesOut, long messagesIn, long messagesOut,
                        int queuedMessages, long queuedBytes, long dropped, long reconnects, long largestMessageIn) {
}
