package dev.converge.crdt.testkit;

import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Grow-only counter: the value is the sum of every increment known. */
final class GCounterSpec implements TypeSpec<GCounter> {

    @Override
    public String name() {
        return "GCounter";
    }

    @Override
    public GCounter bottom() {
        return GCounter.empty();
    }

    @Override
    public Performed<GCounter> perform(GCounter state, OpContext c, int code, int arg) {
        long amount = 1 + Math.floorMod(arg, 5);
        ModelOp op = c.ops().add(c.replica(), List.of(), "inc", amount, 0, null, null);
        // The delta carries the replica's whole count, so it conveys all of its increments.
        Set<Integer> full = ownOps(c.known(), c.ops(), c.replica(), "inc");
        full.add(op.id());
        return new Performed<>(state.increment(c.replica(), amount), Knowledge.of(full, Set.of()));
    }

    static Set<Integer> ownOps(Knowledge k, OpLog ops, ReplicaId replica, String kind) {
        Set<Integer> own = new HashSet<>();
        for (int id : k.full()) {
            ModelOp op = ops.get(id);
            if (op.replica().equals(replica) && op.kind().equals(kind)) {
                own.add(id);
            }
        }
        return own;
    }

    @Override
    public Object observe(GCounter state) {
        return state.value();
    }

    @Override
    public Object expect(Knowledge k, OpLog ops) {
        long sum = 0;
        for (int id : k.full()) {
            sum += ops.get(id).amount();
        }
        return sum;
    }

    /** Per replica and kind, the delta's ops when it knows more of them than x. */
    @Override
    public Knowledge effective(Knowledge x, Knowledge d, OpLog ops) {
        return Knowledge.of(newerPrefixes(x, d, ops), Set.of());
    }

    static Set<Integer> newerPrefixes(Knowledge x, Knowledge d, OpLog ops) {
        Map<String, Set<Integer>> byWriter = new HashMap<>();
        Map<String, Integer> known = new HashMap<>();
        for (int id : d.full()) {
            ModelOp op = ops.get(id);
            byWriter.computeIfAbsent(op.replica() + op.kind(), k -> new HashSet<>()).add(id);
        }
        for (int id : x.full()) {
            ModelOp op = ops.get(id);
            known.merge(op.replica() + op.kind(), 1, Integer::sum);
        }
        Set<Integer> out = new HashSet<>();
        byWriter.forEach((writer, ids) -> {
            if (ids.size() > known.getOrDefault(writer, 0)) {
                out.addAll(ids);
            }
        });
        return out;
    }
}
