package dev.converge.crdt.testkit;

import dev.converge.crdt.PNCounter;
import java.util.List;
import java.util.Set;

/** Up-down counter: the value is the sum of increments minus the sum of decrements known. */
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
        for (int id : k.full()) {
            ModelOp op = ops.get(id);
            sum += op.kind().equals("inc") ? op.amount() : -op.amount();
        }
        return sum;
    }

    @Override
    public Knowledge effective(Knowledge x, Knowledge d, OpLog ops) {
        return Knowledge.of(GCounterSpec.newerPrefixes(x, d, ops), Set.of());
    }
}
