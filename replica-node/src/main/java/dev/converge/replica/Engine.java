package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.EWFlag;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.MVRegister;
import dev.converge.crdt.Merged;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.TypeConflict;
import dev.converge.crdt.WrongTypeException;
import dev.converge.crdt.causal.ClockDriftException;
import dev.converge.crdt.causal.HybridClock;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.replica.sync.RemoteApplier;
import dev.converge.replica.sync.SyncProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica engine: serialises every write on the event loop (so writers of one document never
 * race), commits through the {@link DocumentStore} port, merges what peers send, and drives the
 * {@link SyncProtocol}. All its mutable state is touched only on the loop; transport callbacks and
 * user calls hop onto it.
 */
final class Engine implements RemoteApplier, Transport.Listener, SyncProtocol.Observer {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    /** What a write operation may use: who is writing, and timestamps that win. */
    interface WriteContext {
        ReplicaId replica();

        /** A fresh hybrid timestamp ordered after {@code current} (when present) and after every earlier one. */
        HybridTimestamp timestampAfter(Optional<HybridTimestamp> current);
    }

    /** A mutator applied to the document's current state. */
    @FunctionalInterface
    interface WriteOp<S extends Crdt<S>> {
        Mutation<S> apply(S state, WriteContext context);
    }

    /** What a write returns to its caller, computed from the states before and after. */
    @FunctionalInterface
    interface Outcome<S, V> {
        V of(S before, S after);
    }

    private record Waiter(long seq, int peers, UserFuture<Integer> future) {
    }

    final ReplicaId self;
    final DocumentStore store;
    final Transport transport;
    private final Environment env;
    private final EngineConfig config;
    private final HybridClock clock;
    private final SyncProtocol protocol;
    private final Subscriptions subscriptions;
    private final List<Waiter> waiters = new ArrayList<>();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong typeConflicts = new AtomicLong();
    private final InboundGate inbound;
    private final WriteContext writeContext;
    private CompletionStage<Long> lastCommit;
    /** Whether a task that writes the deferred local commits is queued on the loop (see {@link #commitLocal}). */
    private boolean deferredWriteScheduled;
    private EventLoop.Cancellable tick;
    private volatile boolean closed;
    /** Written on the loop only (see {@link #exclude}); read elsewhere for a fast path. */
    private volatile Set<ReplicaId> removed = Set.of();
    /** Set by {@link #exclude}: this replica no longer replicates. */
    private boolean selfRemoved;
    /** Set in the loop turn that stores this replica's removal, before {@link #exclude} learns of it. */
    private boolean writesRefused;
    private final UserFuture<Removal> removal;

    Engine(EngineConfig config, DocumentStore store, Transport transport, Environment env) {
        this.self = store.replicaId();
        if (!transport.localId().equals(self)) {
            throw new IllegalArgumentException("store belongs to " + self + " but transport speaks for " + transport.localId());
        }
        this.store = store;
        this.transport = transport;
        this.inbound = new InboundGate(transport, config.maxInboundMessages(), config.maxInboundBytes());
        this.env = env;
        this.config = config;
        this.clock = new HybridClock(self, env.clock(), config.maxClockDriftMillis(), store.clockHighWater().orElse(null));
        this.subscriptions = new Subscriptions(env.callbacks(), config.maxPendingEventsPerSubscriber());
        this.removal = new UserFuture<>(env.callbacks());
        this.protocol = new SyncProtocol(self, config.sync(), store, transport, this, env.loop(), env.random(), this);
        this.lastCommit = CompletableFuture.completedFuture(store.lastSeq());
        this.writeContext = new WriteContext() {
            @Override
            public ReplicaId replica() {
                return self;
            }

            @Override
            public HybridTimestamp timestampAfter(Optional<HybridTimestamp> current) {
                if (current.isEmpty()) {
                    return clock.now();
                }
                try {
                    return clock.update(current.get());
                } catch (ClockDriftException e) {
                    throw new IllegalStateException("the value to overwrite was written " + (e.remote().physicalMillis()
                            - e.localPhysicalMillis()) + " ms in the future of this replica's clock; a write cannot win over it", e);
                }
            }
        };
    }

    void start() {
        transport.start(this);
        env.loop().execute(this::scheduleTick);
    }

    private void scheduleTick() {
        if (!closed) {
            tick = env.loop().schedule(config.sync().gossipIntervalMillis(), () -> {
                if (!closed) {
                    if (!selfRemoved) {
                        // A removed replica has no peers left, and a round would truncate its whole
                        // log: the unsynced writes it exports (again at its next start) live there.
                        protocol.onTick(env.loop().nowMillis());
                    }
                    scheduleTick();
                }
            });
        }
    }

