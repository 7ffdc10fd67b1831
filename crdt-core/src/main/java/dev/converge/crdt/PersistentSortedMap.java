package dev.converge.crdt;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * An immutable sorted map that shares structure between versions: a persistent AVL tree.
 *
 * <p>{@code put} and {@code remove} copy only the O(log n) nodes on one root-to-leaf path, so
 * adding one element to a 100,000-element set allocates about twenty nodes instead of copying
 * the set. {@link #fromSorted} builds a balanced tree from sorted arrays in O(n), which is how a
 * full join of two large states stays linear.
 */
final class PersistentSortedMap<K, V> implements Iterable<Map.Entry<K, V>> {

    private final Comparator<? super K> comparator;
    private final Node<K, V> root;
    private final int size;

    private PersistentSortedMap(Comparator<? super K> comparator, Node<K, V> root, int size) {
        this.comparator = comparator;
        this.root = root;
        this.size = size;
    }

    static <K, V> PersistentSortedMap<K, V> empty(Comparator<? super K> comparator) {
        return new PersistentSortedMap<>(comparator, null, 0);
    }

    /**
     * The map of the first {@code n} keys and values; keys strictly ascending (checked).
     *
     * @throws IllegalArgumentException when the keys are not strictly ascending
     */
    static <K, V> PersistentSortedMap<K, V> fromSorted(Comparator<? super K> comparator, K[] keys, V[] values, int n) {
        for (int i = 1; i < n; i++) {
            if (comparator.compare(keys[i - 1], keys[i]) >= 0) {
                throw new IllegalArgumentException("keys not strictly ascending at index " + i + ": " + keys[i - 1] + ", " + keys[i]);
            }
        }
        return new PersistentSortedMap<>(comparator, build(keys, values, 0, n), n);
    }

    private static <K, V> Node<K, V> build(K[] keys, V[] values, int from, int to) {
        if (from >= to) {
            return null;
        }
        int mid = (from + to) >>> 1;
        Node<K, V> left = build(keys, values, from, mid);
        Node<K, V> right = build(keys, values, mid + 1, to);
        return new Node<>(keys[mid], values[mid], left, right);
    }

    Comparator<? super K> comparator() {
        return comparator;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    V get(K key) {
        Node<K, V> n = root;
        while (n != null) {
            int c = comparator.compare(key, n.key);
            if (c == 0) {
                return n.value;
            }
            n = c < 0 ? n.left : n.right;
        }
        return null;
    }

    boolean containsKey(K key) {
        return get(key) != null;
    }

    /** This map with {@code key} mapped to {@code value} (never null). */
    PersistentSortedMap<K, V> put(K key, V value) {
        Objects.requireNonNull(value, "value");
        boolean[] added = new boolean[1];
        Node<K, V> r = insert(root, key, value, added);
        return r == root ? this : new PersistentSortedMap<>(comparator, r, added[0] ? size + 1 : size);
    }

    private Node<K, V> insert(Node<K, V> n, K key, V value, boolean[] added) {
        if (n == null) {
            added[0] = true;
            return new Node<>(key, value, null, null);
        }
        int c = comparator.compare(key, n.key);
        if (c == 0) {
            return n.value == value ? n : new Node<>(n.key, value, n.left, n.right);
        }
        if (c < 0) {
            Node<K, V> l = insert(n.left, key, value, added);
            return l == n.left ? n : balance(n.key, n.value, l, n.right);
        }
        Node<K, V> r = insert(n.right, key, value, added);
        return r == n.right ? n : balance(n.key, n.value, n.left, r);
    }

    /** This map without {@code key}. */
    PersistentSortedMap<K, V> remove(K key) {
        Node<K, V> r = delete(root, key);
        return r == root ? this : new PersistentSortedMap<>(comparator, r, size - 1);
    }

    private Node<K, V> delete(Node<K, V> n, K key) {
        if (n == null) {
            return null;
        }
        int c = comparator.compare(key, n.key);
        if (c < 0) {
            Node<K, V> l = delete(n.left, key);
            return l == n.left ? n : balance(n.key, n.value, l, n.right);
        }
        if (c > 0) {
            Node<K, V> r = delete(n.right, key);
            return r == n.right ? n : balance(n.key, n.value, n.left, r);
        }
        if (n.left == null) {
            return n.right;
        }
        if (n.right == null) {
            return n.left;
        }
        Node<K, V> min = n.right;
        while (min.left != null) {
            min = min.left;
        }
        return balance(min.key, min.value, n.left, removeMin(n.right));
    }

    private static <K, V> Node<K, V> removeMin(Node<K, V> n) {
        if (n.left == null) {
            return n.right;
        }
        return balance(n.key, n.value, removeMin(n.left), n.right);
    }

    private static int height(Node<?, ?> n) {
        return n == null ? 0 : n.height;
    }

    private static <K, V> Node<K, V> balance(K key, V value, Node<K, V> l, Node<K, V> r) {
        int hl = height(l);
        int hr = height(r);
        if (hl > hr + 1) {
            if (height(l.left) >= height(l.right)) {
                return new Node<>(l.key, l.value, l.left, new Node<>(key, value, l.right, r));
            }
            Node<K, V> lr = l.right;
            return new Node<>(lr.key, lr.value, new Node<>(l.key, l.value, l.left, lr.left), new Node<>(key, value, lr.right, r));
        }
        if (hr > hl + 1) {
            if (height(r.right) >= height(r.left)) {
                return new Node<>(r.key, r.value, new Node<>(key, value, l, r.left), r.right);
            }
            Node<K, V> rl = r.left;
            return new Node<>(rl.key, rl.value, new Node<>(key, value, l, rl.left), new Node<>(r.key, r.value, rl.right, r.right));
        }
        return new Node<>(key, value, l, r);
    }

    /** Entries in ascending key order. */
    @Override
    public Iterator<Map.Entry<K, V>> iterator() {
        return new InOrder<>(root);
    }

    /** The keys in order, copied into an array of {@code size()} elements. */
    K[] keys(K[] type) {
        K[] out = Arrays.copyOf(type, size);
        int i = 0;
        for (Map.Entry<K, V> e : this) {
            out[i++] = e.getKey();
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof PersistentSortedMap<?, ?> other) || other.size != size) {
            return false;
        }
        Iterator<? extends Map.Entry<?, ?>> a = iterator();
        Iterator<? extends Map.Entry<?, ?>> b = other.iterator();
        while (a.hasNext()) {
            Map.Entry<?, ?> x = a.next();
            Map.Entry<?, ?> y = b.next();
            if (!x.getKey().equals(y.getKey()) || !x.getValue().equals(y.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<K, V> e : this) {
            h = 31 * h + e.getKey().hashCode() * 17 + e.getValue().hashCode();
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<K, V> e : this) {
            sb.append(sb.length() == 1 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.append('}').toString();
    }

    /** Checks the AVL and order invariants; for tests. */
    void checkInvariants() {
        int[] count = new int[1];
        check(root, null, null, count);
        if (count[0] != size) {
            throw new IllegalStateException("size " + size + " but " + count[0] + " nodes");
        }
    }

    private int check(Node<K, V> n, K lo, K hi, int[] count) {
        if (n == null) {
            return 0;
        }
        count[0]++;
        if (lo != null && comparator.compare(n.key, lo) <= 0 || hi != null && comparator.compare(n.key, hi) >= 0) {
            throw new IllegalStateException("key out of order: " + n.key);
        }
        int hl = check(n.left, lo, n.key, count);
        int hr = check(n.right, n.key, hi, count);
        if (Math.abs(hl - hr) > 1 || n.height != 1 + Math.max(hl, hr)) {
            throw new IllegalStateException("unbalanced at " + n.key);
        }
        return n.height;
    }

    private static final class Node<K, V> implements Map.Entry<K, V> {
        final K key;
        final V value;
        final Node<K, V> left;
        final Node<K, V> right;
        final int height;

        Node(K key, V value, Node<K, V> left, Node<K, V> right) {
            this.key = key;
            this.value = value;
            this.left = left;
            this.right = right;
            this.height = 1 + Math.max(height(left), height(right));
        }

        @Override
        public K getKey() {
            return key;
        }

        @Override
        public V getValue() {
            return value;
        }

        @Override
        public V setValue(V v) {
            throw new UnsupportedOperationException("immutable");
        }

        @Override
        public String toString() {
            return key + "=" + value;
        }
    }

    private static final class InOrder<K, V> implements Iterator<Map.Entry<K, V>> {
        // The pending path never holds more nodes than the tree is high; sizing it so matters,
        // as the codec iterates many one-element maps.
        private final Node<K, V>[] stack;
        private int depth;

        @SuppressWarnings({"unchecked", "rawtypes"})
        InOrder(Node<K, V> root) {
            stack = new Node[height(root)];
            pushLeft(root);
        }

        private void pushLeft(Node<K, V> n) {
            while (n != null) {
                stack[depth++] = n;
                n = n.left;
            }
        }

        @Override
        public boolean hasNext() {
            return depth > 0;
        }

        @Override
        public Map.Entry<K, V> next() {
            if (depth == 0) {
                throw new NoSuchElementException();
            }
            Node<K, V> n = stack[--depth];
            pushLeft(n.right);
            return n;
        }
    }
}
