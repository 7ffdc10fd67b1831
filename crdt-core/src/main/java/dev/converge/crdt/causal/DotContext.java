package dev.converge.crdt.causal;

import java.util.Arrays;

/**
 * The causal context of a state or delta: every event it has seen, as a compact version vector
 * (all events 1..n of each replica) plus a dot cloud for the events seen out of order.
 *
 * <p>Deltas travel without causal delivery, so a replica may see event 7 of a writer before
 * event 6; the cloud keeps such events until the gap fills, and every operation that builds a
 * context compacts it: cloud events adjacent to the vector move into it (Almeida, Shoker and
 * Baquero, <i>Delta State Replicated Data Types</i>, 2018, section 5). The cloud is kept as
 * ranges of counters per replica, so a context that is the difference of two vectors, as an
 * effective delta's is, stays small.
 *
 * <p>Canonical form: each cloud range {@code [lo, hi]} of replica {@code r} starts at least two
 * above the vector's counter for {@code r}, and the ranges of one replica neither overlap nor
 * touch. Equal contexts are equal objects field by field.
 */
public final class DotContext {

    private static final ReplicaId[] NO_REPLICAS = new ReplicaId[0];
    private static final long[] NO_COUNTERS = new long[0];
    private static final DotContext EMPTY = new DotContext(VersionVector.empty(), NO_REPLICAS, NO_COUNTERS, NO_COUNTERS);

    private final VersionVector vector;
    private final ReplicaId[] cloudReplica;
    private final long[] cloudLo;
    private final long[] cloudHi;

    private DotContext(VersionVector vector, ReplicaId[] cloudReplica, long[] cloudLo, long[] cloudHi) {
        this.vector = vector;
        this.cloudReplica = cloudReplica;
        this.cloudLo = cloudLo;
        this.cloudHi = cloudHi;
    }

    public static DotContext empty() {
        return EMPTY;
    }

    /** The context of everything {@code vector} summarises. */
    public static DotContext of(VersionVector vector) {
        return vector.isEmpty() ? EMPTY : new DotContext(vector, NO_REPLICAS, NO_COUNTERS, NO_COUNTERS);
    }

    /** The context holding exactly the given dots. */
    public static DotContext of(Dot... dots) {
        Dot[] sorted = dots.clone();
        Arrays.sort(sorted);
        Builder b = new Builder(sorted.length);
        for (Dot d : sorted) {
            b.add(d.replica(), d.counter(), d.counter());
        }
        return b.build();
    }

    /** The context holding exactly the given dots. */
    public static DotContext of(Dots dots) {
        Builder b = new Builder(dots.size());
        for (int i = 0, n = dots.size(); i < n; i++) {
            Dot d = dots.get(i);
            b.add(d.replica(), d.counter(), d.counter());
        }
        return b.build();
    }

    /**
     * The context with version vector {@code vector} and the cloud ranges
     * {@code [lo[i], hi[i]]} of {@code replica[i]}, which must be in canonical form.
     *
     * @throws IllegalArgumentException when the cloud is not canonical
     */
    public static DotContext of(VersionVector vector, ReplicaId[] replica, long[] lo, long[] hi) {
        if (replica.length != lo.length || lo.length != hi.length) {
            throw new IllegalArgumentException("cloud arrays differ in length");
        }
        for (int i = 0; i < replica.length; i++) {
            if (lo[i] > hi[i]) {
                throw new IllegalArgumentException("cloud range " + lo[i] + ".." + hi[i] + " of " + replica[i] + " is empty");
            }
            if (lo[i] < 1) {
                throw new IllegalArgumentException("cloud range " + lo[i] + ".." + hi[i] + " of " + replica[i] + " starts below 1");
            }
            // Compared by subtraction (lo >= 1): "base + 2" and "hi + 1" wrap at Long.MAX_VALUE,
            // which let unsorted or overlapping ranges through.
            long base = vector.get(replica[i]);
            if (lo[i] - 2 < base) {
                throw new IllegalArgumentException("cloud range " + lo[i] + ".." + hi[i] + " of " + replica[i]
                        + " is not above the vector's " + base + " with a gap");
            }
            if (i > 0) {
                int byReplica = replica[i - 1].compareTo(replica[i]);
                if (byReplica > 0 || byReplica == 0 && lo[i] - 1 <= hi[i - 1]) {
                    throw new IllegalArgumentException("cloud ranges out of order or touching at " + replica[i] + ":" + lo[i]);
                }
            }
        }
        if (replica.length == 0) {
            return of(vector);
        }
        return new DotContext(vector, replica.clone(), lo.clone(), hi.clone());
    }

    /** The downward-closed part: for each replica, the events 1..n all seen. */
    public VersionVector versionVector() {
        return vector;
    }

