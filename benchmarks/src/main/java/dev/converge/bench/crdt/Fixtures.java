package dev.converge.bench.crdt;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.ReplicaId;
import java.util.List;

/** The benchmark data sets of the crdt-core issue, built the same way for every benchmark. */
public final class Fixtures {

    public static final ReplicaId A = ReplicaId.of(0x1A2B3C4D5E6F7081L);
    public static final ReplicaId B = ReplicaId.of(0x2B3C4D5E6F708192L);
    public static final ReplicaId C = ReplicaId.of(0x3C4D5E6F708192A3L);
    public static final List<ReplicaId> WRITERS = List.of(A, B, C);

    private Fixtures() {
    }

    /** {@code "elem-from".."elem-(to-1)"} added round-robin by the three writers to {@code base}. */
    public static ORSet addElements(ORSet base, int from, int to) {
        ORSet set = base;
        for (int i = from; i < to; i++) {
            set = set.add(WRITERS.get(i % 3), Bytes.of("elem-" + i)).state();
        }
        return set;
    }

    /** A set of {@code "elem-0".."elem-(n-1)"} written by three replicas. */
    public static ORSet set(int n) {
        return addElements(ORSet.empty(), 0, n);
    }

    /**
     * Two 10,000-element sets differing by 100: 9,950 shared elements, then 50 unique ones added
     * on each side by different writers.
     */
    public static ORSet[] divergedPair() {
        ORSet shared = set(9_950);
        ORSet left = shared;
        ORSet right = shared;
        for (int i = 0; i < 50; i++) {
            left = left.add(A, Bytes.of("left-" + i)).state();
            right = right.add(B, Bytes.of("right-" + i)).state();
        }
        return new ORSet[] {left, right};
    }
}
