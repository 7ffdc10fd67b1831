package dev.converge.crdt.testkit;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.causal.HybridTimestamp;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Last-writer-wins register: the known write (or delete) with the greatest hybrid timestamp. */
final class LWWRegisterSpec implements TypeSpec<LWWRegister> {

    @Override
    public String name() {
        return "LWWRegister";
    }

    @Override
    public LWWRegister bottom() {
        return LWWRegister.empty();
    }

    @Override
    public Performed<LWWRegister> perform(LWWRegister state, OpContext c, int code, int arg) {
        HybridTimestamp ts = c.clock().now();
        boolean delete = Math.floorMod(code, 4) == 3;
        String value = delete ? null : "v" + Math.floorMod(arg, 4);
        var mutation = delete ? state.clear(c.replica(), ts) : state.set(c.replica(), ts, Bytes.of(value));
        if (mutation.delta().isBottom()) {
            return new Performed<>(mutation, Knowledge.NONE); // an older write loses: no effect
        }
        ModelOp op = c.ops().add(c.replica(), List.of(), delete ? "delete" : "write", 0, 0, ts, value);
        return new Performed<>(mutation, Knowledge.of(Set.of(op.id()), Set.of()));
    }

    @Override
    public Object observe(LWWRegister state) {
        return state.value().map(Bytes::asString);
    }

    @Override
    public Object expect(Knowledge k, OpLog ops) {
        ModelOp winner = winner(k, ops);
        return Optional.ofNullable(winner == null ? null : winner.value());
    }

    private static ModelOp winner(Knowledge k, OpLog ops) {
        ModelOp best = null;
        for (int id : k.full()) {
            ModelOp op = ops.get(id);
            if (best == null || op.timestamp().compareTo(best.timestamp()) > 0) {
                best = op;
            }
        }
        return best;
    }

    @Override
    public Knowledge effective(Knowledge x, Knowledge d, OpLog ops) {
        ModelOp theirs = winner(d, ops);
        ModelOp mine = winner(x, ops);
        return theirs != null && (mine == null || theirs.timestamp().compareTo(mine.timestamp()) > 0) ? d : Knowledge.NONE;
    }
}