    /** Number of ranges in the dot cloud. */
    public int cloudRanges() {
        return cloudReplica.length;
    }

    public ReplicaId cloudReplica(int range) {
        return cloudReplica[range];
    }

    public long cloudLow(int range) {
        return cloudLo[range];
    }

    public long cloudHigh(int range) {
        return cloudHi[range];
    }

    public boolean isEmpty() {
        return vector.isEmpty() && cloudReplica.length == 0;
    }

    public boolean contains(Dot dot) {
        if (vector.get(dot.replica()) >= dot.counter()) {
            return true;
        }
        return cloudReplica.length != 0 && cloudContains(dot.replica(), dot.counter());
    }

    private boolean cloudContains(ReplicaId replica, long counter) {
        int lo = 0;
        int hi = cloudReplica.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int cmp = cloudReplica[mid].compareTo(replica);
            if (cmp == 0) {
                cmp = counter < cloudLo[mid] ? 1 : counter > cloudHi[mid] ? -1 : 0;
            }
            if (cmp < 0) {
                lo = mid + 1;
            } else if (cmp > 0) {
                hi = mid - 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** The highest counter of {@code replica} seen, 0 when none. */
    public long maxCounter(ReplicaId replica) {
        long max = vector.get(replica);
        for (int i = cloudReplica.length - 1; i >= 0; i--) {
            if (cloudReplica[i].equals(replica)) {
                return Math.max(max, cloudHi[i]);
            }
        }
        return max;
    }

    /**
     * The dot {@code replica} issues next: one above every event of it in this context.
     * Only the replica itself issues its dots, and it has seen all of them, so they are unique.
     */
    public Dot nextDot(ReplicaId replica) {
        return new Dot(replica, Math.addExact(maxCounter(replica), 1));
    }

    /** This context with {@code dot} added. */
    public DotContext with(Dot dot) {
        ReplicaId r = dot.replica();
        long c = dot.counter();
        long base = vector.get(r);
        if (c <= base) {
            return this;
        }
        if (c == base + 1 && !hasCloudFor(r)) {
            // The hot path: a writer's next event extends the vector.
            return new DotContext(vector.with(r, c), cloudReplica, cloudLo, cloudHi);
        }
        return union(ofSingle(r, c));
    }

    private static DotContext ofSingle(ReplicaId r, long c) {
        if (c == 1) {
            return new DotContext(VersionVector.of(r, 1), NO_REPLICAS, NO_COUNTERS, NO_COUNTERS);
        }
        return new DotContext(VersionVector.empty(), new ReplicaId[] {r}, new long[] {c}, new long[] {c});
    }

    private boolean hasCloudFor(ReplicaId r) {
        for (ReplicaId cr : cloudReplica) {
            if (cr.equals(r)) {
                return true;
            }
        }
        return false;
    }

    /** Every event in this context or the other, compacted. */
    public DotContext union(DotContext other) {
        if (other.isEmpty() || other == this) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        if (cloudReplica.length == 0 && other.cloudReplica.length == 0) {
            return of(vector.join(other.vector));
        }
        Ranges a = ranges();
        Ranges b = other.ranges();
        Builder out = new Builder(a.n + b.n);
        int i = 0;
        int j = 0;
        while (i < a.n || j < b.n) {
            boolean takeA = j == b.n || i < a.n && a.before(i, b, j);
            if (takeA) {
                out.add(a.replica[i], a.lo[i], a.hi[i]);
                i++;
            } else {
                out.add(b.replica[j], b.lo[j], b.hi[j]);
                j++;
            }
        }
        return out.build();
    }

    /** The events in this context that are not in {@code other}. */
    public DotContext subtract(DotContext other) {
        if (isEmpty() || other.isEmpty()) {
            return this;
        }
        Ranges a = ranges();
        Ranges b = other.ranges();
        Builder out = new Builder(a.n + b.n);
        int j = 0;
        for (int i = 0; i < a.n; i++) {
            ReplicaId r = a.replica[i];
            long lo = a.lo[i];
            long hi = a.hi[i];
            // Skip other's ranges wholly before this one.
            while (j < b.n && (b.replica[j].compareTo(r) < 0 || b.replica[j].equals(r) && b.hi[j] < lo)) {
                j++;
            }
            int k = j;
            boolean covered = false;
            while (k < b.n && b.replica[k].equals(r) && b.lo[k] <= hi) {
                if (b.lo[k] > lo) {
                    out.add(r, lo, b.lo[k] - 1);
                }
                if (b.hi[k] >= hi) {
                    covered = true;
                    break;
                }
                lo = Math.max(lo, b.hi[k] + 1);
                k++;
            }
            if (!covered) {
                out.add(r, lo, hi);
            }
        }
        return out.build();
    }

    /** Whether every event here is also in {@code other}. */
    public boolean leq(DotContext other) {
        return subtract(other).isEmpty();
    }

    /** The number of events in this context, saturating at {@link Long#MAX_VALUE}. */
    public long count() {
        long n = 0;
        for (int i = 0, size = vector.size(); i < size; i++) {
            n = saturatingAdd(n, vector.counter(i));
        }
        for (int i = 0; i < cloudReplica.length; i++) {
            n = saturatingAdd(n, cloudHi[i] - cloudLo[i] + 1);
        }
        return n;
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    /** All events as ranges ordered by (replica, low), vector entries first within a replica. */
    private Ranges ranges() {
        int vn = vector.size();
        int n = vn + cloudReplica.length;
        Ranges r = new Ranges(n);
        int v = 0;
        int c = 0;
        while (v < vn || c < cloudReplica.length) {
            boolean takeVector = c == cloudReplica.length
                    || v < vn && vector.replica(v).compareTo(cloudReplica[c]) <= 0;
            if (takeVector) {
                r.add(vector.replica(v), 1, vector.counter(v));
                v++;
            } else {
                r.add(cloudReplica[c], cloudLo[c], cloudHi[c]);
                c++;
            }
        }
        return r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DotContext other
                && vector.equals(other.vector)
                && Arrays.equals(cloudReplica, other.cloudReplica)
                && Arrays.equals(cloudLo, other.cloudLo)
                && Arrays.equals(cloudHi, other.cloudHi);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * vector.hashCode() + Arrays.hashCode(cloudReplica)) + Arrays.hashCode(cloudLo);
    }

    @Override
    public String toString() {
        if (cloudReplica.length == 0) {
            return vector.toString();
        }
        StringBuilder sb = new StringBuilder(vector.toString()).append(" + [");
        for (int i = 0; i < cloudReplica.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(cloudReplica[i]).append(':').append(cloudLo[i]);
            if (cloudHi[i] != cloudLo[i]) {
                sb.append("..").append(cloudHi[i]);
            }
        }
        return sb.append(']').toString();
    }

    /** Ranges in (replica, low) order. */
    private static final class Ranges {
        final ReplicaId[] replica;
        final long[] lo;
        final long[] hi;
        int n;

        Ranges(int capacity) {
            replica = new ReplicaId[capacity];
            lo = new long[capacity];
            hi = new long[capacity];
        }

        void add(ReplicaId r, long l, long h) {
            replica[n] = r;
            lo[n] = l;
            hi[n++] = h;
        }

        boolean before(int i, Ranges other, int j) {
            int cmp = replica[i].compareTo(other.replica[j]);
            return cmp < 0 || cmp == 0 && lo[i] <= other.lo[j];
        }
    }

    /**
     * Accumulates ranges given in (replica, low) order, merging overlapping and touching ones,
     * and splits the result into vector (ranges from 1) and cloud.
     */
    static final class Builder {
        private ReplicaId[] replica;
        private long[] lo;
        private long[] hi;
        private int n;

        Builder(int capacity) {
            int cap = Math.max(capacity, 1);
            replica = new ReplicaId[cap];
            lo = new long[cap];
            hi = new long[cap];
        }

        void add(ReplicaId r, long l, long h) {
            if (n > 0 && replica[n - 1].equals(r) && l <= saturatingAdd(hi[n - 1], 1)) {
                hi[n - 1] = Math.max(hi[n - 1], h);
                return;
            }
            if (n == replica.length) {
                replica = Arrays.copyOf(replica, n * 2);
                lo = Arrays.copyOf(lo, n * 2);
                hi = Arrays.copyOf(hi, n * 2);
            }
            replica[n] = r;
            lo[n] = l;
            hi[n++] = h;
        }

        DotContext build() {
            if (n == 0) {
                return EMPTY;
            }
            int vectorEntries = 0;
            for (int i = 0; i < n; i++) {
                if (lo[i] == 1) {
                    vectorEntries++;
                }
            }
            ReplicaId[] vr = new ReplicaId[vectorEntries];
            long[] vc = new long[vectorEntries];
            int cloud = n - vectorEntries;
            ReplicaId[] cr = cloud == 0 ? NO_REPLICAS : new ReplicaId[cloud];
            long[] cl = cloud == 0 ? NO_COUNTERS : new long[cloud];
            long[] ch = cloud == 0 ? NO_COUNTERS : new long[cloud];
            int v = 0;
            int c = 0;
            for (int i = 0; i < n; i++) {
                if (lo[i] == 1) {
                    vr[v] = replica[i];
                    vc[v++] = hi[i];
                } else {
                    cr[c] = replica[i];
                    cl[c] = lo[i];
                    ch[c++] = hi[i];
                }
            }
            return new DotContext(VersionVector.make(vr, vc, v), cr, cl, ch);
        }
    }
}
