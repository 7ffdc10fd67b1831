package dev.converge.sim.check;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.EWFlag;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.MVRegister;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.TypeConflict;
import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.Dots;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.sim.check.History.Effect;
import dev.converge.sim.check.History.Entry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Judges a run once it healed. Safety: every live replica holds byte-identical canonical states;
 * each document's state is exactly the join of the deltas of the acknowledged operations on it
 * plus some of those whose outcome is unknown (so every acknowledged effect is present and
 * nothing appears that no operation wrote); and per type, in the terms a user checks: a counter
 * is the acknowledged increments plus any subset of the unknown ones, a set holds each
 * acknowledged add not observed by a remove and no element never added, a removal that was
 * acknowledged is never undone (no resurrection of set elements, map fields or flags), an LWW
 * register holds the write with the greatest timestamp, an MV register exactly the maximal
 * concurrent writes. Liveness: convergence within the round bound and an answer to every
 * operation whose replica stayed up.
 */
public final class Oracle {

    /** How the simulator's liveness violation for a cluster that did not converge starts. */
    public static final String NOT_CONVERGED = "no convergence";

    /** Stop listing after this many violations: the first few say what went wrong. */
    private static final int MAX_VIOLATIONS = 20;

    private final History history;
    private final List<Violation> violations = new ArrayList<>();

    private Oracle(History history) {
        this.history = history;
    }

    /**
     * Checks the final states of the live replicas ({@code states}, by node label) against
     * {@code history}. Liveness facts measured by the simulator come in {@code liveness}.
     */
    public static List<Violation> check(History history, Map<String, Map<Bytes, Crdt<?>>> states, List<Violation> liveness) {
        Oracle o = new Oracle(history);
        o.everyAcknowledgedWriteCommitted();
        if (liveness.stream().anyMatch(v -> v.message().startsWith(NOT_CONVERGED))) {
            o.nothingInvented(states);
        } else {
            o.run(states);
        }
        // Safety first: a run with many unanswered operations must still be judged unsafe when it is.
        List<Violation> out = new ArrayList<>(o.violations);
        for (Violation v : liveness) {
            if (out.size() >= MAX_VIOLATIONS) {
                break;
            }
            out.add(v);
        }
        return List.copyOf(out);
    }

    private void safety(String message) {
        if (violations.size() < MAX_VIOLATIONS) {
            violations.add(new Violation(Violation.Kind.SAFETY, message));
        }
    }

    /**
     * An acknowledged write that always makes a dot (a register or multi-value write, a set add,
     * a counter add, a map update) committed it: otherwise its replica answered for a change it
     * never made, and the checks below, which hold only committed writes to their effect, would
     * not see it missing (a multi-key call that acknowledged a key it skipped, say).
     */
    private void everyAcknowledgedWriteCommitted() {
        for (Entry e : history.entries()) {
            boolean makesADot = switch (e.effect()) {
                case REGISTER_WRITE, MV_WRITE, SET_ADD, COUNTER_ADD, MAP_UPDATE -> true;
                default -> false;
            };
            if (makesADot && e.outcome() == History.Outcome.ACKNOWLEDGED && !e.mayBeLost() && !e.mayHaveEffect()) {
                safety(e + " was acknowledged, but its replica committed nothing for it");
            }
        }
    }

    /**
     * For a workload the oracle does not model (a user's own): the live replicas' states
     * ({@code states}) must be byte-identical, then {@code workload}'s own findings and
     * {@code liveness} count, safety first.
     */
    public static List<Violation> checkConverged(Map<String, Map<Bytes, Crdt<?>>> states, List<Violation> workload,
                                                 List<Violation> liveness) {
        Oracle o = new Oracle(new History());
        if (liveness.stream().noneMatch(v -> v.message().startsWith(NOT_CONVERGED))) {
            o.identical(states);
        }
        List<Violation> out = new ArrayList<>(o.violations);
        for (Violation v : workload) {
            out.add(v);
        }
        for (Violation v : liveness) {
            if (out.size() >= MAX_VIOLATIONS) {
                break;
            }
            out.add(v);
        }
        return List.copyOf(out);
    }

