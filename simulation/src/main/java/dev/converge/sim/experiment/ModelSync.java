package dev.converge.sim.experiment;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.Merged;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.HybridClock;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.sim.VirtualTime;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The synchronisation algorithms Enes et al. compare, as compact models on crdt-core's real types
 * and encoding, in virtual time: every node updates once per second and synchronises with all
 * its neighbours once per second, each at its own random phase; messages arrive 1 ms later, none
 * is lost (their evaluation's assumption, so no acknowledgements or sequence numbers exist and a
 * delta buffer is cleared once sent to every neighbour). A node's state is a map of documents.
 *
 * <ul>
 * <li>STATE_BASED: send the whole state to each neighbour; join what arrives.
 * <li>DELTA (classic, Almeida et al. Algorithm 2 without acknowledgements): buffer local deltas;
 *     send each neighbour the join of the buffer; a received delta group that inflates the state
 *     is joined and buffered whole, tagged with its sender.
 * <li>BP: never send a neighbour the buffered groups that came from it.
 * <li>RR: buffer only the effective part of a received group (Merge.effectiveDelta, the join
 *     decomposition restricted to what the state lacked).
 * <li>BP_RR: both.
 * </ul>
 */
final class ModelSync {

    enum Algorithm {
        STATE_BASED("state-based"),
        DELTA("delta"),
        DELTA_BP("delta+BP"),
        DELTA_RR("delta+RR"),
        DELTA_BP_RR("delta+BP+RR");

        final String label;

        Algorithm(String label) {
            this.label = label;
        }

        boolean bp() {
            return this == DELTA_BP || this == DELTA_BP_RR;
        }

        boolean rr() {
            return this == DELTA_RR || this == DELTA_BP_RR;
        }
    }

    private record Buffered(Map<Bytes, Crdt<?>> delta, int origin) {
    }

    private final class Node implements InstantSource {
        final int index;
        final ReplicaId id;
        final HybridClock clock;
        final Map<Bytes, Crdt<?>> state = new LinkedHashMap<>();
        final List<Buffered> buffer = new ArrayList<>();
        final SplittableRandom random;
        int events;

        Node(int index, ReplicaId id, SplittableRandom random) {
            this.index = index;
            this.id = id;
            this.random = random;
            this.clock = new HybridClock(id, this);
        }

        @Override
        public long millis() {
            return time.now();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }
    }

    private final Algorithm algorithm;
    private final Workload workload;
    private final boolean[][] links;
    private final int events;
    private final VirtualTime time = new VirtualTime();
    private final List<Node> nodes = new ArrayList<>();
    private final Traffic traffic = new Traffic();
    private long distinctUpdates;

    private ModelSync(Algorithm algorithm, Workload workload, boolean[][] links, int events, long seed) {
        this.algorithm = algorithm;
        this.workload = workload;
        this.links = links;
        this.events = events;
        SplittableRandom root = new SplittableRandom(seed);
        for (int i = 0; i < links.length; i++) {
            nodes.add(new Node(i, ReplicaId.of(i + 1L), root.split()));
        }
    }

    /** What a run transmitted, how many updates it made, and after how many periods it converged. */
    record Result(Traffic traffic, long distinctUpdates, int periodsAfterLastUpdate) {
    }

    /** Runs {@code algorithm} for {@code events} seconds of updates, then until every node holds the same state. */
    static Result run(Algorithm algorithm, Workload workload, boolean[][] links, int events, long seed) {
        return new ModelSync(algorithm, workload, links, events, seed).execute();
    }

    private Result execute() {
        SplittableRandom phases = new SplittableRandom(links.length * 7919L);
        for (Node n : nodes) {
            long update = phases.nextLong(1_000);
            long sync = phases.nextLong(1_000);
            time.schedule(update, VirtualTime.ALWAYS, () -> updateLoop(n));
            time.schedule(sync, VirtualTime.ALWAYS, () -> syncLoop(n));
        }
        long end = VirtualTime.EPOCH_MILLIS + events * 1_000L;
        time.runUntil(end);
        int periods = 0;
        while (!converged() && periods < 1_000) {
            time.runFor(1_000);
            periods++;
        }
        return new Result(traffic, distinctUpdates, periods);
    }

