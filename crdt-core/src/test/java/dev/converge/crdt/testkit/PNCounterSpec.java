package dev.converge.crdt.testkit;

import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.ReplicaId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Up-down counter with reset: the value is the sum of increments minus the sum of decrements
 * known and not observed by a known reset. Each replica's updates form a prefix, and a delta
 * carries whole prefixes (counts), so the model tracks prefixes per (replica, kind).
 */
final class PNCounterSpec implements TypeSpec<PNCounter> {

    @Override
    public String name() {
        return "PNCounter";
    }

    @Override
    public PNCounter bottom() {
        return PNCounter.empty();
    }

    @Override
    public Performed<PNCounter> perform(PNCounter state, OpContext c, int code, int arg) {
        if (Math.floorMod(code, 5) == 4) {
            // A reset observes every update known here; its delta carries the counts too.
            Set<Integer> known = new HashSet<>(c.known().full());
            var mutation = state.reset();
            return new Performed<>(mutation, mutation.delta().isBottom() ? Knowledge.NONE : Knowledge.of(known, known));
        }
        long amount = 1 + Math.floorMod(arg, 7);
        String kind = Math.floorMod(code, 2) == 0 ? "inc" : "dec";
        ModelOp op = c.ops().add(c.replica(), List.of(), kind, amount, 0, null, null);
        Set<Integer> full = GCounterSpec.ownOps(c.known(), c.ops(), c.replica(), kind);
        full.add(op.id());
        var mutation = kind.equals("inc") ? state.increment(c.replica(), amount) : state.decrement(c.replica(), amount);
        return new Performed<>(mutation, Knowledge.of(full, Set.of()));
    }

    @Override
    public Object observe(PNCounter state) {
        return state.value();
    }

    @Override
    public Object expect(Knowledge k, OpLog ops) {
        long sum = 0;
        for (int id : k.live()) {
            ModelOp op = ops.get(id);
            sum += op.kind().equals("inc") ? op.amount() : -op.amount();
        }
        return sum;
    }

    /**
     * Per (replica, kind): the delta's update prefix when longer than x's, its reset prefix when
     * longer than x's, and with a newer reset the delta's update prefix too (the codec's rule).
     */
    @Override
    public Knowledge effective(Knowledge x, Knowledge d, OpLog ops) {
        Map<String, Set<Integer>> dFull = byWriter(d.full(), ops);
        Map<String, Set<Integer>> dDead = byWriter(d.dead(), ops);
        Map<String, Set<Integer>> xFull = byWriter(x.full(), ops);
        Map<String, Set<Integer>> xDead = byWriter(x.dead(), ops);
        Set<Integer> full = new HashSet<>();
        Set<Integer> dead = new HashSet<>();
        Set<String> writers = new HashSet<>(dFull.keySet());
        writers.addAll(dDead.keySet());
        for (String w : writers) {
            Set<Integer> df = dFull.getOrDefault(w, Set.of());
            Set<Integer> dd = dDead.getOrDefault(w, Set.of());
            boolean newerReset = dd.size() > xDead.getOrDefault(w, Set.of()).size();
            if (df.size() > xFull.getOrDefault(w, Set.of()).size() || newerReset) {
                full.addAll(df);
            }
            if (newerReset) {
                dead.addAll(dd);
            }
        }
        return Knowledge.of(full, dead);
    }

    private static Map<String, Set<Integer>> byWriter(Set<Integer> ids, OpLog ops) {
        Map<String, Set<Integer>> out = new HashMap<>();
        for (int id : ids) {
            ModelOp op = ops.get(id);
            out.computeIfAbsent(writer(op.replica(), op.kind()), k -> new HashSet<>()).add(id);
        }
        return out;
    }

    private static String writer(ReplicaId replica, String kind) {
        return replica + "/" + kind;
    }
}
