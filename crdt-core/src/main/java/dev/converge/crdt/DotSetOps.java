package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.Dots;
import java.util.List;

/** Dot-set stores: the support of an enable-wins flag or of one set element. */
final class DotSetOps implements StoreOps<Dots> {

    static final DotSetOps INSTANCE = new DotSetOps();

    private DotSetOps() {
    }

    @Override
    public Dots bottom(boolean partial) {
        return Dots.empty();
    }

    @Override
    public boolean isEmpty(Dots store) {
        return store.isEmpty();
    }

    /** {@code (a ∩ b) ∪ (a \ cb) ∪ (b \ ca)}, by a merge of the two ascending lists. */
    @Override
    public Dots join(Dots a, DotContext ca, Dots b, DotContext cb) {
        if (a.equals(b)) {
            return a;
        }
        if (a.isEmpty()) {
            return without(b, ca);
        }
        if (b.isEmpty()) {
            return without(a, cb);
        }
        int n = a.size();
        int m = b.size();
        Dot[] out = new Dot[n + m];
        int k = 0;
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            int cmp = i == n ? 1 : j == m ? -1 : a.get(i).compareTo(b.get(j));
            if (cmp == 0) {
                out[k++] = a.get(i++);
                j++;
            } else if (cmp < 0) {
                Dot d = a.get(i++);
                if (!cb.contains(d)) {
                    out[k++] = d;
                }
            } else {
                Dot d = b.get(j++);
                if (!ca.contains(d)) {
                    out[k++] = d;
                }
            }
        }
        return Dots.ofSorted(out, k);
    }

    /** The dots of {@code s} not in {@code c}. */
    static Dots without(Dots s, DotContext c) {
        int n = s.size();
        if (n == 1) {
            return c.contains(s.get(0)) ? Dots.empty() : s;
        }
        Dot[] out = null;
        int k = 0;
        for (int i = 0; i < n; i++) {
            Dot d = s.get(i);
            if (!c.contains(d)) {
                if (out != null) {
                    out[k] = d;
                }
                k++;
            } else if (out == null) {
                out = new Dot[n];
                for (int j = 0; j < i; j++) {
                    out[j] = s.get(j);
                }
            }
        }
        return out == null ? s : Dots.ofSorted(out, k);
    }

    @Override
    public Dots effective(Dots x, DotContext cx, Dots d, DotContext cd, EffectiveWalk walk) {
        Dots fresh = without(d, cx);
        boolean removed = false;
        for (int i = 0, n = x.size(); i < n; i++) {
            Dot dot = x.get(i);
            if (cd.contains(dot) && !d.contains(dot)) {
                walk.removed.add(dot);
                removed = true;
            }
        }
        return !fresh.isEmpty() || removed || walk.conservative ? fresh : null;
    }

    @Override
    public long countDotsNotIn(Dots store, DotContext context) {
        long n = 0;
        for (int i = 0, size = store.size(); i < size; i++) {
            if (!context.contains(store.get(i))) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void collectDots(Dots store, List<Dot> out) {
        for (int i = 0, n = store.size(); i < n; i++) {
            out.add(store.get(i));
        }
    }
}
