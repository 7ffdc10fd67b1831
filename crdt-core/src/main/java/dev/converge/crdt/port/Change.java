package dev.converge.crdt.port;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.TypeConflict;

/**
 * One document's part of a {@link Commit}: the delta that was applied and the state it produced
 * ({@code previous.join(delta).equals(state)}, where {@code previous} holds every change
 * committed before for this key: callers serialise the changes of a document). A store writes
 * the delta, so an update costs O(delta) bytes; it may keep the state to answer reads, and may
 * write a small state whole instead of its delta.
 */
public record Change(Bytes key, Crdt<?> delta, Crdt<?> state) {

    public Change {
        if (key == null || delta == null || state == null) {
            throw new IllegalArgumentException("a change needs a key, a delta and a state");
        }
        if (delta.type() != state.type() && !(state instanceof TypeConflict c && c.part(delta.type()).isPresent())) {
            throw new IllegalArgumentException("delta " + delta.type() + " and state " + state.type() + " of '" + key + "' differ in type");
        }
    }

    /**
     * Whether this change may follow {@code existing}, the document's state before it (null when
     * absent): a document keeps its type, unless replicas wrote the key as several types at once
     * and it became a {@link TypeConflict} holding each.
     */
    public boolean follows(Crdt<?> existing) {
        return existing == null || existing.type() == state.type() || state instanceof TypeConflict;
    }
}
