package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.Dots;
import dev.converge.crdt.causal.ReplicaId;

/**
 * An enable-wins flag: enabled while some enable is not observed by a disable, so an enable
 * concurrent with a disable wins. A dot set and a causal context (Almeida et al. 2018).
 */
public final class EWFlag implements Crdt<EWFlag> {

    private static final EWFlag BOTTOM = new EWFlag(Dots.empty(), DotContext.empty());

    final Dots dots;
    final DotContext context;

    EWFlag(Dots dots, DotContext context) {
        this.dots = dots;
        this.context = context;
    }

    static EWFlag of(Dots dots, DotContext context) {
        return dots.isEmpty() && context.isEmpty() ? BOTTOM : new EWFlag(dots, context);
    }

    public static EWFlag empty() {
        return BOTTOM;
    }

    @Override
    public CrdtType type() {
        return CrdtType.EW_FLAG;
    }

    public boolean value() {
        return !dots.isEmpty();
    }

    /** The enables not yet observed by a disable: who holds the flag up. */
    public Dots enablers() {
        return dots;
    }

    public DotContext context() {
        return context;
    }

    public Mutation<EWFlag> enable(ReplicaId replica) {
        Dot dot = context.nextDot(replica);
        return new Mutation<>(new EWFlag(dot, context.with(dot)), new EWFlag(dot, DotContext.of(dots).with(dot)));
    }

    /** Disables every enable observed here; an enable this replica has not seen survives. */
    public Mutation<EWFlag> disable() {
        if (dots.isEmpty()) {
            return new Mutation<>(this, BOTTOM);
        }
        return new Mutation<>(new EWFlag(Dots.empty(), context), new EWFlag(Dots.empty(), DotContext.of(dots)));
    }

    @Override
    public EWFlag join(EWFlag other) {
        return of(DotSetOps.INSTANCE.join(dots, context, other.dots, other.context), context.union(other.context));
    }

    @Override
    public Merge<EWFlag> merge(EWFlag delta) {
        EffectiveWalk.Result<Dots> e = EffectiveWalk.compute(DotSetOps.INSTANCE, dots, context, delta.dots, delta.context, true);
        return new Merge<>(join(delta), of(e.store(), e.context()));
    }

    @Override
    public boolean isBottom() {
        return dots.isEmpty() && context.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EWFlag other && dots.equals(other.dots) && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return 31 * dots.hashCode() + context.hashCode();
    }

    @Override
    public String toString() {
        return "EWFlag{" + value() + " " + dots + " ctx " + context + "}";
    }
}
