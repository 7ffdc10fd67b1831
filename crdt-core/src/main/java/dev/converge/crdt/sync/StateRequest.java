package dev.converge.crdt.sync;

import dev.converge.crdt.Bytes;
import java.util.List;

/** Asks a peer for the full states of some documents. */
public record StateRequest(long requestId, List<Bytes> keys) implements SyncMessage {

    public StateRequest {
        keys = List.copyOf(keys);
    }
}