    /** 1. Byte-identical canonical states everywhere: whether they are, each difference a safety violation. */
    private boolean identical(Map<String, Map<Bytes, Crdt<?>>> states) {
        if (states.isEmpty()) {
            return true;
        }
        Map.Entry<String, Map<Bytes, Crdt<?>>> first = states.entrySet().iterator().next();
        Map<Bytes, Crdt<?>> reference = first.getValue();
        boolean identical = true;
        for (Map.Entry<String, Map<Bytes, Crdt<?>>> other : states.entrySet()) {
            Set<Bytes> keys = new TreeSet<>(reference.keySet());
            keys.addAll(other.getValue().keySet());
            for (Bytes key : keys) {
                Crdt<?> a = reference.get(key);
                Crdt<?> b = other.getValue().get(key);
                if (a == null || b == null || !Arrays.equals(CrdtCodec.encode(a), CrdtCodec.encode(b))) {
                    identical = false;
                    safety("replicas differ on '" + key + "': " + first.getKey() + " holds " + a + ", " + other.getKey() + " holds " + b);
                }
            }
        }
        return identical;
    }

    private void run(Map<String, Map<Bytes, Crdt<?>>> states) {
        if (states.isEmpty() || !identical(states)) {
            return; // the per-document checks below assume one final state
        }
        Map<Bytes, Crdt<?>> reference = states.values().iterator().next();
        // 2. Each document against the operations on it.
        Map<Bytes, List<Entry>> byKey = new TreeMap<>();
        for (Entry e : history.entries()) {
            byKey.computeIfAbsent(e.key(), k -> new ArrayList<>()).add(e);
        }
        for (Bytes key : reference.keySet()) {
            if (!byKey.containsKey(key)) {
                safety("document '" + key + "' exists but no operation wrote it: " + reference.get(key));
            }
        }
        int before = violations.size();
        for (Map.Entry<Bytes, List<Entry>> e : byKey.entrySet()) {
            Crdt<?> document = reference.get(e.getKey());
            if (document == null) {
                for (Entry op : e.getValue()) {
                    if (op.mustSurvive() && !op.delta().isBottom()) {
                        safety("document '" + e.getKey() + "' is missing, but " + op + " was acknowledged");
                    }
                }
                continue;
            }
            // A key written as several types holds one part per type: each is judged by the operations on it.
            Map<CrdtType, Crdt<?>> parts = new EnumMap<>(CrdtType.class);
            for (Crdt<?> part : document instanceof TypeConflict c ? c.parts() : List.<Crdt<?>>of(document)) {
                parts.put(part.type(), part);
            }
            Map<CrdtType, List<Entry>> byType = byType(e.getValue());
            for (Map.Entry<CrdtType, Crdt<?>> part : parts.entrySet()) {
                if (!byType.containsKey(part.getKey())) {
                    safety("'" + e.getKey() + "' holds a " + part.getKey() + " that no operation wrote: " + part.getValue());
                }
            }
            for (Map.Entry<CrdtType, List<Entry>> typed : byType.entrySet()) {
                Crdt<?> state = parts.get(typed.getKey());
                if (state == null) {
                    for (Entry op : typed.getValue()) {
                        if (op.mustSurvive() && !op.delta().isBottom()) {
                            safety("'" + e.getKey() + "' holds no " + typed.getKey() + ", but " + op + " was acknowledged");
                        }
                    }
                } else {
                    check(e.getKey(), state, typed.getValue());
                }
            }
        }
        if (violations.size() > before) {
            explainDotReuse();
        }
    }

