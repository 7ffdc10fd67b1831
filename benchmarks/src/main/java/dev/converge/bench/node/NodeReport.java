package dev.converge.bench.node;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The tables {@code converge bench node} prints at the end, in Markdown: requests per second
 * (median of the rounds) and ratios to redis-server (median of the per-round ratios, each round
 * having run the three targets back to back) against the targets; the ratios of every round;
 * CPU per request; and the convergence checks.
 */
final class NodeReport {

    static final String REDIS = "redis-server";
    static final String SINGLE = "1 node";
    static final String CLUSTER = "3 nodes";
    private static final List<String> THREAD_GROUPS = List.of("redis I/O", "engine", "RocksDB", "callbacks", "transport", "JIT", "GC/VM", "other");

    private NodeReport() {
    }

    static void print(PrintStream out, List<NodeThroughput.Run> runs, List<NodeThroughput.Convergence> convergences, int rounds,
                      int requests, int cores) {
        out.println();
        out.printf(Locale.ROOT, "## requests per second: median of %d round(s), -n %,d, -c %d%n", rounds, requests, NodeThroughput.CLIENTS);
        out.println();
        out.println("Ratios: the median of the per-round ratios to redis-server (each round runs the three targets back to back).");
        out.println();
        out.println("| test | -P | redis-server | 1 node | 3 nodes | 1 node / redis | 3 nodes / redis | target: 3 nodes / redis |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---|");
        for (int p : NodeThroughput.PIPELINES) {
            for (String test : NodeThroughput.TESTS) {
                double target = NodeThroughput.TARGETS.get(p);
                double clusterRatio = median(ratios(runs, CLUSTER, test, p));
                out.printf(Locale.ROOT, "| %s | %d | %,.0f | %,.0f | %,.0f | %.2f× | %.2f× | ≥ %.1f×: %s |%n", test, p,
                        median(rates(runs, REDIS, test, p)), median(rates(runs, SINGLE, test, p)), median(rates(runs, CLUSTER, test, p)),
                        median(ratios(runs, SINGLE, test, p)), clusterRatio, target, clusterRatio >= target ? "met" : "**missed**");
            }
        }
        out.println();
        out.println("## ratios to redis-server, every round");
        out.println();
        out.println("| test | -P | 1 node / redis | 3 nodes / redis |");
        out.println("|---|---:|---|---|");
        for (int p : NodeThroughput.PIPELINES) {
            for (String test : NodeThroughput.TESTS) {
                out.printf(Locale.ROOT, "| %s | %d | %s | %s |%n", test, p, list(ratios(runs, SINGLE, test, p)), list(ratios(runs, CLUSTER, test, p)));
            }
        }
        out.println();
        out.printf(Locale.ROOT, "## CPU per request (median of the rounds; a run is the four tests, %,d requests each)%n", requests);
        out.println();
        out.printf(Locale.ROOT, "CPU time of the redis-benchmark client and of the server's processes over the run, in µs per request; "
                + "cores busy: all of it over the run's wall time (this machine has %d).%n", cores);
        out.println();
        out.println("| target | -P | wall s | client µs/req | server µs/req | server, by process | cores busy |");
        out.println("|---|---:|---:|---:|---:|---|---:|");
        for (int p : NodeThroughput.PIPELINES) {
            for (String target : List.of(REDIS, SINGLE, CLUSTER)) {
                List<NodeThroughput.Run> rs = runs.stream().filter(r -> r.target().equals(target) && r.pipeline() == p).toList();
                if (rs.isEmpty()) {
                    continue;
                }
                double perRequest = 1e6 / (NodeThroughput.TESTS.size() * (double) requests);
                List<String> names = new ArrayList<>(rs.get(0).serverCpu().keySet());
                String byProcess = names.size() == 1 ? "" : names.stream()
                        .map(n -> String.format(Locale.ROOT, "%s %.1f", n, median(rs.stream().map(r -> r.serverCpu().get(n) * perRequest).toList())))
                        .collect(Collectors.joining(", "));
                out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %s | %.2f |%n", target, p,
                        median(rs.stream().map(NodeThroughput.Run::wallSeconds).toList()),
                        median(rs.stream().map(r -> r.clientCpu() * perRequest).toList()),
                        median(rs.stream().map(r -> serverCpu(r) * perRequest).toList()), byProcess,
                        median(rs.stream().map(r -> (r.clientCpu() + serverCpu(r)) / r.wallSeconds()).toList()));
            }
        }
        out.println();
        out.println("## where the driven node's CPU goes (µs per request, median of the rounds)");
        out.println();
        out.println("The node redis-benchmark drives (the single node; node 1 of the cluster), by thread: redis I/O (Netty event loops "
                + "parsing commands and writing replies), engine (the replica's one engine thread), RocksDB (the group-commit writer, "
                + "the folder and RocksDB's own threads), callbacks (completes writes), transport (peer links), JIT, GC/VM.");
        out.println();
        out.println("| target | -P | " + String.join(" | ", THREAD_GROUPS) + " | all |");
        out.println("|---|---:|" + "---:|".repeat(THREAD_GROUPS.size() + 1));
        for (int p : NodeThroughput.PIPELINES) {
            for (String target : List.of(SINGLE, CLUSTER)) {
                List<NodeThroughput.Run> rs = runs.stream().filter(r -> r.target().equals(target) && r.pipeline() == p).toList();
                if (rs.isEmpty() || rs.get(0).drivenThreadCpu().isEmpty()) {
                    continue;
                }
                double perRequest = 1e6 / (NodeThroughput.TESTS.size() * (double) requests);
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %d |", target, p));
                for (String g : THREAD_GROUPS) {
                    row.append(String.format(Locale.ROOT, " %.1f |",
                            median(rs.stream().map(r -> r.drivenThreadCpu().getOrDefault(g, 0.0) * perRequest).toList())));
                }
                row.append(String.format(Locale.ROOT, " %.1f |", median(rs.stream()
                        .map(r -> r.drivenThreadCpu().values().stream().mapToDouble(Double::doubleValue).sum() * perRequest).toList())));
                out.println(row);
            }
        }
        out.println();
        out.println("## targets");
        out.println();
        for (int p : NodeThroughput.PIPELINES) {
            double target = NodeThroughput.TARGETS.get(p);
            List<String> met = new ArrayList<>();
            List<String> all = new ArrayList<>();
            for (String test : NodeThroughput.TESTS) {
                double r = median(ratios(runs, CLUSTER, test, p));
                all.add(String.format(Locale.ROOT, "%s %.2f×", test, r));
                if (r >= target) {
                    met.add(test);
                }
            }
            out.printf(Locale.ROOT, "- 3 nodes ≥ %.1f× redis-server %s: met in %d of %d tests (%s)%n", target,
                    p == 1 ? "unpipelined (-P 1)" : "pipelined (-P " + p + ")", met.size(), NodeThroughput.TESTS.size(), String.join(", ", all));
        }
        long converged = convergences.stream().filter(NodeThroughput.Convergence::converged).count();
        out.printf(Locale.ROOT, "- the three nodes converged after %d of %d cluster runs (same CONVERGE.DIGEST and DBSIZE on all; "
                + "slowest %d ms after the run ended)%n", converged, convergences.size(),
                convergences.stream().mapToLong(NodeThroughput.Convergence::millis).max().orElse(0));
    }

    private static double serverCpu(NodeThroughput.Run r) {
        return r.serverCpu().values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** The target's rate for one test and depth, round by round. */
    static List<Double> rates(List<NodeThroughput.Run> runs, String target, String test, int pipeline) {
        return runs.stream().filter(r -> r.target().equals(target) && r.pipeline() == pipeline).map(r -> r.rows().get(test).rps()).toList();
    }

    /** The target's rate over redis-server's in the same round, round by round. */
    static List<Double> ratios(List<NodeThroughput.Run> runs, String target, String test, int pipeline) {
        Map<Integer, Double> redis = runs.stream().filter(r -> r.target().equals(REDIS) && r.pipeline() == pipeline)
                .collect(Collectors.toMap(NodeThroughput.Run::round, r -> r.rows().get(test).rps()));
        return runs.stream().filter(r -> r.target().equals(target) && r.pipeline() == pipeline && redis.containsKey(r.round()))
                .map(r -> r.rows().get(test).rps() / redis.get(r.round())).toList();
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String list(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.2f", v)).collect(Collectors.joining(", "));
    }
}
