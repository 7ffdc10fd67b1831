package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.causal.VersionVector;
import dev.converge.crdt.codec.CrdtCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits a value into parts small enough to send, whose join is the value: how a document larger
 * than a message crosses the network in chunks.
 *
 * <p>Every part is below the value in the lattice, so a receiver that merges only some parts (a
 * transfer cut short) holds nothing the value does not. For the dot-map types the parts are the
 * entries in groups, each group with exactly its own dots as context, plus the <em>dead</em> part
 * of the context (the context minus the live dots) on its own; putting the whole context with an
 * empty store would mark the live entries removed. An entry too large by itself is split again
 * inside (a nested set or map); one element larger than the limit stays whole.
 */
public final class Decomposition {

    /** Bytes a map entry adds around a nested store besides its field name: tags, lengths, the kind. */
    private static final int WRAPPER_BYTES = 32;
    /** The least an inner part is given, however long the field name: a part holds one element at worst. */
    private static final int WRAPPED_MIN_BYTES = 64;

    private Decomposition() {
    }

    /**
     * Parts of {@code value}, each encoding to at most {@code maxBytes} where its elements allow,
     * whose join is {@code value} (in complete form). A value that already fits is its own part.
     */
    public static List<Crdt<?>> split(Crdt<?> value, int maxBytes) {
        if (maxBytes < 64) {
            throw new IllegalArgumentException("maxBytes must be at least 64, got " + maxBytes);
        }
        if (CrdtCodec.encode(value).length <= maxBytes) {
            return List.of(value);
        }
        if (value instanceof ORSet s) {
            List<Crdt<?>> parts = new ArrayList<>();
            splitDead(s.store, ORSet.OPS, s.context, maxBytes, ctx -> ORSet.of(ORSet.OPS.bottom(false), ctx), parts);
            splitEntries(s.store, ORSet.OPS, maxBytes, (store, ctx) -> ORSet.of(store, ctx), parts);
            return parts;
        }
        if (value instanceof ORMap m) {
            List<Crdt<?>> parts = new ArrayList<>();
            splitDead(m.store, ORMap.OPS, m.context, maxBytes, ctx -> ORMap.of(ORMap.OPS.bottom(false), ctx), parts);
            splitEntries(m.store, ORMap.OPS, maxBytes, (store, ctx) -> ORMap.of(store, ctx), parts);
            return parts;
        }
        if (value instanceof TypeConflict c) {
            List<Crdt<?>> parts = new ArrayList<>();
            for (Crdt<?> part : c.parts()) {
                parts.addAll(split(part, maxBytes));
            }
            return parts;
        }
        // Counters, registers and flags are small by construction: one entry per writer or value.
        return List.of(value);
    }

    private interface DeadPart {
        Crdt<?> of(DotContext dead);
    }

    private interface EntryPart<K, V> {
        Crdt<?> of(DotMap<K, V> store, DotContext context);
    }

    /** The context's dots that are not live in {@code store}, as empty complete parts. */
    private static <K, V> void splitDead(DotMap<K, V> store, DotMapOps<K, V> ops, DotContext context, int maxBytes,
                                         DeadPart make, List<Crdt<?>> out) {
        List<Dot> live = new ArrayList<>();
        ops.collectDots(store, live);
        DotContext dead = context.subtract(DotContext.of(live.toArray(new Dot[0])));
        if (!dead.isEmpty()) {
            splitContext(dead, maxBytes, make, out);
        }
    }

    private static void splitContext(DotContext dead, int maxBytes, DeadPart make, List<Crdt<?>> out) {
        Crdt<?> part = make.of(dead);
        int pieces = dead.versionVector().size() + dead.cloudRanges();
        if (pieces <= 1 || CrdtCodec.encode(part).length <= maxBytes) {
            out.add(part);
            return;
        }
        // Halve the vector entries and cloud ranges; any subset of them is a canonical context.
        VersionVector vv = dead.versionVector();
        int half = pieces / 2;
        List<Object[]> pieceList = new ArrayList<>(pieces);
        for (int i = 0; i < vv.size(); i++) {
            pieceList.add(new Object[] {vv.replica(i), 1L, vv.counter(i)});
        }
        for (int i = 0; i < dead.cloudRanges(); i++) {
            pieceList.add(new Object[] {dead.cloudReplica(i), dead.cloudLow(i), dead.cloudHigh(i)});
        }
        splitContext(contextOf(pieceList.subList(0, half)), maxBytes, make, out);
        splitContext(contextOf(pieceList.subList(half, pieces)), maxBytes, make, out);
    }

    private static DotContext contextOf(List<Object[]> pieces) {
        List<ReplicaId> vr = new ArrayList<>();
        List<Long> vc = new ArrayList<>();
        List<Object[]> cloud = new ArrayList<>();
        for (Object[] p : pieces) {
            if ((long) p[1] == 1L) {
                vr.add((ReplicaId) p[0]);
                vc.add((long) p[2]);
            } else {
                cloud.add(p);
            }
        }
        VersionVector vector = VersionVector.empty();
        for (int i = 0; i < vr.size(); i++) {
            vector = vector.with(vr.get(i), vc.get(i));
        }
        cloud.sort((a, b) -> {
            int c = ((ReplicaId) a[0]).compareTo((ReplicaId) b[0]);
            return c != 0 ? c : Long.compare((long) a[1], (long) b[1]);
        });
        ReplicaId[] cr = new ReplicaId[cloud.size()];
        long[] lo = new long[cloud.size()];
        long[] hi = new long[cloud.size()];
        for (int i = 0; i < cloud.size(); i++) {
            cr[i] = (ReplicaId) cloud.get(i)[0];
            lo[i] = (long) cloud.get(i)[1];
            hi[i] = (long) cloud.get(i)[2];
        }
        return DotContext.of(vector, cr, lo, hi);
    }

