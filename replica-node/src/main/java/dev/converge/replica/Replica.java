package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.Transport;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A replica embedded in the caller's JVM: typed documents by key, written locally with no
 * coordination (also while offline) and replicated to peers in the background.
 *
 * <p>Writes return a {@link CompletionStage} that completes, off the engine thread, once the
 * write is durable locally; reads return immutable values and never wait. A key keeps the type
 * of its first write: a write of another type fails with
 * {@link dev.converge.crdt.WrongTypeException}.
 */
public final class Replica implements AutoCloseable {

    private final Engine engine;
    private final Runnable release;

    private Replica(Engine engine, Runnable release) {
        this.engine = engine;
        this.release = release;
    }

    /**
     * A replica from parts the caller owns and will close: the store, the transport and the
     * environment (clock, randomness, loop, callback executor). The simulator and tests use this;
     * applications usually use the node runtime, which builds RocksDB, Netty and a thread.
     */
    public static Replica create(EngineConfig config, DocumentStore store, Transport transport, Environment environment) {
        return create(config, store, transport, environment, () -> { });
    }

    /** As {@link #create(EngineConfig, DocumentStore, Transport, Environment)}, running {@code release} after close. */
    public static Replica create(EngineConfig config, DocumentStore store, Transport transport, Environment environment,
                                 Runnable release) {
        Engine engine = new Engine(config, store, transport, environment);
        engine.start();
        return new Replica(engine, release);
    }

    public ReplicaId id() {
        return engine.self;
    }

    public CounterHandle counter(String key) {
        return counter(Bytes.of(key));
    }

    public CounterHandle counter(Bytes key) {
        return new CounterHandle(engine, key);
    }

    public RegisterHandle register(String key) {
        return register(Bytes.of(key));
    }

    public RegisterHandle register(Bytes key) {
        return new RegisterHandle(engine, key);
    }

    public MVRegisterHandle mvRegister(String key) {
        return mvRegister(Bytes.of(key));
    }

    public MVRegisterHandle mvRegister(Bytes key) {
        return new MVRegisterHandle(engine, key);
    }

    public SetHandle set(String key) {
        return set(Bytes.of(key));
    }

    public SetHandle set(Bytes key) {
        return new SetHandle(engine, key);
    }

    public FlagHandle flag(String key) {
        return flag(Bytes.of(key));
    }

    public FlagHandle flag(Bytes key) {
        return new FlagHandle(engine, key);
    }

    public MapHandle map(String key) {
        return map(Bytes.of(key));
    }

    public MapHandle map(Bytes key) {
        return new MapHandle(engine, key);
    }

    /** The document's state, whatever its type; empty when never written. */
    public Optional<Crdt<?>> read(Bytes key) {
        return engine.store.read(key);
    }

    /** Change events for {@code key}, local and remote. */
    public Subscription subscribe(Bytes key, ChangeListener listener) {
        return engine.subscribe(key, false, listener);
    }

    /** Change events for every key starting with {@code prefix}. */
    public Subscription subscribePrefix(Bytes prefix, ChangeListener listener) {
        return engine.subscribe(prefix, true, listener);
    }

    /**
     * Completes when {@code peers} peers have acknowledged the local log up to {@code seq} (a
     * {@link Written#seq()}), or when {@code timeout} passes, with the number that had by then.
     */
    public CompletionStage<Integer> awaitReplicated(long seq, int peers, Duration timeout) {
        return engine.awaitReplicated(seq, peers, timeout);
    }

    /** Replication state: log position, documents, and per peer acknowledged point, lag and contact. */
    public CompletionStage<SyncStatus> status() {
        return engine.status();
    }

    /** Stops replication and releases what {@link #create} was given to release. Waits for pending commits. */
    @Override
    public void close() {
        closeAsync().toCompletableFuture().join();
    }

    /** As {@link #close()}, without blocking: for callers on the engine's own loop, such as the simulator. */
    public CompletionStage<Void> closeAsync() {
        return engine.stop().thenRun(release);
    }
}