    // ------------------------------------------------------------------ local writes and reads

    /** A user's write; its future runs dependent stages on {@code callbacks}. */
    <S extends Crdt<S>, V> CompletionStage<Written<V>> write(Bytes key, CrdtType type, WriteOp<S> op, Outcome<S, V> outcome,
                                                          Executor callbacks) {
        return write(key, type, op, outcome, false, callbacks);
    }

    /** The cluster's own write to a reserved key; its future runs dependent stages on the callback executor. */
    <S extends Crdt<S>, V> CompletionStage<Written<V>> systemWrite(Bytes key, CrdtType type, WriteOp<S> op, Outcome<S, V> outcome) {
        return write(key, type, op, outcome, true, env.callbacks());
    }

    /** The environment's callback executor: where user futures run dependent stages unless a caller chose another. */
    Executor defaultCallbacks() {
        return env.callbacks();
    }

    private <S extends Crdt<S>, V> CompletionStage<Written<V>> write(Bytes key, CrdtType type, WriteOp<S> op, Outcome<S, V> outcome,
                                                                  boolean system, Executor callbacks) {
        UserFuture<Written<V>> result = new UserFuture<>(callbacks, env.callbacks());
        call(result, () -> {
            if (!system) {
                refuseReserved(key);
            }
            refuseLongKey(key);
            refuseIfRemoved();
            Crdt<?> document = store.read(key).orElse(null);
            S before = as(key, document, type, false);
            Mutation<S> m = op.apply(before, writeContext);
            V value = outcome.of(before, m.state());
            if (m.delta().isBottom()) {
                long seq = store.lastSeq();
                lastCommit.whenComplete((s, e) -> complete(result, new Written<>(value, seq), e));
                return;
            }
            Crdt<?> state = document instanceof TypeConflict c ? c.with(m.state()) : m.state();
            Change change = new Change(key, m.delta(), state);
            refuseUnsendable(change, "the write's delta", "split it into smaller writes");
            commitLocal(change, result, value);
        });
        return result;
    }

    /**
     * Sets several registers as one unit: every key is checked first (reserved, too long, holding
     * another type, a value too large to replicate) and any refusal fails the call with nothing
     * written. The changes then go into one commit (one durable write, one log entry, one batch to
     * each peer) or, past {@code maxBatchBytes} or {@code maxDocumentsPerMessage} together, into
     * consecutive commits each within both. Completes with the number of keys set, once every
     * commit is durable. Done in one loop task, so no peer's update of another type can come
     * between the checks and the writes.
     */
    CompletionStage<Written<Integer>> setRegisters(Map<Bytes, Bytes> values, Executor callbacks) {
        UserFuture<Written<Integer>> result = new UserFuture<>(callbacks, env.callbacks());
        call(result, () -> {
            refuseIfRemoved();
            List<Change> changes = new ArrayList<>(values.size());
            for (Map.Entry<Bytes, Bytes> e : values.entrySet()) {
                Bytes key = e.getKey();
                refuseReserved(key);
                refuseLongKey(key);
                Crdt<?> document = store.read(key).orElse(null);
                LWWRegister before = as(key, document, CrdtType.LWW_REGISTER, false);
                Mutation<LWWRegister> m = before.set(self, writeContext.timestampAfter(before.timestamp()), e.getValue());
                Crdt<?> state = document instanceof TypeConflict c ? c.with(m.state()) : m.state();
                Change change = new Change(key, m.delta(), state);
                refuseUnsendable(change, "the write's delta for '" + key + "'", "split it into smaller writes");
                changes.add(change);
            }
            commitLocal(changes, result, changes.size());
        });
        return result;
    }

    /**
     * Deletes several documents as one unit, each as {@link #delete} would: every key is checked
     * first (reserved, a document that cannot be deleted, a delete too large to replicate) and any
     * refusal fails the call with nothing deleted; the deletes then share commits as
     * {@link #setRegisters} does. Completes with the number of keys that existed.
     */
    CompletionStage<Written<Integer>> deleteAll(Set<Bytes> keys, Executor callbacks) {
        UserFuture<Written<Integer>> result = new UserFuture<>(callbacks, env.callbacks());
        call(result, () -> {
            refuseIfRemoved();
            List<Change> changes = new ArrayList<>(keys.size());
            for (Bytes key : keys) {
                refuseReserved(key);
                Crdt<?> current = store.read(key).orElse(null);
                if (current != null && exists(current)) {
                    Change deletion = deletion(key, current);
                    refuseUnsendable(deletion, "deleting '" + key + "' takes a delta",
                            "remove its fields or elements in smaller groups first (HDEL, SREM), then delete it");
                    changes.add(deletion);
                }
            }
            commitLocal(changes, result, changes.size());
        });
        return result;
    }

