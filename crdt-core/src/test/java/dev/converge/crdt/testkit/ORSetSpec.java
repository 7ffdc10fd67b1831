package dev.converge.crdt.testkit;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CompleteForm;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Add-wins set: the elements with an add that no known remove observed and no later add of the
 * same element replaced.
 */
final class ORSetSpec implements TypeSpec<ORSet> {

    private static String element(int arg) {
        return "e" + Math.floorMod(arg, 5);
    }

    @Override
    public String name() {
        return "ORSet";
    }

    @Override
    public ORSet bottom() {
        return ORSet.empty();
    }

    @Override
    public Performed<ORSet> perform(ORSet state, OpContext c, int code, int arg) {
        String e = element(arg);
        String f = element(arg + 1);
        switch (Math.floorMod(code, 7)) {
            case 0, 1 -> {
                return add(state, c, List.of(e));
            }
            case 2 -> {
                return add(state, c, List.of(e, f));
            }
            case 3, 4 -> {
                return new Performed<>(state.remove(Bytes.of(e)), Knowledge.of(Set.of(), seen(c, e)));
            }
            case 5 -> {
                Set<Integer> dead = new HashSet<>(seen(c, e));
                dead.addAll(seen(c, f));
                return new Performed<>(state.removeAll(List.of(Bytes.of(e), Bytes.of(f))), Knowledge.of(Set.of(), dead));
            }
            default -> {
                return new Performed<>(state.clear(), Knowledge.of(Set.of(), Live.ops(c.known(), c.ops(), op -> true)));
            }
        }
    }

    private static Set<Integer> seen(OpContext c, String element) {
        return Live.ops(c.known(), c.ops(), Live.at(List.of(element), "add"));
    }

    private static Performed<ORSet> add(ORSet state, OpContext c, List<String> elements) {
        Set<Integer> full = new HashSet<>();
        Set<Integer> dead = new HashSet<>();
        List<Bytes> bytes = elements.stream().map(Bytes::of).toList();
        for (String e : new TreeSet<>(elements)) {
            dead.addAll(seen(c, e));
            full.add(c.ops().add(c.replica(), List.of(e), "add", 0, 0, null, e).id());
        }
        Mutation<ORSet> m = bytes.size() == 1 ? state.add(c.replica(), bytes.get(0)) : state.addAll(c.replica(), bytes);
        return new Performed<>(m, Knowledge.of(full, dead));
    }

    @Override
    public Object observe(ORSet state) {
        TreeSet<String> out = new TreeSet<>();
        state.elements().forEach(b -> out.add(b.asString()));
        return out;
    }

    @Override
    public Object expect(Knowledge k, OpLog ops) {
        TreeSet<String> out = new TreeSet<>();
        for (int id : k.live()) {
            out.add(ops.get(id).value());
        }
        return out;
    }

    @Override
    public ORSet asComplete(ORSet value) {
        return CompleteForm.of(value);
    }
}
