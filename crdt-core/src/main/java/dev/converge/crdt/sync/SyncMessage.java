package dev.converge.crdt.sync;

/**
 * A message of the replication protocol between two replicas. Immutable records; the canonical
 * encoding is {@link dev.converge.crdt.codec.CrdtCodec#encode(SyncMessage)}.
 */
public sealed interface SyncMessage permits DeltaBatch, Ack, DigestRequest, DigestResponse, StateBatch {
}
