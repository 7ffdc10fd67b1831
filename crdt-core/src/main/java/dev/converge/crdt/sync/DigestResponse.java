package dev.converge.crdt.sync;

import java.util.List;

/** The digests answering {@link DigestRequest} {@code requestId}. */
public record DigestResponse(long requestId, List<RangeDigest> digests) implements SyncMessage {

    public DigestResponse {
        digests = List.copyOf(digests);
    }
}