    /**
     * Deletes the document as observed here, whatever its type: a counter resets, a register is
     * overwritten with a timestamped absence, sets, maps, flags and multi-value registers remove
     * what they hold. An update this replica has not seen survives. The key keeps its type.
     */
    CompletionStage<Written<Boolean>> delete(Bytes key, Executor callbacks) {
        UserFuture<Written<Boolean>> result = new UserFuture<>(callbacks, env.callbacks());
        call(result, () -> {
            refuseReserved(key);
            refuseIfRemoved();
            Crdt<?> current = store.read(key).orElse(null);
            if (current == null || !exists(current)) {
                long seq = store.lastSeq();
                lastCommit.whenComplete((s, e) -> complete(result, new Written<>(false, seq), e));
                return;
            }
            Change deletion = deletion(key, current);
            // A clear names every dot it removes: a large document scattered by overwrites makes a large delete.
            refuseUnsendable(deletion, "deleting '" + key + "' takes a delta",
                    "remove its fields or elements in smaller groups first (HDEL, SREM), then delete it");
            commitLocal(deletion, result, true);
        });
        return result;
    }

    /**
     * A log entry over {@code maxBatchBytes} could never be sent to a peer: every push and round
     * would stop at it, holding back every later entry until a catch-up moved past it. The entry
     * carries the key with the delta.
     */
    private void refuseUnsendable(Change change, String what, String advice) {
        long entryBytes = (long) change.key().length() + CrdtCodec.encodedSize(change.delta());
        if (entryBytes > config.sync().maxBatchBytes()) {
            throw new IllegalArgumentException(what + " of " + entryBytes + " bytes with its key, more than maxBatchBytes ("
                    + config.sync().maxBatchBytes() + "); " + advice);
        }
    }

    /**
     * At most a quarter of {@code maxBatchBytes}: a catch-up sends a document in parts of
     * {@code maxBatchBytes} less its key, and each part must leave room for the value.
     */
    private void refuseLongKey(Bytes key) {
        int max = config.sync().maxBatchBytes() / 4;
        if (key.length() > max) {
            throw new IllegalArgumentException("a key of " + key.length() + " bytes is longer than the " + max
                    + " bytes a key may have (a quarter of maxBatchBytes), or it could not be replicated");
        }
    }

    /**
     * Runs a user call's task on the loop. Its future fails, rather than never completing, when
     * the replica is closed (before the call, or while the task waited), when the loop no longer
     * takes tasks, or when the task throws, errors included: an executor would swallow those.
     */
    private void call(UserFuture<?> result, Runnable task) {
        if (closed) {
            complete(result, null, closedFailure());
            return;
        }
        try {
            env.loop().execute(() -> {
                try {
                    if (closed) {
                        throw closedFailure();
                    }
                    task.run();
                } catch (RuntimeException e) {
                    complete(result, null, e);
                } catch (Error e) {
                    complete(result, null, e);
                    throw e;
                }
            });
        } catch (RejectedExecutionException stopped) {
            complete(result, null, closedFailure());
        }
    }

    private IllegalStateException closedFailure() {
        return new IllegalStateException("replica " + self + " is closed");
    }

    /** Runs engine work on the loop; dropped once the loop has stopped (the replica is closing). */
    private void loop(Runnable task) {
        try {
            env.loop().execute(task);
        } catch (RejectedExecutionException stopped) {
            LOG.debug("replica {} is closed: engine task dropped", self);
        }
    }

    /**
     * Commits a local write and answers {@code result} with {@code value} once it is durable,
     * leaving its disk write to the end of the loop's current burst: local
     * writes queued on the loop together (a client's pipeline, many callers at once) then share
     * one write to disk instead of paying one each. Each keeps its own commit, sequence number and
     * log entry, and reads see it at once.
     */
    private <V> void commitLocal(Change change, UserFuture<Written<V>> result, V value) {
        refuseWritesOnceRemovedBy(change.key(), change.state());
        CompletionStage<Long> committed = store.commitDeferred(new Commit(self, List.of(change), Map.of(), Optional.of(clock.last())));
        lastCommit = committed;
        scheduleDeferredWrite();
        committed.whenComplete((seq, failure) -> {
            complete(result, failure == null ? new Written<>(value, seq) : null, failure);
            if (failure == null) {
                subscriptions.publish(change.key(), change.state(), true);
                loop(() -> protocol.onLocalCommit(seq, env.loop().nowMillis()));
            }
        });
    }

