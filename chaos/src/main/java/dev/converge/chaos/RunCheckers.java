package dev.converge.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The checkers of the run as a whole: convergence, durability, liveness, the nodes' health, non-vacuity. */
final class RunCheckers {

    private RunCheckers() {
    }

    /** One round's heal: when it ended, when every node's digest first agreed, whether it stayed so, whether the reads agreed. */
    record Convergence(int round, long healedAt, long convergedAt, boolean stable, boolean readsEqual, String detail) {
        long millis() {
            return convergedAt < 0 ? -1 : (convergedAt - healedAt) / 1_000;
        }
    }

    /**
     * Convergence: after every heal, all nodes' {@code CONVERGE.DIGEST} become equal within the
     * bound and stay equal through the quiet period, and every node's final read of every key is
     * equal. Reports heal-to-convergence time (p50, p99, max over rounds).
     */
    static Verdict convergence(List<Convergence> rounds, long boundMillis) {
        Verdict v = new Verdict("convergence");
        List<Long> times = new ArrayList<>();
        for (Convergence c : rounds) {
            if (c.convergedAt() < 0) {
                v.fail("round " + c.round() + ": digests still differ " + boundMillis / 1000 + " s after the heal: " + c.detail());
                continue;
            }
            times.add(c.millis());
            if (!c.stable()) {
                v.fail("round " + c.round() + ": digests agreed, then differed again in the quiet period: " + c.detail());
            }
            if (!c.readsEqual()) {
                v.fail("round " + c.round() + ": final reads differ between nodes: " + c.detail());
            }
        }
        v.count("heals", rounds.size()).count("converged", times.size())
                .count("heal to convergence p50", percentile(times, 50) + " ms").count("p99", percentile(times, 99) + " ms")
                .count("max", times.stream().mapToLong(Long::longValue).max().orElse(-1) + " ms");
        return v;
    }

    /**
     * Durability: after every kill -9 (and clean restart) the node, isolated from its peers,
     * still holds every write it acknowledged since its data directory was created.
     */
    static Verdict durability(List<Nemesis.Durability> checks) {
        Verdict v = new Verdict("durability");
        long kills = 0;
        long killsSync = 0;
        long restarts = 0;
        long checked = 0;
        long lost = 0;
        for (Nemesis.Durability d : checks) {
            if (d.cause().equals("kill-9")) {
                kills++;
                if (d.sync()) {
                    killsSync++;
                }
            } else {
                restarts++;
            }
            checked += d.checked();
            lost += d.lost().size();
            d.lost().forEach(v::fail);
        }
        return v.count("kill -9 restarts", kills + " (" + killsSync + " sync, " + (kills - killsSync) + " buffered)")
                .count("clean restarts", restarts).count("acknowledged writes checked", checked).count("lost", lost);
    }

    /**
     * Liveness: every operation sent to a node that was up from its invocation until the bound
     * after it, over a connection opened to the node's current process, with a majority of nodes
     * up, completed successfully within the bound. (Every node takes writes locally, so peer
     * faults must not block clients.)
     */
    static Verdict liveness(List<Op> ops, NodeCluster cluster, long boundMicros) {
        Verdict v = new Verdict("liveness");
        int majority = cluster.nodes().size() / 2 + 1;
        long eligible = 0;
        long late = 0;
        long failed = 0;
        List<Long> latencies = new ArrayList<>();
        for (Op op : ops) {
            NodeCluster.Node node = cluster.node(op.node());
            if (node.downDuring(op.invoke(), op.invoke() + boundMicros) || op.generation() != node.generationAt(op.invoke())
                    || cluster.up(op.invoke()) < majority) {
                continue;
            }
            eligible++;
            latencies.add(op.latency() / 1_000);
            if (op.outcome() != Op.Outcome.OK) {
                failed++;
                if (failed <= 50) {
                    v.fail(op.kind().label + " " + op.key() + " on n" + (op.node() + 1) + " (up) by client " + op.client() + " at "
                            + RunClock.seconds(op.invoke()) + " s ended " + op.outcome().label + ": " + op.error());
                }
            } else if (op.latency() > boundMicros) {
                late++;
                if (late <= 50) {
                    v.fail(op.kind().label + " " + op.key() + " on n" + (op.node() + 1) + " (up) by client " + op.client() + " at "
                            + RunClock.seconds(op.invoke()) + " s took " + op.latency() / 1_000 + " ms");
                }
            }
        }
        if (failed > 50 || late > 50) {
            v.fail((failed + late - Math.min(failed, 50) - Math.min(late, 50)) + " more");
        }
        return v.count("bound", boundMicros / 1_000 + " ms").count("eligible operations", eligible).count("failed", failed).count("late", late)
                .count("latency p50", percentile(latencies, 50) + " ms").count("p99", percentile(latencies, 99) + " ms")
                .count("max", latencies.stream().mapToLong(Long::longValue).max().orElse(0) + " ms");
    }

    /** A log line at ERROR that an injected fault explains, and why. */
    record Allowed(Pattern pattern, String reason) {
    }

    /**
     * ERROR lines the faults explain. Connection resets, refused dials, handshake timeouts and
     * partitions are logged at INFO or WARN; only the removal of a node is an ERROR on that node,
     * since it ends its part in the cluster. An entry needs a reason naming the fault.
     */
    static final List<Allowed> ALLOWED_ERRORS = List.of(
            new Allowed(Pattern.compile("^this replica \\(\\p{XDigit}{16}\\) was removed from the cluster: it no longer replicates and refuses writes"),
                    "leave-rejoin removes the node"),
            new Allowed(Pattern.compile("^replica \\p{XDigit}{16} was removed from the cluster: its \\d+ unacknowledged writes are exported to "),
                    "leave-rejoin removes the node"));

