package dev.converge.crdt;

/**
 * The result of merging a received delta: the joined state and the effective delta, the part of
 * the received delta that was new here (bottom when nothing was). Forwarding only the effective
 * delta is the RR optimisation of Enes et al. (ICDE 2019).
 */
public record Merge<S extends Crdt<S>>(S state, S effectiveDelta) {

    public Merge {
        if (state == null || effectiveDelta == null) {
            throw new IllegalArgumentException("a merge needs a state and an effective delta");
        }
    }

    /** Whether the delta brought anything new. */
    public boolean changed() {
        return !effectiveDelta.isBottom();
    }
}
