package dev.converge.crdt;

/**
 * The result of a delta-mutator: the new state and the delta that takes the old state there
 * ({@code old.join(delta).equals(state)}). The delta is what replicates; it is bottom when the
 * operation changed nothing.
 */
public record Mutation<S extends Crdt<S>>(S state, S delta) {

    public Mutation {
        if (state == null || delta == null) {
            throw new IllegalArgumentException("a mutation needs a state and a delta");
        }
    }
}
