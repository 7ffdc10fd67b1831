package dev.converge.crdt.testkit;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.MVRegister;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Multi-value register: the values of the writes no known write or clear has seen. */
final class MVRegisterSpec implements TypeSpec<MVRegister> {

    @Override
    public String name() {
        return "MVRegister";
    }

    @Override
    public MVRegister bottom() {
        return MVRegister.empty();
    }

    @Override
    public Performed<MVRegister> perform(MVRegister state, OpContext c, int code, int arg) {
        Set<Integer> seen = Live.ops(c.known(), c.ops(), Live.at(List.of(), "write"));
        if (Math.floorMod(code, 4) == 3) {
            return new Performed<>(state.clear(), Knowledge.of(Set.of(), seen));
        }
        String value = "v" + Math.floorMod(arg, 4);
        ModelOp op = c.ops().add(c.replica(), List.of(), "write", 0, 0, null, value);
        return new Performed<>(state.write(c.replica(), Bytes.of(value)), Knowledge.of(Set.of(op.id()), seen));
    }

    @Override
    public Object observe(MVRegister state) {
        TreeSet<String> values = new TreeSet<>();
        state.values().forEach(b -> values.add(b.asString()));
        return values;
    }

    @Override
    public Object expect(Knowledge k, OpLog ops) {
        TreeSet<String> values = new TreeSet<>();
        for (int id : k.live()) {
            values.add(ops.get(id).value());
        }
        return values;
    }
}
