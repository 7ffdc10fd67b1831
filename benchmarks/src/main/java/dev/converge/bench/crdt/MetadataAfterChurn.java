package dev.converge.bench.crdt;

import dev.converge.bench.report.Measure;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 7's metadata figure: the encoded size of a set and of a counter after many replica ids
 * have written to them and gone, against the same content written by three replicas. Both sides
 * see the same number of operations and end with the same value; what differs is how many replica
 * ids the document's causal metadata names. Converge does not prune removed replicas yet, so this
 * measures the cost of that gap.
 *
 * <p>{@code java ... MetadataAfterChurn [--replicas 1000]}; prints one {@code RESULT} line per type.
 */
public final class MetadataAfterChurn {

    private static final int LIVE = 3;
    private static final int ELEMENTS = 10;

    private MetadataAfterChurn() {
    }

    public static void main(String[] args) {
        int gone = 1_000;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--replicas")) {
                gone = Integer.parseInt(args[++i]);
            } else {
                throw new IllegalArgumentException("usage: MetadataAfterChurn [--replicas N], got " + args[i]);
            }
        }
        measures(gone);
    }

    /** Both types after {@code gone} departed writers: prints a {@code RESULT} line each, returns the figures. */
    public static List<Measure> measures(int gone) {
        List<Measure> out = new ArrayList<>();
        out.addAll(report("or-set", set(ids(LIVE, 1), gone), set(ids(LIVE, 1), 0), gone));
        out.addAll(report("pn-counter", counter(ids(LIVE, 1), ids(gone, 1_000_000)), counter(ids(LIVE, 1), ids(0, 1)), gone));
        return out;
    }

    private static List<Measure> report(String type, Crdt<?> churned, Crdt<?> baseline, int replicas) {
        int after = CrdtCodec.encode(churned).length;
        int with3 = CrdtCodec.encode(baseline).length;
        System.out.printf(Locale.ROOT, "RESULT metadata %s replicas-gone=%d bytes=%d bytes-with-3-replicas=%d ratio=%.2f%n", type, replicas,
                after, with3, (double) after / with3);
        Map<String, String> params = Map.of("type", type, "replicasGone", Integer.toString(replicas));
        return List.of(new Measure("metadata", "metadata.afterDeparted.bytes", params, after, Double.NaN, "B", null),
                new Measure("metadata", "metadata.with3Replicas.bytes", params, with3, Double.NaN, "B", null));
    }

    /**
     * Ten elements added by the live replicas; each of {@code churn} other replicas adds an element
     * of its own, which a live replica then removes (the others' ids stay in the context). The
     * baseline does the same adds and removes with the live replicas alone.
     */
    private static ORSet set(List<ReplicaId> live, int churn) {
        ORSet s = ORSet.empty();
        for (int i = 0; i < ELEMENTS; i++) {
            s = s.add(live.get(i % live.size()), Bytes.of("elem-" + i)).state();
        }
        List<ReplicaId> gone = ids(churn, 1_000_000);
        int operations = Math.max(churn, 1_000);
        for (int i = 0; i < operations; i++) {
            ReplicaId writer = churn == 0 ? live.get(i % live.size()) : gone.get(i % churn);
            Bytes temporary = Bytes.of("temp-" + i);
            s = s.add(writer, temporary).state();
            s = s.remove(temporary).state();
        }
        return s;
    }

    /** One increment by each of {@code writers}, after one by each live replica. */
    private static PNCounter counter(List<ReplicaId> live, List<ReplicaId> writers) {
        PNCounter c = PNCounter.empty();
        for (ReplicaId r : live) {
            c = c.increment(r, 1).state();
        }
        int operations = Math.max(writers.size(), 1_000);
        for (int i = 0; i < operations; i++) {
            ReplicaId writer = writers.isEmpty() ? live.get(i % live.size()) : writers.get(i % writers.size());
            c = c.increment(writer, 1).state();
        }
        return c;
    }

    private static List<ReplicaId> ids(int n, long base) {
        List<ReplicaId> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ReplicaId.of(base + i * 0x9E3779B97F4A7C15L));
        }
        return out;
    }
}
