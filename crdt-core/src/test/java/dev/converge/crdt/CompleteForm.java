package dev.converge.crdt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Test access to the complete form of a delta-shaped value: every partial dot map made complete
 * and its empty entries dropped. Joining the complete form uses only the plain lattice join
 * (every key checked against the other side's context), so comparing it with the keyed fast
 * join checks that deltas really name every key their context touches.
 */
public final class CompleteForm {

    private CompleteForm() {
    }

    public static ORSet of(ORSet s) {
        return ORSet.of(complete(s.store, ORSet.OPS), s.context);
    }

    public static ORMap of(ORMap m) {
        return ORMap.of(completeMap(m.store), m.context);
    }

    private static <K, V> DotMap<K, V> complete(DotMap<K, V> map, DotMapOps<K, V> ops) {
        List<K> keys = new ArrayList<>();
        List<V> values = new ArrayList<>();
        for (Map.Entry<K, V> e : map.entries) {
            if (!ops.valueOps(e.getKey()).isEmpty(e.getValue())) {
                keys.add(e.getKey());
                values.add(e.getValue());
            }
        }
        @SuppressWarnings("unchecked")
        K[] k = (K[]) keys.toArray();
        @SuppressWarnings("unchecked")
        V[] v = (V[]) values.toArray();
        return new DotMap<>(PersistentSortedMap.fromSorted(ops.keyOrder(), k, v, k.length), false);
    }

    @SuppressWarnings("unchecked")
    private static DotMap<FieldKey, Object> completeMap(DotMap<FieldKey, Object> map) {
        List<FieldKey> keys = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (Map.Entry<FieldKey, Object> e : map.entries) {
            Object store = e.getValue();
            if (e.getKey().kind() == CrdtType.OR_SET) {
                store = complete((DotMap<Bytes, dev.converge.crdt.causal.Dots>) store, ORSet.OPS);
            } else if (e.getKey().kind() == CrdtType.OR_MAP) {
                store = completeMap((DotMap<FieldKey, Object>) store);
            }
            if (!ORMap.opsFor(e.getKey().kind()).isEmpty(store)) {
                keys.add(e.getKey());
                values.add(store);
            }
        }
        return new DotMap<>(PersistentSortedMap.fromSorted(ORMap.OPS.keyOrder(), keys.toArray(new FieldKey[0]),
                values.toArray(), keys.size()), false);
    }
}
