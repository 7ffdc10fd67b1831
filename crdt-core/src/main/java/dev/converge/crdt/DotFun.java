package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import java.util.Arrays;

/**
 * An immutable map from dot to value, ascending by dot: the store of a multi-value register and
 * of the counters and registers nested in a map. Small by nature (one entry per concurrent
 * write), so it is two sorted arrays.
 */
final class DotFun<V> {

    private static final DotFun<?> EMPTY = new DotFun<>(new Dot[0], new Object[0]);

    private final Dot[] dots;
    private final Object[] values;

    private DotFun(Dot[] dots, Object[] values) {
        this.dots = dots;
        this.values = values;
    }

    @SuppressWarnings("unchecked")
    static <V> DotFun<V> empty() {
        return (DotFun<V>) EMPTY;
    }

    static <V> DotFun<V> of(Dot dot, V value) {
        return new DotFun<>(new Dot[] {dot}, new Object[] {value});
    }

    /**
     * The first {@code n} entries; dots strictly ascending (checked), values non-null.
     *
     * @throws IllegalArgumentException when the dots are not strictly ascending
     */
    static <V> DotFun<V> ofSorted(Dot[] dots, Object[] values, int n) {
        if (n == 0) {
            return empty();
        }
        for (int i = 0; i < n; i++) {
            if (values[i] == null) {
                throw new IllegalArgumentException("no value for dot " + dots[i]);
            }
            if (i > 0 && dots[i - 1].compareTo(dots[i]) >= 0) {
                throw new IllegalArgumentException("dots not strictly ascending: " + dots[i - 1] + ", " + dots[i]);
            }
        }
        return new DotFun<>(Arrays.copyOf(dots, n), Arrays.copyOf(values, n));
    }

    int size() {
        return dots.length;
    }

    boolean isEmpty() {
        return dots.length == 0;
    }

    Dot dot(int index) {
        return dots[index];
    }

    @SuppressWarnings("unchecked")
    V value(int index) {
        return (V) values[index];
    }

    int indexOf(Dot dot) {
        return dots.length == 1 ? (dots[0].equals(dot) ? 0 : -1) : Arrays.binarySearch(dots, dot);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DotFun<?> other && Arrays.equals(dots, other.dots) && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(dots) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < dots.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dots[i]).append("->").append(values[i]);
        }
        return sb.append('}').toString();
    }
}
