package dev.converge.crdt.sync;

import dev.converge.crdt.Bytes;
import java.util.List;

/**
 * Full document states of one key-hash range, exchanged when digests disagree (the catch-up
 * path). Chunked so no message exceeds the frame limit: {@code part} numbers the chunks of
 * {@code requestId} from 0, and {@code last} marks the final one, so a receiver knows whether it
 * got them all. A batch with {@code reply = false} carries all of the sender's documents in
 * {@code range} and asks the receiver to answer, once it has merged the last chunk, with
 * {@code reply = true} batches holding exactly what the sender lacks there (join decomposition).
 */
public record StateBatch(long requestId, KeyHashRange range, List<Document> documents, int part, boolean last, boolean reply)
        implements SyncMessage {

    public StateBatch {
        if (range == null) {
            throw new IllegalArgumentException("a state batch needs a range");
        }
        if (part < 0) {
            throw new IllegalArgumentException("a state batch's part is counted from 0, got " + part);
        }
        documents = List.copyOf(documents);
    }

    /** Whether every document's key lies in the batch's range. */
    public boolean keysInRange() {
        for (Document d : documents) {
            if (!range.contains(Hashing.keyHash(d.key()))) {
                return false;
            }
        }
        return true;
    }

    /** The keys of the documents, in order. */
    public List<Bytes> keys() {
        return documents.stream().map(Document::key).toList();
    }
}
