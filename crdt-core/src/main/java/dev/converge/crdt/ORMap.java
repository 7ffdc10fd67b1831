package dev.converge.crdt;

import dev.converge.crdt.causal.Dot;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.Dots;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * An observed-remove map of named fields: a document. Each field holds one CRDT type (counter,
 * register, multi-value register, set, flag or a nested map) fixed at its first write; a write
 * of another type is a {@link WrongTypeException}.
 *
 * <p>Every field is a causal store sharing the map's one causal context (Almeida et al. 2018,
 * section 7), so removing a field removes exactly what was observed of it: a concurrent update
 * survives, and only its own effect does (update-wins, no resurrection of removed content).
 * Counter fields are causal counters (one live entry per replica, Baquero's CCounter) and
 * register fields keep concurrent writes internally and read as the greatest timestamp, so both
 * can be reset by a removal. Two replicas that concurrently create a field with different types
 * keep both, visible through {@link #kinds}; writing to such a field under either type fails
 * until it is removed.
 */
public final class ORMap implements Crdt<ORMap> {

    /** Deepest allowed nesting of maps in maps; deeper values are refused by the codec. */
    public static final int MAX_DEPTH = 32;

    static final DotMapOps<FieldKey, Object> OPS = new DotMapOps<>(Comparator.naturalOrder(), key -> opsFor(key.kind()));
    static final DotFunOps<CounterEntry> COUNTER_OPS = new DotFunOps<>(Comparator.naturalOrder());
    static final DotFunOps<TimedValue> REGISTER_OPS = new DotFunOps<>(Comparator.naturalOrder());
    private static final ORMap BOTTOM = new ORMap(OPS.bottom(false), DotContext.empty());

    final DotMap<FieldKey, Object> store;
    final DotContext context;

    ORMap(DotMap<FieldKey, Object> store, DotContext context) {
        this.store = store;
        this.context = context;
    }

    static ORMap of(DotMap<FieldKey, Object> store, DotContext context) {
        return store.isEmpty() && context.isEmpty() ? BOTTOM : new ORMap(store, context);
    }

    public static ORMap empty() {
        return BOTTOM;
    }

    @SuppressWarnings("unchecked")
    static StoreOps<Object> opsFor(CrdtType kind) {
        StoreOps<?> ops = switch (kind) {
            case EW_FLAG -> DotSetOps.INSTANCE;
            case MV_REGISTER -> MVRegister.OPS;
            case LWW_REGISTER -> REGISTER_OPS;
            case G_COUNTER, PN_COUNTER -> COUNTER_OPS;
            case OR_SET -> ORSet.OPS;
            case OR_MAP -> OPS;
            // Fields are keyed by (name, type): a field never holds a conflict of types.
            case TYPE_CONFLICT -> throw new IllegalArgumentException("a map field cannot be a type conflict");
        };
        return (StoreOps<Object>) ops;
    }

    @Override
    public CrdtType type() {
        return CrdtType.OR_MAP;
    }

    // ---- reads

    /** The names of the fields present, ascending. */
    public List<Bytes> fieldNames() {
        List<Bytes> names = new ArrayList<>();
        for (Map.Entry<FieldKey, Object> e : store.entries) {
            Bytes name = e.getKey().name();
            boolean present = !opsFor(e.getKey().kind()).isEmpty(e.getValue());
            if (present && (names.isEmpty() || !names.get(names.size() - 1).equals(name))) {
                names.add(name);
            }
        }
        return Collections.unmodifiableList(names);
    }

    /** Number of fields present. */
    public int size() {
        return fieldNames().size();
    }

    public boolean contains(Bytes field) {
        return !kinds(field).isEmpty();
    }

    /** The types {@code field} holds: none when absent, two or more only after a concurrent type conflict. */
    public Set<CrdtType> kinds(Bytes field) {
        EnumSet<CrdtType> kinds = EnumSet.noneOf(CrdtType.class);
        for (CrdtType kind : CrdtType.values()) {
            Object value = store.get(new FieldKey(field, kind));
            if (value != null && !opsFor(kind).isEmpty(value)) {
                kinds.add(kind);
            }
        }
        return Collections.unmodifiableSet(kinds);
    }

    /** The value of counter field {@code field} (PN or grow-only), empty when absent. */
    public OptionalLong counter(Bytes field) {
        DotFun<CounterEntry> entries = field(field, CrdtType.PN_COUNTER);
        if (entries == null) {
            entries = field(field, CrdtType.G_COUNTER);
        }
        return entries == null ? OptionalLong.empty() : OptionalLong.of(counterValue(entries));
    }

    /** The value of register field {@code field}: the write with the greatest timestamp. */
    public Optional<Bytes> register(Bytes field) {
        TimedValue winner = winner(field(field, CrdtType.LWW_REGISTER));
        return winner == null ? Optional.empty() : Optional.of(winner.value());
    }

    /** When the value of register field {@code field} was written. */
    public Optional<HybridTimestamp> registerTimestamp(Bytes field) {
        TimedValue winner = winner(field(field, CrdtType.LWW_REGISTER));
        return winner == null ? Optional.empty() : Optional.of(winner.timestamp());
    }

    /** Flag field {@code field}, empty when absent (a disabled flag holds nothing, so is absent). */
    public Optional<Boolean> flag(Bytes field) {
        Dots dots = field(field, CrdtType.EW_FLAG);
        return dots == null ? Optional.empty() : Optional.of(!dots.isEmpty());
    }

    /** Set field {@code field}, a view sharing this map's causal context. */
    public Optional<ORSet> set(Bytes field) {
        DotMap<Bytes, Dots> nested = field(field, CrdtType.OR_SET);
        return nested == null ? Optional.empty() : Optional.of(new ORSet(nested, context));
    }

    /** Multi-value register field {@code field}, a view sharing this map's causal context. */
    public Optional<MVRegister> mvRegister(Bytes field) {
        DotFun<Bytes> nested = field(field, CrdtType.MV_REGISTER);
        return nested == null ? Optional.empty() : Optional.of(new MVRegister(nested, context));
    }

    /** Nested map field {@code field}, a view sharing this map's causal context. */
    public Optional<ORMap> map(Bytes field) {
        DotMap<FieldKey, Object> nested = field(field, CrdtType.OR_MAP);
        return nested == null ? Optional.empty() : Optional.of(new ORMap(nested, context));
    }

    public DotContext context() {
        return context;
    }

    /** Whether this value is delta-shaped (see {@link ORSet#isPartial()}). */
    public boolean isPartial() {
        return store.partial;
    }

    @SuppressWarnings("unchecked")
    private <T> T field(Bytes name, CrdtType kind) {
        Object value = store.get(new FieldKey(name, kind));
        return value == null || opsFor(kind).isEmpty(value) ? null : (T) value;
    }

    static long counterValue(DotFun<CounterEntry> entries) {
        long sum = 0;
        try {
            for (int i = 0; i < entries.size(); i++) {
                CounterEntry e = entries.value(i);
                sum = Math.addExact(sum, Math.subtractExact(e.increments(), e.decrements()));
            }
            return sum;
        } catch (ArithmeticException partialSumOverflowed) {
            BigInteger total = BigInteger.ZERO;
            for (int i = 0; i < entries.size(); i++) {
                CounterEntry e = entries.value(i);
                total = total.add(BigInteger.valueOf(e.increments())).subtract(BigInteger.valueOf(e.decrements()));
            }
            return total.longValueExact();
        }
    }

    private static TimedValue winner(DotFun<TimedValue> entries) {
        TimedValue best = null;
        for (int i = 0; entries != null && i < entries.size(); i++) {
            if (best == null || entries.value(i).compareTo(best) > 0) {
                best = entries.value(i);
            }
        }
        return best;
    }

    // ---- mutators

    /**
     * Adds {@code amount} (may be negative) to PN-counter field {@code field}, creating it.
     *
     * @throws ArithmeticException when the value would leave the range of {@code long}
     * @throws WrongTypeException when the field holds another type
     */
    public Mutation<ORMap> increment(ReplicaId replica, Bytes field, long amount) {
        return addToCounter(replica, field, CrdtType.PN_COUNTER, amount);
    }

    /**
     * Adds {@code amount} (at least 0) to grow-only-counter field {@code field}, creating it.
     *
     * @throws ArithmeticException when the value would exceed {@link Long#MAX_VALUE}
     * @throws WrongTypeException when the field holds another type
     */
    public Mutation<ORMap> incrementGrowOnly(ReplicaId replica, Bytes field, long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("a grow-only counter cannot be decremented (amount " + amount + ")");
        }
        return addToCounter(replica, field, CrdtType.G_COUNTER, amount);
    }

    private Mutation<ORMap> addToCounter(ReplicaId replica, Bytes field, CrdtType kind, long amount) {
        checkKind(field, kind);
        FieldKey key = new FieldKey(field, kind);
        DotFun<CounterEntry> entries = field(field, kind);
        if (entries == null) {
            entries = DotFun.empty();
        }
        if (amount == 0 && entries.size() > 0) {
            return new Mutation<>(this, BOTTOM); // an absent field is created at 0, as Redis's HINCRBY h f 0 does
        }
        Math.addExact(counterValue(entries), amount);
        // This replica's live entry (normally one) is replaced by a new one under a new dot.
        CounterEntry mine = new CounterEntry(0, 0);
        List<Dot> replaced = new ArrayList<>(2);
        int n = entries.size();
        Dot[] keptDots = new Dot[n + 1];
        Object[] keptValues = new Object[n + 1];
        int k = 0;
        for (int i = 0; i < n; i++) {
            Dot d = entries.dot(i);
            if (d.replica().equals(replica)) {
                replaced.add(d);
                mine = entries.value(i);
            } else {
                keptDots[k] = d;
                keptValues[k++] = entries.value(i);
            }
        }
        CounterEntry next = amount > 0
                ? new CounterEntry(Math.addExact(mine.increments(), amount), mine.decrements())
                : new CounterEntry(mine.increments(), Math.addExact(mine.decrements(), Math.negateExact(amount)));
        Dot dot = context.nextDot(replica);
        keptDots[k] = dot;
        keptValues[k++] = next;
        sortLast(keptDots, keptValues, k);
        replaced.add(dot);
        DotFun<CounterEntry> updated = DotFun.ofSorted(keptDots, keptValues, k);
        return new Mutation<>(
                new ORMap(store.with(key, updated), context.with(dot)),
                new ORMap(OPS.singleton(key, DotFun.of(dot, next)), DotContext.of(replaced.toArray(new Dot[0]))));
    }

    /** Moves the last element of the first {@code n} into ascending dot order. */
    private static void sortLast(Dot[] dots, Object[] values, int n) {
        for (int i = n - 1; i > 0 && dots[i - 1].compareTo(dots[i]) > 0; i--) {
            Dot d = dots[i];
            dots[i] = dots[i - 1];
            dots[i - 1] = d;
            Object v = values[i];
            values[i] = values[i - 1];
            values[i - 1] = v;
        }
    }

    /**
     * Writes {@code value} to register field {@code field} at {@code timestamp}, replacing every
     * write observed here. A timestamp not after the current winner's loses: nothing changes.
     *
     * @throws WrongTypeException when the field holds another type
     */
    public Mutation<ORMap> setRegister(ReplicaId replica, HybridTimestamp timestamp, Bytes field, Bytes value) {
        if (!timestamp.replica().equals(replica)) {
            throw new IllegalArgumentException("timestamp " + timestamp + " was not issued by " + replica);
        }
        checkKind(field, CrdtType.LWW_REGISTER);
        DotFun<TimedValue> entries = field(field, CrdtType.LWW_REGISTER);
        TimedValue current = winner(entries);
        if (current != null && !timestamp.isAfter(current.timestamp())) {
            return new Mutation<>(this, BOTTOM);
        }
        List<Dot> replaced = new ArrayList<>();
        if (entries != null) {
            REGISTER_OPS.collectDots(entries, replaced);
        }
        Dot dot = context.nextDot(replica);
        replaced.add(dot);
        DotFun<TimedValue> written = DotFun.of(dot, new TimedValue(timestamp, value));
        FieldKey key = new FieldKey(field, CrdtType.LWW_REGISTER);
        return new Mutation<>(
                new ORMap(store.with(key, written), context.with(dot)),
                new ORMap(OPS.singleton(key, written), DotContext.of(replaced.toArray(new Dot[0]))));
    }

    /**
     * Applies {@code operation} to set field {@code field} (an empty set when absent), e.g.
     * {@code map.updateSet(f, s -> s.add(replica, element))}.
     *
     * @throws WrongTypeException when the field holds another type
     */
    public Mutation<ORMap> updateSet(Bytes field, Function<ORSet, Mutation<ORSet>> operation) {
        checkKind(field, CrdtType.OR_SET);
        DotMap<Bytes, Dots> nested = field(field, CrdtType.OR_SET);
        Mutation<ORSet> m = operation.apply(new ORSet(nested == null ? ORSet.OPS.bottom(false) : nested, context));
        return lift(new FieldKey(field, CrdtType.OR_SET), m.delta().isBottom(),
                m.state().store, m.state().context, m.delta().store, m.delta().context);
    }

    /**
     * Applies {@code operation} to nested map field {@code field} (an empty map when absent).
     *
     * @throws WrongTypeException when the field holds another type
     */
    public Mutation<ORMap> updateMap(Bytes field, Function<ORMap, Mutation<ORMap>> operation) {
        checkKind(field, CrdtType.OR_MAP);
        DotMap<FieldKey, Object> nested = field(field, CrdtType.OR_MAP);
        Mutation<ORMap> m = operation.apply(new ORMap(nested == null ? OPS.bottom(false) : nested, context));
        return lift(new FieldKey(field, CrdtType.OR_MAP), m.delta().isBottom(),
                m.state().store, m.state().context, m.delta().store, m.delta().context);
    }

    /**
     * Applies {@code operation} to flag field {@code field} (a disabled flag when absent).
     *
     * @throws WrongTypeException when the field holds another type
     */
    public Mutation<ORMap> updateFlag(Bytes field, Function<EWFlag, Mutation<EWFlag>> operation) {
        checkKind(field, CrdtType.EW_FLAG);
        Dots nested = field(field, CrdtType.EW_FLAG);
        Mutation<EWFlag> m = operation.apply(new EWFlag(nested == null ? Dots.empty() : nested, context));
        return lift(new FieldKey(field, CrdtType.EW_FLAG), m.delta().isBottom(),
                m.state().dots, m.state().context, m.delta().dots, m.delta().context);
    }

    /**
     * Applies {@code operation} to multi-value register field {@code field} (empty when absent).
     *
     * @throws WrongTypeException when the field holds another type
     */
    public Mutation<ORMap> updateMVRegister(Bytes field, Function<MVRegister, Mutation<MVRegister>> operation) {
        checkKind(field, CrdtType.MV_REGISTER);
        DotFun<Bytes> nested = field(field, CrdtType.MV_REGISTER);
        Mutation<MVRegister> m = operation.apply(new MVRegister(nested == null ? DotFun.empty() : nested, context));
        return lift(new FieldKey(field, CrdtType.MV_REGISTER), m.delta().isBottom(),
                m.state().store, m.state().context, m.delta().store, m.delta().context);
    }

    /**
     * Embeds a nested mutation: the field's new store under this map, and a delta naming only
     * this field, whose context is the nested delta's (which holds only this field's dots).
     */
    private Mutation<ORMap> lift(FieldKey key, boolean unchanged, Object newStore, DotContext newContext,
                                 Object deltaStore, DotContext deltaContext) {
        if (unchanged) {
            return new Mutation<>(this, BOTTOM);
        }
        DotMap<FieldKey, Object> updated = opsFor(key.kind()).isEmpty(newStore) ? store.without(key) : store.with(key, newStore);
        return new Mutation<>(new ORMap(updated, newContext), new ORMap(OPS.singleton(key, deltaStore), deltaContext));
    }

    /** Removes field {@code field} (under every type it holds) as observed here. */
    public Mutation<ORMap> removeField(Bytes field) {
        List<Dot> observed = new ArrayList<>();
        DotMap<FieldKey, Object> next = store;
        DotMap<FieldKey, Object> delta = OPS.bottom(true);
        for (CrdtType kind : kinds(field)) {
            FieldKey key = new FieldKey(field, kind);
            StoreOps<Object> ops = opsFor(kind);
            ops.collectDots(store.get(key), observed);
            next = next.without(key);
            // An empty complete store: receivers drop every dot of this field in the context.
            delta = delta.with(key, ops.bottom(false));
        }
        if (observed.isEmpty()) {
            return new Mutation<>(this, BOTTOM);
        }
        return new Mutation<>(new ORMap(next, context), new ORMap(delta, DotContext.of(observed.toArray(new Dot[0]))));
    }

    /** Removes every field observed here. */
    public Mutation<ORMap> clear() {
        if (store.isEmpty()) {
            return new Mutation<>(this, BOTTOM);
        }
        List<Dot> observed = new ArrayList<>();
        OPS.collectDots(store, observed);
        return new Mutation<>(new ORMap(OPS.bottom(false), context),
                new ORMap(OPS.bottom(false), DotContext.of(observed.toArray(new Dot[0]))));
    }

    private void checkKind(Bytes field, CrdtType kind) {
        for (CrdtType existing : kinds(field)) {
            if (existing != kind) {
                throw new WrongTypeException("field '" + field + "'", existing, kind);
            }
        }
    }

    // ---- lattice

    @Override
    public ORMap join(ORMap other) {
        return of(OPS.join(store, context, other.store, other.context), context.union(other.context));
    }

    @Override
    public Merge<ORMap> merge(ORMap delta) {
        EffectiveWalk.Result<DotMap<FieldKey, Object>> e =
                EffectiveWalk.compute(OPS, store, context, delta.store, delta.context, delta.store.partial);
        return new Merge<>(join(delta), of(e.store(), e.context()));
    }

    @Override
    public boolean isBottom() {
        return store.isEmpty() && context.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ORMap other && store.equals(other.store) && context.equals(other.context);
    }

    @Override
    public int hashCode() {
        return 31 * store.hashCode() + context.hashCode();
    }

    @Override
    public String toString() {
        return "ORMap{" + store + " ctx " + context + "}";
    }
}
