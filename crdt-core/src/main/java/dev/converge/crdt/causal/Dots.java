package dev.converge.crdt.causal;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of dots in ascending order: which events support a set element, a flag or a
 * register value.
 *
 * <p>Every set has one representation: the empty set is {@link #empty()}, a one-dot set is the
 * {@link Dot} itself, larger sets are an array. So {@code equals} compares contents.
 */
public sealed interface Dots permits Dot, DotArray {

    static Dots empty() {
        return DotArray.EMPTY;
    }

    /** The set of the given dots, in any order, duplicates ignored. */
    static Dots of(Dot... dots) {
        Dot[] copy = dots.clone();
        Arrays.sort(copy);
        int n = 0;
        for (Dot d : copy) {
            if (n == 0 || !copy[n - 1].equals(d)) {
                copy[n++] = d;
            }
        }
        return ofSorted(copy, n);
    }

    /**
     * The set of the first {@code count} dots of {@code sorted}, which must be strictly ascending.
     * The array is copied when needed, never kept.
     *
     * @throws IllegalArgumentException when the dots are not strictly ascending
     */
    static Dots ofSorted(Dot[] sorted, int count) {
        for (int i = 1; i < count; i++) {
            if (sorted[i - 1].compareTo(sorted[i]) >= 0) {
                throw new IllegalArgumentException("dots not strictly ascending: " + sorted[i - 1] + ", " + sorted[i]);
            }
        }
        return switch (count) {
            case 0 -> DotArray.EMPTY;
            case 1 -> sorted[0];
            default -> new DotArray(Arrays.copyOf(sorted, count));
        };
    }

    int size();

    /** The {@code index}-th smallest dot. */
    Dot get(int index);

    boolean contains(Dot dot);

    default boolean isEmpty() {
        return size() == 0;
    }

    /** The dots in ascending order, as an unmodifiable list view. */
    default List<Dot> asList() {
        Dots self = this;
        return new AbstractList<>() {
            @Override
            public Dot get(int index) {
                return self.get(index);
            }

            @Override
            public int size() {
                return self.size();
            }
        };
    }
}
