package dev.converge.crdt;

import java.util.Comparator;
import java.util.Map;

/**
 * An immutable map from key to nested dot store: the store of an OR-set (element to dot set)
 * and of an OR-map (field to any store). Shares structure between versions.
 *
 * <p>{@code partial} marks a delta-shaped map that lists every key its context touches; keys
 * it lists may map to empty stores ("this key lost the dots in the context"). A complete map
 * never holds an empty store. See {@link StoreOps}.
 */
final class DotMap<K, V> {

    final PersistentSortedMap<K, V> entries;
    final boolean partial;

    DotMap(PersistentSortedMap<K, V> entries, boolean partial) {
        this.entries = entries;
        this.partial = partial;
    }

    static <K, V> DotMap<K, V> empty(Comparator<? super K> keyOrder, boolean partial) {
        return new DotMap<>(PersistentSortedMap.empty(keyOrder), partial);
    }

    int size() {
        return entries.size();
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    V get(K key) {
        return entries.get(key);
    }

    DotMap<K, V> with(K key, V value) {
        return new DotMap<>(entries.put(key, value), partial);
    }

    DotMap<K, V> without(K key) {
        PersistentSortedMap<K, V> e = entries.remove(key);
        return e == entries ? this : new DotMap<>(e, partial);
    }

    Iterable<Map.Entry<K, V>> entrySet() {
        return entries;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DotMap<?, ?> other && other.partial == partial && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode() * 2 + (partial ? 1 : 0);
    }

    @Override
    public String toString() {
        return (partial ? "partial" : "") + entries;
    }
}
