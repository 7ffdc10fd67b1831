package dev.converge.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * What the nemesis does and when: a pure function of the seed and the run's shape (nodes, rounds,
 * round length), so a seed replays the same faults on the same nodes and links in the same order.
 * Timing in a real run is real: an action starts at its planned offset or when the previous
 * action of its track finished, whichever is later.
 *
 * <p>Each round runs two tracks side by side. The network track applies one network fault at a
 * time (a link fault on some links, or a partition); the process track one process fault at a
 * time on one node, so a majority is always up. Each round starts with every fault kind of its
 * track once, in a seeded order, so every round injects every kind; the rest of the round draws
 * kinds at random. Rounds after the first of a long run may start with a membership change: a
 * leave-and-rejoin (the second round always does) or a wipe-and-rejoin (the third always does).
 */
final class Schedule {

    /** A directed peer link, 0-based node indices: frames {@code from -> to}. */
    record Link(int from, int to) {
        @Override
        public String toString() {
            return "n" + (from + 1) + "->n" + (to + 1);
        }
    }

    /**
     * One planned fault.
     *
     * @param atMillis start, from the round's start
     * @param forMillis how long it lasts (a kill: how long the node stays down; a restart: 0)
     * @param node the target of a process fault or membership change, else -1
     * @param links the directed links a network fault acts on (a partition: the links it cuts)
     * @param refuse a partition that resets and refuses connections instead of swallowing frames
     * @param probability drop or duplicate probability per frame
     * @param delayMillis extra delay per frame
     * @param jitterMillis the delay varies by up to this much either way
     * @param intervalMillis time between resets of a reset fault
     * @param what a human description (groups, parameters)
     */
    record Fault(int round, FaultKind kind, long atMillis, long forMillis, int node, Set<Link> links, boolean refuse,
                 double probability, long delayMillis, long jitterMillis, long intervalMillis, String what) {

        String line() {
            return String.format(Locale.ROOT, "round %d  +%6.1fs  %5.1fs  %-20s %s", round, atMillis / 1e3, forMillis / 1e3, kind.label, what);
        }
    }

    /** One round: an optional membership change before it (wipe or leave), then both tracks. */
    record Round(int number, Fault between, List<Fault> network, List<Fault> process) {
    }

    /** The shortest round that fits every fault kind once at the longest drawn durations. */
    static final long MIN_ROUND_MILLIS = 45_000;

    // Network faults: 2-4 s each, 0.2-0.8 s apart. Nine kinds fit in 44 s at the longest draws.
    private static final long NET_MIN = 2_000;
    private static final long NET_SPREAD = 2_000;
    private static final long NET_GAP_MIN = 200;
    private static final long NET_GAP_SPREAD = 600;
    // Process faults: kill down 1.5-4 s, pause 1-7 s; a restart is budgeted 8 s (JVM start plus
    // the durability check); 1-3 s apart.
    private static final long RESTART_BUDGET = 8_000;

    final long seed;
    final int nodes;
    final long roundMillis;
    final List<Round> rounds;

    private Schedule(long seed, int nodes, long roundMillis, List<Round> rounds) {
        this.seed = seed;
        this.nodes = nodes;
        this.roundMillis = roundMillis;
        this.rounds = List.copyOf(rounds);
    }

