package dev.converge.crdt.testkit;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CompleteForm;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.causal.HybridTimestamp;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Observed-remove map with counter, grow-only counter, register, set, flag, multi-value register
 * and nested map fields. Every field behaves as its type's specification, restricted to the ops
 * no known removal of the field (or of an enclosing field) observed.
 */
final class ORMapSpec implements TypeSpec<ORMap> {

    private static final List<String> FIELDS = List.of("c0", "c1", "g0", "r0", "s0", "s1", "f0", "v0", "m0");
    private static final List<String> NESTED = List.of("c0", "s0", "r0");

    @Override
    public String name() {
        return "ORMap";
    }

    @Override
    public ORMap bottom() {
        return ORMap.empty();
    }

    @Override
    public Performed<ORMap> perform(ORMap state, OpContext c, int code, int arg) {
        long amount = Math.floorMod(arg, 7) - 3;
        amount = amount == 0 ? 4 : amount;
        String element = "e" + Math.floorMod(arg, 4);
        return switch (Math.floorMod(code, 13)) {
            case 0 -> counter(state, c, List.of("c" + Math.floorMod(arg, 2)), amount, false);
            case 1 -> counter(state, c, List.of("g0"), Math.abs(amount), true);
            case 2 -> register(state, c, List.of("r0"), "v" + Math.floorMod(arg, 3));
            case 3 -> setAdd(state, c, List.of("s" + Math.floorMod(arg, 2)), element);
            case 4 -> setRemove(state, c, List.of("s" + Math.floorMod(arg, 2)), element);
            case 5 -> {
                ModelOp op = c.ops().add(c.replica(), List.of("f0"), "enable", 0, 0, null, null);
                yield new Performed<>(state.updateFlag(Bytes.of("f0"), f -> f.enable(c.replica())),
                        Knowledge.of(Set.of(op.id()), live(c, List.of("f0"))));
            }
            case 6 -> new Performed<>(state.updateFlag(Bytes.of("f0"), f -> f.disable()), Knowledge.of(Set.of(), live(c, List.of("f0"))));
            case 7 -> {
                String value = "w" + Math.floorMod(arg, 3);
                ModelOp op = c.ops().add(c.replica(), List.of("v0"), "mvwrite", 0, 0, null, value);
                yield new Performed<>(state.updateMVRegister(Bytes.of("v0"), r -> r.write(c.replica(), Bytes.of(value))),
                        Knowledge.of(Set.of(op.id()), live(c, List.of("v0"))));
            }
            case 8 -> {
                String field = FIELDS.get(Math.floorMod(arg, FIELDS.size()));
                yield new Performed<>(state.removeField(Bytes.of(field)), Knowledge.of(Set.of(), live(c, List.of(field))));
            }
            case 9 -> counter(state, c, List.of("m0", "c0"), amount, false);
            case 10 -> setAdd(state, c, List.of("m0", "s0"), element);
            case 11 -> {
                if (Math.floorMod(arg, 2) == 0) {
                    yield register(state, c, List.of("m0", "r0"), "n" + Math.floorMod(arg, 3));
                }
                String field = NESTED.get(Math.floorMod(arg / 2, NESTED.size()));
                yield new Performed<>(state.updateMap(Bytes.of("m0"), m -> m.removeField(Bytes.of(field))),
                        Knowledge.of(Set.of(), live(c, List.of("m0", field))));
            }
            default -> new Performed<>(state.clear(), Knowledge.of(Set.of(), live(c, List.of())));
        };
    }

    private static Set<Integer> live(OpContext c, List<String> prefix) {
        return Live.ops(c.known(), c.ops(), Live.under(prefix));
    }

    /** Runs {@code op} on the map holding {@code path}'s last field (the state or nested map m0). */
    private static Mutation<ORMap> at(ORMap state, List<String> path, Function<ORMap, Mutation<ORMap>> op) {
        return path.size() == 1 ? op.apply(state) : state.updateMap(Bytes.of(path.get(0)), op);
    }

    private static Performed<ORMap> counter(ORMap state, OpContext c, List<String> path, long amount, boolean growOnly) {
        Set<Integer> mine = Live.ops(c.known(), c.ops(), op -> op.path().equals(path) && op.kind().equals("counter")
                && op.replica().equals(c.replica()));
        long inc = 0;
        long dec = 0;
        int latest = -1;
        for (int id : mine) {
            if (id > latest) {
                latest = id;
                inc = c.ops().get(id).amount();
                dec = c.ops().get(id).amount2();
            }
        }
        if (amount > 0) {
            inc += amount;
        } else {
            dec -= amount;
        }
        ModelOp op = c.ops().add(c.replica(), path, "counter", inc, dec, null, null);
        Bytes field = Bytes.of(path.get(path.size() - 1));
        Mutation<ORMap> m = at(state, path, map -> growOnly
                ? map.incrementGrowOnly(c.replica(), field, amount)
                : map.increment(c.replica(), field, amount));
        return new Performed<>(m, Knowledge.of(Set.of(op.id()), mine));
    }

