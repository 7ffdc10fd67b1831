package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Dot-map stores. The join is the per-key join of the nested stores (Almeida et al. 2018),
 * with two strategies that give the same result: a sorted merge of both maps, O(n + m), for two
 * large maps; and, when one side is a small partial delta, a lookup per key it lists,
 * O(m log n), because a partial map's context touches no key it does not list. The second is
 * why applying a one-element delta to a large set does not depend on the set's size.
 */
final class DotMapOps<K, V> implements StoreOps<DotMap<K, V>> {

    /** A partial side at most this fraction of the other's size is joined key by key. */
    private static final int SMALL_SIDE_RATIO = 4;

    private final Comparator<? super K> keyOrder;
    private final Function<? super K, StoreOps<V>> valueOps;
    private final DotMap<K, V> emptyPartial;
    private final DotMap<K, V> emptyComplete;

    DotMapOps(Comparator<? super K> keyOrder, Function<? super K, StoreOps<V>> valueOps) {
        this.keyOrder = keyOrder;
        this.valueOps = valueOps;
        this.emptyPartial = DotMap.empty(keyOrder, true);
        this.emptyComplete = DotMap.empty(keyOrder, false);
    }

    Comparator<? super K> keyOrder() {
        return keyOrder;
    }

    StoreOps<V> valueOps(K key) {
        return valueOps.apply(key);
    }

    @Override
    public DotMap<K, V> bottom(boolean partial) {
        return partial ? emptyPartial : emptyComplete;
    }

    @Override
    public boolean isEmpty(DotMap<K, V> store) {
        return store.isEmpty();
    }

    @Override
    public DotMap<K, V> join(DotMap<K, V> x, DotContext cx, DotMap<K, V> y, DotContext cy) {
        boolean partial = x.partial && y.partial;
        if (y.partial && y.size() * SMALL_SIDE_RATIO <= x.size()) {
            return joinInto(x, cx, y, cy, partial);
        }
        if (x.partial && x.size() * SMALL_SIDE_RATIO <= y.size()) {
            return joinInto(y, cy, x, cx, partial);
        }
        return mergeJoin(x, cx, y, cy, partial);
    }

    /** Joins each key of the partial {@code small} into {@code big}; big's other keys are untouched. */
    private DotMap<K, V> joinInto(DotMap<K, V> big, DotContext cBig, DotMap<K, V> small, DotContext cSmall, boolean partial) {
        PersistentSortedMap<K, V> out = big.entries;
        for (Map.Entry<K, V> e : small.entries) {
            K key = e.getKey();
            StoreOps<V> ops = valueOps.apply(key);
            V mine = out.get(key);
            V joined = ops.join(mine == null ? ops.bottom(big.partial) : mine, cBig, e.getValue(), cSmall);
            if (!partial && ops.isEmpty(joined)) {
                out = out.remove(key);
            } else {
                out = out.put(key, joined);
            }
        }
        return out == big.entries && partial == big.partial ? big : new DotMap<>(out, partial);
    }

    private DotMap<K, V> mergeJoin(DotMap<K, V> x, DotContext cx, DotMap<K, V> y, DotContext cy, boolean partial) {
        int capacity = x.size() + y.size();
        @SuppressWarnings("unchecked")
        K[] keys = (K[]) new Object[capacity];
        @SuppressWarnings("unchecked")
        V[] values = (V[]) new Object[capacity];
        int k = 0;
        Iterator<Map.Entry<K, V>> xi = x.entries.iterator();
        Iterator<Map.Entry<K, V>> yi = y.entries.iterator();
        Map.Entry<K, V> xe = xi.hasNext() ? xi.next() : null;
        Map.Entry<K, V> ye = yi.hasNext() ? yi.next() : null;
        while (xe != null || ye != null) {
            int cmp = xe == null ? 1 : ye == null ? -1 : keyOrder.compare(xe.getKey(), ye.getKey());
            K key = cmp <= 0 ? xe.getKey() : ye.getKey();
            StoreOps<V> ops = valueOps.apply(key);
            V joined;
            if (cmp == 0) {
                joined = ops.join(xe.getValue(), cx, ye.getValue(), cy);
            } else if (cmp < 0) {
                // A partial y does not touch keys it does not list.
                joined = y.partial ? xe.getValue() : ops.join(xe.getValue(), cx, ops.bottom(false), cy);
            } else {
                joined = x.partial ? ye.getValue() : ops.join(ops.bottom(false), cx, ye.getValue(), cy);
            }
            if (partial || !ops.isEmpty(joined)) {
                keys[k] = key;
                values[k++] = joined;
            }
            if (cmp <= 0) {
                xe = xi.hasNext() ? xi.next() : null;
            }
            if (cmp >= 0) {
                ye = yi.hasNext() ? yi.next() : null;
            }
        }
        return new DotMap<>(PersistentSortedMap.fromSorted(keyOrder, keys, values, k), partial);
    }