    private static final Pattern LOG_LINE = Pattern.compile("^\\S+ (ERROR|WARN) +\\[(\\S+)\\] \\[[^\\]]*\\] (\\S+) - (.*)$");

    /**
     * The nodes: no node exited unless the nemesis made it; every node stopped cleanly (exit 0 or
     * 143) on SIGTERM, at restarts and at the end; no ERROR line in any log that the allow-list
     * does not explain. WARN lines are counted, not judged.
     */
    static Verdict nodes(NodeCluster cluster, List<History.Note> notes, Map<String, Integer> finalExits) {
        Verdict v = new Verdict("nodes");
        for (NodeCluster.Crash c : cluster.crashes()) {
            v.fail(c.node() + " exited unexpectedly (code " + c.exitCode() + ") at " + RunClock.seconds(c.atMicros()) + " s; end of its log:\n"
                    + c.logTail());
        }
        notes.stream().filter(n -> n.checker().equals("nodes")).forEach(n -> v.fail(n.text()));
        long clean = 0;
        for (Map.Entry<String, Integer> e : finalExits.entrySet()) {
            if (e.getValue() == 0 || e.getValue() == 143) {
                clean++;
            } else {
                v.fail(e.getKey() + " did not stop cleanly at the end: " + (e.getValue() == -1 ? "killed after the timeout" : "exit code " + e.getValue()));
            }
        }
        long errors = 0;
        long allowed = 0;
        long warns = 0;
        for (NodeCluster.Node n : cluster.nodes()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(n.log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                v.fail("cannot read " + n.log + ": " + e.getMessage());
                continue;
            }
            for (String line : lines) {
                Matcher m = LOG_LINE.matcher(line);
                if (!m.matches()) {
                    if (line.contains("LEAK:") || line.contains("Exception in thread") || line.startsWith("#")) {
                        errors++;
                        v.fail(n.name + " log: " + line);
                    }
                    continue;
                }
                if (m.group(1).equals("WARN")) {
                    warns++;
                    continue;
                }
                errors++;
                boolean explained = false;
                for (Allowed a : ALLOWED_ERRORS) {
                    if (a.pattern().matcher(m.group(4)).find()) {
                        explained = true;
                        allowed++;
                        break;
                    }
                }
                if (!explained) {
                    v.fail(n.name + " logged an unexplained ERROR: " + line);
                }
            }
        }
        return v.count("unexpected exits", cluster.crashes().size()).count("clean final stops", clean + "/" + finalExits.size())
                .count("ERROR lines", errors).count("explained", allowed).count("WARN lines", warns);
    }

    /** Minimum acknowledged operations per command for a run to count. */
    static final Map<Op.Kind, Integer> MIN_OK = Map.of(Op.Kind.SADD, 200, Op.Kind.INCRBY, 200, Op.Kind.SET, 100,
            Op.Kind.MSET, 40, Op.Kind.SMEMBERS, 20, Op.Kind.GET_COUNTER, 20, Op.Kind.GET_REGISTER, 20);

    /**
     * Non-vacuity: enough operations succeeded (per command at least {@link #MIN_OK}, and at least
     * half of all), some ended indeterminate (so the checkers' either-way rules were exercised),
     * every fault kind the run plans was injected with an effect (frames actually swallowed,
     * dropped, duplicated or delayed; connections actually reset; signals delivered), at least one
     * durability check after kill -9 had writes to check, and every round was checked.
     */
    static Verdict nonVacuity(List<Op> ops, List<History.Fault> faults, List<FaultKind> planned, List<Nemesis.Durability> durability,
                              int rounds, int roundsChecked) {
        Verdict v = new Verdict("non-vacuity");
        Map<Op.Kind, Long> ok = new EnumMap<>(Op.Kind.class);
        long allOk = 0;
        long indeterminate = 0;
        for (Op op : ops) {
            if (op.outcome() == Op.Outcome.OK) {
                ok.merge(op.kind(), 1L, Long::sum);
                allOk++;
            } else if (op.outcome().indeterminate()) {
                indeterminate++;
            }
        }
        for (Map.Entry<Op.Kind, Integer> e : MIN_OK.entrySet()) {
            long n = ok.getOrDefault(e.getKey(), 0L);
            if (n < e.getValue()) {
                v.fail("only " + n + " acknowledged " + e.getKey().label + " operations (at least " + e.getValue() + " needed)");
            }
        }
        if (allOk * 2 < ops.size()) {
            v.fail("only " + allOk + " of " + ops.size() + " operations succeeded");
        }
        if (indeterminate == 0) {
            v.fail("no operation ended indeterminate: the either-way rules were never exercised");
        }
        Map<FaultKind, Long> injected = new EnumMap<>(FaultKind.class);
        for (History.Fault f : faults) {
            if (f.effective() > 0) {
                injected.merge(f.kind(), 1L, Long::sum);
            }
        }
        List<String> missing = new ArrayList<>();
        for (FaultKind k : planned) {
            if (!injected.containsKey(k)) {
                missing.add(k.label);
            }
        }
        if (!missing.isEmpty()) {
            v.fail("fault kinds never injected with an effect: " + String.join(", ", missing));
        }
        if (durability.stream().noneMatch(d -> d.cause().equals("kill-9") && d.checked() > 0)) {
            v.fail("no durability check after kill -9 had acknowledged writes to check");
        }
        if (roundsChecked < rounds) {
            v.fail("only " + roundsChecked + " of " + rounds + " rounds were checked");
        }
        return v.count("operations ok", allOk + "/" + ops.size()).count("indeterminate", indeterminate)
                .count("fault kinds injected", injected.size() + "/" + planned.size());
    }

    /** Nearest-rank percentile; -1 for no samples. */
    static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
