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
 */
public record PeerStatus(ReplicaId peer, boolean connected, long ackedSeq, long unackedEntries, long lastContactMillis,
                         long lagMillis, boolean catchingUp, boolean suspected, long bytesSent, long bytesReceived) {
}
