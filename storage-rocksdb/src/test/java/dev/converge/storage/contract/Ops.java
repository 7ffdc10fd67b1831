package dev.converge.storage.contract;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.EWFlag;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.MVRegister;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.DocumentStore;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the engine does before a commit, for tests: read the document, apply a delta-mutator,
 * and make the {@link Change} carrying the delta and the new state.
 */
public final class Ops {

    private Ops() {
    }

    /** A change applying {@code op} to the document at {@code key} (bottom of {@code bottom}'s type when absent). */
    @SuppressWarnings("unchecked")
    public static <S extends Crdt<S>> Change change(DocumentStore store, Bytes key, S bottom, Function<S, Mutation<S>> op) {
        Optional<Crdt<?>> current = store.read(key);
        S state = current.isPresent() ? (S) current.get() : bottom;
        Mutation<S> m = op.apply(state);
        return new Change(key, m.delta(), m.state());
    }

    public static Change increment(DocumentStore store, Bytes key, ReplicaId replica, long amount) {
        return change(store, key, GCounter.empty(), c -> c.increment(replica, amount));
    }

    public static Change add(DocumentStore store, Bytes key, ReplicaId replica, long amount) {
        return change(store, key, PNCounter.empty(), c -> c.add(replica, amount));
    }

    public static Change setAdd(DocumentStore store, Bytes key, ReplicaId replica, Bytes element) {
        return change(store, key, ORSet.empty(), s -> s.add(replica, element));
    }

    public static Change setRemove(DocumentStore store, Bytes key, Bytes element) {
        return change(store, key, ORSet.empty(), s -> s.remove(element));
    }

    public static Change register(DocumentStore store, Bytes key, HybridTimestamp at, Bytes value) {
        return change(store, key, LWWRegister.empty(), r -> r.set(at.replica(), at, value));
    }

    public static Change mvWrite(DocumentStore store, Bytes key, ReplicaId replica, Bytes value) {
        return change(store, key, MVRegister.empty(), r -> r.write(replica, value));
    }

    public static Change enable(DocumentStore store, Bytes key, ReplicaId replica) {
        return change(store, key, EWFlag.empty(), f -> f.enable(replica));
    }

    public static Change mapIncrement(DocumentStore store, Bytes key, ReplicaId replica, Bytes field, long amount) {
        return change(store, key, ORMap.empty(), m -> m.increment(replica, field, amount));
    }

    public static Change mapSetAdd(DocumentStore store, Bytes key, ReplicaId replica, Bytes field, Bytes element) {
        return change(store, key, ORMap.empty(), m -> m.updateSet(field, s -> s.add(replica, element)));
    }

    public static Bytes bytes(String s) {
        return Bytes.of(s);
    }
}