    /**
     * The schedule for a seed.
     *
     * @param membershipChanges whether rounds after the first may start with a leave-and-rejoin or a
     *     wipe-and-rejoin (the second round always starts with a leave, the third with a wipe)
     */
    static Schedule generate(long seed, int nodes, int rounds, long roundMillis, boolean membershipChanges) {
        if (nodes < 3) {
            throw new IllegalArgumentException("a chaos cluster needs at least 3 nodes, got " + nodes);
        }
        if (roundMillis < MIN_ROUND_MILLIS) {
            throw new IllegalArgumentException("a round must last at least " + MIN_ROUND_MILLIS / 1000 + " s, got " + roundMillis + " ms");
        }
        SplittableRandom root = new SplittableRandom(seed);
        List<Round> list = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            SplittableRandom rr = root.split();
            SplittableRandom net = rr.split();
            SplittableRandom proc = rr.split();
            Fault between = null;
            boolean changeNow = rr.nextInt(3) == 0;
            int target = rr.nextInt(nodes);
            boolean leave = r == 2 || (r != 3 && rr.nextBoolean());
            if (membershipChanges && r >= 2 && (r <= 3 || changeNow)) {
                between = leave
                        ? new Fault(r, FaultKind.LEAVE, 0, 0, target, Set.of(), false, 0, 0, 0, 0,
                                "n" + (target + 1) + ": CONVERGE.REMOVE at a peer, stop, empty the data directory, start (joins under a new replica id)")
                        : new Fault(r, FaultKind.WIPE, 0, 0, target, Set.of(), false, 0, 0, 0, 0,
                                "n" + (target + 1) + ": kill -9, delete the data directory, start (a new replica id), CONVERGE.REMOVE the lost id at a peer");
            }
            List<Fault> process = processTrack(r, proc, nodes, roundMillis);
            list.add(new Round(r, between, networkTrack(r, net, nodes, roundMillis, process), process));
        }
        return new Schedule(seed, nodes, roundMillis, list);
    }

    /**
     * The network track. A link fault picks its links among nodes no process fault is planned to
     * hold down meanwhile (when at least two such nodes remain), so it acts on live traffic: a
     * fault on a link whose end is dead would inject nothing.
     */
    private static List<Fault> networkTrack(int round, SplittableRandom rnd, int nodes, long roundMillis, List<Fault> process) {
        List<FaultKind> order = new ArrayList<>(FaultKind.NETWORK);
        shuffle(order, rnd);
        List<Fault> faults = new ArrayList<>();
        long t = 500;
        for (int i = 0; ; i++) {
            FaultKind kind = i < order.size() ? order.get(i) : FaultKind.NETWORK.get(rnd.nextInt(FaultKind.NETWORK.size()));
            long d = NET_MIN + rnd.nextLong(NET_SPREAD + 1);
            if (t + d > roundMillis - 500) {
                if (i < order.size()) {
                    throw new IllegalStateException("round too short for every network fault kind");
                }
                return faults;
            }
            faults.add(networkFault(round, kind, t, d, rnd, nodes, busy(process, t, t + d)));
            t += d + NET_GAP_MIN + rnd.nextLong(NET_GAP_SPREAD + 1);
        }
    }

    private static List<Fault> processTrack(int round, SplittableRandom rnd, int nodes, long roundMillis) {
        List<FaultKind> order = new ArrayList<>(FaultKind.PROCESS);
        shuffle(order, rnd);
        List<Fault> faults = new ArrayList<>();
        // Not at once: the first kill should find acknowledged writes to check.
        long t = 3_000;
        for (int i = 0; ; i++) {
            FaultKind kind = i < order.size() ? order.get(i) : FaultKind.PROCESS.get(rnd.nextInt(FaultKind.PROCESS.size()));
            int node = rnd.nextInt(nodes);
            long d;
            long slot;
            String what;
            switch (kind) {
                case KILL -> {
                    d = 1_500 + rnd.nextLong(2_501);
                    slot = d + RESTART_BUDGET;
                    what = String.format(Locale.ROOT, "n%d down %.1f s, then restarted on its data", node + 1, d / 1e3);
                }
                case PAUSE -> {
                    // Up to 7 s: longer than the clients' 5 s timeout about a third of the time.
                    d = 1_000 + rnd.nextLong(6_001);
                    slot = d;
                    what = String.format(Locale.ROOT, "n%d SIGSTOP for %.1f s, then SIGCONT", node + 1, d / 1e3);
                }
                default -> {
                    d = 0;
                    slot = RESTART_BUDGET;
                    what = "n" + (node + 1) + " SIGTERM, restarted on its data";
                }
            }
            if (t + slot > roundMillis - 1_000) {
                if (i < order.size()) {
                    throw new IllegalStateException("round too short for every process fault kind");
                }
                return faults;
            }
            faults.add(new Fault(round, kind, t, d, node, Set.of(), false, 0, 0, 0, 0, what));
            t += slot + 1_000 + rnd.nextLong(2_001);
        }
    }

    /** Nodes a process fault is planned to hold down at some moment of {@code [from, to]} (a restart: for its whole budget). */
    private static Set<Integer> busy(List<Fault> process, long from, long to) {
        Set<Integer> busy = new java.util.HashSet<>();
        for (Fault f : process) {
            long end = f.atMillis() + (f.kind() == FaultKind.PAUSE ? f.forMillis() : f.forMillis() + RESTART_BUDGET);
            if (f.atMillis() <= to && end >= from) {
                busy.add(f.node());
            }
        }
        return busy;
    }

    private static Fault networkFault(int round, FaultKind kind, long at, long d, SplittableRandom rnd, int nodes, Set<Integer> busy) {
        return switch (kind) {
            case LINK_BLACKHOLE -> {
                Set<Link> links = someLinks(rnd, nodes, busy);
                yield new Fault(round, kind, at, d, -1, links, false, 0, 0, 0, 0, "swallow frames on " + names(links));
            }
            case LINK_DELAY -> {
                Set<Link> links = someLinks(rnd, nodes, busy);
                long delay = 20 + rnd.nextLong(381);
                long jitter = rnd.nextLong(delay / 2 + 1);
                yield new Fault(round, kind, at, d, -1, links, false, 0, delay, jitter, 0,
                        "delay " + delay + "±" + jitter + " ms on " + names(links));
            }
            case LINK_RESET -> {
                Set<Link> links = someLinks(rnd, nodes, busy);
                long interval = 400 + rnd.nextLong(1_101);
                yield new Fault(round, kind, at, d, -1, links, false, 0, 0, 0, interval,
                        "reset connections every " + interval + " ms on " + names(links));
            }
            case LINK_DROP -> {
                Set<Link> links = someLinks(rnd, nodes, busy);
                double p = 0.05 + rnd.nextDouble() * 0.45;
                yield new Fault(round, kind, at, d, -1, links, false, p, 0, 0, 0,
                        String.format(Locale.ROOT, "drop %.0f%% of frames on %s", p * 100, names(links)));
            }
            case LINK_DUPLICATE -> {
                Set<Link> links = someLinks(rnd, nodes, busy);
                double p = 0.05 + rnd.nextDouble() * 0.35;
                yield new Fault(round, kind, at, d, -1, links, false, p, 0, 0, 0,
                        String.format(Locale.ROOT, "duplicate %.0f%% of frames on %s", p * 100, names(links)));
            }
            case PARTITION_HALVES -> {
                List<Integer> order = shuffledNodes(rnd, nodes, busy, o -> live(o.subList(0, nodes / 2), busy) && live(o.subList(nodes / 2, nodes), busy));
                List<Integer> a = order.subList(0, nodes / 2);
                List<Integer> b = order.subList(nodes / 2, nodes);
                boolean refuse = rnd.nextBoolean();
                yield new Fault(round, kind, at, d, -1, cut(a, b, true), refuse, 0, 0, 0, 0, group(a) + " | " + group(b) + flavour(refuse));
            }
            case PARTITION_ISOLATE -> {
                List<Integer> order = shuffledNodes(rnd, nodes, busy, o -> live(o.subList(0, 1), busy));
                List<Integer> a = order.subList(0, 1);
                List<Integer> b = order.subList(1, nodes);
                boolean refuse = rnd.nextBoolean();
                yield new Fault(round, kind, at, d, -1, cut(a, b, true), refuse, 0, 0, 0, 0, group(a) + " | " + group(b) + flavour(refuse));
            }
            case PARTITION_ASYMMETRIC -> {
                int k = 1 + rnd.nextInt(nodes - 1);
                List<Integer> order = shuffledNodes(rnd, nodes, busy, o -> live(o.subList(0, k), busy) && live(o.subList(k, nodes), busy));
                List<Integer> deaf = order.subList(0, k);
                List<Integer> others = order.subList(k, nodes);
                // Frames from the others to the deaf group are swallowed; the deaf group still reaches them.
                yield new Fault(round, kind, at, d, -1, cut(others, deaf, false), false, 0, 0, 0, 0,
                        group(deaf) + " hear nothing from " + group(others) + ", " + group(others) + " hear " + group(deaf));
            }
            case PARTITION_BRIDGE -> {
                int left = (nodes - 1) / 2;
                List<Integer> order = shuffledNodes(rnd, nodes, busy,
                        o -> live(o.subList(1, 1 + left), busy) && live(o.subList(1 + left, nodes), busy));
                int bridge = order.get(0);
                List<Integer> l = order.subList(1, 1 + left);
                List<Integer> r = order.subList(1 + left, nodes);
                boolean refuse = rnd.nextBoolean();
                yield new Fault(round, kind, at, d, -1, cut(l, r, true), refuse, 0, 0, 0, 0,
                        group(l) + " | " + group(r) + ", bridged by n" + (bridge + 1) + flavour(refuse));
            }
            default -> throw new IllegalArgumentException("not a network fault: " + kind);
        };
    }

    /** One to half of the pairs of nodes not busy (all nodes if fewer than two are free), each in both directions or (3 in 10) in one. */
    private static Set<Link> someLinks(SplittableRandom rnd, int nodes, Set<Integer> busy) {
        List<Integer> free = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            if (!busy.contains(i)) {
                free.add(i);
            }
        }
        if (free.size() < 2) {
            free.clear();
            for (int i = 0; i < nodes; i++) {
                free.add(i);
            }
        }
        List<Link> pairs = new ArrayList<>();
        for (int i = 0; i < free.size(); i++) {
            for (int j = i + 1; j < free.size(); j++) {
                pairs.add(new Link(free.get(i), free.get(j)));
            }
        }
        shuffle(pairs, rnd);
        int count = 1 + rnd.nextInt(Math.max(1, pairs.size() / 2));
        Set<Link> links = new LinkedHashSet<>();
        for (Link p : pairs.subList(0, count)) {
            if (rnd.nextInt(10) < 7) {
                links.add(p);
                links.add(new Link(p.to(), p.from()));
            } else if (rnd.nextBoolean()) {
                links.add(p);
            } else {
                links.add(new Link(p.to(), p.from()));
            }
        }
        return Collections.unmodifiableSet(links);
    }

    private static Set<Link> cut(List<Integer> a, List<Integer> b, boolean bothWays) {
        Set<Link> links = new LinkedHashSet<>();
        for (int x : a) {
            for (int y : b) {
                links.add(new Link(x, y));
                if (bothWays) {
                    links.add(new Link(y, x));
                }
            }
        }
        return Collections.unmodifiableSet(links);
    }

    /**
     * The nodes in a seeded order, redrawn (a few times at most) until {@code fits}: a partition
     * whose side holds only nodes a process fault keeps down would cut no traffic.
     */
    private static List<Integer> shuffledNodes(SplittableRandom rnd, int nodes, Set<Integer> busy,
                                               java.util.function.Predicate<List<Integer>> fits) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            order.add(i);
        }
        for (int attempt = 0; attempt < 16; attempt++) {
            shuffle(order, rnd);
            if (busy.isEmpty() || fits.test(order)) {
                break;
            }
        }
        return order;
    }

    /** Whether some node of {@code group} is not busy. */
    private static boolean live(List<Integer> group, Set<Integer> busy) {
        return group.stream().anyMatch(i -> !busy.contains(i));
    }

    private static <T> void shuffle(List<T> list, SplittableRandom rnd) {
        for (int i = list.size() - 1; i > 0; i--) {
            Collections.swap(list, i, rnd.nextInt(i + 1));
        }
    }

    private static String group(List<Integer> nodes) {
        return nodes.stream().sorted().map(i -> "n" + (i + 1)).collect(Collectors.joining(",", "{", "}"));
    }

    private static String names(Set<Link> links) {
        return links.stream().map(Link::toString).collect(Collectors.joining(" "));
    }

    private static String flavour(boolean refuse) {
        return refuse ? " (connections reset and refused)" : " (frames swallowed)";
    }

    /** Every planned fault, in order, one per line. */
    String describe() {
        StringBuilder s = new StringBuilder();
        for (Round r : rounds) {
            List<Fault> all = new ArrayList<>();
            if (r.between() != null) {
                all.add(r.between());
            }
            all.addAll(r.network());
            all.addAll(r.process());
            all.sort((a, b) -> Long.compare(a.atMillis(), b.atMillis()));
            for (Fault f : all) {
                s.append("  ").append(f.line()).append('\n');
            }
        }
        return s.toString();
    }

    /** A hash of the schedule's text: two runs with the same seed and shape print the same one. */
    String fingerprint() {
        try {
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(describe().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(sha, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
