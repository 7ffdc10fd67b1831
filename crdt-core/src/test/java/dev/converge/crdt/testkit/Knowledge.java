package dev.converge.crdt.testkit;

import java.util.HashSet;
import java.util.Set;

/**
 * What a value knows in the reference model: the ops it holds ({@code full}) and the ops it
 * knows to be superseded or removed ({@code dead}). A causal CRDT's store holds exactly the dots
 * of {@code full \ dead}, its context the dots of {@code full ∪ dead}; the join of two values is
 * the union of both sets. For counters and registers only {@code full} is used: the increments
 * or writes known.
 */
public record Knowledge(Set<Integer> full, Set<Integer> dead) {

    public static final Knowledge NONE = new Knowledge(Set.of(), Set.of());

    public Knowledge {
        full = Set.copyOf(full);
        dead = Set.copyOf(dead);
    }

    public static Knowledge of(Set<Integer> full, Set<Integer> dead) {
        return new Knowledge(full, dead);
    }

    public Knowledge union(Knowledge other) {
        if (other == NONE || other.equals(this)) {
            return this;
        }
        Set<Integer> f = new HashSet<>(full);
        f.addAll(other.full);
        Set<Integer> d = new HashSet<>(dead);
        d.addAll(other.dead);
        return new Knowledge(f, d);
    }

    /** Ops held and not dead. */
    public Set<Integer> live() {
        Set<Integer> live = new HashSet<>(full);
        live.removeAll(dead);
        return live;
    }

    /** Every op known, held or dead: the model of a causal context. */
    public Set<Integer> context() {
        Set<Integer> all = new HashSet<>(full);
        all.addAll(dead);
        return all;
    }

    /**
     * The knowledge of the effective delta of merging {@code d} into {@code x} for a causal
     * type: the live ops of d that x did not know, and as dead the dead ops of d that x did not
     * know plus x's live ops that d kills (the join decomposition of Enes et al. 2019).
     */
    public static Knowledge causalEffective(Knowledge x, Knowledge d) {
        Set<Integer> cx = x.context();
        Set<Integer> full = d.live();
        full.removeAll(cx);
        Set<Integer> dead = new HashSet<>(d.dead);
        dead.removeAll(cx);
        Set<Integer> killed = x.live();
        killed.retainAll(d.dead);
        dead.addAll(killed);
        return new Knowledge(full, dead);
    }
}
