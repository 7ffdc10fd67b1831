package dev.converge.crdt.causal;

import java.util.Arrays;

/**
 * An immutable map from replica to a positive counter, ordered by replica id; absent replicas
 * count 0. It is the downward-closed part of a causal context ("all events 1..n of replica r")
 * and, with the same pointwise-maximum join, the state of a grow-only counter.
 *
 * <p>Most vectors in a document belong to one writer, so the one-entry case has its own
 * two-field representation instead of two arrays (see {@code benchmarks/RESULTS.md}).
 */
public abstract sealed class VersionVector permits VersionVector.Single, VersionVector.Many {

    private static final VersionVector EMPTY = new Many(new ReplicaId[0], new long[0]);

    VersionVector() {
    }

    public static VersionVector empty() {
        return EMPTY;
    }

    /** The vector {@code {replica: counter}}; a counter of 0 gives the empty vector. */
    public static VersionVector of(ReplicaId replica, long counter) {
        if (counter < 0) {
            throw new IllegalArgumentException("counter for " + replica + " is negative: " + counter);
        }
        return counter == 0 ? EMPTY : new Single(replica, counter);
    }

    /**
     * The vector with the given entries; replicas strictly ascending, counters positive.
     *
     * @throws IllegalArgumentException when the entries are not in canonical form
     */
    public static VersionVector ofSorted(ReplicaId[] replicas, long[] counters) {
        if (replicas.length != counters.length) {
            throw new IllegalArgumentException(replicas.length + " replicas but " + counters.length + " counters");
        }
        for (int i = 0; i < replicas.length; i++) {
            if (counters[i] < 1) {
                throw new IllegalArgumentException("counter for " + replicas[i] + " must be positive, got " + counters[i]);
            }
            if (i > 0 && replicas[i - 1].compareTo(replicas[i]) >= 0) {
                throw new IllegalArgumentException("replicas not strictly ascending: " + replicas[i - 1] + ", " + replicas[i]);
            }
        }
        return make(replicas.clone(), counters.clone(), replicas.length);
    }

    /** Takes ownership of the first {@code n} entries of already-validated arrays. */
    static VersionVector make(ReplicaId[] replicas, long[] counters, int n) {
        if (n == 0) {
            return EMPTY;
        }
        if (n == 1) {
            return new Single(replicas[0], counters[0]);
        }
        if (n != replicas.length) {
            replicas = Arrays.copyOf(replicas, n);
            counters = Arrays.copyOf(counters, n);
        }
        return new Many(replicas, counters);
    }

    /** Number of replicas with a positive counter. */
    public abstract int size();

    /** The {@code index}-th replica in ascending order. */
    public abstract ReplicaId replica(int index);

    /** The counter of the {@code index}-th replica. */
    public abstract long counter(int index);

    /** The counter of {@code replica}, 0 when absent. */
    public abstract long get(ReplicaId replica);

    public final boolean isEmpty() {
        return size() == 0;
    }

    /** Whether the event {@code dot} is among those this vector summarises. */
    public final boolean covers(Dot dot) {
        return get(dot.replica()) >= dot.counter();
    }

    /** This vector with {@code replica}'s counter set to {@code counter} (0 removes it). */
    public final VersionVector with(ReplicaId replica, long counter) {
        if (counter < 0) {
            throw new IllegalArgumentException("counter for " + replica + " is negative: " + counter);
        }
        int n = size();
        int at = indexOf(replica);
        if (at >= 0) {
            if (counter(at) == counter) {
                return this;
            }
            if (counter == 0) {
                ReplicaId[] rs = new ReplicaId[n - 1];
                long[] cs = new long[n - 1];
                for (int i = 0, j = 0; i < n; i++) {
                    if (i != at) {
                        rs[j] = replica(i);
                        cs[j++] = counter(i);
                    }
                }
                return make(rs, cs, n - 1);
            }
            if (n == 1) {
                return new Single(replica, counter);
            }
            // Same replicas: share the (immutable) replica array, copy only the counters.
            Many many = (Many) this;
            long[] cs = many.counters.clone();
            cs[at] = counter;
            return new Many(many.replicas, cs);
        }
        if (counter == 0) {
            return this;
        }
        if (n == 0) {
            return new Single(replica, counter);
        }
        int insert = -at - 1;
        ReplicaId[] rs = new ReplicaId[n + 1];
        long[] cs = new long[n + 1];
        for (int i = 0, j = 0; j <= n; j++) {
            if (j == insert) {
                rs[j] = replica;
                cs[j] = counter;
            } else {
                rs[j] = replica(i);
                cs[j] = counter(i++);
            }
        }
        return new Many(rs, cs);
    }

