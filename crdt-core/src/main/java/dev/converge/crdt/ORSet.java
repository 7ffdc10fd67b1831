package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.Dots;
import dev.converge.crdt.causal.ReplicaId;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;

/**
 * An add-wins observed-remove set without tombstones (Riak's ORSWOT; Almeida et al. 2018): each
 * element maps to the dots of the adds that support it, and a remove drops the dots it observed,
 * so an add concurrent with a remove wins and a removed element leaves no metadata behind.
 *
 * <p>Elements live in a persistent sorted map, so adding to a 100,000-element set copies about
 * twenty tree nodes, and applying a one-element delta costs O(log n) (see {@link DotMapOps}).
 */
public final class ORSet implements Crdt<ORSet> {

    static final DotMapOps<Bytes, Dots> OPS = new DotMapOps<>(Comparator.naturalOrder(), element -> DotSetOps.INSTANCE);
    private static final ORSet BOTTOM = new ORSet(OPS.bottom(false), DotContext.empty());

    final DotMap<Bytes, Dots> store;
    final DotContext context;

    ORSet(DotMap<Bytes, Dots> store, DotContext context) {
        this.store = store;
        this.context = context;
    }

    static ORSet of(DotMap<Bytes, Dots> store, DotContext context) {
        return store.isEmpty() && context.isEmpty() ? BOTTOM : new ORSet(store, context);
    }

    public static ORSet empty() {
        return BOTTOM;
    }

    @Override
    public CrdtType type() {
        return CrdtType.OR_SET;
    }

    public boolean contains(Bytes element) {
        Dots dots = store.get(element);
        return dots != null && !dots.isEmpty();
    }

