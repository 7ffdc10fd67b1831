package dev.converge.crdt.testkit;

import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.List;

/** Every op of one history, by id. */
public final class OpLog {

    private final List<ModelOp> ops = new ArrayList<>();

    public ModelOp add(ReplicaId replica, List<String> path, String kind, long amount, long amount2,
                       HybridTimestamp timestamp, String value) {
        ModelOp op = new ModelOp(ops.size(), replica, List.copyOf(path), kind, amount, amount2, timestamp, value);
        ops.add(op);
        return op;
    }

    public ModelOp get(int id) {
        return ops.get(id);
    }

    public int size() {
        return ops.size();
    }
}
