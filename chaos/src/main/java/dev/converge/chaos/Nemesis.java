package dev.converge.chaos;

import dev.converge.chaos.FaultProxy.LinkFaults;
import dev.converge.chaos.FaultProxy.NetworkState;
import dev.converge.chaos.Schedule.Fault;
import dev.converge.chaos.Schedule.Link;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Carries out a round of the {@link Schedule}: the network track and the process track, each on
 * its own thread, until the round's time is up; then {@link #heal()} ends whatever is active
 * (network faults cleared, a paused node continued, a killed node restarted) and returns once
 * every node runs and every link is clean. Each fault is recorded in the history with what it
 * actually did (frames swallowed, connections reset, the signal delivered).
 *
 * <p>Every restart of a killed or stopped node checks durability first: the proxy holds the
 * node's links (no peer can refill it), the node starts on its data directory, and every write it
 * acknowledged since that directory was created is read back from it; then the links are
 * released.
 */
final class Nemesis {

    /** One durability check: what a restarted node was expected to hold and what it lost. */
    record Durability(String node, String cause, boolean sync, int start, long setElements, long counterKeys, long registers,
                      List<String> lost) {
        long checked() {
            return setElements + counterKeys + registers;
        }
    }

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    /** How long the nodes may take to learn of an administrative removal, a round of gossip or two normally. */
    private static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(30);
    /** A key outside the workload's, for the write a removed node must refuse. */
    private static final String LEAVE_PROBE_KEY = "chaos:leave-probe";

    private final NodeCluster cluster;
    private final FaultProxy proxy;
    private final History history;
    private final RunClock clock;
    private final Keys keys;
    private final PrintStream out;
    private final NodeReader reader;
    private final List<Durability> durability = new ArrayList<>();
    private final int n;
    private volatile CountDownLatch healing = new CountDownLatch(1);

    Nemesis(NodeCluster cluster, FaultProxy proxy, History history, RunClock clock, Keys keys, PrintStream out) {
        this.cluster = cluster;
        this.proxy = proxy;
        this.history = history;
        this.clock = clock;
        this.keys = keys;
        this.out = out;
        this.reader = new NodeReader(cluster);
        this.n = cluster.nodes().size();
    }

    synchronized List<Durability> durability() {
        return List.copyOf(durability);
    }

    /**
     * Runs both tracks of {@code round} from {@code startNanos} until the round's time is up, then
     * heals. Returns when the cluster is whole again.
     */
    void run(Schedule.Round round, long startNanos, long roundMillis) throws InterruptedException {
        healing = new CountDownLatch(1);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread net = track("chaos-nemesis-network", () -> networkTrack(round, startNanos), failures);
        Thread proc = track("chaos-nemesis-process", () -> processTrack(round, startNanos), failures);
        long end = startNanos + TimeUnit.MILLISECONDS.toNanos(roundMillis);
        long wait;
        while ((wait = end - System.nanoTime()) > 0 && failures.isEmpty()) {
            TimeUnit.NANOSECONDS.sleep(Math.min(wait, 200_000_000L));
        }
        healing.countDown();
        net.join();
        proc.join();
        if (!failures.isEmpty()) {
            Throwable t = failures.get(0);
            throw t instanceof ChaosFailure c ? c : new ChaosFailure("the nemesis failed: " + t, t);
        }
        heal();
    }

    private interface Action {
        void run() throws InterruptedException;
    }

