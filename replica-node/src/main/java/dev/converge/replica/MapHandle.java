package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** A map document: named fields, each a counter, register, set, flag or nested map. */
public final class MapHandle {

    private final Engine engine;
    private final Bytes key;
    /** Where the futures of this handle's writes run their dependent stages. */
    private final Executor callbacks;

    MapHandle(Engine engine, Bytes key, Executor callbacks) {
        this.engine = engine;
        this.key = key;
        this.callbacks = callbacks;
    }

    /** Adds {@code amount} to counter field {@code field}; completes with its new value. */
    public CompletionStage<Written<Long>> increment(Bytes field, long amount) {
        return engine.<ORMap, Long>write(key, CrdtType.OR_MAP, (m, ctx) -> m.increment(ctx.replica(), field, amount),
                (before, after) -> after.counter(field).orElse(0), callbacks);
    }

    /** Sets register field {@code field}; completes with whether the field is new. */
    public CompletionStage<Written<Boolean>> setRegister(Bytes field, Bytes value) {
        return engine.<ORMap, Boolean>write(key, CrdtType.OR_MAP,
                (m, ctx) -> m.setRegister(ctx.replica(), ctx.timestampAfter(m.registerTimestamp(field)), field, value),
                (before, after) -> !before.contains(field), callbacks);
    }

    /**
     * Sets several register fields in one write: all of them, or none when one cannot be set (a
     * field of another kind); completes with how many of the fields are new.
     */
    public CompletionStage<Written<Integer>> setRegisters(Map<Bytes, Bytes> fields) {
        List<Map.Entry<Bytes, Bytes>> entries = List.copyOf(fields.entrySet());
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no fields to set");
        }
        return engine.<ORMap, Integer>write(key, CrdtType.OR_MAP, (m, ctx) -> {
            ORMap state = m;
            ORMap delta = null; // the join of the fields' deltas, each partial, so partial too
            for (Map.Entry<Bytes, Bytes> e : entries) {
                Mutation<ORMap> one = state.setRegister(ctx.replica(), ctx.timestampAfter(state.registerTimestamp(e.getKey())), e.getKey(), e.getValue());
                state = one.state();
                delta = delta == null ? one.delta() : delta.join(one.delta());
            }
            return new Mutation<>(state, delta);
        }, (before, after) -> (int) entries.stream().filter(e -> !before.contains(e.getKey())).count(), callbacks);
    }

    /** Removes several fields as observed here, in one write; completes with how many were there. */
    public CompletionStage<Written<Integer>> removeFields(List<Bytes> fields) {
        List<Bytes> distinct = fields.stream().distinct().toList();
        if (distinct.isEmpty()) {
            throw new IllegalArgumentException("no fields to remove");
        }
        return engine.<ORMap, Integer>write(key, CrdtType.OR_MAP, (m, ctx) -> {
            ORMap state = m;
            ORMap delta = null;
            for (Bytes field : distinct) {
                Mutation<ORMap> one = state.removeField(field);
                state = one.state();
                delta = delta == null ? one.delta() : delta.join(one.delta());
            }
            return new Mutation<>(state, delta);
        }, (before, after) -> (int) distinct.stream().filter(before::contains).count(), callbacks);
    }

    /** Adds elements to set field {@code field}; completes with how many were new. */
    public CompletionStage<Written<Integer>> addToSet(Bytes field, List<Bytes> given) {
        List<Bytes> elements = List.copyOf(given); // the write runs later, on the engine's loop
        return engine.<ORMap, Integer>write(key, CrdtType.OR_MAP,
                (m, ctx) -> m.updateSet(field, s -> s.addAll(ctx.replica(), elements)),
                (before, after) -> (int) elements.stream().distinct()
                        .filter(e -> before.set(field).map(s -> !s.contains(e)).orElse(true)).count(), callbacks);
    }

    /** Removes field {@code field} as observed here; completes with how many fields were removed (0 or 1). */
    public CompletionStage<Written<Integer>> removeField(Bytes field) {
        return engine.<ORMap, Integer>write(key, CrdtType.OR_MAP, (m, ctx) -> m.removeField(field),
                (before, after) -> before.contains(field) ? 1 : 0, callbacks);
    }

    /** The map as it is now: an immutable value. */
    public ORMap read() {
        return engine.viewed(key, CrdtType.OR_MAP);
    }
}