    private void updateLoop(Node n) {
        if (n.events >= events) {
            return;
        }
        Map<Bytes, Crdt<?>> delta = new LinkedHashMap<>();
        for (Workload.Update u : workload.updates(n.index, nodes.size(), n.events, n.random)) {
            Crdt<?> current = n.state.get(u.key());
            Mutation<?> m = mutate(n, u, current);
            n.state.put(u.key(), m.state());
            delta.merge(u.key(), m.delta(), Crdt::joinAny);
            distinctUpdates++;
        }
        if (algorithm != Algorithm.STATE_BASED) {
            n.buffer.add(new Buffered(delta, n.index));
        }
        n.events++;
        time.schedule(1_000, VirtualTime.ALWAYS, () -> updateLoop(n));
    }

    private Mutation<?> mutate(Node n, Workload.Update u, Crdt<?> current) {
        return switch (workload) {
            case GSET -> (current == null ? ORSet.empty() : (ORSet) current).add(n.id, u.value());
            case GCOUNTER -> (current == null ? PNCounter.empty() : (PNCounter) current).add(n.id, 1);
            default -> {
                LWWRegister r = current == null ? LWWRegister.empty() : (LWWRegister) current;
                yield r.set(n.id, r.timestamp().map(n.clock::update).orElseGet(n.clock::now), u.value());
            }
        };
    }

    private void syncLoop(Node n) {
        for (int j = 0; j < links.length; j++) {
            if (!links[n.index][j]) {
                continue;
            }
            Map<Bytes, Crdt<?>> message = new LinkedHashMap<>();
            if (algorithm == Algorithm.STATE_BASED) {
                message.putAll(n.state);
            } else {
                for (Buffered b : n.buffer) {
                    if (!algorithm.bp() || b.origin() != j) {
                        b.delta().forEach((k, v) -> message.merge(k, v, Crdt::joinAny));
                    }
                }
            }
            if (message.isEmpty()) {
                continue;
            }
            traffic.messages++;
            message.forEach(traffic::document);
            Node to = nodes.get(j);
            time.schedule(1, VirtualTime.ALWAYS, () -> receive(to, n.index, message));
        }
        n.buffer.clear();
        time.schedule(1_000, VirtualTime.ALWAYS, () -> syncLoop(n));
    }

    private void receive(Node n, int from, Map<Bytes, Crdt<?>> message) {
        if (algorithm == Algorithm.STATE_BASED) {
            message.forEach((k, v) -> join(n, k, v));
            return;
        }
        if (algorithm.rr()) {
            Map<Bytes, Crdt<?>> effective = new LinkedHashMap<>();
            message.forEach((k, v) -> {
                Crdt<?> current = n.state.get(k);
                Merged m = Crdt.mergeAny(current == null ? v.type().bottom() : current, v);
                if (m.changed()) {
                    n.state.put(k, m.state());
                    effective.put(k, m.effectiveDelta());
                }
            });
            if (!effective.isEmpty()) {
                n.buffer.add(new Buffered(effective, from));
            }
            return;
        }
        boolean inflates = false;
        for (Map.Entry<Bytes, Crdt<?>> e : message.entrySet()) {
            Crdt<?> current = n.state.get(e.getKey());
            if (current == null || Crdt.mergeAny(current, e.getValue()).changed()) {
                inflates = true;
                break;
            }
        }
        if (inflates) {
            message.forEach((k, v) -> join(n, k, v));
            n.buffer.add(new Buffered(message, from));
        }
    }

    /** Joins {@code v} into the node's document {@code k} (from bottom when absent, so a state is never delta-shaped). */
    private static void join(Node n, Bytes k, Crdt<?> v) {
        Crdt<?> current = n.state.get(k);
        n.state.put(k, Crdt.joinAny(current == null ? v.type().bottom() : current, v));
    }

    private boolean converged() {
        Map<Bytes, Crdt<?>> first = nodes.get(0).state;
        for (Node n : nodes) {
            if (!n.state.equals(first)) {
                return false;
            }
        }
        return true;
    }
}
