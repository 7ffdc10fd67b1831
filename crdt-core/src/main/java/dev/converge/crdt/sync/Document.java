package dev.converge.crdt.sync;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;

/** A document key with a CRDT value: a delta in a {@link DeltaBatch}, a state in a {@link StateBatch}. */
public record Document(Bytes key, Crdt<?> value) {

    public Document {
        if (key == null || value == null) {
            throw new IllegalArgumentException("a document needs a key and a value");
        }
    }
}