    /** Live entries in groups, each a partial map with exactly its own dots as context. */
    @SuppressWarnings("unchecked")
    private static <K, V> void splitEntries(DotMap<K, V> store, DotMapOps<K, V> ops, int maxBytes, EntryPart<K, V> make,
                                            List<Crdt<?>> out) {
        List<K> keys = new ArrayList<>();
        List<V> values = new ArrayList<>();
        List<Dot> dots = new ArrayList<>();
        long estimate = 0;
        for (Map.Entry<K, V> e : store.entries) {
            List<Dot> entryDots = new ArrayList<>();
            ops.valueOps(e.getKey()).collectDots(e.getValue(), entryDots);
            long size = estimate(e.getKey()) + 6L * entryDots.size();
            if (size > maxBytes / 2) {
                // Too large to share a part: emit it alone, split inside when it is a nested store.
                splitLarge(e.getKey(), e.getValue(), entryDots, ops, maxBytes, make, out);
                continue;
            }
            if (!keys.isEmpty() && estimate + size > maxBytes / 2) {
                emit(keys, values, dots, ops, maxBytes, make, out);
                keys.clear();
                values.clear();
                dots.clear();
                estimate = 0;
            }
            keys.add(e.getKey());
            values.add(e.getValue());
            dots.addAll(entryDots);
            estimate += size;
        }
        if (!keys.isEmpty()) {
            emit(keys, values, dots, ops, maxBytes, make, out);
        }
    }

    private static long estimate(Object key) {
        if (key instanceof Bytes b) {
            return b.length() + 2L;
        }
        return ((FieldKey) key).name().length() + 4L;
    }

    @SuppressWarnings("unchecked")
    private static <K, V> void emit(List<K> keys, List<V> values, List<Dot> dots, DotMapOps<K, V> ops, int maxBytes,
                                    EntryPart<K, V> make, List<Crdt<?>> out) {
        K[] k = (K[]) keys.toArray();
        V[] v = (V[]) values.toArray();
        Crdt<?> part = make.of(ops.partialOf(k, v, k.length), DotContext.of(dots.toArray(new Dot[0])));
        boolean tooLarge = CrdtCodec.encode(part).length > maxBytes;
        if (tooLarge && k.length == 1 && k[0] instanceof FieldKey field && (field.kind() == CrdtType.OR_SET || field.kind() == CrdtType.OR_MAP)) {
            // The estimate counts a nested store's dots, not its elements' bytes: a few large
            // elements look small. Split inside after all, as for a store with many dots.
            splitLarge(k[0], v[0], new ArrayList<>(dots), ops, maxBytes, make, out);
            return;
        }
        if (k.length > 1 && tooLarge) {
            int half = k.length / 2;
            List<Dot> left = new ArrayList<>();
            List<Dot> right = new ArrayList<>();
            for (int i = 0; i < k.length; i++) {
                ops.valueOps(k[i]).collectDots(v[i], i < half ? left : right);
            }
            emit(keys.subList(0, half), values.subList(0, half), left, ops, maxBytes, make, out);
            emit(keys.subList(half, k.length), values.subList(half, k.length), right, ops, maxBytes, make, out);
            return;
        }
        out.add(part);
    }

    /** An entry too large to share a part: nested sets and maps are split inside, the rest sent whole. */
    @SuppressWarnings("unchecked")
    private static <K, V> void splitLarge(K key, V value, List<Dot> entryDots, DotMapOps<K, V> ops, int maxBytes,
                                          EntryPart<K, V> make, List<Crdt<?>> out) {
        if (key instanceof FieldKey field && (field.kind() == CrdtType.OR_SET || field.kind() == CrdtType.OR_MAP)) {
            List<Crdt<?>> inner = new ArrayList<>();
            // Each inner part is wrapped in this field again: its name and the entry's framing count.
            int innerBytes = Math.max(WRAPPED_MIN_BYTES, maxBytes - field.name().length() - WRAPPER_BYTES);
            if (field.kind() == CrdtType.OR_SET) {
                splitEntries((DotMap<Bytes, dev.converge.crdt.causal.Dots>) value, ORSet.OPS, innerBytes,
                        (store, ctx) -> ORSet.of(store, ctx), inner);
            } else {
                splitEntries((DotMap<FieldKey, Object>) value, ORMap.OPS, innerBytes, (store, ctx) -> ORMap.of(store, ctx), inner);
            }
            for (Crdt<?> part : inner) {
                Object nestedStore = part instanceof ORSet s ? s.store : ((ORMap) part).store;
                DotContext nestedContext = part instanceof ORSet s ? s.context : ((ORMap) part).context;
                out.add(make.of(ops.singleton(key, (V) nestedStore), nestedContext));
            }
            return;
        }
        out.add(make.of(ops.singleton(key, value), DotContext.of(entryDots.toArray(new Dot[0]))));
    }
}
