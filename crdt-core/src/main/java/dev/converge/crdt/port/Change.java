package dev.converge.crdt.port;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;

/**
 * One document's part of a {@link Commit}: the delta that was applied and the state it produced
 * ({@code previous.join(delta).equals(state)}). A store writes the delta, not the state, so an
 * update costs O(delta) bytes; it may keep the state to answer reads.
 */
public record Change(Bytes key, Crdt<?> delta, Crdt<?> state) {

    public Change {
        if (key == null || delta == null || state == null) {
            throw new IllegalArgumentException("a change needs a key, a delta and a state");
        }
        if (delta.type() != state.type()) {
            throw new IllegalArgumentException("delta " + delta.type() + " and state " + state.type() + " of '" + key + "' differ in type");
        }
    }
}
