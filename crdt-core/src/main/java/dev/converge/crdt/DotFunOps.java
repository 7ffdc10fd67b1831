package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import java.util.Comparator;
import java.util.List;

/**
 * Dot-function stores. The same dot always carries the same value (only its issuer writes it);
 * should two ever differ, the greater by {@code valueOrder} is kept so the join stays
 * commutative.
 */
final class DotFunOps<V> implements StoreOps<DotFun<V>> {

    private final Comparator<? super V> valueOrder;

    DotFunOps(Comparator<? super V> valueOrder) {
        this.valueOrder = valueOrder;
    }

    @Override
    public DotFun<V> bottom(boolean partial) {
        return DotFun.empty();
    }

    @Override
    public boolean isEmpty(DotFun<V> store) {
        return store.isEmpty();
    }

    @Override
    public DotFun<V> join(DotFun<V> a, DotContext ca, DotFun<V> b, DotContext cb) {
        if (a.equals(b)) {
            return a;
        }
        int n = a.size();
        int m = b.size();
        Dot[] dots = new Dot[n + m];
        Object[] values = new Object[n + m];
        int k = 0;
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            int cmp = i == n ? 1 : j == m ? -1 : a.dot(i).compareTo(b.dot(j));
            if (cmp == 0) {
                V va = a.value(i);
                V vb = b.value(j);
                dots[k] = a.dot(i);
                values[k++] = valueOrder.compare(va, vb) >= 0 ? va : vb;
                i++;
                j++;
            } else if (cmp < 0) {
                if (!cb.contains(a.dot(i))) {
                    dots[k] = a.dot(i);
                    values[k++] = a.value(i);
                }
                i++;
            } else {
                if (!ca.contains(b.dot(j))) {
                    dots[k] = b.dot(j);
                    values[k++] = b.value(j);
                }
                j++;
            }
        }
        return DotFun.ofSorted(dots, values, k);
    }

    @Override
    public DotFun<V> effective(DotFun<V> x, DotContext cx, DotFun<V> d, DotContext cd, EffectiveWalk walk) {
        int m = d.size();
        Dot[] dots = new Dot[m];
        Object[] values = new Object[m];
        int k = 0;
        for (int j = 0; j < m; j++) {
            if (!cx.contains(d.dot(j))) {
                dots[k] = d.dot(j);
                values[k++] = d.value(j);
            }
        }
        boolean removed = false;
        for (int i = 0, n = x.size(); i < n; i++) {
            Dot dot = x.dot(i);
            if (cd.contains(dot) && d.indexOf(dot) < 0) {
                walk.removed.add(dot);
                removed = true;
            }
        }
        return k > 0 || removed || walk.conservative ? DotFun.ofSorted(dots, values, k) : null;
    }

    @Override
    public long countDotsNotIn(DotFun<V> store, DotContext context) {
        long n = 0;
        for (int i = 0, size = store.size(); i < size; i++) {
            if (!context.contains(store.dot(i))) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void collectDots(DotFun<V> store, List<Dot> out) {
        for (int i = 0, n = store.size(); i < n; i++) {
            out.add(store.dot(i));
        }
    }
}