    /**
     * {@link #commitLocal(Change, UserFuture, Object)} for several changes: consecutive commits of
     * at most {@code maxBatchBytes} (each change alone fits: callers refuse unsendable ones) and
     * {@code maxDocumentsPerMessage} changes, so that each log entry can be sent whole; answers
     * {@code result} once all are durable (no changes: once the commits before are). Each commit
     * is atomic; several may reach the disk in different writes, so a crash can keep the first
     * commits of a split call and lose the rest (the caller then had no answer, or a failure).
     */
    private <V> void commitLocal(List<Change> changes, UserFuture<Written<V>> result, V value) {
        if (changes.isEmpty()) {
            long seq = store.lastSeq();
            lastCommit.whenComplete((s, failure) -> complete(result, new Written<>(value, seq), failure));
            return;
        }
        // First: should a later chunk's commit throw, the earlier ones still get written.
        scheduleDeferredWrite();
        List<CompletableFuture<Long>> commits = new ArrayList<>();
        int from = 0;
        while (from < changes.size()) {
            long bytes = 0;
            int to = from;
            while (to < changes.size() && to - from < config.sync().maxDocumentsPerMessage()) {
                Change c = changes.get(to);
                long entryBytes = (long) c.key().length() + CrdtCodec.encodedSize(c.delta());
                if (to > from && bytes + entryBytes > config.sync().maxBatchBytes()) {
                    break;
                }
                bytes += entryBytes;
                to++;
            }
            List<Change> chunk = List.copyOf(changes.subList(from, to));
            CompletionStage<Long> committed = store.commitDeferred(new Commit(self, chunk, Map.of(), Optional.of(clock.last())));
            lastCommit = committed;
            committed.whenComplete((seq, failure) -> {
                if (failure == null) {
                    for (Change c : chunk) {
                        subscriptions.publish(c.key(), c.state(), true);
                    }
                    loop(() -> protocol.onLocalCommit(seq, env.loop().nowMillis()));
                }
            });
            commits.add(committed.toCompletableFuture());
            from = to;
        }
        CompletableFuture<Long> last = commits.get(commits.size() - 1);
        CompletableFuture.allOf(commits.toArray(new CompletableFuture<?>[0])).whenComplete((v, failure) ->
                // allOf wraps a commit's failure; the caller gets it as a one-key write would.
                complete(result, failure == null ? new Written<>(value, last.join()) : null,
                        failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure));
    }

    /** Writes the commits left deferred at the end of the loop's current burst, once per burst. */
    private void scheduleDeferredWrite() {
        if (!deferredWriteScheduled) {
            deferredWriteScheduled = true;
            loop(() -> {
                deferredWriteScheduled = false;
                writeDeferred();
            });
        }
    }

    private void writeDeferred() {
        try {
            store.writeDeferred();
        } catch (RuntimeException e) {
            // A closed or failed store: the deferred commits' futures say so (or the close does).
            LOG.debug("writing deferred commits: {}", e.getMessage());
        }
    }

    private static void refuseReserved(Bytes key) {
        if (Membership.reserved(key)) {
            throw new IllegalArgumentException("key " + key + " is reserved for the cluster's own documents (they start with "
                    + Membership.SYSTEM_PREFIX + ")");
        }
    }

    /** A removed replica's writes would never reach anyone: refused, rather than kept where no one sees them. */
    private void refuseIfRemoved() {
        if (writesRefused) {
            throw new IllegalStateException("replica " + self + " was removed from the cluster and accepts no writes; to take "
                    + "part again, start on an empty data directory (it joins under a new id)");
        }
    }

    /**
     * Refuses writes from the loop turn that stores this replica's removal, before anyone can read
     * it: membership learns of the removal later, through a subscription, and a write queued in
     * between would otherwise be accepted after a reader already saw the replica listed removed.
     * Replication stops only then ({@link #exclude}): acknowledgements arriving in between still
     * count, so the export of unacknowledged writes lists no write a peer confirmed.
     */
    private void refuseWritesOnceRemovedBy(Bytes key, Crdt<?> state) {
        if (!writesRefused && key.equals(Membership.REMOVED) && state instanceof ORSet set && set.contains(Bytes.of(self.toString()))) {
            writesRefused = true;
        }
    }

