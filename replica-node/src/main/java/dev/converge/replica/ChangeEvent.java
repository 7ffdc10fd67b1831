package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;

/** A document changed: its key, its state after the change, and whether a local write caused it. */
public record ChangeEvent(Bytes key, Crdt<?> state, boolean local) {
}
