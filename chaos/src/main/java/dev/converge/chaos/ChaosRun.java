package dev.converge.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One chaos run: start the proxy and the nodes, then per round let the clients run under the
 * round's faults, heal, wait for convergence, stay quiet, read every key on every node and check;
 * at the end stop everything, run the whole-run checkers and report.
 */
final class ChaosRun {

    /** What a run ended with. */
    record Result(int exitCode, List<Verdict> verdicts) {
    }

    private final ChaosConfig config;
    private final String netMode;
    private final String replay;
    private final PrintStream out;
    private final RunClock clock = new RunClock();

    ChaosRun(ChaosConfig config, String netMode, String replay, PrintStream out) {
        this.config = config;
        this.netMode = netMode;
        this.replay = replay;
        this.out = out;
    }

    Result run() throws InterruptedException, IOException {
        Schedule schedule = Schedule.generate(config.seed(), config.nodes(), config.rounds(), config.actualRoundMillis(), config.membershipChangesHappen());
        Files.createDirectories(config.runDir());
        out.println("converge chaos: seed " + config.seed() + ", " + config.describe());
        out.println("  network: " + netMode);
        out.println("  run directory: " + config.runDir());
        out.println("  replay: " + replay);
        out.println("fault schedule (fingerprint " + schedule.fingerprint() + "):");
        out.print(schedule.describe());
        out.flush();
        Files.writeString(config.runDir().resolve("schedule.txt"), "seed " + config.seed() + ", fingerprint " + schedule.fingerprint() + "\n"
                + schedule.describe(), StandardCharsets.UTF_8);

        int n = config.nodes();
        int clients = config.clients();
        Keys keys = new Keys(8, 4, clients, 2);
        History history = new History(clients, n);
        FaultProxy proxy = FaultProxy.start(n, config.seed());
        List<NodeCluster.Ports> ports = NodeCluster.freePorts(n);
        proxy.targets(ports.stream().mapToInt(NodeCluster.Ports::peer).toArray());
        NodeCluster cluster = new NodeCluster(config.runDir(), ports, config.syncNodes(), proxy, clock, config.nodeHeap(), Duration.ofSeconds(90));
        Thread cleanup = new Thread(() -> {
            cluster.close();
            proxy.close();
        }, "chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Workload workload = new Workload(clients, config.seed(), config.opsPerSecond(), config.clientTimeoutMillis(), keys, cluster, history, clock);
        Nemesis nemesis = new Nemesis(cluster, proxy, history, clock, keys, out);
        NodeReader reader = new NodeReader(cluster);
        DataCheckers.SetChecker sets = new DataCheckers.SetChecker();
        DataCheckers.CounterChecker counters = new DataCheckers.CounterChecker();
        DataCheckers.RegisterChecker registers = new DataCheckers.RegisterChecker();
        List<RunCheckers.Convergence> convergence = new ArrayList<>();
        Map<String, Integer> finalExits = new LinkedHashMap<>();
        String failure = null;
        int roundsChecked = 0;
        try {
            out.printf("starting %d nodes and the fault proxy%n", n);
            out.flush();
            cluster.startAll();
            for (NodeCluster.Node node : cluster.nodes()) {
                out.printf("  %s  replica %s  redis 127.0.0.1:%d  peers 127.0.0.1:%d  %s%n", node.name, node.replica(), node.ports.redis(),
                        node.ports.peer(), node.sync ? "sync" : "buffered");
            }
            workload.start();
            for (Schedule.Round round : schedule.rounds) {
                if (round.between() != null) {
                    nemesis.between(round.between());
                }
                out.printf("round %d: %d s of faults under load%n", round.number(), config.actualRoundMillis() / 1000);
                out.flush();
                workload.resume(round.number());
                nemesis.run(round, System.nanoTime(), config.actualRoundMillis());
                workload.pause();
                nemesis.heal();
                long healedAt = clock.micros();
                RoundEnd end = converge(round.number(), healedAt, reader, keys, history);
                RunCheckers.Convergence c = end.convergence();
                convergence.add(c);
                List<NodeReader.Snapshot> reads = end.reads();
                List<Op> ops = history.ops();
                sets.round(round.number(), ops, reads, keys);
                counters.round(round.number(), ops, reads, keys);
                registers.round(round.number(), ops, reads, keys);
                roundsChecked++;
                out.printf("round %d: healed at %.1f s; %s; %d operations so far%n", round.number(), healedAt / 1e6,
                        c.convergedAt() < 0 ? "NOT converged" : "converged in " + c.millis() + " ms" + (c.readsEqual() ? ", final reads equal" : ", final reads DIFFER"),
                        ops.size());
                out.flush();
            }
        } catch (RuntimeException e) {
            // A harness step that failed (a node that stopped answering during a leave, say) still
            // leaves a report: the checkers and the node logs say whether the product was at fault.
            failure = e instanceof ChaosFailure ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            out.println("run failed: " + failure);
        } finally {
            workload.stop();
            reader.close();
            nemesis.close();
            for (NodeCluster.Node node : cluster.nodes()) {
                if (cluster.alive(node)) {
                    try {
                        cluster.resume(node);
                    } catch (ChaosFailure e) {
                        // it exited meanwhile; the crash is on record
                    }
                    finalExits.put(node.name, cluster.terminate(node, Duration.ofSeconds(20)));
                }
            }
            cluster.close();
            proxy.close();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }

        List<Op> ops = history.ops();
        List<History.Note> notes = history.violations();
        List<Verdict> verdicts = new ArrayList<>();
        verdicts.add(sets.verdict(notes));
        verdicts.add(counters.verdict());
        verdicts.add(registers.verdict(notes));
        verdicts.add(RunCheckers.convergence(convergence, config.convergeTimeoutMillis()));
        verdicts.add(RunCheckers.durability(nemesis.durability()));
        verdicts.add(RunCheckers.liveness(ops, cluster, config.livenessMillis() * 1_000));
        verdicts.add(RunCheckers.nodes(cluster, notes, finalExits));
        List<FaultKind> planned = new ArrayList<>(FaultKind.NETWORK);
        planned.addAll(FaultKind.PROCESS);
        schedule.rounds.stream().map(Schedule.Round::between).filter(Objects::nonNull).map(Schedule.Fault::kind).distinct().forEach(planned::add);
        verdicts.add(RunCheckers.nonVacuity(ops, history.faults(), planned, nemesis.durability(), schedule.rounds.size(), roundsChecked));

        boolean passed = failure == null && verdicts.stream().allMatch(Verdict::passed);
        int exit = passed ? 0 : failure != null && cluster.crashes().isEmpty() ? 3 : 1;
        Report report = new Report(config, netMode, schedule, ops, history.faults(), verdicts, convergence, replay);
        out.print(report.text(exit, failure));
        Files.writeString(config.runDir().resolve("summary.txt"), report.text(exit, failure), StandardCharsets.UTF_8);
        Files.writeString(config.runDir().resolve("summary.json"), report.json(exit, failure), StandardCharsets.UTF_8);
        if (!passed || config.keepHistory()) {
            Path file = config.runDir().resolve("history.jsonl");
            history.write(file);
            Path problems = config.runDir().resolve("problems.txt");
            StringBuilder all = new StringBuilder();
            for (Verdict v : verdicts) {
                for (String p : v.problems()) {
                    all.append(v.name).append(": ").append(p).append('\n');
                }
            }
            Files.writeString(problems, all.toString(), StandardCharsets.UTF_8);
            out.println("history: " + file);
            if (!passed) {
                out.println("every problem: " + problems);
                out.println("node logs: " + config.runDir().resolve("n*.log"));
                out.println("replay the same fault schedule: " + replay);
            }
        }
        out.flush();
        return new Result(exit, verdicts);
    }

    /** How a round's heal ended: convergence, and every node's final read of every key. */
    private record RoundEnd(RunCheckers.Convergence convergence, List<NodeReader.Snapshot> reads) {
    }

    /** Polls every node's digest until they agree, stays quiet, checks they still agree, reads every key everywhere. */
    private RoundEnd converge(int round, long healedAt, NodeReader reader, Keys keys, History history) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.convergeTimeoutMillis());
        List<String> digests = List.of();
        long convergedAt = -1;
        long nextStatus = healedAt + 1_000_000;
        while (System.nanoTime() < deadline) {
            List<String> now = digests(reader);
            if (!now.equals(digests)) {
                // For a slow convergence, the history shows who lagged and when each caught up.
                history.read("{\"type\":\"digests\",\"round\":" + round + ",\"at\":" + RunClock.seconds(clock.micros()) + ",\"digests\":"
                        + now.stream().map(Json::str).collect(Collectors.joining(",", "[", "]")) + "}");
                digests = now;
            }
            if (digests.stream().distinct().count() == 1 && digests.get(0) != null) {
                convergedAt = clock.micros();
                break;
            }
            if (clock.micros() >= nextStatus) {
                // Still apart a second after the heal: keep each node's own view of its peers (INFO replication).
                nextStatus = clock.micros() + 1_000_000;
                for (int i = 0; i < config.nodes(); i++) {
                    String info;
                    try {
                        info = reader.info(i, "replication");
                    } catch (RuntimeException e) {
                        info = "unavailable: " + e.getMessage();
                    }
                    history.read("{\"type\":\"replication\",\"round\":" + round + ",\"at\":" + RunClock.seconds(clock.micros())
                            + ",\"node\":\"n" + (i + 1) + "\",\"info\":" + Json.str(info) + "}");
                }
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        if (convergedAt < 0) {
            // Still read and check: the data checkers say what the divergence cost.
            return new RoundEnd(new RunCheckers.Convergence(round, healedAt, -1, false, false, "digests " + digests), readAll(reader, keys));
        }
        TimeUnit.MILLISECONDS.sleep(config.quietMillis());
        List<String> after = digests(reader);
        boolean stable = after.equals(digests);
        List<NodeReader.Snapshot> reads = readAll(reader, keys);
        boolean equal = reads.stream().distinct().count() == 1;
        StringBuilder detail = new StringBuilder("digests ").append(after);
        if (!equal) {
            for (int i = 1; i < reads.size(); i++) {
                if (!reads.get(i).equals(reads.get(0))) {
                    detail.append("; n").append(i + 1).append(" differs from n1");
                }
            }
        }
        for (int i = 0; i < reads.size(); i++) {
            history.read(readJson(round, i, reads.get(i)));
        }
        return new RoundEnd(new RunCheckers.Convergence(round, healedAt, convergedAt, stable, equal, detail.toString()), reads);
    }

    private List<String> digests(NodeReader reader) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < config.nodes(); i++) {
            try {
                d.add(reader.digest(i));
            } catch (RuntimeException e) {
                d.add(null);
            }
        }
        return d;
    }

    private List<NodeReader.Snapshot> readAll(NodeReader reader, Keys keys) {
        List<NodeReader.Snapshot> reads = new ArrayList<>();
        for (int i = 0; i < config.nodes(); i++) {
            try {
                reads.add(reader.read(i, keys));
            } catch (RuntimeException e) {
                throw new ChaosFailure("cannot read n" + (i + 1) + " after the heal: " + e.getMessage(), e);
            }
        }
        return reads;
    }

    private static String readJson(int round, int node, NodeReader.Snapshot s) {
        StringBuilder b = new StringBuilder("{\"type\":\"final-read\",\"round\":").append(round).append(",\"node\":\"n").append(node + 1).append("\"");
        b.append(",\"sets\":{");
        boolean first = true;
        for (Map.Entry<String, java.util.Set<String>> e : s.sets().entrySet()) {
            b.append(first ? "" : ",").append(Json.str(e.getKey())).append(":{\"size\":").append(e.getValue().size())
                    .append(",\"hash\":").append(Objects.hash(e.getValue().toArray())).append('}');
            first = false;
        }
        b.append("},\"counters\":{");
        first = true;
        for (Map.Entry<String, Long> e : s.counters().entrySet()) {
            b.append(first ? "" : ",").append(Json.str(e.getKey())).append(':').append(e.getValue());
            first = false;
        }
        b.append("},\"registers\":{");
        first = true;
        for (Map.Entry<String, String> e : s.registers().entrySet()) {
            b.append(first ? "" : ",").append(Json.str(e.getKey())).append(':').append(Json.str(e.getValue()));
            first = false;
        }
        return b.append("}}").toString();
    }
}
