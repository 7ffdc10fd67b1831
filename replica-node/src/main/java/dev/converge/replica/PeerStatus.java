package dev.converge.replica;

import dev.converge.crdt.causal.ReplicaId;

/**
 * Replication towards one peer.
 *
 * @param ackedSeq the highest local sequence number the peer acknowledged
 * @param unackedEntries local delta-log entries it has not acknowledged
 * @param lastContactMillis when it was last heard from (-1: never)
 * @param lagMillis how long it has been behind the local log (0 when up to date)
 * @param catchingUp whether a digest catch-up towards it is running
 * @param suspected whether it is connected but its heartbeats stopped (phi-accrual failure
 *     detector): replication rounds skip it until it is heard from again
 * @param bytesSent bytes sent on the link to it since this process started, framing included
 * @param bytesReceived bytes received from it since this process started, framing included
 * @param stableSeq the causal-stability watermark of the peer's delta log: the prefix that every
 *     current member has merged, first-hand, as reported to this replica (0 until each has)
 */
public record PeerStatus(ReplicaId peer, boolean connected, long ackedSeq, long unackedEntries, long lastContactMillis,
                         long lagMillis, boolean catchingUp, boolean suspected, long bytesSent, long bytesReceived, long stableSeq) {
}
