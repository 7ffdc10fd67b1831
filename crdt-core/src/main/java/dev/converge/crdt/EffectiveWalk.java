package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import java.util.ArrayList;
import java.util.List;

/**
 * State of one effective-delta computation (the RR optimisation of Enes et al., <i>Efficient
 * Synchronization of State-based CRDTs</i>, ICDE 2019): the dots of the receiving state that the
 * delta removes, and whether every key of a partial delta must be kept.
 *
 * <p>The effective delta's context is {@code (cd \ cx) ∪ removed}. When some of the new context
 * dots are not live in the delta's store, they belong to keys that were added and removed
 * before the delta arrived, and nothing says which: then the walk is conservative and keeps
 * every key of the delta (with its new dots, possibly none), so the effective delta still names
 * every key its context touches.
 */
final class EffectiveWalk {

    final boolean conservative;
    final List<Dot> removed = new ArrayList<>();

    private EffectiveWalk(boolean conservative) {
        this.conservative = conservative;
    }

    /** The store and context of the effective delta of merging {@code (d, cd)} into {@code (x, cx)}. */
    static <S> Result<S> compute(StoreOps<S> ops, S x, DotContext cx, S d, DotContext cd, boolean partial) {
        DotContext fresh = cd.subtract(cx);
        boolean conservative = fresh.count() != ops.countDotsNotIn(d, cx);
        EffectiveWalk walk = new EffectiveWalk(conservative);
        S store = ops.effective(x, cx, d, cd, walk);
        if (store == null) {
            store = ops.bottom(partial);
        }
        DotContext context = walk.removed.isEmpty()
                ? fresh
                : fresh.union(DotContext.of(walk.removed.toArray(new Dot[0])));
        return new Result<>(store, context);
    }

    record Result<S>(S store, DotContext context) {
    }
}