    private void check(Bytes key, Crdt<?> state, List<Entry> ops) {
        checkJoin(key, state, ops);
        if (state instanceof PNCounter c) {
            checkCounter(key, c, ops);
        } else if (state instanceof ORSet s) {
            checkSet(key, s, ops);
        } else if (state instanceof LWWRegister r) {
            checkRegister(key, r, ops);
        } else if (state instanceof MVRegister m) {
            checkMultiValue(key, m, ops);
        } else if (state instanceof ORMap m) {
            checkMap(key, m, ops);
        } else if (state instanceof EWFlag f) {
            checkFlag(key, f, ops);
        }
    }

    /**
     * The operations on one key by the type they wrote: an operation that committed nothing by
     * the type it asked for, one that committed a delta by its delta's type, and a delete of a
     * key written as several types once per type, with that type's part of its delta.
     */
    private static Map<CrdtType, List<Entry>> byType(List<Entry> ops) {
        Map<CrdtType, List<Entry>> out = new EnumMap<>(CrdtType.class);
        for (Entry op : ops) {
            if (op.delta() == null) {
                out.computeIfAbsent(op.type(), t -> new ArrayList<>()).add(op);
            } else if (op.delta() instanceof TypeConflict c) {
                for (Crdt<?> part : c.parts()) {
                    out.computeIfAbsent(part.type(), t -> new ArrayList<>()).add(op.withDelta(part));
                }
            } else {
                out.computeIfAbsent(op.delta().type(), t -> new ArrayList<>()).add(op);
            }
        }
        return out;
    }

    /**
     * When a replica issued one dot for two writes (it lost the first in a crash after the first
     * had reached a peer, then reused its dot), observed-remove semantics break: whoever saw the
     * first treats the second as already removed. Named explicitly, because it explains the
     * violations it causes better than they do.
     */
    private void explainDotReuse() {
        // Dots count per document (each document's context issues its own), so reuse is per key.
        Map<String, List<Entry>> byDot = new LinkedHashMap<>();
        for (Entry e : history.entries()) {
            if (e.mayHaveEffect() && !(e.delta() instanceof PNCounter) && !(e.delta() instanceof LWWRegister)
                    && e.effect() != Effect.SET_REMOVE && e.effect() != Effect.MV_CLEAR && e.effect() != Effect.FLAG_DISABLE
                    && e.effect() != Effect.MAP_REMOVE_FIELD && e.effect() != Effect.DELETE) {
                byDot.computeIfAbsent(e.key() + " " + ownDot(e), d -> new ArrayList<>()).add(e);
            }
        }
        byDot.forEach((dot, writes) -> {
            if (writes.size() > 1) {
                StringBuilder b = new StringBuilder();
                for (Entry w : writes) {
                    b.append(b.length() == 0 ? "" : ", ").append(w);
                }
                safety("dot " + dot + " was issued for " + writes.size() + " writes: " + b
                        + " (the replica reissued the dot of a write it had lost in a crash)");
            }
        });
    }

    /**
     * For a cluster that did not converge (a liveness failure already): each replica may still
     * lack things, but none may hold what no operation wrote.
     */
    private void nothingInvented(Map<String, Map<Bytes, Crdt<?>>> states) {
        Map<Bytes, Crdt<?>> everything = new TreeMap<>();
        for (Entry e : history.entries()) {
            if (e.mayHaveEffect()) {
                everything.merge(e.key(), Crdt.joinAny(e.delta().type().bottom(), e.delta()), Crdt::joinAny);
            }
        }
        states.forEach((node, docs) -> docs.forEach((key, state) -> {
            Crdt<?> all = everything.get(key);
            if (all == null || !leq(state, all)) {
                safety(node + " holds '" + key + "' = " + state + ", beyond the join of every operation on it (" + all + ")");
            }
        }));
    }

