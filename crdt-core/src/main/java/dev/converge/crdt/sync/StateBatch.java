package dev.converge.crdt.sync;

import java.util.List;

/**
 * Full document states answering {@link StateRequest} {@code requestId}, in chunks so no message
 * exceeds the frame limit; {@code last} marks the final chunk.
 */
public record StateBatch(long requestId, List<Document> documents, boolean last) implements SyncMessage {

    public StateBatch {
        documents = List.copyOf(documents);
    }
}
