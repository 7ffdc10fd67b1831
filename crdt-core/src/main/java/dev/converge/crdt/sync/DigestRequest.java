package dev.converge.crdt.sync;

import java.util.List;

/** Asks a peer for the digests of some ranges of its hash tree. */
public record DigestRequest(long requestId, List<KeyHashRange> ranges) implements SyncMessage {

    public DigestRequest {
        ranges = List.copyOf(ranges);
    }
}
