package dev.converge.crdt;

/**
 * The result of merging a received delta into a document whose type is known only at run time
 * ({@link Crdt#mergeAny}): the joined state and the effective delta, both canonical. Unlike a
 * {@link Merge} the two may differ in type: a set delta merged into a counter's document leaves a
 * {@link TypeConflict} whose effective delta is the set delta itself.
 */
public record Merged(Crdt<?> state, Crdt<?> effectiveDelta) {

    public Merged {
        if (state == null || effectiveDelta == null) {
            throw new IllegalArgumentException("a merge needs a state and an effective delta");
        }
    }

    /** Whether the delta brought anything new. */
    public boolean changed() {
        return !effectiveDelta.isBottom();
    }
}