    /** The state is the join of every acknowledged delta and exactly those unknown ones it contains. */
    private void checkJoin(Bytes key, Crdt<?> state, List<Entry> ops) {
        Crdt<?> expected = state.type().bottom();
        boolean missing = false;
        for (Entry op : ops) {
            if (op.mustSurvive()) {
                if (!leq(op.delta(), state)) {
                    missing = true;
                    safety("acknowledged " + op + " is missing from '" + key + "' = " + state + " (its delta " + op.delta() + ")");
                }
                expected = Crdt.joinAny(expected, op.delta());
            }
        }
        for (Entry op : ops) {
            if (!op.mustSurvive() && op.mayHaveEffect() && leq(op.delta(), state)) {
                expected = Crdt.joinAny(expected, op.delta());
            }
        }
        if (!missing && !Arrays.equals(CrdtCodec.encode(expected), CrdtCodec.encode(state))) {
            safety("'" + key + "' = " + state + " is not the join of the operations it contains (" + expected + ")");
        }
    }

    /** Whether {@code a ≤ b} in the keyspace's lattice: each type's part of {@code a} below that of {@code b}. */
    public static boolean leq(Crdt<?> a, Crdt<?> b) {
        if (a.type() == b.type() && !(a instanceof TypeConflict)) {
            return leqOfOneType(a, b);
        }
        for (Crdt<?> part : TypeConflict.partsOf(a)) {
            Crdt<?> other = TypeConflict.partsOf(b).stream().filter(p -> p.type() == part.type()).findFirst().orElse(null);
            if (other == null || !leqOfOneType(part, other)) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static <S extends Crdt<S>> boolean leqOfOneType(Crdt<?> a, Crdt<?> b) {
        return ((S) a).leq((S) b);
    }

    private boolean delivered(Entry op, Crdt<?> state) {
        return op.mayHaveEffect() && leq(op.delta(), state);
    }

    // ------------------------------------------------------------------ per type

    /** Counter = acknowledged increments + a subset of the unknown ones (documents never reset). */
    private void checkCounter(Bytes key, PNCounter state, List<Entry> ops) {
        if (ops.stream().anyMatch(o -> o.effect() == Effect.DELETE && o.mayHaveEffect())) {
            return; // a reset removes what it observed; the join check covers it
        }
        long base = 0;
        Set<Long> reachable = new HashSet<>();
        reachable.add(0L);
        for (Entry op : ops) {
            if (op.effect() != Effect.COUNTER_ADD || !op.mayHaveEffect()) {
                continue;
            }
            if (op.mustSurvive()) {
                base += op.amount();
            } else {
                Set<Long> next = new HashSet<>(reachable);
                for (long r : reachable) {
                    next.add(r + op.amount());
                }
                reachable = next;
            }
        }
        long value = state.value();
        if (!reachable.contains(value - base)) {
            safety("counter '" + key + "' = " + value + ", but acknowledged increments sum to " + base
                    + " and no subset of the unknown ones makes up the difference");
        }
    }

    /** Adds not observed by a remove are present; acknowledged removes are never undone; nothing never added appears. */
    private void checkSet(Bytes key, ORSet state, List<Entry> ops) {
        Map<Bytes, Entry> adds = new LinkedHashMap<>();
        List<Entry> removers = new ArrayList<>();
        for (Entry op : ops) {
            if (op.effect() == Effect.SET_ADD && op.mayHaveEffect()) {
                adds.put(op.value(), op);
            } else if ((op.effect() == Effect.SET_REMOVE || op.effect() == Effect.DELETE) && op.mayHaveEffect()) {
                removers.add(op);
            }
        }
        for (Bytes element : state.elements()) {
            if (!adds.containsKey(element)) {
                safety("set '" + key + "' holds " + element + ", which no operation added");
            }
        }
        for (Entry add : adds.values()) {
            Dots dots = ((ORSet) add.delta()).dots(add.value());
            boolean seenByDelivered = false;
            for (Entry r : removers) {
                if (after(r, add) && covers(contextOf(r.delta()), dots)) {
                    if (r.mustSurvive() && state.contains(add.value())) {
                        safety("set '" + key + "' holds " + add.value() + " again after acknowledged " + r + " removed it (resurrection)");
                    }
                    if (delivered(r, state)) {
                        seenByDelivered = true;
                    }
                }
            }
            if (add.mustSurvive() && !seenByDelivered && !state.contains(add.value())) {
                safety("set '" + key + "' lacks " + add.value() + " of acknowledged " + add + " though no remove observed it");
            }
        }
    }

    /** The greatest-timestamp write wins, and it is one that was written. */
    private void checkRegister(Bytes key, LWWRegister state, List<Entry> ops) {
        if (state.timestamp().isEmpty()) {
            return;
        }
        boolean written = false;
        for (Entry op : ops) {
            if (op.mayHaveEffect() && op.delta().equals(state)) {
                written = true;
            }
            if (op.mustSurvive() && op.delta() instanceof LWWRegister w && w.timestamp().isPresent()
                    && w.timestamp().get().isAfter(state.timestamp().get())) {
                safety("register '" + key + "' = " + state + " but acknowledged " + op + " wrote at a later timestamp " + w.timestamp().get());
            }
        }
        if (!written) {
            safety("register '" + key + "' = " + state + ", which no operation wrote");
        }
    }

    /** Exactly the writes no delivered operation observed. */
    private void checkMultiValue(Bytes key, MVRegister state, List<Entry> ops) {
        Set<Dot> present = new HashSet<>();
        for (MVRegister.Version v : state.versions()) {
            present.add(v.dot());
            Entry writer = null;
            for (Entry op : ops) {
                if (op.effect() == Effect.MV_WRITE && op.mayHaveEffect() && ((MVRegister) op.delta()).versions().contains(v)) {
                    writer = op;
                }
            }
            if (writer == null) {
                safety("multi-value register '" + key + "' holds " + v + ", which no operation wrote");
                continue;
            }
            for (Entry op : ops) {
                if (after(op, writer) && op.mustSurvive() && contextOf(op.delta()).contains(v.dot())) {
                    safety("multi-value register '" + key + "' still holds " + v + " though acknowledged " + op + " observed it");
                }
            }
        }
        for (Entry w : ops) {
            if (w.effect() != Effect.MV_WRITE || !w.mustSurvive()) {
                continue;
            }
            for (MVRegister.Version v : ((MVRegister) w.delta()).versions()) {
                boolean observed = false;
                for (Entry op : ops) {
                    if (after(op, w) && delivered(op, state) && contextOf(op.delta()).contains(v.dot())) {
                        observed = true;
                    }
                }
                if (!observed && !present.contains(v.dot())) {
                    safety("multi-value register '" + key + "' lacks " + v + " of acknowledged " + w + ", which nothing observed");
                }
            }
        }
    }

    /** A field is present exactly when some delivered update of it was observed by no delivered operation. */
    private void checkMap(Bytes key, ORMap state, List<Entry> ops) {
        Set<Bytes> fields = new TreeSet<>();
        for (Entry op : ops) {
            if (op.field() != null) {
                fields.add(op.field());
            }
        }
        for (Bytes name : state.fieldNames()) {
            if (!fields.contains(name)) {
                safety("map '" + key + "' holds field " + name + ", which no operation wrote");
            }
        }
        for (Bytes field : fields) {
            List<Entry> updates = new ArrayList<>();
            for (Entry op : ops) {
                if (op.mayHaveEffect() && op.effect() == Effect.MAP_UPDATE && field.equals(op.field())) {
                    updates.add(op);
                }
            }
            presence("map '" + key + "' field " + field, state.contains(field), state, updates, ops);
        }
    }

    /** The flag is up exactly when some delivered enable was observed by no delivered operation. */
    private void checkFlag(Bytes key, EWFlag state, List<Entry> ops) {
        List<Entry> enables = new ArrayList<>();
        for (Entry op : ops) {
            if (op.effect() == Effect.FLAG_ENABLE && op.mayHaveEffect()) {
                enables.add(op);
            }
        }
        presence("flag '" + key + "'", state.value(), state, enables, ops);
    }

    /**
     * Observed-remove presence. Every update makes one dot; an operation's delta context holds
     * its own dot and exactly the dots it replaces or removes. So the field (or flag) shows
     * exactly when some delivered update's dot was observed by no other delivered operation; and
     * in particular, when acknowledged operations observed every update, it must not show (no
     * resurrection).
     */
    private void presence(String what, boolean shown, Crdt<?> state, List<Entry> updates, List<Entry> ops) {
        List<Entry> delivered = new ArrayList<>();
        for (Entry op : ops) {
            if (delivered(op, state)) {
                delivered.add(op);
            }
        }
        Entry live = null;
        boolean escapesAcknowledged = false;
        for (Entry u : updates) {
            Dot own = ownDot(u);
            boolean observed = false;
            boolean observedByAcknowledged = false;
            for (Entry o : ops) {
                if (after(o, u) && o.mayHaveEffect() && contextOf(o.delta()).contains(own)) {
                    observedByAcknowledged |= o.mustSurvive();
                    observed |= delivered.contains(o);
                }
            }
            escapesAcknowledged |= !observedByAcknowledged;
            if (!observed && delivered.contains(u)) {
                live = u;
            }
        }
        if (shown && !escapesAcknowledged) {
            safety(what + " is present though acknowledged operations observed every update of it (resurrection)");
        } else if (shown && live == null) {
            safety(what + " is present though every delivered update of it was observed by a later operation: "
                    + observations(updates, ops, state) + "; state " + state);
        } else if (!shown && live != null) {
            safety(what + " is absent though " + live + " was delivered and observed by no other operation");
        }
    }

    /**
     * Whether {@code o} came after {@code u}, so could have observed it. Operations are numbered
     * in the order they were issued (in virtual time, which every replica shares), and nothing
     * observes the future. This keeps the checks sound when a replica issues a dot twice: a dot
     * in the context of an earlier operation belongs to the other write.
     */
    private static boolean after(Entry o, Entry u) {
        return o.id() > u.id();
    }

    /** For a message: each update's dot and the operations that observed it. */
    private String observations(List<Entry> updates, List<Entry> ops, Crdt<?> state) {
        StringBuilder b = new StringBuilder();
        for (Entry u : updates) {
            Dot own = ownDot(u);
            b.append("[op#").append(u.id()).append(delivered(u, state) ? "" : " (not delivered)").append(" made ").append(own)
                    .append(", observed by");
            for (Entry o : ops) {
                if (after(o, u) && o.mayHaveEffect() && contextOf(o.delta()).contains(own)) {
                    b.append(" op#").append(o.id()).append(delivered(o, state) ? "" : "(not delivered)");
                }
            }
            b.append("] ");
        }
        return b.toString().strip();
    }

    /** The dot an update made: the highest of its replica in its delta's context. */
    public static Dot ownDot(Entry u) {
        return new Dot(u.replica(), contextOf(u.delta()).maxCounter(u.replica()));
    }

    /** The causal context of a state or delta (empty for the types without one: counters, LWW registers). */
    public static DotContext contextOf(Crdt<?> delta) {
        if (delta instanceof ORSet s) {
            return s.context();
        }
        if (delta instanceof ORMap m) {
            return m.context();
        }
        if (delta instanceof EWFlag f) {
            return f.context();
        }
        if (delta instanceof MVRegister r) {
            return r.context();
        }
        return DotContext.empty();
    }

    private static boolean covers(DotContext context, Dots dots) {
        if (dots.isEmpty()) {
            return false;
        }
        for (int i = 0; i < dots.size(); i++) {
            if (!context.contains(dots.get(i))) {
                return false;
            }
        }
        return true;
    }
}