    /**
     * The delete of a document that exists: every type it holds is deleted as observed here (all
     * or none: a grow-only counter, which only a peer can have sent, makes the whole delete fail).
     */
    private Change deletion(Bytes key, Crdt<?> current) {
        if (current instanceof TypeConflict c) {
            List<Crdt<?>> deltas = new ArrayList<>();
            Crdt<?> state = c;
            for (Crdt<?> part : c.parts()) {
                if (part instanceof GCounter && exists(part)) {
                    deletion(part); // throws: a grow-only counter cannot be deleted
                }
            }
            for (Crdt<?> part : c.parts()) {
                if (exists(part)) {
                    Mutation<?> m = deletion(part);
                    deltas.add(m.delta());
                    state = ((TypeConflict) state).with(m.state());
                }
            }
            Crdt<?> delta = deltas.get(0);
            for (Crdt<?> d : deltas.subList(1, deltas.size())) {
                delta = Crdt.joinAny(delta, d);
            }
            return new Change(key, delta, state);
        }
        Mutation<?> m = deletion(current);
        return new Change(key, m.delta(), m.state());
    }

    private Mutation<?> deletion(Crdt<?> current) {
        if (current instanceof PNCounter c) {
            return c.reset();
        }
        if (current instanceof LWWRegister r) {
            return r.clear(self, writeContext.timestampAfter(r.timestamp()));
        }
        if (current instanceof ORSet s) {
            return s.clear();
        }
        if (current instanceof ORMap m) {
            return m.clear();
        }
        if (current instanceof EWFlag f) {
            return f.disable();
        }
        if (current instanceof MVRegister r) {
            return r.clear();
        }
        throw new UnsupportedOperationException("a " + current.type() + " cannot be deleted: it only grows");
    }

    private static boolean othersShow(TypeConflict c, CrdtType type) {
        return c.parts().stream().anyMatch(p -> p.type() != type && exists(p));
    }

    /** Whether a document shows anything: written and not deleted since (as a Redis key exists). */
    static boolean exists(Crdt<?> state) {
        if (state instanceof TypeConflict c) {
            return c.parts().stream().anyMatch(Engine::exists);
        }
        if (state instanceof PNCounter c) {
            return c.hasUpdates();
        }
        if (state instanceof GCounter c) {
            return !c.isBottom();
        }
        if (state instanceof LWWRegister r) {
            return r.value().isPresent();
        }
        if (state instanceof ORSet s) {
            return !s.isEmpty();
        }
        if (state instanceof ORMap m) {
            return m.size() > 0;
        }
        if (state instanceof EWFlag f) {
            return f.value();
        }
        return !((MVRegister) state).values().isEmpty();
    }

    /** Settles a user's future: a caller blocked on it wakes now; its dependents run on the callback executor. */
    private static <V> void complete(UserFuture<V> future, V value, Throwable failure) {
        future.settle(value, failure);
    }

    /**
     * For reads: the document as type {@code type}, bottom when absent; a deleted document of
     * another type shows nothing, as an absent key would (a write of the other type is still
     * refused: the key keeps its type until the deletion is collected).
     */
    <S extends Crdt<S>> S viewed(Bytes key, CrdtType type) {
        return as(key, store.read(key).orElse(null), type, true);
    }

    /**
     * {@code document} (the state of {@code key}, null when absent) as type {@code type}. A key
     * written as several types at once ({@link TypeConflict}) reads per type; a write needs its
     * type's part and no other type showing anything (delete the key to write one type again).
     */
    @SuppressWarnings("unchecked")
    private static <S extends Crdt<S>> S as(Bytes key, Crdt<?> document, CrdtType type, boolean forRead) {
        if (document == null) {
            return (S) type.bottom();
        }
        if (document.type() == type) {
            return (S) document;
        }
        if (document instanceof TypeConflict c) {
            Crdt<?> part = c.part(type).orElse(null);
            boolean othersShow = othersShow(c, type);
            if (part != null && (forRead || !othersShow)) {
                return (S) part;
            }
            if (forRead && !othersShow) {
                return (S) type.bottom();
            }
            String types = c.parts().stream().map(p -> p.type().toString()).collect(Collectors.joining(" and "));
            throw new WrongTypeException("key '" + key + "' (written as " + types + " on different replicas at once; "
                    + (othersShow ? "delete it to write one type" : "deleted, it keeps those types: write one of them") + ")", c.type(), type);
        }
        if (forRead && !exists(document)) {
            return (S) type.bottom();
        }
        throw new WrongTypeException("key '" + key + "'", document.type(), type);
    }

