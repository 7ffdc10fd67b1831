package dev.converge.sim;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.TypeConflict;
import dev.converge.crdt.WrongTypeException;
import dev.converge.crdt.causal.DotContext;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.replica.EngineConfig;
import dev.converge.replica.Environment;
import dev.converge.replica.EventLoop;
import dev.converge.replica.Replica;
import dev.converge.replica.Written;
import dev.converge.replica.sync.SyncConfig;
import dev.converge.sim.check.History;
import dev.converge.sim.check.History.Effect;
import dev.converge.sim.check.History.Entry;
import dev.converge.sim.check.Oracle;
import dev.converge.sim.check.Violation;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One run of a {@link Scenario}: the real engine ({@link Replica#create}) on every node, with the
 * simulator's store, network, clocks and event loop, all on one {@link VirtualTime}.
 *
 * <p>The run has two phases. <b>Chaos</b>: the scenario's operations and faults happen at their
 * times, the network's per-link faults are on. <b>Heal</b>: every partition, clog and fault ends,
 * crashed nodes restart, and the cluster must converge within the configured number of gossip
 * rounds. Then the {@link Oracle} judges the final states against the {@link History}.
 *
 * <p>Crashes and recovery. A {@link FaultKind#PROCESS_CRASH} kills the process on the same boot
 * of its machine: the kernel's page cache keeps every write to the log, fsynced or not. A
 * {@link FaultKind#POWER_LOSS} is a new boot: the log keeps its fsynced bytes and an arbitrary
 * prefix of the rest ({@link SimDisk#powerLoss}). A {@link FaultKind#WIPE} replaces the disk, and
 * the node comes back in its slot under a new replica id. The restart then applies the store's
 * recovery rule: a store in {@link SimStore.Durability#BUFFERED} durability that reopens after an
 * unclean shutdown on a new boot (a power loss, or a power loss while the process was down after
 * a crash) comes back under a new replica id, keeping its recovered documents, numbering and
 * clock, on an empty delta log with no acknowledgements ({@link SimStore#formatRecovered}). Its
 * acknowledged tail may be gone, and under its old id it would issue those writes' dots and
 * counter values a second time; under a new one it issues none twice, and its peers catch it up
 * by digest, sending back, as to any other replica, the writes it lost. A process crash of a
 * buffered store, and any restart of a synced one, keep the id.
 *
 * <p>A run is a pure function of its scenario: no wall clock, no unseeded randomness, no threads.
 * Randomness comes from the seed, split per subsystem; the {@link Trace} hash proves it.
 */
public final class Simulation {

    /** Partitions last at least this long: shorter ones are indistinguishable from message delay. */
    public static final long MIN_PARTITION_MILLIS = 1_000;
    /** A runaway limit: no run should need more tasks than this. */
    private static final long TASK_LIMIT = 200_000_000L;
    /** After the states agree, the run goes on this many rounds for late answers and messages. */
    private static final int SETTLE_ROUNDS = 3;

    /**
     * A document as sent by the process of {@code epoch} in {@code slot}: its part of {@code type}
     * (a key written as several types travels as a {@link TypeConflict}, whose parts number their
     * dots each on their own).
     */
    private record Sent(int slot, long epoch, Bytes key, CrdtType type) {
    }

    /** One process running in a slot; dies with a crash, and every task it owns dies with it. */
    private static final class Process implements BooleanSupplier {
        final long epoch;
        boolean alive = true;
        SimStore store;
        Replica replica;
        final List<Entry> inFlight = new ArrayList<>();
        /** The {@link UserWorkload}'s calls this process has not answered yet. */
        final List<UserCall> userInFlight = new ArrayList<>();

        Process(long epoch) {
            this.epoch = epoch;
        }

        @Override
        public boolean getAsBoolean() {
            return alive;
        }
    }

    /** A node slot: its disk, its clock and the process running in it, if any. */
    private final class Node implements InstantSource {
        final int slot;
        ReplicaId id;
        SimDisk disk;
        long epochs;
        long clockOffset;
        Process process;
        boolean wiped;
        /**
         * The store's recovery rule: the previous run was buffered and ended uncleanly on an
         * earlier boot (a power loss), so the next start takes a new id, keeping the data.
         */
        boolean reidentify;
        /** The offset of this node's wall clock (skews and jumps); the engine's loop time has none. */
        long engineOffset;
        EventLoop.Cancellable restart;
        /** The operations of the client call being submitted, then of the engine task it became: one per key. */
        List<Entry> submitting;
        List<Entry> current;

        Node(int slot, ReplicaId id) {
            this.slot = slot;
            this.id = id;
            this.disk = new SimDisk();
            SimStore.format(disk, id);
        }

        @Override
        public long millis() {
            return time.now() + engineOffset;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }

    private final Scenario scenario;
    /** The user's workload in place of the built-in one, or null. */
    private final UserWorkload user;
    /** Its calls, in call order. */
    private final List<UserCall> userCalls = new ArrayList<>();
    /** Assertions its calls threw: the user's test failing inside a call. */
    private final List<Violation> userAssertions = new ArrayList<>();
    private final SimConfig config;
    private final Swarm swarm;
    private final VirtualTime time = new VirtualTime();
    private final Trace trace;
    private final SimNetwork network;
    private final Node[] nodes;
    private final History history = new History();
    private final SplittableRandom storeRandom;
    private final SplittableRandom engineRandom;
    private final SplittableRandom idRandom;
    private final SplittableRandom faultRandom;
    private final EngineConfig engineConfig;
    private final Map<FaultKind, Integer> faultCounts = new EnumMap<>(FaultKind.class);
    private long partitionEpoch;
    private boolean healed;
    /** Replica ids that ran and no longer do (wiped, or re-identified after a power loss), oldest first. */
    private final List<ReplicaId> retired = new ArrayList<>();
    /** Retired ids whose removal a node acknowledged: durable, so every live node must end up knowing it. */
    private final Set<ReplicaId> removed = new LinkedHashSet<>();
    /** Retired ids with a removal in flight. */
    private final Set<ReplicaId> removing = new LinkedHashSet<>();
    /** Per removed id, the replica id that acknowledged its removal. */
    private final Map<ReplicaId, ReplicaId> removedVia = new HashMap<>();
    /**
     * Removals whose acknowledging replica then lost its disk (wiped, or re-identified after a power
     * loss in buffered mode) before any other replica may have received them: gone with the disk
     * if none did, as any write held by one disk only.
     */
    private final Set<ReplicaId> fragileRemovals = new LinkedHashSet<>();
    /** Violations found while the run went on, judged with the rest. */
    private final List<Violation> observed = new ArrayList<>();
    /** Per sending process and document, the join of the causal contexts of every copy of it another replica received. */
    private final Map<Sent, DotContext> received = new HashMap<>();
    /** Operations whose dot-making commit a crash took before it was acknowledged or survived. */
    /** Operations a restart found lost, to the epoch of the process that started without them. */
    private final Map<Entry, Long> lostInCrash = new LinkedHashMap<>();

    private Simulation(Scenario scenario, UserWorkload user, Consumer<String> sink) {
        if (user != null && !scenario.keepsAcknowledgedWrites()) {
            throw new IllegalArgumentException("a user workload needs synchronous durability and no wipes or removals, so that "
                    + "acknowledged writes survive every fault: use SimConfig.forUserWorkloads()");
        }
        this.scenario = scenario;
        this.user = user;
        this.config = scenario.config();
        this.swarm = scenario.swarm();
        this.trace = new Trace(time, sink);
        // The scenario was generated from new SplittableRandom(seed); the run draws from an independent root.
        SplittableRandom root = new SplittableRandom(scenario.seed() * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L);
        SplittableRandom networkRandom = root.split();
        this.storeRandom = root.split();
        this.engineRandom = root.split();
        this.idRandom = root.split();
        this.faultRandom = root.split();
        SplittableRandom topologyRandom = root.split();
        int n = config.nodes();
        this.network = new SimNetwork(time, networkRandom, trace, Topology.of(swarm.topology(), n, topologyRandom));
        network.healthyDelay(swarm.healthyDelayMillis());
        network.connectionTiming(swarm.detectMillis(), swarm.reconnectMillis());
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                if (a != b) {
                    double mean = swarm.healthyDelayMillis()
                            + networkRandom.nextDouble() * Math.max(0, swarm.chaosDelayMillis() - swarm.healthyDelayMillis());
                    network.profile(a, b, new SimNetwork.LinkProfile(mean, networkRandom.nextDouble() * swarm.loss(),
                            networkRandom.nextDouble() * swarm.duplicate(), networkRandom.nextDouble() * swarm.reorder()));
                }
            }
        }
        this.nodes = new Node[n];
        for (int i = 0; i < n; i++) {
            nodes[i] = new Node(i, ReplicaId.random(idRandom));
        }
        this.engineConfig = EngineConfig.defaults().withSync(SyncConfig.defaults()
                .withGossipIntervalMillis(config.gossipIntervalMillis())
                .withRetainedLogEntries(swarm.retainedLogEntries())
                .withAntiEntropyIntervalMillis(swarm.antiEntropyMillis()));
        if (config.variant() == Variant.BP_DROPS_FORWARDED) {
            network.rewriter(this::dropForwarded);
        }
        network.onDeliver(this::received);

        time.taskLimit(TASK_LIMIT);
    }

    /** Runs {@code scenario} and judges it. */
    public static SimResult run(Scenario scenario) {
        return run(scenario, null);
    }

    /** Runs {@code scenario}, writing a readable event log to {@code sink} (null: none). */
    public static SimResult run(Scenario scenario, Consumer<String> sink) {
        return new Simulation(scenario, null, sink).execute();
    }

    /**
     * Runs {@code scenario} with {@code workload} in place of the built-in workload (at the times
     * and on the slots of the scenario's operations), writing a readable event log to {@code sink}
     * (null: none), and judges convergence and the workload's own check.
     *
     * @throws IllegalArgumentException when the scenario's configuration can lose acknowledged
     *     writes by design (see {@link SimConfig#forUserWorkloads()})
     */
    static SimResult run(Scenario scenario, UserWorkload workload, Consumer<String> sink) {
        return new Simulation(scenario, workload, sink).execute();
    }

    /** Runs the scenario of {@code seed} under {@code config}. */
    public static SimResult run(SimConfig config, long seed) {
        return run(Scenario.generate(config, seed));
    }

    private SimResult execute() {
        int rounds = -1;
        List<Violation> liveness = observed;
        try {
            trace.note(() -> "seed " + scenario.seed() + ": " + config.nodes() + " nodes, " + scenario.opCount() + " operations, "
                    + scenario.faultCount() + " faults; swarm " + swarm.toMap());
            // Boot every node at a random phase of the gossip round, as independent machines would.
            for (Node node : nodes) {
                long boot = engineRandom.nextLong(config.gossipIntervalMillis());
                time.schedule(boot, VirtualTime.ALWAYS, () -> start(node));
            }
            scheduleKernelFlush();
            for (Action a : scenario.actions()) {
                time.scheduleAt(VirtualTime.EPOCH_MILLIS + a.at(), VirtualTime.ALWAYS, () -> perform(a));
            }
            network.chaos(true);
            time.runUntil(VirtualTime.EPOCH_MILLIS + config.chaosMillis());
            heal();
            rounds = awaitConvergence(liveness);
        } catch (RuntimeException | Error e) {
            return result(SimResult.Status.CRASH, List.of(), describe(e), -1);
        }
        Map<String, Map<Bytes, Crdt<?>>> states = new LinkedHashMap<>();
        for (Node node : nodes) {
            if (node.process != null) {
                Map<Bytes, Crdt<?>> user = new LinkedHashMap<>(node.process.store.snapshot());
                user.keySet().removeIf(Replica::reservedKey); // the cluster's own documents: checked by checkMembership
                states.put("n" + node.slot + " (" + node.id + ")", user);
            }
        }
        if (rounds >= 0) {
            checkMembership(liveness);
        }
        for (Node node : nodes) {
            if (node.process != null) {
                for (Entry e : node.process.inFlight) {
                    liveness.add(new Violation(Violation.Kind.LIVENESS, e + " was never answered though its replica stayed up"));
                }
                for (UserCall c : node.process.userInFlight) {
                    liveness.add(new Violation(Violation.Kind.LIVENESS, "call " + c.call + " on n" + c.slot
                            + " was never answered though its replica stayed up"));
                }
            }
        }
        settleLostWrites();
        List<Violation> violations;
        try {
            violations = user == null ? Oracle.check(history, states, liveness) : Oracle.checkConverged(states, userCheck(rounds), liveness);
        } catch (RuntimeException e) {
            return result(SimResult.Status.CRASH, List.of(), "oracle: " + describe(e), rounds);
        }
        SimResult.Status status = SimResult.Status.OK;
        for (Violation v : violations) {
            status = status.worse(v.kind() == Violation.Kind.SAFETY ? SimResult.Status.SAFETY : SimResult.Status.LIVENESS);
        }
        final int measured = rounds;
        final SimResult.Status verdict = status;
        trace.event("verdict", status.ordinal(), measured, violations.size(), () -> "verdict " + verdict + ", converged in "
                + measured + " rounds" + (violations.isEmpty() ? "" : ": " + violations.get(0)));
        return result(status, violations, "", rounds);
    }

    /** The user workload's verdict on the converged state, as safety violations; none when the replicas did not converge. */
    private List<Violation> userCheck(int rounds) {
        if (rounds < 0) {
            return List.of();
        }
        Node live = null;
        for (Node node : nodes) {
            if (node.process != null) {
                live = node;
                break;
            }
        }
        List<UserWorkload.Call> calls = userCalls.stream().map(UserCall::end).toList();
        List<Violation> out = new ArrayList<>(userAssertions);
        try {
            for (String problem : user.check(live.process.replica, calls)) {
                out.add(new Violation(Violation.Kind.SAFETY, "workload check on n" + live.slot + ": " + problem));
            }
        } catch (RuntimeException | AssertionError e) { // a test's assertion inside the check is a finding, not a crash
            out.add(new Violation(Violation.Kind.SAFETY, "workload check on n" + live.slot + " threw " + e));
        }
        return out;
    }

    private SimResult result(SimResult.Status status, List<Violation> violations, String crash, int rounds) {
        Map<History.Outcome, Long> outcomes = new EnumMap<>(History.Outcome.class);
        for (History.Outcome o : History.Outcome.values()) {
            long c = history.count(o);
            if (c > 0) {
                outcomes.put(o, c);
            }
        }
        for (UserCall c : userCalls) {
            History.Outcome o = switch (c.end().status()) { // as the workload's check sees it: unanswered is unknown
                case ACKNOWLEDGED -> History.Outcome.ACKNOWLEDGED;
                case FAILED -> History.Outcome.FAILED;
                case UNKNOWN -> History.Outcome.UNKNOWN;
            };
            outcomes.merge(o, 1L, Long::sum);
        }
        int typeConflicts = 0;
        for (Node node : nodes) {
            if (node.process != null) {
                typeConflicts = (int) node.process.store.snapshot().values().stream().filter(d -> d instanceof TypeConflict).count();
                break;
            }
        }
        SimResult.Stats stats = new SimResult.Stats(faultCounts, outcomes, network.totalMessagesSent(), network.totalBytesSent(),
                time.elapsed(), trace.events(), swarm.topology() + "/" + swarm.durability(), typeConflicts);
        return new SimResult(scenario.seed(), status, violations, crash, trace.hash(), rounds, stats);
    }

    private static String describe(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        String[] lines = w.toString().split("\n");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(lines.length, 12); i++) {
            b.append(lines[i].stripTrailing()).append('\n');
        }
        return b.toString().strip();
    }

    // ------------------------------------------------------------------ processes

    private void start(Node node) {
        if (node.process != null) {
            return;
        }
        if (node.wiped) {
            node.wiped = false;
            retire(node.id);
            node.id = ReplicaId.random(idRandom);
            node.disk = new SimDisk();
            SimStore.format(node.disk, node.id);
        }
        Process p = new Process(++node.epochs);
        SimStore.Options options = new SimStore.Options(swarm.durability(), swarm.groupDelayMillis(), swarm.fsyncMillis(),
                config.variant().storeBug());
        p.store = SimStore.open(node.disk, p.epoch, options, (delay, task) -> time.schedule(delay, p, task), storeRandom.split(),
                (epoch, seq, commit) -> onCommit(node, epoch, seq, commit));
        SimStore.Recovery recovery = p.store.recovery();
        if (p.epoch > 1) {
            forgetLost(node, recovery);
            noteLostInCrash(node, recovery, p.epoch);
        }
        if (node.reidentify) {
            // The store's recovery rule: the recovered documents, numbering and clock, under a new
            // id, on an empty delta log with no acknowledgements (written and synced before serving).
            node.reidentify = false;
            SimStore recovered = p.store;
            ReplicaId old = node.id;
            do {
                node.id = ReplicaId.random(idRandom);
            } while (node.id.equals(old));
            retire(old);
            node.disk = new SimDisk();
            SimStore.formatRecovered(node.disk, node.id, recovered);
            p.store = SimStore.open(node.disk, p.epoch, options, (delay, task) -> time.schedule(delay, p, task), storeRandom.split(),
                    (epoch, seq, commit) -> onCommit(node, epoch, seq, commit));
            int documents = (int) p.store.documentCount();
            trace.event("reidentify", node.slot, old.value(), node.id.value(), () -> "n" + node.slot + " reopens a buffered log after a "
                    + "power loss; by the store's recovery rule it comes back as " + node.id + " (was " + old + ") with its "
                    + documents + " recovered documents, an empty delta log from seq " + (p.store.lastSeq() + 1) + " and no acks");
        }
        Transport transport = network.attach(node.slot, node.id, p.epoch);
        EventLoop base = time.loop(p);
        EventLoop loop = new EventLoop() {
            @Override
            public void execute(Runnable task) {
                List<Entry> tag = node.submitting;
                if (tag == null) {
                    base.execute(task);
                    return;
                }
                // The one task a client call submits: its commit belongs to the client's operation.
                node.submitting = null;
                base.execute(() -> {
                    node.current = tag;
                    try {
                        task.run();
                    } finally {
                        node.current = null;
                    }
                });
            }

            @Override
            public Cancellable schedule(long delayMillis, Runnable task) {
                return base.schedule(delayMillis, task);
            }

            @Override
            public long nowMillis() {
                return base.nowMillis();
            }
        };
        Environment env = new Environment(node, engineRandom.split(), loop, time.executor(p));
        node.process = p;
        p.replica = Replica.create(engineConfig, p.store, transport, env);
        trace.event("start", node.slot, p.epoch, recovery.tornBytes(), () -> "n" + node.slot + " starts as " + node.id + " (process "
                + p.epoch + "; log: " + recovery.records() + " records" + (recovery.tornBytes() > 0 ? ", " + recovery.tornBytes()
                + " torn bytes cut" : "") + ", last seq " + p.store.lastSeq() + ")");
    }

    /**
     * After a power loss, acknowledged writes of a buffered log that did not survive may be gone:
     * the durability model allows it. Writes made in this slot under an earlier id are not in
     * this log's epochs, and need no mark: a wipe marked them all, and a re-identification marked
     * those that did not survive and carried the others over to the new id, synced.
     */
    private void forgetLost(Node node, SimStore.Recovery recovery) {
        if (swarm.durability() != SimStore.Durability.BUFFERED) {
            return; // in sync mode an acknowledged write is fsynced: a loss is a store bug the oracle must see
        }
        for (Entry e : history.entries()) {
            if (e.slot() == node.slot && e.mustSurvive() && e.replica().equals(node.id) && !recovery.survived(e.epoch(), e.seq())) {
                e.mayBeLost("power loss of a buffered log");
            }
        }
    }

    /**
     * Operations of this node whose commit the crash took before it was acknowledged (or, in a
     * buffered log, after): if no other replica ever received their dot, they are gone from
     * everywhere, and the restarted replica (which keeps its id after a process crash, or after a
     * power loss of a synced log) may issue the same dot again. Judged at the end of the run,
     * when every delivery is known ({@link #settleLostWrites}).
     */
    private void noteLostInCrash(Node node, SimStore.Recovery recovery, long epoch) {
        for (Entry e : history.entries()) {
            if (e.slot() == node.slot && e.replica().equals(node.id) && e.effect().makesDot() && e.mayHaveEffect() && !e.mustSurvive()
                    && !recovery.survived(e.epoch(), e.seq())) {
                lostInCrash.putIfAbsent(e, epoch);
            }
        }
    }

    /**
     * Every copy of a document a replica receives, by the process that sent it. A lost write's
     * dot can only have spread from the processes that held the write: the one that committed it
     * and, when a process crash carried its unsynced log over in the page cache, the ones after
     * it, up to the start that found it lost. Only their sends tell it from a later write the
     * restarted replica gave the same dot.
     */
    private void received(int from, long epoch, int to, SyncMessage message) {
        List<Document> documents = message instanceof DeltaBatch b ? b.deltas()
                : message instanceof StateBatch s ? s.documents() : List.of();
        for (Document d : documents) {
            for (Crdt<?> part : TypeConflict.partsOf(d.value())) {
                DotContext context = Oracle.contextOf(part);
                if (!context.isEmpty()) {
                    received.merge(new Sent(from, epoch, d.key(), part.type()), context, DotContext::union);
                }
            }
        }
    }

    /** The operations lost in a crash whose dot no other replica ever received had no effect anywhere. */
    private void settleLostWrites() {
        for (Map.Entry<Entry, Long> lost : lostInCrash.entrySet()) {
            Entry e = lost.getKey();
            boolean seen = false;
            for (long epoch = e.epoch(); epoch < lost.getValue() && !seen; epoch++) {
                DotContext context = received.get(new Sent(e.slot(), epoch, e.key(), e.delta().type()));
                seen = context != null && context.contains(Oracle.ownDot(e));
            }
            if (e.mayHaveEffect() && !e.mustSurvive() && !seen) {
                e.vanished("lost in a crash before any other replica received it");
                trace.event("vanished", e.id(), e.slot(), 0, () -> "op#" + e.id() + " at n" + e.slot()
                        + " was lost in a crash before any other replica received it: it had no effect");
            }
        }
    }

    private void onCommit(Node node, long epoch, long seq, Commit commit) {
        if (seq == 0 || !commit.origin().equals(node.id) || user != null) {
            return; // a user workload's commits are judged by its own check, not tied to operations
        }
        List<Entry> ops = node.current;
        if (ops == null && commit.changes().stream().allMatch(c -> Replica.reservedKey(c.key()))) {
            return; // an administrative write to the cluster's own documents (a removal)
        }
        if (ops == null) {
            throw new IllegalStateException("n" + node.slot + " committed local change " + seq + " outside any client operation");
        }
        for (Change c : commit.changes()) {
            Entry op = ops.stream().filter(e -> e.key().equals(c.key())).findFirst().orElseThrow(() -> new IllegalStateException(
                    "n" + node.slot + " committed a change to " + c.key() + " in seq " + seq + ", a key op#" + ops.get(0).id()
                            + " does not write"));
            op.committed(c.delta(), seq);
        }
        trace.event("commit", node.slot, epoch, seq, () -> "n" + node.slot + " commits op#" + ops.get(0).id() + " as seq " + seq);
    }

    private void crash(Node node, FaultKind kind, long downMillis) {
        Process p = node.process;
        if (p == null) {
            if (kind == FaultKind.POWER_LOSS && node.epochs > 0 && !node.wiped) {
                powerLossWhileDown(node);
            }
            return;
        }
        faultCounts.merge(kind, 1, Integer::sum);
        p.alive = false;
        node.process = null;
        network.detach(node.slot);
        for (Entry e : p.inFlight) {
            e.unknown();
        }
        for (UserCall c : p.userInFlight) {
            c.status = UserWorkload.Status.UNKNOWN;
        }
        int unwritten = p.store.unwrittenCommits();
        int lost = 0;
        if (kind == FaultKind.POWER_LOSS) {
            lost = node.disk.powerLoss(faultRandom);
            node.reidentify = swarm.durability() == SimStore.Durability.BUFFERED;
        } else if (kind == FaultKind.WIPE) {
            node.wiped = true;
            for (Entry e : history.entries()) {
                if (e.slot() == node.slot && e.mustSurvive()) {
                    e.mayBeLost("disk wiped");
                }
            }
        }
        int lostBytes = lost;
        trace.event("crash", node.slot, kind.ordinal(), lostBytes, () -> "n" + node.slot + " " + kind.cliName() + ": "
                + p.inFlight.size() + " operations in flight, " + unwritten + " commits unwritten" + (kind == FaultKind.POWER_LOSS
                ? ", " + lostBytes + " unsynced log bytes lost" : "") + "; down for " + downMillis + " ms");
        node.restart = time.schedule(downMillis, VirtualTime.ALWAYS, () -> {
            node.restart = null;
            start(node);
        });
    }

    /**
     * The power fails while the node's process is down after a crash: the page cache goes with
     * it, and the process restarts (when it was due to) on a new boot after an unclean shutdown.
     */
    private void powerLossWhileDown(Node node) {
        faultCounts.merge(FaultKind.POWER_LOSS, 1, Integer::sum);
        int lost = node.disk.powerLoss(faultRandom);
        node.reidentify = swarm.durability() == SimStore.Durability.BUFFERED;
        trace.event("crash", node.slot, FaultKind.POWER_LOSS.ordinal(), lost, () -> "n" + node.slot + " power-loss while down: "
                + lost + " unsynced log bytes lost");
    }

    private void scheduleKernelFlush() {
        time.schedule(swarm.flushMillis(), VirtualTime.ALWAYS, () -> {
            for (Node node : nodes) {
                node.disk.fsync();
            }
            scheduleKernelFlush();
        });
    }

    // ------------------------------------------------------------------ actions

    private void perform(Action a) {
        if (a instanceof Action.Op op) {
            operate(op);
        } else if (a instanceof Action.Fault f && !healed) {
            fault(f);
        }
    }

    private void fault(Action.Fault f) {
        Node node = nodes[Math.floorMod(f.a(), nodes.length)];
        switch (f.kind()) {
            case PROCESS_CRASH, POWER_LOSS, WIPE -> crash(node, f.kind(), f.millis());
            case CLOCK_SKEW, CLOCK_JUMP -> {
                faultCounts.merge(f.kind(), 1, Integer::sum);
                node.clockOffset = f.kind() == FaultKind.CLOCK_SKEW ? f.amount() : node.clockOffset + f.amount();
                node.engineOffset = f.kind() == FaultKind.CLOCK_SKEW ? f.amount()
                        : node.engineOffset + f.amount();
                trace.event("clock", node.slot, f.amount(), node.clockOffset, () -> "n" + node.slot + " clock "
                        + (f.kind() == FaultKind.CLOCK_SKEW ? "skewed to " : "jumps by " + f.amount() + " ms to ") + node.clockOffset + " ms");
            }
            case CLOG -> {
                faultCounts.merge(f.kind(), 1, Integer::sum);
                int to = Math.floorMod(f.b(), nodes.length);
                network.clog(node.slot, to, f.millis());
                trace.event("clog", node.slot, to, f.millis(), () -> "link n" + node.slot + " -> n" + to + " clogged for " + f.millis() + " ms");
            }
            case CONNECTION_RESET -> {
                faultCounts.merge(f.kind(), 1, Integer::sum);
                int other = Math.floorMod(f.b(), nodes.length);
                network.reset(node.slot, other);
                trace.event("reset", node.slot, other, 0, () -> "connection n" + node.slot + " - n" + other + " reset");
            }
            case PARTITION_ISOLATE, PARTITION_HALVES, PARTITION_ONE_WAY, PARTITION_BRIDGE -> partition(f);
            case REMOVE_RETIRED -> removeRetired(node);
            case LOSS, DUPLICATION, REORDER -> {
                // Per-link parameters of the swarm, not scheduled actions.
            }
        }
    }

    /** The oldest retired id not yet removed (nor being removed) is removed, from {@code node}; nothing when it is down. */
    private void removeRetired(Node node) {
        Process p = node.process;
        ReplicaId target = retired.stream().filter(id -> !removed.contains(id) && !removing.contains(id)).findFirst().orElse(null);
        if (p == null || target == null) {
            return;
        }
        faultCounts.merge(FaultKind.REMOVE_RETIRED, 1, Integer::sum);
        removing.add(target);
        trace.event("remove", node.slot, target.value(), 0, () -> "n" + node.slot + " removes retired replica " + target);
        ReplicaId via = node.id;
        p.replica.removeMember(target).whenComplete((written, failure) -> {
            removing.remove(target);
            if (failure == null) {
                removed.add(target);
                removedVia.put(target, via);
            }
        });
    }

    /** {@code id} no longer runs; removals only it acknowledged may be gone with its disk. */
    private void retire(ReplicaId id) {
        retired.add(id);
        removedVia.forEach((target, via) -> {
            if (via.equals(id)) {
                fragileRemovals.add(target);
            }
        });
    }

    private void partition(Action.Fault f) {
        int n = nodes.length;
        boolean[][] cut = new boolean[n][n];
        boolean[][] oneWay = new boolean[n][n];
        int hub = Math.floorMod(f.a(), n);
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                boolean sideX = (f.mask() >>> x & 1) == 1;
                boolean sideY = (f.mask() >>> y & 1) == 1;
                switch (f.kind()) {
                    case PARTITION_ISOLATE -> cut[x][y] = x != y && (x == hub || y == hub);
                    case PARTITION_HALVES -> cut[x][y] = sideX != sideY;
                    case PARTITION_ONE_WAY -> oneWay[x][y] = sideX && !sideY;
                    case PARTITION_BRIDGE -> cut[x][y] = sideX != sideY && x != hub && y != hub;
                    default -> throw new IllegalArgumentException("not a partition: " + f.kind());
                }
            }
        }
        faultCounts.merge(f.kind(), 1, Integer::sum);
        long epoch = ++partitionEpoch;
        network.partition(cut, oneWay);
        trace.event("partition", f.kind().ordinal(), f.mask(), f.millis(), () -> f.kind().cliName() + " (side A " + side(f.mask(), n)
                + (f.kind() == FaultKind.PARTITION_ISOLATE || f.kind() == FaultKind.PARTITION_BRIDGE ? ", node n" + hub : "") + ") for "
                + f.millis() + " ms");
        time.schedule(Math.max(MIN_PARTITION_MILLIS, f.millis()), VirtualTime.ALWAYS, () -> {
            if (partitionEpoch == epoch && !healed) {
                network.partition(null, null);
                trace.event("partition-end", f.kind().ordinal(), 0, 0, () -> f.kind().cliName() + " ends");
            }
        });
    }

    private static String side(long mask, int n) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            if ((mask >>> i & 1) == 1) {
                b.append(b.length() == 1 ? "" : ",").append('n').append(i);
            }
        }
        return b.append('}').toString();
    }

    /** One call of the user's workload: the scenario's operation gives its time, slot and number, nothing else. */
    private void userOperate(Action.Op op) {
        Node node = nodes[Math.floorMod(op.slot(), nodes.length)];
        UserCall call = new UserCall(op.id(), node.slot);
        userCalls.add(call);
        Process p = node.process;
        if (p == null) {
            call.failed("replica down");
            trace.event("call-failed", op.id(), node.slot, 0, () -> "n" + node.slot + " call " + op.id() + ": replica down");
            return;
        }
        // Seeded by the run's seed and the call's number only: a shrunk scenario gives each call the same draws.
        SplittableRandom random = new SplittableRandom(scenario.seed() * 0x9E3779B97F4A7C15L + op.id());
        CompletionStage<?> stage;
        try {
            stage = user.operate(p.replica, op.id(), random);
        } catch (RuntimeException | AssertionError e) {
            call.failed(e.toString());
            if (e instanceof AssertionError) {
                userAssertions.add(new Violation(Violation.Kind.SAFETY, "call " + op.id() + " on n" + node.slot + " asserted: " + e));
            }
            trace.event("call-failed", op.id(), node.slot, 1, () -> "n" + node.slot + " call " + op.id() + " threw " + e);
            return;
        }
        if (stage == null) {
            call.acknowledged(null);
            trace.event("call-done", op.id(), node.slot, 0, () -> "n" + node.slot + " call " + op.id() + " done");
            return;
        }
        p.userInFlight.add(call);
        trace.event("call", op.id(), node.slot, 0, () -> "n" + node.slot + " call " + op.id() + " submitted");
        stage.whenComplete((value, failure) -> {
            p.userInFlight.remove(call);
            if (call.status == UserWorkload.Status.UNKNOWN) {
                return; // its process died first: what the stage says now does not tell whether it took effect
            }
            if (failure == null) {
                call.acknowledged(value);
            } else {
                call.failed(failure.toString());
            }
            trace.event("call-end", op.id(), failure == null ? 0 : 1, 0, () -> "n" + node.slot + " call " + op.id() + ": "
                    + (failure == null ? "acknowledged " + value : "failed " + failure));
        });
    }

    /** A user workload's call as it goes: answered or not, and how. */
    private static final class UserCall {
        final int call;
        final int slot;
        UserWorkload.Status status;
        Object result;
        String failure;

        UserCall(int call, int slot) {
            this.call = call;
            this.slot = slot;
        }

        void acknowledged(Object value) {
            status = UserWorkload.Status.ACKNOWLEDGED;
            result = value;
        }

        void failed(String why) {
            status = UserWorkload.Status.FAILED;
            failure = why;
        }

        /** How it ended; a call still unanswered at the end counts as unknown (its replica never said). */
        UserWorkload.Call end() {
            return new UserWorkload.Call(call, slot, status == null ? UserWorkload.Status.UNKNOWN : status, result, failure);
        }
    }

    private void operate(Action.Op op) {
        if (user != null) {
            userOperate(op);
            return;
        }
        Node node = nodes[Math.floorMod(op.slot(), nodes.length)];
        List<Bytes> keys = new ArrayList<>();
        keys.add(Bytes.of(op.key()));
        Bytes field = null;
        if (op.kind().multiKey()) {
            for (String other : Scenario.otherKeys(op)) {
                keys.add(Bytes.of(other));
            }
        } else if (!op.field().equals("-")) {
            field = Bytes.of(op.field());
        }
        Bytes written = switch (op.kind()) {
            case REGISTER_SET, MV_WRITE, MAP_SET_REGISTER -> Bytes.of("v" + op.id());
            case SET_ADD, MAP_ADD_TO_SET -> Bytes.of("e" + op.id());
            default -> null;
        };
        Effect effect = switch (op.kind()) {
            case COUNTER_ADD, CROSS_TYPE_ADD -> Effect.COUNTER_ADD;
            case REGISTER_SET -> Effect.REGISTER_WRITE;
            case MV_WRITE -> Effect.MV_WRITE;
            case MV_CLEAR -> Effect.MV_CLEAR;
            case SET_ADD -> Effect.SET_ADD;
            case SET_REMOVE -> Effect.SET_REMOVE;
            case FLAG_ENABLE -> Effect.FLAG_ENABLE;
            case FLAG_DISABLE -> Effect.FLAG_DISABLE;
            case MAP_INCREMENT, MAP_SET_REGISTER, MAP_ADD_TO_SET -> Effect.MAP_UPDATE;
            case MAP_REMOVE_FIELD -> Effect.MAP_REMOVE_FIELD;
            case DELETE -> Effect.DELETE;
        };
        Process p = node.process;
        long amount = op.kind() == OpKind.COUNTER_ADD || op.kind() == OpKind.CROSS_TYPE_ADD || op.kind() == OpKind.MAP_INCREMENT ? op.arg() : 0;
        if (p == null) {
            for (Bytes key : keys) {
                Entry e = history.submit(op.id(), node.slot, node.id, node.epochs, effect, key, typeOf(op, key), field, written, amount,
                        time.now());
                e.failed("replica down");
                trace.event("op-failed", op.id(), node.slot, 0, () -> "n" + node.slot + " " + e + " (down)");
            }
            return;
        }
        Replica r = p.replica;
        Bytes key = keys.get(0);
        Bytes target = written;
        if (op.kind() == OpKind.SET_REMOVE) {
            List<Bytes> seen;
            try {
                seen = new ArrayList<>(r.set(key).elements());
            } catch (WrongTypeException notASetHere) {
                seen = List.of(); // the key shows a counter here (CROSS_TYPE_ADD): no element seen to remove
            }
            target = seen.isEmpty() ? null : seen.get((int) (op.arg() % seen.size()));
        }
        List<Entry> entries = new ArrayList<>();
        for (Bytes k : keys) {
            entries.add(history.submit(op.id(), node.slot, node.id, p.epoch, effect, k, typeOf(op, k), field, target, amount, time.now()));
        }
        if (op.kind() == OpKind.SET_REMOVE && target == null) {
            entries.get(0).skipped("nothing seen to remove");
            trace.event("op-skipped", op.id(), node.slot, 0);
            return;
        }
        CompletionStage<? extends Written<?>> stage;
        node.submitting = entries;
        try {
            stage = submit(r, op, keys, field, target);
        } catch (RuntimeException ex) {
            for (Entry e : entries) {
                e.failed(ex.toString());
                trace.event("op-failed", op.id(), node.slot, 1, () -> "n" + node.slot + " " + e);
            }
            return;
        } finally {
            node.submitting = null;
        }
        p.inFlight.addAll(entries);
        trace.event("op", op.id(), node.slot, op.kind().ordinal(), () -> "n" + node.slot + " submits " + entries.get(0)
                + (keys.size() > 1 ? " with " + keys.subList(1, keys.size()) : ""));
        stage.whenComplete((w, failure) -> {
            p.inFlight.removeAll(entries);
            for (Entry e : entries) {
                if (failure == null) {
                    e.acknowledged(w.seq(), String.valueOf(w.value()));
                } else {
                    e.failed(failure.toString());
                }
            }
            if (failure == null) {
                trace.event("op-ack", op.id(), w.seq(), 0, () -> "n" + node.slot + " answers op#" + op.id() + ": " + w.value() + " (seq "
                        + w.seq() + ")");
            } else {
                trace.event("op-fail", op.id(), 0, 0, () -> "n" + node.slot + " fails op#" + op.id() + ": " + failure);
            }
        });
    }

    private static CrdtType typeOf(Action.Op op, Bytes key) {
        return op.kind().type() != null ? op.kind().type() : OpKind.typeOfKey(key.asString());
    }

    /**
     * Every other register write and delete goes through the multi-key calls, with the other keys
     * its scenario names (often none), so the faults reach their commit path too.
     */
    private static CompletionStage<? extends Written<?>> submit(Replica r, Action.Op op, List<Bytes> keys, Bytes field, Bytes value) {
        boolean multiKeyCall = op.id() % 2 == 1 || keys.size() > 1;
        Bytes key = keys.get(0);
        return switch (op.kind()) {
            case COUNTER_ADD, CROSS_TYPE_ADD -> r.counter(key).add(op.arg());
            case REGISTER_SET -> {
                if (!multiKeyCall) {
                    yield r.register(key).set(value);
                }
                Map<Bytes, Bytes> values = new LinkedHashMap<>(); // in the scenario's order: Map.of's would differ between JVMs
                for (Bytes k : keys) {
                    values.put(k, value);
                }
                yield r.setRegisters(values);
            }
            case MV_WRITE -> r.mvRegister(key).write(value);
            case MV_CLEAR -> r.mvRegister(key).clear();
            case SET_ADD -> r.set(key).add(value);
            case SET_REMOVE -> r.set(key).remove(value);
            case FLAG_ENABLE -> r.flag(key).enable();
            case FLAG_DISABLE -> r.flag(key).disable();
            case MAP_INCREMENT -> r.map(key).increment(field, op.arg());
            case MAP_SET_REGISTER -> r.map(key).setRegister(field, value);
            case MAP_ADD_TO_SET -> r.map(key).addToSet(field, List.of(value));
            case MAP_REMOVE_FIELD -> r.map(key).removeField(field);
            case DELETE -> multiKeyCall ? r.delete(keys) : r.delete(key);
        };
    }

    // ------------------------------------------------------------------ heal and convergence

    private void heal() {
        healed = true;
        network.chaos(false);
        network.partition(null, null);
        network.unclogAll();
        trace.event("heal", 0, 0, 0, () -> "heal: faults off, every link up, crashed nodes restart");
        for (Node node : nodes) {
            if (node.process == null) {
                if (node.restart != null) {
                    node.restart.cancel();
                    node.restart = null;
                }
                start(node);
            }
        }
    }

    /** Runs until every live replica holds the same states (then a few rounds more), or the bound passes. */
    private int awaitConvergence(List<Violation> liveness) {
        long gossip = config.gossipIntervalMillis();
        long healAt = time.now();
        long deadline = healAt + (long) config.boundRounds() * gossip;
        long step = Math.max(1, gossip / 4);
        while (time.now() < deadline) {
            time.runUntil(Math.min(deadline, time.now() + step));
            if (converged()) {
                long at = time.now();
                time.runUntil(time.now() + SETTLE_ROUNDS * gossip);
                if (converged()) {
                    int rounds = (int) Math.max(1, (at - healAt + gossip - 1) / gossip);
                    trace.event("converged", rounds, 0, 0, () -> "converged " + (at - healAt) + " ms after the heal (" + rounds
                            + " rounds)");
                    return rounds;
                }
            }
        }
        liveness.add(new Violation(Violation.Kind.LIVENESS, Oracle.NOT_CONVERGED + " within " + config.boundRounds() + " gossip rounds ("
                + config.boundRounds() * gossip + " ms) of the heal: " + divergence() + staleAcknowledgements()));
        return -1;
    }

    /**
     * After convergence: every acknowledged removal is known to every live node (a safety
     * matter: the removal was durable where it was made), and metadata is bounded by membership:
     * no live node still records acknowledgements of a removed replica, and a node whose peers
     * are all live and acknowledged keeps no delta-log entry every one of them has.
     */
    /** A removal whose only holder lost its disk and that no running replica knows of: lost, not forgotten. */
    private boolean lostWithDisk(ReplicaId removedId) {
        if (!fragileRemovals.contains(removedId)) {
            return false;
        }
        for (Node node : nodes) {
            if (node.process != null && node.process.replica.members().stream().anyMatch(m -> m.removed() && m.id().equals(removedId))) {
                return false;
            }
        }
        return true;
    }

    private void checkMembership(List<Violation> out) {
        Set<ReplicaId> live = new LinkedHashSet<>();
        for (Node node : nodes) {
            live.add(node.id);
        }
        for (Node node : nodes) {
            Process p = node.process;
            Set<ReplicaId> known = new LinkedHashSet<>();
            p.replica.members().stream().filter(m -> m.removed()).forEach(m -> known.add(m.id()));
            for (ReplicaId id : removed) {
                if (!known.contains(id) && !lostWithDisk(id)) {
                    out.add(new Violation(Violation.Kind.SAFETY, "n" + node.slot + " does not know that " + id
                            + " was removed, though the removal was acknowledged"));
                }
            }
            Map<ReplicaId, Long> acks = p.store.acks();
            for (ReplicaId id : acks.keySet()) {
                if (known.contains(id)) {
                    out.add(new Violation(Violation.Kind.LIVENESS, "metadata: n" + node.slot + " still records acknowledgements of "
                            + "removed replica " + id));
                }
            }
            if (!live.containsAll(acks.keySet())) {
                continue; // a retired id not removed still counts as a member that never acknowledges
            }
            long minAcked = Long.MAX_VALUE;
            for (ReplicaId id : live) {
                if (!id.equals(node.id)) {
                    minAcked = Math.min(minAcked, acks.getOrDefault(id, 0L));
                }
            }
            long held = 0;
            for (DeltaLogEntry e : p.store.readDeltaLog(0, Integer.MAX_VALUE).entries()) {
                if (e.seq() <= minAcked) {
                    held++;
                }
            }
            if (held > 0) {
                long heldEntries = held;
                long through = minAcked;
                out.add(new Violation(Violation.Kind.LIVENESS, "metadata: n" + node.slot + " keeps " + heldEntries + " delta-log entries "
                        + "that every peer acknowledged (through seq " + through + ")"));
            }
        }
    }

    private boolean converged() {
        Long digest = null;
        for (Node node : nodes) {
            if (node.process == null) {
                return false;
            }
            long d = node.process.store.digest();
            if (digest == null) {
                digest = d;
            } else if (digest != d) {
                return false;
            }
        }
        return true;
    }

    /** Which nodes and documents still differ, briefly. */
    private String divergence() {
        Map<Bytes, Set<String>> versions = new LinkedHashMap<>();
        for (Node node : nodes) {
            if (node.process == null) {
                return "n" + node.slot + " is down";
            }
        }
        Map<Bytes, Crdt<?>> first = nodes[0].process.store.snapshot();
        List<String> differing = new ArrayList<>();
        for (Node node : nodes) {
            Map<Bytes, Crdt<?>> mine = node.process.store.snapshot();
            Set<Bytes> keys = new LinkedHashSet<>(first.keySet());
            keys.addAll(mine.keySet());
            for (Bytes key : keys) {
                Crdt<?> a = first.get(key);
                Crdt<?> b = mine.get(key);
                if (a == null || !a.equals(b)) {
                    versions.computeIfAbsent(key, k -> new LinkedHashSet<>()).add("n" + node.slot);
                }
            }
        }
        versions.forEach((k, v) -> differing.add("'" + k + "' differs from n0 at " + v));
        return differing.size() > 5 ? differing.subList(0, 5) + " and " + (differing.size() - 5) + " more" : differing.toString();
    }

    // ------------------------------------------------------------------ diagnosis

    /**
     * Why a cluster did not converge, as far as acknowledgements tell: for each replica, the
     * peers it believes hold its log through a point (its persisted acknowledgements, which the
     * protocol keeps below anything held back) although they lack an entry below that point.
     * Such a belief is never revised by the delta path: only the periodic digest comparison
     * repairs it.
     */
    private String staleAcknowledgements() {
        List<String> out = new ArrayList<>();
        for (Node owner : nodes) {
            if (owner.process == null) {
                continue;
            }
            owner.process.store.acks().forEach((peerId, acked) -> {
                int slot = network.slotOf(peerId);
                if (slot < 0 || nodes[slot].process == null || out.size() >= 3) {
                    return;
                }
                SimStore peer = nodes[slot].process.store;
                for (DeltaLogEntry entry : owner.process.store.readDeltaLog(0, Integer.MAX_VALUE).entries()) {
                    if (entry.seq() > acked) {
                        break;
                    }
                    for (Document d : entry.deltas()) {
                        Crdt<?> held = peer.read(d.key()).orElse(null);
                        if (held == null || !Oracle.leq(d.value(), held)) {
                            out.add("n" + owner.slot + " records n" + slot + " as holding its log through seq " + acked + ", but n" + slot
                                    + " lacks entry " + entry.seq() + " (from " + entry.origin() + ", '" + d.key() + "')");
                            return;
                        }
                    }
                }
            });
        }
        return out.isEmpty() ? "" : "; stale acknowledgements: " + out;
    }

    // ------------------------------------------------------------------ broken variants

    /** BP_DROPS_FORWARDED: a delta batch keeps only the sender's own writes, as a BP filter comparing the wrong id would. */
    private SyncMessage dropForwarded(int from, int to, SyncMessage message) {
        if (!(message instanceof DeltaBatch b) || b.deltas().isEmpty() || nodes[from].process == null) {
            return message;
        }
        SimStore store = nodes[from].process.store;
        DeltaLogSlice slice = store.readDeltaLog(b.fromSeq(), Integer.MAX_VALUE);
        Map<Bytes, Crdt<?>> joined = new LinkedHashMap<>();
        for (DeltaLogEntry entry : slice.entries()) {
            if (entry.seq() > b.toSeq()) {
                break;
            }
            if (entry.origin().equals(nodes[from].id)) {
                for (Document d : entry.deltas()) {
                    joined.merge(d.key(), d.value(), Crdt::joinAny);
                }
            }
        }
        List<Document> kept = new ArrayList<>();
        joined.forEach((k, v) -> kept.add(new Document(k, v)));
        return new DeltaBatch(b.fromSeq(), b.toSeq(), kept, b.ackSeq(), b.ackNow());
    }
}
