package dev.converge.storage.rocksdb;

import dev.converge.crdt.Crdt;
import dev.converge.crdt.EWFlag;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.MVRegister;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.codec.CrdtCodec;

/**
 * Estimated heap bytes of a decoded state: the weight that bounds the cache. Exact sizes would
 * need a walk of the whole state on every commit, the O(document) cost this store avoids.
 *
 * <p>Types whose size is known in O(1) are weighed from it: counters by replicas, registers by
 * value, flags by dots, sets by elements. A map is not (its field count is a walk), so its
 * weight is carried forward from the previous state plus each delta, and measured exactly (by
 * encoding it) whenever the estimate has doubled since the last measurement: amortised, that
 * costs a constant per byte of delta, and the estimate can never drift above twice the truth
 * (or below it, for maps that shrink, by more than the last measurement). A weight that drifted
 * without bound would push a hot document out of the cache, and every read of it to disk.
 */
final class Weights {

    /** Decoded bytes per encoded byte: tree node, key object, array header, dots. */
    private static final int PER_ENCODED_BYTE = 4;
    private static final int BASE = 64;
    private static final int PER_REPLICA = 32;
    /** A set element: persistent tree node, {@code Bytes} and its array, its dot. */
    private static final int PER_SET_ELEMENT = 128;
    /** Re-measure a carried-forward weight only past this, so tiny maps are not re-encoded often. */
    private static final int REMEASURE_FLOOR = 4096;

    private Weights() {
    }

    /** The weight of a state read from disk, whose values took {@code storedBytes}. */
    static StateCache.Entry loaded(Crdt<?> state, long storedBytes) {
        int known = ofShape(state);
        int weight = known >= 0 ? known : clamp(BASE + PER_ENCODED_BYTE * storedBytes);
        return new StateCache.Entry(state, weight, weight);
    }

    /** The entry of {@code state}, made from {@code previous} (null: a new document) by a delta of {@code deltaBytes}. */
    static StateCache.Entry afterCommit(Crdt<?> state, StateCache.Entry previous, int deltaBytes) {
        int known = ofShape(state);
        if (known >= 0) {
            return new StateCache.Entry(state, known, known);
        }
        int measured = previous == null ? BASE : previous.measured();
        int estimate = clamp((long) (previous == null ? BASE : previous.weight()) + (long) PER_ENCODED_BYTE * deltaBytes);
        if (estimate > REMEASURE_FLOOR && estimate > 2L * measured) {
            int exact = clamp(BASE + (long) PER_ENCODED_BYTE * CrdtCodec.encodedSize(state));
            return new StateCache.Entry(state, exact, exact);
        }
        return new StateCache.Entry(state, estimate, measured);
    }

    /**
     * Whether {@code state}'s shape, in O(1), says it may encode to about {@code maxBytes} or
     * less, so that encoding it to find out is cheap; never for a map, whose size is a walk.
     * Weights run 2–9 times the encoded size (a set element weighs 128, encodes to 15–20 bytes),
     * so a state just under the limit may be passed over: that only forgoes a rewrite.
     */
    static boolean mayEncodeWithin(Crdt<?> state, int maxBytes) {
        int known = ofShape(state);
        return known >= 0 && known <= BASE + 8L * maxBytes;
    }

    /** The weight of {@code state} from its shape, in O(1), or -1 for a map. */
    private static int ofShape(Crdt<?> state) {
        if (state instanceof GCounter g) {
            return BASE + PER_REPLICA * g.counts().size();
        }
        if (state instanceof PNCounter p) {
            return BASE + PER_REPLICA * (p.increments().size() + p.decrements().size());
        }
        if (state instanceof LWWRegister r) {
            return BASE + 48 + r.value().map(v -> v.length()).orElse(0);
        }
        if (state instanceof ORSet s && !s.isPartial()) {
            return clamp(BASE + (long) PER_SET_ELEMENT * s.size() + PER_REPLICA * (long) (s.context().versionVector().size() + s.context().cloudRanges()));
        }
        if (state instanceof EWFlag f) {
            return BASE + PER_REPLICA * f.enablers().size();
        }
        if (state instanceof MVRegister m) {
            long w = BASE;
            for (MVRegister.Version v : m.versions()) {
                w += 64 + v.value().length();
            }
            return clamp(w);
        }
        return -1;
    }

    private static int clamp(long w) {
        return (int) Math.min(Integer.MAX_VALUE, w);
    }
}
