package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import java.util.List;

/**
 * The lattice operations of one kind of dot store, the causal part of a causal CRDT (Almeida,
 * Shoker and Baquero 2018, section 5): a dot set, a dot function or a dot map. A causal CRDT
 * is a store paired with a {@link DotContext}; the context is passed in, never held.
 *
 * <p>Dot maps carry a <em>partial</em> flag. A partial map is delta-shaped: it lists every key
 * under which its context covers a dot, so a join may skip the keys it does not list. A complete
 * map is a full state: a key it lacks whose dots its context covers was removed. Every mutator
 * delta is partial; every state is complete. See docs/DESIGN.md, "Deltas that name their keys".
 */
interface StoreOps<S> {

    /** The empty store; for dot maps, with the given flag. */
    S bottom(boolean partial);

    boolean isEmpty(S store);

    /** The join of {@code (a, ca)} and {@code (b, cb)}, store part. */
    S join(S a, DotContext ca, S b, DotContext cb);

    /**
     * The part of delta {@code (d, cd)} that state {@code (x, cx)} lacks: d's dots not in cx,
     * under the keys they belong to. Adds to {@code walk} the dots of x that d removes and keeps
     * the keys they belong to. Returns null when this store adds nothing, removes nothing and
     * the walk is not conservative, so the caller can omit it.
     */
    S effective(S x, DotContext cx, S d, DotContext cd, EffectiveWalk walk);

    /** How many dots of {@code store} are not in {@code context}. */
    long countDotsNotIn(S store, DotContext context);

    /** Adds every dot in {@code store} to {@code out}. */
    void collectDots(S store, List<Dot> out);
}
