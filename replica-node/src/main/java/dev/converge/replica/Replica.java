package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.Transport;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A replica embedded in the caller's JVM: typed documents by key, written locally with no
 * coordination (also while offline) and replicated to peers in the background.
 *
 * <p>Writes return a {@link CompletionStage} that completes once the write is durable locally:
 * a caller waiting in {@code join} is woken by the engine itself, and stages attached to it run
 * on the callback executor (or the one chosen with {@link #completingOn}), never on the engine
 * thread; reads return immutable values and never
 * wait. A key keeps the type
 * of its first write: a write of another type fails with
 * {@link dev.converge.crdt.WrongTypeException}.
 */
public final class Replica implements AutoCloseable {

    private final Engine engine;
    private final Membership membership;
    private final Runnable release;
    /** Set by the first close of this replica or any of its views; completes when it is done. */
    private final AtomicReference<CompletableFuture<Void>> closing;
    /** Where the futures of writes, deletes and replication waits made through this object run dependent stages. */
    private final Executor callbacks;

    private Replica(Engine engine, Membership membership, Runnable release, AtomicReference<CompletableFuture<Void>> closing,
                    Executor callbacks) {
        this.engine = engine;
        this.membership = membership;
        this.release = release;
        this.closing = closing;
        this.callbacks = callbacks;
    }

    /**
     * This same replica, but the futures of writes, deletes and {@link #awaitReplicated} made
     * through the returned object run their dependent stages on {@code executor} instead of the
     * callback executor: for a caller that would hand each completion to its own thread anyway,
     * such as a server's event loop, and so saves a thread hand-off per call. The executor must
     * not run stages on the engine's thread, and must not block; once it refuses tasks (shut
     * down), completions fall back to the callback executor. {@link #removeMember}, {@link #status}
     * and {@link #whenRemoved} keep the callback executor. Closing either object closes the
     * replica.
     */
    public Replica completingOn(Executor executor) {
        if (executor == null) {
            throw new IllegalArgumentException("executor is null");
        }
        return new Replica(engine, membership, release, closing, executor);
    }

    /**
     * Opens a replica as {@code config} says: RocksDB (or memory) storage, a Netty transport when
     * it has peers or listens, one engine thread and the system clock. Close it to stop them.
     */
    public static Replica open(ReplicaConfig config) {
        return dev.converge.node.ReplicaRuntime.open(config);
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
        Membership membership = new Membership(engine, config.discoverMembers());
        membership.start();
        return new Replica(engine, membership, release, new AtomicReference<>(), engine.defaultCallbacks());
    }

    public ReplicaId id() {
        return engine.self;
    }

    /** Where this replica accepts peers, when it listens. */
    public Optional<Endpoint> listenEndpoint() {
        return engine.transport.boundEndpoint();
    }

    /** Keeps a link to the peer at {@code endpoint}, reconnecting as needed. */
    public void connect(Endpoint endpoint) {
        engine.transport.connect(endpoint);
    }

    public CounterHandle counter(String key) {
        return counter(Bytes.of(key));
    }

    public CounterHandle counter(Bytes key) {
        return new CounterHandle(engine, key, callbacks);
    }

    public RegisterHandle register(String key) {
        return register(Bytes.of(key));
    }

    public RegisterHandle register(Bytes key) {
        return new RegisterHandle(engine, key, callbacks);
    }

    public MVRegisterHandle mvRegister(String key) {
        return mvRegister(Bytes.of(key));
    }

    public MVRegisterHandle mvRegister(Bytes key) {
        return new MVRegisterHandle(engine, key, callbacks);
    }

    public SetHandle set(String key) {
        return set(Bytes.of(key));
    }

    public SetHandle set(Bytes key) {
        return new SetHandle(engine, key, callbacks);
    }

    public FlagHandle flag(String key) {
        return flag(Bytes.of(key));
    }

    public FlagHandle flag(Bytes key) {
        return new FlagHandle(engine, key, callbacks);
    }

    public MapHandle map(String key) {
        return map(Bytes.of(key));
    }

    public MapHandle map(Bytes key) {
        return new MapHandle(engine, key, callbacks);
    }

    /** The document's state, whatever its type; empty when never written. */
    public Optional<Crdt<?>> read(Bytes key) {
        return engine.store.read(key);
    }

    /**
     * Deletes the document as observed here (observed-remove: an update this replica has not seen
     * survives); completes with whether it existed. The key keeps its type until the deletion is
     * collected once every replica has seen it.
     */
    public CompletionStage<Written<Boolean>> delete(Bytes key) {
        return engine.delete(key, callbacks);
    }

    /**
     * Sets the register of each key to its value, as one unit: if any key is refused (it holds
     * another type, is reserved or too long, or its value is too large to replicate), nothing is
     * written and the future fails with that key's reason. Otherwise the writes share one commit
     * (one durable write, one log entry sent to each peer whole), or consecutive commits when
     * together they pass {@code maxBatchBytes} or {@code maxDocumentsPerMessage}; the future
     * completes with the number of keys once all are durable. Each register is written as
     * {@code register(key).set(value)} would write it.
     */
    public CompletionStage<Written<Integer>> setRegisters(Map<Bytes, Bytes> values) {
        Map<Bytes, Bytes> copy = new LinkedHashMap<>(values); // the caller's order, in case it is one
        if (copy.containsKey(null) || copy.containsValue(null)) {
            throw new IllegalArgumentException("a key or value is null");
        }
        return engine.setRegisters(Collections.unmodifiableMap(copy), callbacks);
    }

    /**
     * Deletes several documents as one unit, each as {@link #delete(Bytes)} would: if any key is
     * refused (reserved, a document that cannot be deleted, a delete too large to replicate),
     * nothing is deleted and the future fails with that key's reason. Otherwise the deletes share
     * commits as {@link #setRegisters} writes do; the future completes with how many of the keys
     * existed.
     */
    public CompletionStage<Written<Integer>> delete(Collection<Bytes> keys) {
        Set<Bytes> copy = new LinkedHashSet<>(keys);
        if (copy.contains(null)) {
            throw new IllegalArgumentException("a key is null");
        }
        return engine.deleteAll(Collections.unmodifiableSet(copy), callbacks);
    }

    /** Whether the document shows anything: written and not deleted since. */
    public boolean exists(Bytes key) {
        return engine.store.read(key).map(Engine::exists).orElse(false);
    }

    /** Whether a document's state shows anything, as {@link #exists} tells of a key. */
    public static boolean showsAnything(Crdt<?> document) {
        return Engine.exists(document);
    }

    /**
     * Up to {@code limit} document keys in ascending order, from {@code fromInclusive} (null: the
     * first); the cluster's own documents (keys starting with a zero byte and "converge/") are left out.
     */
    public List<Bytes> keys(Bytes fromInclusive, int limit) {
        // At most two reserved documents exist: two more keys than asked for leave enough after filtering.
        List<Bytes> keys = engine.store.keys(fromInclusive, null, limit > Integer.MAX_VALUE - 2 ? limit : limit + 2);
        return keys.stream().filter(k -> !Membership.reserved(k)).limit(limit).toList();
    }

    /**
     * Whether {@code store} already records its own replica's removal from the cluster, read before
     * the replica starts (once started, a link may bring the removal at any moment).
     */
    public static boolean removalRecorded(DocumentStore store) {
        return Membership.removedOf(store.read(Membership.REMOVED).orElse(null)).contains(store.replicaId());
    }

    /** Whether {@code key} is one of the cluster's own documents, which users cannot write. */
    public static boolean reservedKey(Bytes key) {
        return Membership.reserved(key);
    }

    /** Number of documents, the cluster's own left out. */
    public long documentCount() {
        return Membership.userDocuments(engine.store);
    }

    /** The cluster's members as this replica knows them, itself included. */
    public List<Member> members() {
        return membership.members();
    }

    /**
     * Removes {@code member} from the cluster, for good: once the removal has replicated, no
     * replica exchanges anything with it, and it stops replicating itself when it learns of it.
     * An administrative act, never a timer's (a suspected or unreachable member stays a member).
     * Completes with whether it was not removed before.
     */
    public CompletionStage<Written<Boolean>> removeMember(ReplicaId member) {
        return membership.remove(member);
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
        return engine.awaitReplicated(seq, peers, timeout, callbacks);
    }

    /**
     * Completes once this replica learns that an administrator removed it from the cluster (from
     * then on it refuses writes), with its local writes no remaining member acknowledged; never
     * completes while it is a member.
     */
    public CompletionStage<Removal> whenRemoved() {
        return engine.whenRemoved();
    }

    /** Whether this replica's own store records its removal from the cluster. */
    public boolean removedFromCluster() {
        return members().stream().anyMatch(m -> m.id().equals(id()) && m.removed());
    }

        /** Replication state: log position, documents, and per peer acknowledged point, lag and contact. */
    public CompletionStage<SyncStatus> status() {
        return engine.status();
    }

    /**
     * Stops replication, waits for pending commits, then releases what {@link #create} was given
     * to release. A close while another is under way waits for that one; a later one returns.
     */
    @Override
    public void close() {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> first = closing.compareAndExchange(null, mine);
        if (first != null) {
            first.join();
            return;
        }
        try {
            membership.stop();
            engine.stop().toCompletableFuture().join();
            release.run();
            mine.complete(null);
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** As {@link #close()}, without blocking: for callers on the engine's own loop, such as the simulator. */
    public CompletionStage<Void> closeAsync() {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> first = closing.compareAndExchange(null, mine);
        if (first != null) {
            return first;
        }
        membership.stop();
        engine.stop().thenRun(release).whenComplete((v, e) -> {
            if (e != null) {
                mine.completeExceptionally(e);
            } else {
                mine.complete(null);
            }
        });
        return mine;
    }
}