    private static Thread track(String name, Action action, List<Throwable> failures) {
        Thread t = new Thread(() -> {
            try {
                action.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                failures.add(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until {@code deadline} (System.nanoTime); true if the heal began first. */
    private boolean sleepUntil(long deadline) throws InterruptedException {
        long wait = deadline - System.nanoTime();
        return wait > 0 ? healing.await(wait, TimeUnit.NANOSECONDS) : healing.getCount() == 0;
    }

    private boolean sleepFor(long millis) throws InterruptedException {
        return sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis));
    }

    // ---- network track

    private void networkTrack(Schedule.Round round, long startNanos) throws InterruptedException {
        for (Fault f : round.network()) {
            if (sleepUntil(startNanos + TimeUnit.MILLISECONDS.toNanos(f.atMillis()))) {
                return;
            }
            long start = clock.micros();
            FaultProxy.Counters before = proxy.counters();
            long resets = 0;
            if (f.kind() == FaultKind.LINK_RESET) {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(f.forMillis());
                do {
                    resets += proxy.reset(f.links());
                } while (!sleepUntil(Math.min(end, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(f.intervalMillis())))
                        && System.nanoTime() < end);
            } else {
                resets += proxy.apply(state(f));
                sleepFor(f.forMillis());
            }
            proxy.apply(new NetworkState(n));
            FaultProxy.Counters d = proxy.counters().minus(before);
            long effective;
            String effect;
            switch (f.kind()) {
                case LINK_BLACKHOLE -> {
                    effective = d.swallowed();
                    effect = d.swallowed() + " frames swallowed";
                }
                case LINK_DELAY -> {
                    effective = d.delayed();
                    effect = d.delayed() + " frames delayed";
                }
                case LINK_RESET -> {
                    effective = resets;
                    effect = resets + " connections reset";
                }
                case LINK_DROP -> {
                    effective = d.dropped();
                    effect = d.dropped() + " frames dropped";
                }
                case LINK_DUPLICATE -> {
                    effective = d.duplicated();
                    effect = d.duplicated() + " frames duplicated";
                }
                default -> {
                    effective = d.swallowed() + resets + d.refused();
                    effect = d.swallowed() + " frames swallowed, " + resets + " connections reset, " + d.refused() + " refused";
                }
            }
            record(new History.Fault(round.number(), f.kind(), links(f), start, clock.micros(), f.what(), effect, effective));
        }
    }

    private NetworkState state(Fault f) {
        NetworkState s = new NetworkState(n);
        for (Link l : f.links()) {
            s = switch (f.kind()) {
                case LINK_BLACKHOLE -> s.with(l, new LinkFaults(true, 0, 0, 0, 0));
                case LINK_DELAY -> s.with(l, new LinkFaults(false, 0, 0, f.delayMillis(), f.jitterMillis()));
                case LINK_DROP -> s.with(l, new LinkFaults(false, f.probability(), 0, 0, 0));
                case LINK_DUPLICATE -> s.with(l, new LinkFaults(false, 0, f.probability(), 0, 0));
                default -> f.refuse() ? s.refusing(l) : s.with(l, new LinkFaults(true, 0, 0, 0, 0));
            };
        }
        return s;
    }

    private static String links(Fault f) {
        return f.links().stream().map(Link::toString).reduce((a, b) -> a + " " + b).orElse("");
    }

    // ---- process track

    private void processTrack(Schedule.Round round, long startNanos) throws InterruptedException {
        for (Fault f : round.process()) {
            if (sleepUntil(startNanos + TimeUnit.MILLISECONDS.toNanos(f.atMillis()))) {
                return;
            }
            NodeCluster.Node node = cluster.node(f.node());
            if (!cluster.alive(node)) {
                record(new History.Fault(round.number(), f.kind(), node.name, clock.micros(), clock.micros(), f.what(),
                        "skipped: the node is not running", 0));
                continue;
            }
            long start = clock.micros();
            String effect;
            switch (f.kind()) {
                case KILL -> {
                    long pid = node.pid();
                    cluster.kill(node);
                    sleepFor(f.forMillis());
                    effect = "pid " + pid + " killed; " + restart(node, "kill-9", round.number());
                }
                case PAUSE -> {
                    cluster.pause(node);
                    sleepFor(f.forMillis());
                    cluster.resume(node);
                    effect = "pid " + node.pid() + " stopped and continued";
                }
                default -> {
                    long pid = node.pid();
                    int code = cluster.terminate(node, STOP_TIMEOUT);
                    String exit = code == -1 ? "did not stop within " + STOP_TIMEOUT.toSeconds() + " s, killed" : "exit code " + code;
                    if (code != 0 && code != 143) {
                        history.violation(new History.Note(clock.micros(), "nodes", node.name + " (pid " + pid + ") did not stop cleanly on SIGTERM: "
                                + exit));
                    }
                    effect = "pid " + pid + " " + exit + "; " + restart(node, "restart", round.number());
                }
            }
            record(new History.Fault(round.number(), f.kind(), node.name, start, clock.micros(), f.what(), effect, 1));
        }
    }

    /** Starts a node on its data directory, isolated, checks it kept what it acknowledged, then lets peers in. */
    private String restart(NodeCluster.Node node, String cause, int round) throws InterruptedException {
        proxy.hold(node.index);
        try {
            cluster.start(node);
            Durability d = check(node, cause);
            synchronized (this) {
                durability.add(d);
            }
            for (String lost : d.lost()) {
                history.violation(new History.Note(clock.micros(), "durability", lost));
            }
            return "restarted (replica " + node.replica() + "), durability: " + d.checked() + " acknowledged writes checked, "
                    + d.lost().size() + " lost";
        } finally {
            proxy.release(node.index);
        }
    }

    /** Reads the restarted node and compares with every write it acknowledged since its data directory was created. */
    private Durability check(NodeCluster.Node node, String cause) {
        List<Op> acked = new ArrayList<>();
        for (Op op : history.acknowledgedBy(node.index)) {
            if (op.generation() >= node.epochStart()) {
                acked.add(op);
            }
        }
        NodeReader.Snapshot s = reader.read(node.index, keys);
        List<String> lost = new ArrayList<>();
        long elements = 0;
        Map<String, Long> counterSums = new HashMap<>();
        Map<String, Op> lastRegister = new HashMap<>();
        for (Op op : acked) {
            switch (op.kind()) {
                case SADD -> {
                    elements++;
                    if (!s.sets().get(op.key()).contains(op.value())) {
                        lost.add(node.name + " restarted after " + cause + " lacks '" + op.value() + "' in " + op.key()
                                + ", acknowledged at " + RunClock.seconds(op.complete()) + " s");
                    }
                }
                case INCRBY -> counterSums.merge(op.key(), op.amount(), Long::sum);
                case SET, MSET -> lastRegister.merge(op.key(), op, (a, b) -> a.invoke() >= b.invoke() ? a : b);
                default -> {
                }
            }
        }
        for (Map.Entry<String, Long> e : counterSums.entrySet()) {
            long value = s.counters().get(e.getKey());
            // Only increments: the value is at least this node's own acknowledged increments.
            if (value < e.getValue()) {
                lost.add(node.name + " restarted after " + cause + " reads " + e.getKey() + " = " + value + ", below the "
                        + e.getValue() + " it acknowledged");
            }
        }
        Rules.RegisterWrites writes = new Rules.RegisterWrites() {
            @Override
            public History.Sent sent(String value) {
                return history.sent(value);
            }

            @Override
            public Op completed(String value) {
                return history.registerWrite(value);
            }
        };
        for (Map.Entry<String, Op> e : lastRegister.entrySet()) {
            String problem = Rules.register(e.getKey(), s.registers().get(e.getKey()), e.getValue(), writes);
            if (problem != null) {
                lost.add(node.name + " restarted after " + cause + ": " + problem);
            }
        }
        return new Durability(node.name, cause, node.sync, node.generation(), elements, counterSums.size(), lastRegister.size(), lost);
    }

    /**
     * Ends every fault: links clean, nothing held, every node continued or started. Idempotent;
     * the tracks have ended their own faults by the time it runs.
     */
    void heal() throws InterruptedException {
        proxy.apply(new NetworkState(n));
        for (NodeCluster.Node node : cluster.nodes()) {
            proxy.release(node.index);
            if (cluster.alive(node) && node.downDuring(clock.micros(), clock.micros())) {
                cluster.resume(node);
            }
            if (!cluster.alive(node)) {
                out.println("  heal: " + node.name + " is not running; starting it");
                cluster.start(node);
            }
        }
    }

    /** Runs the membership change planned before a round. */
    void between(Fault f) throws InterruptedException {
        switch (f.kind()) {
            case WIPE -> wipe(f);
            case LEAVE -> leave(f);
            default -> throw new IllegalArgumentException(f.kind().label + " is not a change between rounds");
        }
    }

    /**
     * Between rounds: kill -9, delete the data directory, start under a new replica id; then, as
     * an operator does once the replacement runs, remove the lost id at a peer and wait until
     * every node lists it as removed.
     */
    private void wipe(Fault f) throws InterruptedException {
        NodeCluster.Node node = cluster.node(f.node());
        int admin = (f.node() + 1) % n;
        long start = clock.micros();
        String before = node.replica();
        cluster.kill(node);
        cluster.wipe(node);
        cluster.start(node);
        remove(before, admin, node.name);
        record(new History.Fault(f.round(), f.kind(), node.name, start, clock.micros(), f.what(), "replica " + before + " wiped, rejoined as "
                + node.replica() + "; the lost id removed at " + cluster.node(admin).name + ", listed removed by all",
                before.equals(node.replica()) ? 0 : 1));
    }

    /** {@code CONVERGE.REMOVE replica} at node {@code admin}; returns once every node lists it as removed. */
    private void remove(String replica, int admin, String owner) throws InterruptedException {
        String reply = reader.remove(admin, replica);
        if (!reply.equals("OK")) {
            throw new ChaosFailure("CONVERGE.REMOVE " + replica + " at " + cluster.node(admin).name + " answered " + reply);
        }
        long deadline = System.nanoTime() + LEAVE_TIMEOUT.toNanos();
        for (int i = 0; i < n; i++) {
            while (!"removed".equals(reader.members(i).get(replica))) {
                if (System.nanoTime() > deadline) {
                    throw new ChaosFailure(cluster.node(i).name + " did not list " + owner + "'s replica " + replica + " as removed within "
                            + LEAVE_TIMEOUT.toSeconds() + " s of CONVERGE.REMOVE at " + cluster.node(admin).name);
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }

    /**
     * Between rounds, with the cluster converged and the clients paused: an administrator removes
     * the node at a peer. Every node, the removed one included, must come to list it as removed,
     * and the removed one must refuse a write (the rejoin guard) and export what no peer
     * acknowledged; then it stops cleanly, its data directory is emptied and it starts again, joining
     * under a new replica id.
     */
    private void leave(Fault f) throws InterruptedException {
        NodeCluster.Node node = cluster.node(f.node());
        int admin = (f.node() + 1) % n;
        long start = clock.micros();
        String before = node.replica();
        remove(before, admin, node.name);
        long deadline = System.nanoTime() + LEAVE_TIMEOUT.toNanos();
        if (reader.tryAdd(f.node(), LEAVE_PROBE_KEY, before)) {
            history.violation(new History.Note(clock.micros(), "nodes", node.name + " accepted a write after learning that its replica "
                    + before + " was removed"));
        }
        Path export = node.dataDir.resolveSibling(node.dataDir.getFileName() + ".unsynced-" + before + ".jsonl");
        while (!Files.exists(export)) {
            if (System.nanoTime() > deadline) {
                throw new ChaosFailure(node.name + " did not export its unacknowledged writes to " + export + " after its removal");
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        long pid = node.pid();
        int code = cluster.terminate(node, STOP_TIMEOUT);
        if (code != 0 && code != 143) {
            history.violation(new History.Note(clock.micros(), "nodes", node.name + " (pid " + pid + ") did not stop cleanly on SIGTERM after "
                    + "its removal: exit code " + code));
        }
        long exported;
        try (Stream<String> lines = Files.lines(export)) {
            exported = lines.count();
        } catch (IOException e) {
            throw new ChaosFailure("cannot read " + export + ": " + e.getMessage(), e);
        }
        cluster.wipe(node);
        cluster.start(node);
        record(new History.Fault(f.round(), f.kind(), node.name, start, clock.micros(), f.what(), "replica " + before + " removed at "
                + cluster.node(admin).name + ", listed removed by all, refused a write, exported " + exported
                + " unacknowledged write(s), stopped; rejoined as " + node.replica(), before.equals(node.replica()) ? 0 : 1));
    }

    private void record(History.Fault f) {
        history.fault(f);
        out.printf("  %7.1fs  %-20s %-14s %s%n", f.start() / 1e6, f.kind().label, f.target().length() > 14 ? "" : f.target(), f.effect());
        out.flush();
    }

    void close() {
        reader.close();
    }
}