    @Override
    public DotMap<K, V> effective(DotMap<K, V> x, DotContext cx, DotMap<K, V> d, DotContext cd, EffectiveWalk walk) {
        int removedBefore = walk.removed.size();
        int capacity = d.partial ? d.size() : d.size() + x.size();
        @SuppressWarnings("unchecked")
        K[] keys = (K[]) new Object[capacity];
        @SuppressWarnings("unchecked")
        V[] values = (V[]) new Object[capacity];
        int k = 0;
        if (d.partial) {
            for (Map.Entry<K, V> e : d.entries) {
                StoreOps<V> ops = valueOps.apply(e.getKey());
                V mine = x.get(e.getKey());
                V part = ops.effective(mine == null ? ops.bottom(x.partial) : mine, cx, e.getValue(), cd, walk);
                if (part != null) {
                    keys[k] = e.getKey();
                    values[k++] = part;
                }
            }
        } else {
            // A complete delta may remove any key of x: visit both maps. Keys that only lost
            // dots are dropped; the effective delta is complete too, so receivers scan for them.
            Iterator<Map.Entry<K, V>> xi = x.entries.iterator();
            Iterator<Map.Entry<K, V>> di = d.entries.iterator();
            Map.Entry<K, V> xe = xi.hasNext() ? xi.next() : null;
            Map.Entry<K, V> de = di.hasNext() ? di.next() : null;
            while (xe != null || de != null) {
                int cmp = xe == null ? 1 : de == null ? -1 : keyOrder.compare(xe.getKey(), de.getKey());
                K key = cmp <= 0 ? xe.getKey() : de.getKey();
                StoreOps<V> ops = valueOps.apply(key);
                V mine = cmp <= 0 ? xe.getValue() : ops.bottom(x.partial);
                V theirs = cmp >= 0 ? de.getValue() : ops.bottom(false);
                V part = ops.effective(mine, cx, theirs, cd, walk);
                if (part != null && !ops.isEmpty(part)) {
                    keys[k] = key;
                    values[k++] = part;
                }
                if (cmp <= 0) {
                    xe = xi.hasNext() ? xi.next() : null;
                }
                if (cmp >= 0) {
                    de = di.hasNext() ? di.next() : null;
                }
            }
        }
        if (k > 0) {
            return new DotMap<>(PersistentSortedMap.fromSorted(keyOrder, keys, values, k), d.partial);
        }
        return walk.removed.size() > removedBefore || walk.conservative ? bottom(d.partial) : null;
    }

    @Override
    public long countDotsNotIn(DotMap<K, V> store, DotContext context) {
        long n = 0;
        for (Map.Entry<K, V> e : store.entries) {
            n += valueOps.apply(e.getKey()).countDotsNotIn(e.getValue(), context);
        }
        return n;
    }

    @Override
    public void collectDots(DotMap<K, V> store, List<Dot> out) {
        for (Map.Entry<K, V> e : store.entries) {
            valueOps.apply(e.getKey()).collectDots(e.getValue(), out);
        }
    }

    /** A map holding exactly one entry, partial: the shape of most deltas. */
    DotMap<K, V> singleton(K key, V value) {
        return emptyPartial.with(key, value);
    }

    /** A partial map of the given sorted entries. */
    DotMap<K, V> partialOf(K[] keys, V[] values, int n) {
        return new DotMap<>(PersistentSortedMap.fromSorted(keyOrder, Arrays.copyOf(keys, n), Arrays.copyOf(values, n), n), true);
    }
}
