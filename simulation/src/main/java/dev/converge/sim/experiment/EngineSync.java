package dev.converge.sim.experiment;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.replica.EngineConfig;
import dev.converge.replica.Environment;
import dev.converge.replica.Replica;
import dev.converge.replica.sync.SyncConfig;
import dev.converge.sim.SimDisk;
import dev.converge.sim.SimNetwork;
import dev.converge.sim.SimStore;
import dev.converge.sim.Trace;
import dev.converge.sim.VirtualTime;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The real engine ({@link Replica#create} with its {@code SyncProtocol}) on a given topology, in
 * virtual time, with a healthy network (1 ms mean delay, nothing lost): only the topology's links
 * exist. Counts what crosses the wire with {@link Traffic}. Optionally cuts every link between two
 * sides for a window (a partition) and measures the repair.
 */
final class EngineSync {

    /**
     * One experiment.
     *
     * @param events updates per node, one per second at the node's own phase
     * @param writers nodes that update (null: all)
     * @param side for a partition, which side each node is on (null: no partition)
     * @param stopUpdatesAtHeal no update after the partition ends, so the repair is measured alone
     */
    record Setup(boolean[][] links, Workload workload, int events, int[] writers, long gossipMillis, long retainedLogEntries,
                 long antiEntropyMillis, long seed, boolean[] side, long cutFromMillis, long cutUntilMillis, boolean stopUpdatesAtHeal) {

        static Setup of(boolean[][] links, Workload workload, int events, long gossipMillis, long seed) {
            return new Setup(links, workload, events, null, gossipMillis, 1_000_000, 60_000, seed, null, 0, 0, false);
        }

        Setup withAntiEntropy(long millis) {
            return new Setup(links, workload, events, writers, gossipMillis, retainedLogEntries, millis, seed, side, cutFromMillis,
                    cutUntilMillis, stopUpdatesAtHeal);
        }
    }

    /**
     * What a run transmitted (in total, and from the heal on when there was a partition), the
     * bytes each node lacked at the heal (the true difference), and gossip periods until every
     * node held the same states, counted from the last update or from the heal.
     */
    record Result(Traffic total, Traffic afterHeal, long trueDifferenceBytes, long distinctUpdates, int periods, long millis,
                  boolean converged) {
    }

    private final Setup setup;
    private final VirtualTime time = new VirtualTime();
    private final SimNetwork network;
    private final List<Replica> replicas = new ArrayList<>();
    private final List<SimStore> stores = new ArrayList<>();
    private final Traffic total = new Traffic();
    private final Traffic afterHeal = new Traffic();
    private boolean counting = true;
    private boolean healed;
    private long distinctUpdates;
    private long lastWriteAt;
    private int writersDone;
    private int writers;

    private EngineSync(Setup setup) {
        this.setup = setup;
        SplittableRandom root = new SplittableRandom(setup.seed());
        this.network = new SimNetwork(time, root.split(), new Trace(time, null), setup.links());
        network.healthyDelay(1.0);
        network.connectionTiming(100, 50);
        network.tap(this::count);
        int n = setup.links().length;
        SyncConfig sync = SyncConfig.defaults().withGossipIntervalMillis(setup.gossipMillis())
                .withForwardDelayMillis(2 * setup.gossipMillis()).withRetainedLogEntries(setup.retainedLogEntries())
                .withAntiEntropyIntervalMillis(setup.antiEntropyMillis());
        EngineConfig config = EngineConfig.defaults().withSync(sync);
        InstantSource clock = new InstantSource() {
            @Override
            public long millis() {
                return time.now();
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(time.now());
            }
        };
        SplittableRandom phases = root.split();
        for (int i = 0; i < n; i++) {
            ReplicaId id = ReplicaId.of(i + 1L);
            SimDisk disk = new SimDisk();
            SimStore.format(disk, id);
            SimStore store = SimStore.open(disk, 1, new SimStore.Options(SimStore.Durability.SYNC, 0, 0, SimStore.Bug.NONE),
                    (delay, task) -> time.schedule(delay, VirtualTime.ALWAYS, task), null, null);
            stores.add(store);
            int slot = i;
            SplittableRandom engineRandom = root.split();
            // Each node starts at its own phase of the gossip period, so rounds are not in lockstep.
            time.schedule(phases.nextLong(setup.gossipMillis()), VirtualTime.ALWAYS, () -> replicas.set(slot, Replica.create(config, store,
                    network.attach(slot, id), new Environment(clock, engineRandom, time.loop(VirtualTime.ALWAYS),
                            time.executor(VirtualTime.ALWAYS)))));
            replicas.add(null);
        }
        for (int i = 0; i < n; i++) {
            if (setup.writers() == null || contains(setup.writers(), i)) {
                writers++;
                int node = i;
                SplittableRandom random = root.split();
                time.schedule(1_000 + phases.nextLong(1_000), VirtualTime.ALWAYS, () -> updateLoop(node, 0, random));
            }
        }
    }

    private static boolean contains(int[] a, int x) {
        for (int v : a) {
            if (v == x) {
                return true;
            }
        }
        return false;
    }

    static Result run(Setup setup) {
        return new EngineSync(setup).execute();
    }

    private void updateLoop(int node, int event, SplittableRandom random) {
        if (setup.stopUpdatesAtHeal() && healed) {
            return;
        }
        lastWriteAt = time.now();
        Replica r = replicas.get(node);
        for (Workload.Update u : setup.workload().updates(node, replicas.size(), event, random)) {
            switch (setup.workload()) {
                case GSET -> r.set(u.key()).add(u.value());
                case GCOUNTER -> r.counter(u.key()).add(1);
                default -> r.register(u.key()).set(u.value());
            }
            distinctUpdates++;
        }
        if (event + 1 >= setup.events()) {
            writersDone++;
        } else {
            time.schedule(1_000, VirtualTime.ALWAYS, () -> updateLoop(node, event + 1, random));
        }
    }

    private void count(int from, int to, SyncMessage message, int wire) {
        if (!counting) {
            return;
        }
        for (Traffic t : healed ? List.of(total, afterHeal) : List.of(total)) {
            long payloadBefore = t.payloadBytes;
            t.messages++;
            List<Document> documents = message instanceof DeltaBatch b ? b.deltas() : message instanceof StateBatch s ? s.documents() : List.of();
            for (Document d : documents) {
                // The cluster's own documents (membership) are the engine's metadata, not the workload's payload.
                if (!Replica.reservedKey(d.key())) {
                    t.document(d.key(), d.value());
                }
            }
            t.metadataBytes += Math.max(0, wire - (t.payloadBytes - payloadBefore));
        }
    }

    private Result execute() {
        long trueDifference = 0;
        long from;
        long step = Math.max(1, setup.gossipMillis() / 20);
        if (setup.side() != null) {
            time.runUntil(VirtualTime.EPOCH_MILLIS + setup.cutFromMillis());
            int n = replicas.size();
            boolean[][] cut = new boolean[n][n];
            for (int a = 0; a < n; a++) {
                for (int b = 0; b < n; b++) {
                    cut[a][b] = setup.side()[a] != setup.side()[b];
                }
            }
            network.partition(cut, null);
            time.runUntil(VirtualTime.EPOCH_MILLIS + setup.cutUntilMillis());
            healed = true;
            trueDifference = trueDifference();
            network.partition(null, null);
            from = time.now();
        } else {
            // Until every writer made its last update.
            while (writersDone < writers) {
                time.runFor(step);
            }
            from = lastWriteAt;
        }
        long deadline = time.now() + 600_000;
        boolean converged = false;
        while (time.now() < deadline) {
            if (replicasStarted() && converged()) {
                converged = true;
                break;
            }
            time.runFor(step);
        }
        counting = false;
        int periods = (int) Math.max(0, (time.now() - from + setup.gossipMillis() - 1) / setup.gossipMillis());
        return new Result(total, afterHeal, trueDifference, distinctUpdates, periods, time.now() - from, converged);
    }

    private boolean replicasStarted() {
        return replicas.stream().allMatch(r -> r != null);
    }

    private boolean converged() {
        long first = stores.get(0).digest();
        for (SimStore s : stores) {
            if (s.digest() != first) {
                return false;
            }
        }
        return true;
    }

    /** The bytes each node lacks of the union of all states: what any protocol must deliver. */
    private long trueDifference() {
        Map<Bytes, Crdt<?>> union = new TreeMap<>();
        for (SimStore s : stores) {
            s.snapshot().forEach((k, v) -> union.merge(k, v, Crdt::joinAny));
        }
        long bytes = 0;
        for (SimStore s : stores) {
            Map<Bytes, Crdt<?>> mine = s.snapshot();
            for (Map.Entry<Bytes, Crdt<?>> e : union.entrySet()) {
                Crdt<?> have = mine.get(e.getKey());
                Crdt<?> lacking = Crdt.mergeAny(have == null ? e.getValue().type().bottom() : have, e.getValue()).effectiveDelta();
                if (!lacking.isBottom()) {
                    bytes += e.getKey().length() + CrdtCodec.encode(lacking).length;
                }
            }
        }
        return bytes;
    }
}
