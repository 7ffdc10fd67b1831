package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.ORSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/** An add-wins set document. */
public final class SetHandle {

    private final Engine engine;
    private final Bytes key;

    SetHandle(Engine engine, Bytes key) {
        this.engine = engine;
        this.key = key;
    }

    /** Adds the elements; completes with how many were not present before. */
    public CompletionStage<Written<Integer>> add(List<Bytes> elements) {
        return engine.<ORSet, Integer>write(key, CrdtType.OR_SET, (s, ctx) -> s.addAll(ctx.replica(), elements),
                (before, after) -> (int) elements.stream().distinct().filter(e -> !before.contains(e)).count());
    }

    public CompletionStage<Written<Integer>> add(Bytes... elements) {
        return add(List.of(elements));
    }

    /** Removes the elements as observed here; completes with how many were present. */
    public CompletionStage<Written<Integer>> remove(List<Bytes> elements) {
        return engine.<ORSet, Integer>write(key, CrdtType.OR_SET, (s, ctx) -> s.removeAll(elements),
                (before, after) -> (int) elements.stream().distinct().filter(before::contains).count());
    }

    public CompletionStage<Written<Integer>> remove(Bytes... elements) {
        return remove(List.of(elements));
    }

    public boolean contains(Bytes element) {
        return engine.<ORSet>current(key, CrdtType.OR_SET).contains(element);
    }

    /** The elements, ascending: an immutable view. */
    public Set<Bytes> elements() {
        return engine.<ORSet>current(key, CrdtType.OR_SET).elements();
    }

    public int size() {
        return engine.<ORSet>current(key, CrdtType.OR_SET).size();
    }
}
