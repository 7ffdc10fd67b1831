package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;

/**
 * A multi-value register: a write replaces every value it observed, and concurrent writes are
 * all kept until a later write observes them, so a conflict is visible rather than silently
 * resolved. A dot function and a causal context (Almeida et al. 2018).
 */
public final class MVRegister implements Crdt<MVRegister> {

    static final DotFunOps<Bytes> OPS = new DotFunOps<>(Bytes::compareTo);
    private static final MVRegister BOTTOM = new MVRegister(DotFun.empty(), DotContext.empty());

    /** One concurrent value and the write that made it: {@code dot.replica()} wrote it. */
    public record Version(Dot dot, Bytes value) {
    }

    final DotFun<Bytes> store;
    final DotContext context;

    MVRegister(DotFun<Bytes> store, DotContext context) {
        this.store = store;
        this.context = context;
    }

    static MVRegister of(DotFun<Bytes> store, DotContext context) {
        return store.isEmpty() && context.isEmpty() ? BOTTOM : new MVRegister(store, context);
    }

    public static MVRegister empty() {
        return BOTTOM;
    }

    @Override
    public CrdtType type() {
        return CrdtType.MV_REGISTER;
    }

    /** The distinct concurrent values, in ascending byte order; empty before the first write. */
    public List<Bytes> values() {
        TreeSet<Bytes> values = new TreeSet<>();
        for (int i = 0; i < store.size(); i++) {
            values.add(store.value(i));
        }
        return List.copyOf(values);
    }

    /** Every concurrent write with its dot, in dot order: which replica wrote what. */
    public List<Version> versions() {
        List<Version> out = new ArrayList<>(store.size());
        for (int i = 0; i < store.size(); i++) {
            out.add(new Version(store.dot(i), store.value(i)));
        }
        return Collections.unmodifiableList(out);
    }

    public DotContext context() {
        return context;
    }

    /** Writes {@code value}, replacing every value observed here. */
    public Mutation<MVRegister> write(ReplicaId replica, Bytes value) {
        Dot dot = context.nextDot(replica);
        DotFun<Bytes> written = DotFun.of(dot, value);
        DotContext replaced = observed().with(dot);
        return new Mutation<>(new MVRegister(written, context.with(dot)), new MVRegister(written, replaced));
    }

    /** Removes every value observed here; a concurrent write survives. */
    public Mutation<MVRegister> clear() {
        if (store.isEmpty()) {
            return new Mutation<>(this, BOTTOM);
        }
        return new Mutation<>(new MVRegister(DotFun.empty(), context), new MVRegister(DotFun.empty(), observed()));
    }

    private DotContext observed() {
        List<Dot> dots = new ArrayList<>(store.size());
        OPS.collectDots(store, dots);
        return DotContext.of(dots.toArray(new Dot[0]));
    }

    @Override
    public MVRegister join(MVRegister other) {
        return of(OPS.join(store, context, other.store, other.context), context.union(other.context));
    }

    @Override
    public Merge<MVRegister> merge(MVRegister delta) {
        EffectiveWalk.Result<DotFun<Bytes>> e = EffectiveWalk.compute(OPS, store, context, delta.store, delta.context, true);
        return new Merge<>(join(delta), of(e.store(), e.context()));
    }

    @Override
    public boolean isBottom() {
        return store.isEmpty() && context.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MVRegister other && store.equals(other.store) && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return 31 * store.hashCode() + context.hashCode();
    }

    @Override
    public String toString() {
        return "MVRegister{" + store + " ctx " + context + "}";
    }
}