    /**
     * This vector with {@code replica}'s counter raised by {@code amount}.
     *
     * @throws ArithmeticException when the counter would exceed {@link Long#MAX_VALUE}
     */
    public VersionVector increment(ReplicaId replica, long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("increment for " + replica + " is negative: " + amount);
        }
        return with(replica, Math.addExact(get(replica), amount));
    }

    /** Pointwise maximum. */
    public final VersionVector join(VersionVector other) {
        if (other.isEmpty() || other == this) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        int n = size();
        int m = other.size();
        ReplicaId[] rs = new ReplicaId[n + m];
        long[] cs = new long[n + m];
        int i = 0;
        int j = 0;
        int k = 0;
        boolean sameAsThis = true;
        boolean sameAsOther = true;
        while (i < n || j < m) {
            int cmp = i == n ? 1 : j == m ? -1 : replica(i).compareTo(other.replica(j));
            if (cmp < 0) {
                rs[k] = replica(i);
                cs[k++] = counter(i++);
                sameAsOther = false;
            } else if (cmp > 0) {
                rs[k] = other.replica(j);
                cs[k++] = other.counter(j++);
                sameAsThis = false;
            } else {
                long a = counter(i++);
                long b = other.counter(j++);
                rs[k] = other.replica(j - 1);
                cs[k++] = Math.max(a, b);
                sameAsThis &= a >= b;
                sameAsOther &= b >= a;
            }
        }
        if (sameAsThis) {
            return this;
        }
        if (sameAsOther) {
            return other;
        }
        return make(rs, cs, k);
    }

    /** Whether every counter here is at most the other vector's counter for the same replica. */
    public final boolean leq(VersionVector other) {
        for (int i = 0, n = size(); i < n; i++) {
            if (counter(i) > other.get(replica(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The sum of all counters.
     *
     * @throws ArithmeticException when the sum exceeds {@link Long#MAX_VALUE}
     */
    public final long sum() {
        long sum = 0;
        for (int i = 0, n = size(); i < n; i++) {
            sum = Math.addExact(sum, counter(i));
        }
        return sum;
    }

    /** Position of {@code replica}, or {@code -(insertion point) - 1} as in binary search. */
    abstract int indexOf(ReplicaId replica);

    final ReplicaId[] replicasArray() {
        ReplicaId[] rs = new ReplicaId[size()];
        for (int i = 0; i < rs.length; i++) {
            rs[i] = replica(i);
        }
        return rs;
    }

    final long[] countersArray() {
        long[] cs = new long[size()];
        for (int i = 0; i < cs.length; i++) {
            cs[i] = counter(i);
        }
        return cs;
    }

    @Override
    public final boolean equals(Object o) {
        if (!(o instanceof VersionVector other) || other.size() != size()) {
            return false;
        }
        for (int i = 0, n = size(); i < n; i++) {
            if (counter(i) != other.counter(i) || !replica(i).equals(other.replica(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public final int hashCode() {
        int h = 1;
        for (int i = 0, n = size(); i < n; i++) {
            h = 31 * (31 * h + replica(i).hashCode()) + Long.hashCode(counter(i));
        }
        return h;
    }

    @Override
    public final String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0, n = size(); i < n; i++) {
            sb.append(i == 0 ? "" : ", ").append(replica(i)).append('=').append(counter(i));
        }
        return sb.append('}').toString();
    }

    /** The common one-writer vector. */
    static final class Single extends VersionVector {
        private final ReplicaId replica;
        private final long counter;

        Single(ReplicaId replica, long counter) {
            this.replica = replica;
            this.counter = counter;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public ReplicaId replica(int index) {
            if (index != 0) {
                throw new IndexOutOfBoundsException(index);
            }
            return replica;
        }

        @Override
        public long counter(int index) {
            if (index != 0) {
                throw new IndexOutOfBoundsException(index);
            }
            return counter;
        }

        @Override
        public long get(ReplicaId r) {
            return replica.equals(r) ? counter : 0;
        }

        @Override
        public VersionVector increment(ReplicaId r, long amount) {
            if (amount >= 0 && replica.equals(r)) {
                return amount == 0 ? this : new Single(replica, Math.addExact(counter, amount));
            }
            return super.increment(r, amount);
        }

        @Override
        int indexOf(ReplicaId r) {
            int cmp = replica.compareTo(r);
            return cmp == 0 ? 0 : cmp < 0 ? -2 : -1;
        }
    }

    /** Zero or two-and-more entries in parallel arrays. */
    static final class Many extends VersionVector {
        private final ReplicaId[] replicas;
        private final long[] counters;

        Many(ReplicaId[] replicas, long[] counters) {
            this.replicas = replicas;
            this.counters = counters;
        }

        @Override
        public int size() {
            return replicas.length;
        }

        @Override
        public ReplicaId replica(int index) {
            return replicas[index];
        }

        @Override
        public long counter(int index) {
            return counters[index];
        }

        @Override
        public long get(ReplicaId r) {
            int at = indexOf(r);
            return at >= 0 ? counters[at] : 0;
        }

        @Override
        public VersionVector increment(ReplicaId r, long amount) {
            int at = indexOf(r);
            if (at >= 0 && amount >= 0) {
                if (amount == 0) {
                    return this;
                }
                long[] cs = counters.clone();
                cs[at] = Math.addExact(cs[at], amount);
                return new Many(replicas, cs);
            }
            return super.increment(r, amount);
        }

        @Override
        int indexOf(ReplicaId r) {
            if (replicas.length > 8) {
                return Arrays.binarySearch(replicas, r);
            }
            // Vectors are usually short (one entry per writer): a linear scan beats binary search.
            for (int i = 0; i < replicas.length; i++) {
                int cmp = replicas[i].compareTo(r);
                if (cmp == 0) {
                    return i;
                }
                if (cmp > 0) {
                    return -i - 1;
                }
            }
            return -replicas.length - 1;
        }
    }
}