    // ------------------------------------------------------------------ remote merges (on the loop)

    @Override
    public CompletionStage<Long> apply(ReplicaId peer, List<Document> documents) {
        Map<Bytes, Change> changes = new LinkedHashMap<>();
        for (Document d : documents) {
            if (Membership.reserved(d.key()) && !Membership.fitsReserved(d.key(), d.value())) {
                rejected.incrementAndGet();
                LOG.warn("refused a {} from {} for the cluster's own document '{}', which has another type", d.value().type(), peer, d.key());
                continue;
            }
            Change pendingChange = changes.get(d.key());
            Crdt<?> state = pendingChange != null ? pendingChange.state() : store.read(d.key()).orElse(null);
            observeTimestamps(d.value());
            Merged m = Crdt.mergeAny(state == null ? d.value().type().bottom() : state, d.value());
            if (m.changed()) {
                Crdt<?> delta = pendingChange == null ? m.effectiveDelta() : Crdt.joinAny(pendingChange.delta(), m.effectiveDelta());
                changes.put(d.key(), new Change(d.key(), delta, m.state()));
            }
        }
        if (changes.isEmpty()) {
            // Nothing new, but what made it so may still be on its way to disk: wait for it.
            return lastCommit.thenApply(seq -> -1L);
        }
        List<Change> list = List.copyOf(changes.values());
        for (Change c : list) {
            refuseWritesOnceRemovedBy(c.key(), c.state());
            noteTypeConflict(peer, c);
        }
        CompletionStage<Long> committed = store.commit(new Commit(peer, list, Map.of(), Optional.of(clock.last())));
        lastCommit = committed;
        return committed.thenApply(seq -> {
            for (Change c : list) {
                subscriptions.publish(c.key(), c.state(), false);
            }
            return seq;
        });
    }

    /**
     * Counts and logs a key that held one type here and now holds several: once per key and
     * replica, whether the other type came whole or in parts, and not on a replica that received
     * the key already in conflict.
     */
    private void noteTypeConflict(ReplicaId peer, Change c) {
        if (c.state() instanceof TypeConflict conflict) {
            Crdt<?> held = store.read(c.key()).orElse(null);
            if (held != null && !(held instanceof TypeConflict)) {
                typeConflicts.incrementAndGet();
                LOG.warn("key '{}' held a {} here and was written as another type at {} concurrently: it now holds {}, each kept "
                        + "(reads per type as before; writes refused while another type shows anything: delete it to make it one "
                        + "type again)", c.key(), held.type(), peer, conflict.parts().stream().map(p -> p.type().toString()).toList());
            }
        }
    }

    /** Moves the local clock past timestamps seen in remote writes, so later local writes order after them. */
    private void observeTimestamps(Crdt<?> value) {
        if (value instanceof TypeConflict c) {
            c.part(CrdtType.LWW_REGISTER).ifPresent(this::observeTimestamps);
        } else if (value instanceof LWWRegister r) {
            r.timestamp().ifPresent(ts -> {
                try {
                    clock.update(ts);
                } catch (ClockDriftException e) {
                    LOG.warn("not advancing the clock: {}", e.getMessage());
                }
            });
        }
    }

    // ------------------------------------------------------------------ transport events (transport threads)

    @Override
    public void onLinkUp(ReplicaId peer) {
        loop(() -> {
            if (!excluded(peer)) {
                protocol.onLinkUp(peer, env.loop().nowMillis());
            } else if (!selfRemoved) {
                farewell(peer);
            }
        });
    }

    /**
     * Tells a removed replica so, once per link: the one message it still gets is the removal
     * document, which it merges on arrival (the batch covers no interval of the log, so it moves
     * no position) and so learns to stop. Over a link that is down, nothing is sent.
     */
    private void farewell(ReplicaId peer) {
        if (!transport.connectedPeers().contains(peer)) {
            return;
        }
        store.read(Membership.REMOVED).ifPresent(state -> {
            long last = store.lastSeq();
            transport.send(peer, new DeltaBatch(last, last, List.of(new Document(Membership.REMOVED, state)), 0));
        });
    }

    /** Whether nothing is exchanged with {@code peer}: it was removed from the cluster, or this replica was. */
    private boolean excluded(ReplicaId peer) {
        return selfRemoved || removed.contains(peer);
    }

