package dev.converge.crdt.causal;

/**
 * One event: the {@code counter}-th event issued by {@code replica} (counters start at 1).
 *
 * <p>A dot is also the dot set that holds just itself, the overwhelmingly common case for a set
 * element or a register value, so such an entry costs one object rather than three.
 */
public record Dot(ReplicaId replica, long counter) implements Dots, Comparable<Dot> {

    public Dot {
        if (replica == null) {
            throw new IllegalArgumentException("a dot needs a replica");
        }
        if (counter < 1) {
            throw new IllegalArgumentException("dot counters start at 1, got " + counter + " for " + replica);
        }
    }

    @Override
    public int compareTo(Dot other) {
        int byReplica = replica.compareTo(other.replica);
        return byReplica != 0 ? byReplica : Long.compare(counter, other.counter);
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public Dot get(int index) {
        if (index != 0) {
            throw new IndexOutOfBoundsException(index);
        }
        return this;
    }

    @Override
    public boolean contains(Dot dot) {
        return equals(dot);
    }

    @Override
    public String toString() {
        return replica + ":" + counter;
    }
}