    private static Performed<ORMap> register(ORMap state, OpContext c, List<String> path, String value) {
        Set<Integer> writes = Live.ops(c.known(), c.ops(), Live.at(path, "write"));
        HybridTimestamp ts = c.clock().now();
        Bytes field = Bytes.of(path.get(path.size() - 1));
        Mutation<ORMap> m = at(state, path, map -> map.setRegister(c.replica(), ts, field, Bytes.of(value)));
        if (m.delta().isBottom()) {
            return new Performed<>(m, Knowledge.NONE); // lost to a write with a later timestamp
        }
        ModelOp op = c.ops().add(c.replica(), path, "write", 0, 0, ts, value);
        return new Performed<>(m, Knowledge.of(Set.of(op.id()), writes));
    }

    private static Performed<ORMap> setAdd(ORMap state, OpContext c, List<String> path, String element) {
        List<String> elementPath = new ArrayList<>(path);
        elementPath.add(element);
        Set<Integer> seen = Live.ops(c.known(), c.ops(), Live.at(elementPath, "add"));
        ModelOp op = c.ops().add(c.replica(), elementPath, "add", 0, 0, null, element);
        Bytes field = Bytes.of(path.get(path.size() - 1));
        Mutation<ORMap> m = at(state, path, map -> map.updateSet(field, s -> s.add(c.replica(), Bytes.of(element))));
        return new Performed<>(m, Knowledge.of(Set.of(op.id()), seen));
    }

    private static Performed<ORMap> setRemove(ORMap state, OpContext c, List<String> path, String element) {
        List<String> elementPath = new ArrayList<>(path);
        elementPath.add(element);
        Set<Integer> seen = Live.ops(c.known(), c.ops(), Live.at(elementPath, "add"));
        Bytes field = Bytes.of(path.get(path.size() - 1));
        Mutation<ORMap> m = at(state, path, map -> map.updateSet(field, s -> s.remove(Bytes.of(element))));
        return new Performed<>(m, Knowledge.of(Set.of(), seen));
    }

    @Override
    public Object observe(ORMap state) {
        TreeMap<String, Object> out = new TreeMap<>();
        for (Bytes name : state.fieldNames()) {
            for (CrdtType kind : state.kinds(name)) {
                Object value = switch (kind) {
                    case G_COUNTER, PN_COUNTER -> state.counter(name).orElseThrow();
                    case LWW_REGISTER -> state.register(name).orElseThrow().asString();
                    case OR_SET -> strings(state.set(name).orElseThrow().elements());
                    case EW_FLAG -> state.flag(name).orElseThrow();
                    case MV_REGISTER -> strings(state.mvRegister(name).orElseThrow().values());
                    case OR_MAP -> observe(state.map(name).orElseThrow());
                    case TYPE_CONFLICT -> throw new AssertionError("a map field is never a type conflict");
                };
                out.put(name.asString(), value);
            }
        }
        return out;
    }

    private static TreeSet<String> strings(Iterable<Bytes> values) {
        TreeSet<String> out = new TreeSet<>();
        values.forEach(b -> out.add(b.asString()));
        return out;
    }

    @Override
    public Object expect(Knowledge k, OpLog ops) {
        List<ModelOp> live = new ArrayList<>();
        for (int id : k.live()) {
            live.add(ops.get(id));
        }
        return build(live, 0);
    }

    private static TreeMap<String, Object> build(List<ModelOp> ops, int depth) {
        Map<String, List<ModelOp>> byField = new LinkedHashMap<>();
        for (ModelOp op : ops) {
            byField.computeIfAbsent(op.path().get(depth), f -> new ArrayList<>()).add(op);
        }
        TreeMap<String, Object> out = new TreeMap<>();
        byField.forEach((field, fieldOps) -> {
            Object value = switch (field.charAt(0)) {
                case 'c', 'g' -> fieldOps.stream().mapToLong(op -> op.amount() - op.amount2()).sum();
                case 'r' -> fieldOps.stream().max((a, b) -> a.timestamp().compareTo(b.timestamp())).orElseThrow().value();
                case 's', 'v' -> {
                    Set<String> values = new HashSet<>();
                    fieldOps.forEach(op -> values.add(op.value()));
                    yield new TreeSet<>(values);
                }
                case 'f' -> Boolean.TRUE;
                default -> build(fieldOps, depth + 1);
            };
            out.put(field, value);
        });
        return out;
    }

    @Override
    public ORMap asComplete(ORMap value) {
        return CompleteForm.of(value);
    }
}
