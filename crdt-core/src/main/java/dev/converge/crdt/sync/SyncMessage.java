package dev.converge.crdt.sync;

/**
 * A message of the replication protocol between two replicas. Immutable records; the canonical
 * encoding is {@link dev.converge.crdt.codec.CrdtCodec#encode(SyncMessage)}. No message names its
 * sender: that is the peer at the other end of the authenticated link it arrived on.
 */
public sealed interface SyncMessage permits DeltaBatch, Ack, Heartbeat, DigestRequest, DigestResponse, StateBatch {
}
