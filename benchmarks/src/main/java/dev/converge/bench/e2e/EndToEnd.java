package dev.converge.bench.e2e;

import dev.converge.bench.node.Resp;
import dev.converge.bench.report.Measure;
import java.io.IOException;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./converge bench e2e [--quick]}: local node clusters driven over the Redis protocol by
 * {@link LoadDriver}, then the store-size curve ({@link StoreSize}). In order: a 3-node cluster
 * (default 64 MiB document cache), an uncounted warm-up ({@link #warmUp}), writes at saturation
 * (closed loop, {@value #SATURATION_CONNECTIONS} connections), closed-loop throughput against the
 * number of connections, writes at a fixed offered load ({@value #FIXED_RATE}/s, open loop,
 * {@value #FIXED_CONNECTIONS} connections), the two named phases with the replication-lag probe;
 * node 1's bytes on disk for the keys written; then a fresh cluster of each size of the cluster-size curve (1, 3, 5 nodes; none with
 * {@code --quick}), warmed up and measured alike at {@value #SCALING_CONNECTIONS} connections. Each phase starts once the nodes
 * have converged after the previous one. Results are measures of suite
 * {@code e2e} (names in {@link #measures}).
 */
public final class EndToEnd {

    static final int FIXED_RATE = 5_000;
    static final int FIXED_CONNECTIONS = 16;
    static final int SATURATION_CONNECTIONS = 32;
    static final int SCALING_CONNECTIONS = 16;
    private static final String CACHE = "64MiB";
    private static final long CONVERGE_TIMEOUT_SECONDS = 180;
    private static final double WARM_TOLERANCE = 0.1;
    private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    /** How long each phase runs and which points the curves have. */
    record Plan(double warmupWindowSeconds, double warmupMaxSeconds, double fixedSeconds, double saturationSeconds, double pointSeconds, List<Integer> connections,
                List<Integer> clusterSizes, List<Long> storeCheckpoints) {

        /** {@code all}: part of a whole-suite run, where the store curve stops at 1,000,000 documents to keep the run under 20 minutes. */
        static Plan of(boolean quick, boolean all) {
            return quick
                    ? new Plan(1, 8, 3, 3, 1.5, List.of(1, 16, 64), List.of(), List.of(10_000L, 100_000L))
                    : new Plan(2, 40, 30, 20, 4, List.of(1, 2, 4, 8, 16, 32, 64), List.of(1, 3, 5),
                            all ? List.of(10_000L, 100_000L, 1_000_000L) : List.of(10_000L, 100_000L, 1_000_000L, 10_000_000L));
        }
    }

    private final PrintStream out;
    private final List<Measure> measures = new ArrayList<>();

    private EndToEnd(PrintStream out) {
        this.out = out;
    }

    /** Runs the suite, printing a line per phase; returns its measures. */
    public static List<Measure> run(boolean quick, boolean all, PrintStream out) throws IOException, InterruptedException {
        EndToEnd e = new EndToEnd(out);
        e.measure(Plan.of(quick, all));
        return e.measures;
    }

    private void measure(Plan plan) throws IOException, InterruptedException {
        step(String.format(Locale.ROOT, "e2e: %d CPUs, load average %s; SET of 16-byte values to %,d keys, one request at a time per connection",
                Runtime.getRuntime().availableProcessors(), dev.converge.bench.report.ResultsFile.loadAverage(), LoadDriver.KEYS));
        Map<Integer, Double> byNodes = new LinkedHashMap<>();
        step("starting 3 nodes (--cache-size " + CACHE + ", -Xmx512m each)");
        try (LocalNodes cluster = LocalNodes.start(3, CACHE, out)) {
            List<LocalNodes.Node> nodes = cluster.nodes();
            warmUp(nodes, SATURATION_CONNECTIONS, plan);
            LoadDriver.Result saturation = LoadDriver.closedLoop("saturation", nodes, SATURATION_CONNECTIONS, plan.saturationSeconds(), true);
            report(saturation);
            record("saturation", saturation);
            for (int c : plan.connections()) {
                awaitConverged(nodes);
                LoadDriver.Result r = LoadDriver.closedLoop("connections " + c, nodes, c, plan.pointSeconds(), false);
                report(r);
                measures.add(new Measure("e2e", "e2e.scaling.connections", Map.of("connections", str(c), "nodes", "3"),
                        r.writesPerSecond(), Double.NaN, "writes/s", null));
            }
            // Last: an open loop near the cluster's capacity is the phase most hurt by nodes still compiling, and by now they
            // have run a minute of load more than the warm-up.
            awaitConverged(nodes);
            LoadDriver.Result fixed = LoadDriver.openLoop("fixed load", nodes, FIXED_CONNECTIONS, FIXED_RATE, plan.fixedSeconds(), true);
            report(fixed);
            record("fixed", fixed);
            long keys = Long.parseLong(text(nodes.get(0), "DBSIZE"));
            long bytes = StoreSize.diskBytes(nodes.get(0).dataDir());
            step(String.format(Locale.ROOT, "node-1 holds %,d keys in %,d bytes on disk (%.0f B/key, with the WAL and unflushed memtables)",
                    keys, bytes, (double) bytes / keys));
            measures.add(new Measure("e2e", "e2e.node.diskBytes", Map.of("keys", str(keys)), bytes, Double.NaN, "B", null));
        }
        for (int n : plan.clusterSizes()) {
            step("starting " + n + " node(s) for the cluster-size curve");
            try (LocalNodes cluster = LocalNodes.start(n, CACHE, out)) {
                warmUp(cluster.nodes(), SCALING_CONNECTIONS, plan);
                LoadDriver.Result r = LoadDriver.closedLoop(n + " node(s)", cluster.nodes(), SCALING_CONNECTIONS, plan.pointSeconds(), false);
                report(r);
                byNodes.put(n, r.writesPerSecond());
            }
        }
        byNodes.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> measures.add(new Measure("e2e", "e2e.scaling.nodes",
                Map.of("nodes", str(e.getKey()), "connections", str(SCALING_CONNECTIONS)), e.getValue(), Double.NaN, "writes/s", null)));
        step("store size against document count (embedded RocksDocumentStore, document cache " + StoreSize.CACHE_BYTES + " bytes)");
        StoreSize.Curve curve = StoreSize.run(plan.storeCheckpoints(), out);
        Map<String, String> lastCheckpoint = Map.of("documents", str(plan.storeCheckpoints().get(plan.storeCheckpoints().size() - 1)));
        measures.add(new Measure("e2e", "e2e.store.diskBytesClosed", lastCheckpoint, curve.closedDiskBytes(), Double.NaN, "B", null));
        measures.add(new Measure("e2e", "e2e.store.reopen", lastCheckpoint, curve.reopenSeconds(), Double.NaN, "s", null));
        for (StoreSize.Point p : curve.points()) {
            Map<String, String> docs = Map.of("documents", str(p.documents()));
            measures.add(new Measure("e2e", "e2e.store.diskBytes", docs, p.diskBytes(), Double.NaN, "B", null));
            measures.add(new Measure("e2e", "e2e.store.bytesPerDocument", docs, p.bytesPerDocument(), Double.NaN, "B/doc", null));
            measures.add(new Measure("e2e", "e2e.store.fill", docs, p.writesPerSecond(), Double.NaN, "docs/s", null));
            measures.add(new Measure("e2e", "e2e.store.heap", docs, p.heapBytes() / 1048576.0, Double.NaN, "MiB", null));
            measures.add(new Measure("e2e", "e2e.store.read", with(docs, "percentile", "p50"), p.reads().p50() * 1e3, Double.NaN, "us", null));
            measures.add(new Measure("e2e", "e2e.store.read", with(docs, "percentile", "p99"), p.reads().p99() * 1e3, Double.NaN, "us", null));
        }
    }

    /**
     * Closed-loop windows until two in a row agree within {@value #WARM_TOLERANCE} (at least three
     * windows) or the plan's bound: a fresh node JVM writes several times slower until the JIT has
     * compiled its paths, and on two shared CPUs that takes tens of seconds for three JVMs at once.
     */
    private void warmUp(List<LocalNodes.Node> nodes, int connections, Plan plan) throws IOException, InterruptedException {
        double previous = 0;
        double elapsed = 0;
        for (int window = 1; ; window++) {
            LoadDriver.Result r = LoadDriver.closedLoop("warm-up", nodes, connections, plan.warmupWindowSeconds(), false);
            elapsed += r.seconds();
            double rate = r.writesPerSecond();
            // At least half the bound: the rate creeps up for a while, and early windows can agree by chance.
            boolean steady = window >= 3 && elapsed >= plan.warmupMaxSeconds() / 2 && Math.abs(rate - previous) <= WARM_TOLERANCE * previous;
            if (steady || elapsed >= plan.warmupMaxSeconds()) {
                step(String.format(Locale.ROOT, "warm-up (not counted): %d windows of %.0f s, %s; last %,.0f writes/s", window,
                        plan.warmupWindowSeconds(), steady ? "steady" : "stopped at the bound, not steady", rate));
                break;
            }
            previous = rate;
        }
        awaitConverged(nodes);
    }

    /** The measures of a phase: throughput, write latency and lag percentiles, CPU and RSS per node. */
    private void record(String phase, LoadDriver.Result r) {
        Map<String, String> p = Map.of("phase", phase);
        measures.add(new Measure("e2e", "e2e.writes", with(with(p, "connections", str(r.connections())), "offered",
                r.offeredRate() > 0 ? str((long) r.offeredRate()) : "closed loop"), r.writesPerSecond(), Double.NaN, "writes/s", null));
        percentiles(p, "e2e.latency", r.latency());
        if (r.lag().count() > 0) {
            percentiles(p, "e2e.lag", r.lag());
            measures.add(new Measure("e2e", "e2e.lag.samples", p, r.lag().count(), Double.NaN, "samples", null));
            measures.add(new Measure("e2e", "e2e.lag.timeouts", p, r.lagTimeouts(), Double.NaN, "samples", null));
        }
        measures.add(new Measure("e2e", "e2e.cpuPerWrite", p, r.clusterCpuMicrosPerWrite(), Double.NaN, "CPU us/write", null));
        r.usage().forEach((process, u) -> {
            Map<String, String> q = with(p, "process", process);
            measures.add(new Measure("e2e", "e2e.cpu", q, u.cores(), Double.NaN, "cores", null));
            measures.add(new Measure("e2e", "e2e.rss", q, u.rssBytes() / 1048576.0, Double.NaN, "MiB", null));
        });
    }

    private void percentiles(Map<String, String> params, String name, Latencies.Summary s) {
        double[] values = {s.p50(), s.p90(), s.p99(), s.p999(), s.max()};
        String[] labels = {"p50", "p90", "p99", "p99.9", "max"};
        for (int i = 0; i < values.length; i++) {
            measures.add(new Measure("e2e", name, with(params, "percentile", labels[i]), values[i], Double.NaN, "ms", null));
        }
    }

    private void report(LoadDriver.Result r) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-22s %2d conn: %,8.0f writes/s over %.1f s%s; write latency ms p50 %.2f "
                + "p99 %.2f p99.9 %.2f max %.1f", r.label(), r.connections(), r.writesPerSecond(), r.seconds(),
                r.offeredRate() > 0 ? String.format(Locale.ROOT, " (offered %,.0f/s)", r.offeredRate()) : "", r.latency().p50(),
                r.latency().p99(), r.latency().p999(), r.latency().max()));
        if (r.lag().count() > 0) {
            s.append(String.format(Locale.ROOT, "; replication lag ms p50 %.2f p99 %.2f max %.1f (%d samples, %d timeouts)", r.lag().p50(),
                    r.lag().p99(), r.lag().max(), r.lag().count(), r.lagTimeouts()));
        }
        s.append(String.format(Locale.ROOT, "; cluster CPU %.1f us/write", r.clusterCpuMicrosPerWrite()));
        r.usage().forEach((process, u) -> s.append(String.format(Locale.ROOT, "; %s %.2f cores, RSS %.0f MiB", process, u.cores(),
                u.rssBytes() / 1048576.0)));
        step(s.toString());
    }

    /**
     * Waits until every node holds the same state ({@code CONVERGE.DIGEST} and {@code DBSIZE}
     * equal), so a phase does not start while the previous one's writes are still replicating.
     */
    private void awaitConverged(List<LocalNodes.Node> nodes) throws IOException, InterruptedException {
        if (nodes.size() < 2) {
            return;
        }
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(CONVERGE_TIMEOUT_SECONDS);
        while (true) {
            Set<String> states = new HashSet<>();
            for (LocalNodes.Node n : nodes) {
                states.add(text(n, "CONVERGE.DIGEST") + "/" + text(n, "DBSIZE"));
            }
            if (states.size() == 1) {
                step(String.format(Locale.ROOT, "nodes converged %d ms after the phase", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the nodes did not converge within " + CONVERGE_TIMEOUT_SECONDS + " s: " + states);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static String text(LocalNodes.Node node, String command) throws IOException {
        try (Resp r = Resp.connect(node.redisPort())) {
            return r.text(command);
        }
    }

    private static Map<String, String> with(Map<String, String> params, String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(params);
        m.put(key, value);
        return m;
    }

    private static String str(long n) {
        return Long.toString(n);
    }

    private void step(String message) {
        out.println("[" + LocalTime.now().format(TIME_OF_DAY) + "] " + message);
        out.flush();
    }
}