    /**
     * The replicas removed from the cluster, as membership last read them: links to them are
     * ignored, their messages dropped, and the protocol forgets them (they no longer hold back log
     * truncation). When this replica is among them, it stops replicating altogether.
     */
    void exclude(Set<ReplicaId> removedNow) {
        if (removed.containsAll(removedNow)) {
            return; // nothing new (removals only accumulate): no task on the loop
        }
        loop(() -> {
            Set<ReplicaId> fresh = new HashSet<>(removedNow);
            fresh.removeAll(removed);
            if (fresh.isEmpty()) {
                return;
            }
            removed = Set.copyOf(removedNow);
            // This replica last: members removed with it must not count as having its writes.
            List<ReplicaId> order = new ArrayList<>(fresh);
            order.sort(java.util.Comparator.comparing(self::equals));
            for (ReplicaId peer : order) {
                if (peer.equals(self)) {
                    selfRemoved = true;
                    writesRefused = true;
                    LOG.error("this replica ({}) was removed from the cluster: it no longer replicates and refuses writes. Its "
                            + "data stays here; to take part again, start it on an empty data directory (it joins under a new id)", self);
                    Removal r = unsynced();
                    protocol.forgetAll();
                    complete(removal, r, null);
                } else {
                    LOG.info("replica {} was removed from the cluster: no longer replicating with it", peer);
                    farewell(peer);
                    protocol.forget(peer);
                }
            }
            // Their acknowledgements would otherwise stay recorded for good (commits merge them by
            // maximum), and come back as a peer at every start. A removed replica keeps those of the
            // remaining members: they say which of its writes reached the cluster.
            fresh.remove(self);
            if (!fresh.isEmpty()) {
                store.forgetAcks(fresh);
            }
        });
    }

    /**
     * This replica's own log entries past every peer's acknowledgement as recorded here: each peer
     * acknowledges a prefix of the log, so an entry above the highest acknowledged point reached
     * no one. Conservative: acknowledgements are recorded once per gossip round, so one that came
     * just before a restart may be missing and its writes listed although a member has them.
     */
    private Removal unsynced() {
        long[] highest = {0};
        protocol.forEachPeer((peer, connected, acked, contact, behind, catchingUp, suspected) -> highest[0] = Math.max(highest[0], acked));
        List<Removal.UnsyncedWrite> writes = new ArrayList<>();
        boolean complete = true;
        long after = highest[0];
        while (true) {
            var slice = store.readDeltaLog(after, 1 << 20);
            complete &= !slice.truncated();
            if (slice.entries().isEmpty()) {
                break;
            }
            for (var entry : slice.entries()) {
                if (entry.origin().equals(self)) {
                    for (Document d : entry.deltas()) {
                        if (!Membership.reserved(d.key())) { // the cluster's own documents are not the user's writes
                            writes.add(new Removal.UnsyncedWrite(entry.seq(), d.key(), d.value()));
                        }
                    }
                }
                after = entry.seq();
            }
        }
        return new Removal(self, writes, complete);
    }

    /**
     * Completes once this replica learns it was removed from the cluster; never, while it is a
     * member. A copy per caller: one caller completing or cancelling its stage cannot take the
     * others' (the runtime's export among them).
     */
    CompletionStage<Removal> whenRemoved() {
        return removal.copy();
    }

    @Override
    public void onLinkDown(ReplicaId peer) {
        loop(() -> {
            if (!excluded(peer)) {
                protocol.onLinkDown(peer);
            }
        });
    }

    @Override
    public void onMessage(ReplicaId peer, SyncMessage message) {
        onMessage(peer, message, 0);
    }

    @Override
    public void onMessage(ReplicaId peer, SyncMessage message, int encodedBytes) {
        inbound.admitted(encodedBytes);
        try {
            env.loop().execute(() -> {
                try {
                    if (!closed && !excluded(peer)) {
                        protocol.onMessage(peer, message, env.loop().nowMillis());
                    }
                } finally {
                    inbound.done(encodedBytes);
                }
            });
        } catch (RejectedExecutionException stopped) {
            inbound.done(encodedBytes);
            LOG.debug("replica {} is closed: a message from {} dropped", self, peer);
        }
    }

    // ------------------------------------------------------------------ protocol observer (on the loop)

