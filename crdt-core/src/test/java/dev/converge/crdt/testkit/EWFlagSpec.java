package dev.converge.crdt.testkit;

import dev.converge.crdt.EWFlag;
import java.util.List;
import java.util.Set;

/** Enable-wins flag: on while some known enable is not seen by a disable (or a later enable). */
final class EWFlagSpec implements TypeSpec<EWFlag> {

    @Override
    public String name() {
        return "EWFlag";
    }

    @Override
    public EWFlag bottom() {
        return EWFlag.empty();
    }

    @Override
    public Performed<EWFlag> perform(EWFlag state, OpContext c, int code, int arg) {
        Set<Integer> seen = Live.ops(c.known(), c.ops(), Live.at(List.of(), "enable"));
        if (Math.floorMod(code, 2) == 1) {
            return new Performed<>(state.disable(), Knowledge.of(Set.of(), seen));
        }
        ModelOp op = c.ops().add(c.replica(), List.of(), "enable", 0, 0, null, null);
        return new Performed<>(state.enable(c.replica()), Knowledge.of(Set.of(op.id()), seen));
    }

    @Override
    public Object observe(EWFlag state) {
        return state.value();
    }

    @Override
    public Object expect(Knowledge k, OpLog ops) {
        return !k.live().isEmpty();
    }
}
