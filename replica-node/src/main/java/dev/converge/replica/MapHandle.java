package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.ORMap;
import java.util.List;
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

    /** Adds elements to set field {@code field}; completes with how many were new. */
    public CompletionStage<Written<Integer>> addToSet(Bytes field, List<Bytes> elements) {
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
        return engine.current(key, CrdtType.OR_MAP);
    }
}
