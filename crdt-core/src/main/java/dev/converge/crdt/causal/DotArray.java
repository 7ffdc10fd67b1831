package dev.converge.crdt.causal;

import java.util.Arrays;

/** Zero or two-and-more dots, strictly ascending. Made only by {@link Dots}. */
final class DotArray implements Dots {

    static final DotArray EMPTY = new DotArray(new Dot[0]);

    private final Dot[] dots;

    DotArray(Dot[] dots) {
        this.dots = dots;
    }

    @Override
    public int size() {
        return dots.length;
    }

    @Override
    public Dot get(int index) {
        return dots[index];
    }

    @Override
    public boolean contains(Dot dot) {
        return Arrays.binarySearch(dots, dot) >= 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DotArray other && Arrays.equals(dots, other.dots);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dots);
    }

    @Override
    public String toString() {
        return Arrays.toString(dots);
    }
}