    /** Number of elements. */
    public int size() {
        return store.partial ? elements().size() : store.size();
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** The elements in ascending byte order: an unmodifiable view, no copy. */
    public Set<Bytes> elements() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Bytes> iterator() {
                Iterator<Map.Entry<Bytes, Dots>> entries = store.entries.iterator();
                return new Iterator<>() {
                    private Bytes next = advance();

                    private Bytes advance() {
                        while (entries.hasNext()) {
                            Map.Entry<Bytes, Dots> e = entries.next();
                            if (!e.getValue().isEmpty()) {
                                return e.getKey();
                            }
                        }
                        return null;
                    }

                    @Override
                    public boolean hasNext() {
                        return next != null;
                    }

                    @Override
                    public Bytes next() {
                        if (next == null) {
                            throw new NoSuchElementException();
                        }
                        Bytes out = next;
                        next = advance();
                        return out;
                    }
                };
            }

            @Override
            public int size() {
                if (!store.partial) {
                    return store.size();
                }
                int n = 0;
                for (Map.Entry<Bytes, Dots> e : store.entries) {
                    n += e.getValue().isEmpty() ? 0 : 1;
                }
                return n;
            }

            @Override
            public boolean contains(Object o) {
                return o instanceof Bytes b && ORSet.this.contains(b);
            }
        };
    }

    /** The adds that support {@code element}: which replicas added it. Empty when absent. */
    public Dots dots(Bytes element) {
        Dots dots = store.get(element);
        return dots == null ? Dots.empty() : dots;
    }

    public DotContext context() {
        return context;
    }

    /**
     * Whether this value is delta-shaped: it names every element its context touches, so a join
     * may skip the others. Mutator deltas are partial; states are not.
     */
    public boolean isPartial() {
        return store.partial;
    }

    /** Adds {@code element}; the new add also replaces the adds of it observed here. */
    public Mutation<ORSet> add(ReplicaId replica, Bytes element) {
        Dots observed = store.get(element);
        Dot dot = context.nextDot(replica);
        DotContext deltaContext = observed == null ? DotContext.of(dot) : DotContext.of(observed).with(dot);
        return new Mutation<>(
                new ORSet(store.with(element, dot), context.with(dot)),
                new ORSet(OPS.singleton(element, dot), deltaContext));
    }

    /** Adds every element of {@code elements}, each with its own dot, in one delta. */
    public Mutation<ORSet> addAll(ReplicaId replica, Collection<Bytes> elements) {
        Bytes[] sorted = new TreeSet<>(elements).toArray(new Bytes[0]);
        if (sorted.length == 0) {
            return new Mutation<>(this, BOTTOM);
        }
        Dots[] dots = new Dots[sorted.length];
        List<Dot> touched = new ArrayList<>();
        DotMap<Bytes, Dots> next = store;
        DotContext nextContext = context;
        for (int i = 0; i < sorted.length; i++) {
            Dot dot = nextContext.nextDot(replica);
            Dots observed = store.get(sorted[i]);
            if (observed != null) {
                DotSetOps.INSTANCE.collectDots(observed, touched);
            }
            touched.add(dot);
            dots[i] = dot;
            next = next.with(sorted[i], dot);
            nextContext = nextContext.with(dot);
        }
        DotContext deltaContext = DotContext.of(touched.toArray(new Dot[0]));
        return new Mutation<>(new ORSet(next, nextContext), new ORSet(OPS.partialOf(sorted, dots, sorted.length), deltaContext));
    }

    /** Removes {@code element} as observed here; an add this replica has not seen survives. */
    public Mutation<ORSet> remove(Bytes element) {
        Dots observed = store.get(element);
        if (observed == null || observed.isEmpty()) {
            return new Mutation<>(this, BOTTOM);
        }
        return new Mutation<>(
                new ORSet(store.without(element), context),
                new ORSet(OPS.singleton(element, Dots.empty()), DotContext.of(observed)));
    }

    /** Removes every element of {@code elements} present here, in one delta. */
    public Mutation<ORSet> removeAll(Collection<Bytes> elements) {
        Bytes[] sorted = new TreeSet<>(elements).toArray(new Bytes[0]);
        Bytes[] keys = new Bytes[sorted.length];
        Dots[] empties = new Dots[sorted.length];
        List<Dot> removed = new ArrayList<>();
        DotMap<Bytes, Dots> next = store;
        int n = 0;
        for (Bytes element : sorted) {
            Dots observed = store.get(element);
            if (observed != null && !observed.isEmpty()) {
                DotSetOps.INSTANCE.collectDots(observed, removed);
                keys[n] = element;
                empties[n++] = Dots.empty();
                next = next.without(element);
            }
        }
        if (n == 0) {
            return new Mutation<>(this, BOTTOM);
        }
        return new Mutation<>(new ORSet(next, context),
                new ORSet(OPS.partialOf(keys, empties, n), DotContext.of(removed.toArray(new Dot[0]))));
    }

    /**
     * Removes every element observed here. The delta is a complete empty set whose context is
     * exactly the removed adds, so receivers drop those and keep anything added concurrently.
     */
    public Mutation<ORSet> clear() {
        if (store.isEmpty()) {
            return new Mutation<>(this, BOTTOM);
        }
        List<Dot> removed = new ArrayList<>(store.size());
        OPS.collectDots(store, removed);
        DotContext observed = DotContext.of(removed.toArray(new Dot[0]));
        return new Mutation<>(new ORSet(OPS.bottom(false), context), new ORSet(OPS.bottom(false), observed));
    }

    @Override
    public ORSet join(ORSet other) {
        return of(OPS.join(store, context, other.store, other.context), context.union(other.context));
    }

    @Override
    public Merge<ORSet> merge(ORSet delta) {
        EffectiveWalk.Result<DotMap<Bytes, Dots>> e =
                EffectiveWalk.compute(OPS, store, context, delta.store, delta.context, delta.store.partial);
        return new Merge<>(join(delta), of(e.store(), e.context()));
    }

    @Override
    public boolean isBottom() {
        return store.isEmpty() && context.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ORSet other && store.equals(other.store) && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return 31 * store.hashCode() + context.hashCode();
    }

    @Override
    public String toString() {
        return "ORSet{" + store + " ctx " + context + "}";
    }
}
