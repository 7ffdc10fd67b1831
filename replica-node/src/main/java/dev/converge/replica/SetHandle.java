package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.ORSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** An add-wins set document. */
public final class SetHandle {

    private final Engine engine;
    private final Bytes key;
    /** Where the futures of this handle's writes run their dependent stages. */
    private final Executor callbacks;

    SetHandle(Engine engine, Bytes key, Executor callbacks) {
        this.engine = engine;
        this.key = key;
        this.callbacks = callbacks;
    }

    /** Adds the elements; completes with how many were not present before. */
    public CompletionStage<Written<Integer>> add(List<Bytes> given) {
        List<Bytes> elements = List.copyOf(given); // the write runs later, on the engine's loop
        return engine.<ORSet, Integer>write(key, CrdtType.OR_SET, (s, ctx) -> s.addAll(ctx.replica(), elements),
                (before, after) -> (int) elements.stream().distinct().filter(e -> !before.contains(e)).count(), callbacks);
    }

    public CompletionStage<Written<Integer>> add(Bytes... elements) {
        return add(List.of(elements));
    }

    /** Removes the elements as observed here; completes with how many were present. */
    public CompletionStage<Written<Integer>> remove(List<Bytes> given) {
        List<Bytes> elements = List.copyOf(given); // the write runs later, on the engine's loop
        return engine.<ORSet, Integer>write(key, CrdtType.OR_SET, (s, ctx) -> s.removeAll(elements),
                (before, after) -> (int) elements.stream().distinct().filter(before::contains).count(), callbacks);
    }

    public CompletionStage<Written<Integer>> remove(Bytes... elements) {
        return remove(List.of(elements));
    }

    public boolean contains(Bytes element) {
        return engine.<ORSet>viewed(key, CrdtType.OR_SET).contains(element);
    }

    /** The elements, ascending: an immutable view. */
    public Set<Bytes> elements() {
        return engine.<ORSet>viewed(key, CrdtType.OR_SET).elements();
    }

    public int size() {
        return engine.<ORSet>viewed(key, CrdtType.OR_SET).size();
    }
}