    @Override
    public void onAcked(ReplicaId peer, long seq) {
        boolean removed = false;
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            int count = ackedBy(w.seq());
            if (count >= w.peers()) {
                it.remove();
                complete(w.future(), count, null);
                removed = true;
            }
        }
        if (removed) {
            wantAcknowledgements();
        }
    }

    /** Tells the protocol how far callers of {@code awaitReplicated} still wait (0: nobody). */
    private void wantAcknowledgements() {
        long through = 0;
        for (Waiter w : waiters) {
            through = Math.max(through, w.seq());
        }
        protocol.acknowledgementsWantedThrough(through);
    }

    @Override
    public void onRejected(ReplicaId peer, String reason) {
        rejected.incrementAndGet();
    }

    private int ackedBy(long seq) {
        int[] count = {0};
        protocol.forEachPeer((peer, connected, acked, contact, behind, catchingUp, suspected) -> {
            if (acked >= seq) {
                count[0]++;
            }
        });
        return count[0];
    }

    // ------------------------------------------------------------------ replication waits, status, subscriptions

    CompletionStage<Integer> awaitReplicated(long seq, int peers, Duration timeout, Executor callbacks) {
        UserFuture<Integer> result = new UserFuture<>(callbacks, env.callbacks());
        call(result, () -> {
            int count = ackedBy(seq);
            if (count >= peers || peers <= 0) {
                complete(result, count, null);
                return;
            }
            Waiter w = new Waiter(seq, peers, result);
            waiters.add(w);
            wantAcknowledgements();
            EventLoop.Cancellable timer = env.loop().schedule(Math.max(0, timeout.toMillis()), () -> {
                if (waiters.remove(w)) {
                    complete(result, ackedBy(seq), null);
                    wantAcknowledgements();
                }
            });
            // A caller that cancels (a Redis client that disconnected during WAIT) stops waiting
            // now, not at the timeout, which may be a day away: nothing else would drop the waiter.
            result.whenComplete((value, failure) -> {
                if (result.isCancelled() && !closed) {
                    try {
                        env.loop().execute(() -> {
                            if (waiters.remove(w)) {
                                timer.cancel();
                                wantAcknowledgements();
                            }
                        });
                    } catch (RejectedExecutionException stopped) {
                        // closing: the waiters go with the engine
                    }
                }
            });
        });
        return result;
    }

    CompletionStage<SyncStatus> status() {
        UserFuture<SyncStatus> result = new UserFuture<>(env.callbacks());
        call(result, () -> {
            long now = env.loop().nowMillis();
            long wallNow = env.clock().millis();
            long lastSeq = store.lastSeq();
            Map<ReplicaId, LinkStats> links = new HashMap<>();
            for (LinkStats link : transport.linkStats()) {
                links.put(link.peer(), link);
            }
            List<PeerStatus> peers = new ArrayList<>();
            protocol.forEachPeer((peer, connected, acked, contact, behindSince, catchingUp, suspected) -> {
                LinkStats link = links.get(peer);
                // The protocol keeps loop time; a status reports a wall-clock instant.
                long lastContact = contact < 0 ? -1 : wallNow - (now - contact);
                peers.add(new PeerStatus(peer, connected, acked, Math.max(0, lastSeq - acked), lastContact,
                        behindSince < 0 ? 0 : Math.max(0, now - behindSince), catchingUp, connected && suspected,
                        link == null ? 0 : link.bytesOut(), link == null ? 0 : link.bytesIn()));
            });
            complete(result, new SyncStatus(self, lastSeq, Membership.userDocuments(store), peers, rejected.get(), typeConflicts.get(),
                    inbound.pauses(), waiters.size()), null);
        });
        return result;
    }

    Subscription subscribe(Bytes keyOrPrefix, boolean prefix, ChangeListener listener) {
        return subscriptions.subscribe(keyOrPrefix, prefix, listener);
    }

    /** Stops ticking and stops accepting work; the owner then closes transport and store. */
    CompletionStage<Void> stop() {
        CompletableFuture<Void> stopped = new CompletableFuture<>();
        if (closed) {
            // Stopped before: the loop may no longer take tasks, and there is nothing left to stop.
            return lastCommit.handle((seq, e) -> null);
        }
        try {
            env.loop().execute(() -> {
                closed = true;
                writeDeferred();
                if (tick != null) {
                    tick.cancel();
                }
                for (Waiter w : waiters) {
                    complete(w.future(), ackedBy(w.seq()), null);
                }
                waiters.clear();
                // Completed on the loop: in sync mode the last commit completes on the store's writer
                // thread, where the owner's release (which closes the store) must not run.
                lastCommit.whenComplete((seq, e) -> {
                    try {
                        env.loop().execute(() -> stopped.complete(null));
                    } catch (RejectedExecutionException loopGone) {
                        stopped.complete(null);
                    }
                });
            });
        } catch (RejectedExecutionException alreadyStopped) {
            // A concurrent stop ran and the owner stopped the loop since this one looked.
            return lastCommit.handle((seq, e) -> null);
        }
        return stopped;
    }
}
