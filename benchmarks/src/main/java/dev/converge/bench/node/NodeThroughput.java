package dev.converge.bench.node;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code ./converge bench node [--quick] [--rounds N] [--requests N]}: Redis-protocol throughput
 * of the runnable node, measured with {@code redis-benchmark} against a {@code redis-server}, one
 * Converge node and a three-node Converge cluster, each in its own processes on this machine.
 *
 * <p>Every run is {@code redis-benchmark -h 127.0.0.1 -p PORT -t set,get,incr,sadd -n N -P P -c 50 --csv -q}
 * for P = 1 and 16; on the cluster it writes on node 1, which replicates to nodes 2 and 3, and
 * the harness then waits until the three nodes hold the same state ({@code CONVERGE.DIGEST} and
 * {@code DBSIZE} equal). A round runs redis-server, the node and the cluster back to back at each
 * depth; the table shows the median of the rounds and the median of the per-round ratios to
 * redis-server, against the targets (cluster ≥ 0.7× redis-server unpipelined, ≥ 0.5× at P = 16).
 * An uncounted warm-up run on every target comes first (the nodes' JIT). Exit codes: 0 done,
 * 1 the cluster did not converge, 2 usage or a missing tool, 3 a server failed.
 */
public final class NodeThroughput {

    static final List<String> TESTS = List.of("SET", "GET", "INCR", "SADD");
    static final List<Integer> PIPELINES = List.of(1, 16);
    static final int CLIENTS = 50;
    /** The cluster's target share of one redis-server's requests per second, by pipeline depth. */
    static final Map<Integer, Double> TARGETS = Map.of(1, 0.7, 16, 0.5);

    private static final int WARMUP_REQUESTS = 50_000;
    private static final Duration CONVERGE_TIMEOUT = Duration.ofSeconds(120);
    private static final long BENCH_TIMEOUT_MINUTES = 30;
    private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);
    private static final Map<String, String> TOOLS = Map.of("redis-benchmark", "redis-tools", "redis-server", "redis-server");

    /** One redis-benchmark run: its rows, wall time, and CPU seconds of the client and of each server process. */
    record Run(String target, int pipeline, int round, Map<String, RedisBenchmarkCsv.Row> rows, double wallSeconds, double clientCpu,
               Map<String, Double> serverCpu, Map<String, Double> drivenThreadCpu, String load) {
    }

    /** The check after a cluster run: whether the three nodes reached the same state, and how long after the run it took. */
    record Convergence(String after, boolean converged, long millis, String dbsize, String digest) {
    }

    private final ProcessGroup group;
    private final PrintStream out;
    private final int requests;
    private int benchRuns;

    private NodeThroughput(ProcessGroup group, PrintStream out, int requests) {
        this.group = group;
        this.out = out;
        this.requests = requests;
    }

    /**
     * Runs the suite; {@code root} is the repository root (the launcher {@code converge} lives there).
     *
     * @return the exit code
     */
    public static int run(Path root, boolean quick, List<String> args, PrintStream out) {
        int rounds = quick ? 1 : 3;
        int requests = quick ? 20_000 : 200_000;
        try {
            for (int i = 0; i < args.size(); i++) {
                switch (args.get(i)) {
                    case "--rounds" -> rounds = Integer.parseInt(args.get(++i));
                    case "--requests" -> requests = Integer.parseInt(args.get(++i));
                    default -> throw new IllegalArgumentException("unknown option " + args.get(i));
                }
            }
            if (rounds < 1 || requests < 1) {
                throw new IllegalArgumentException("--rounds and --requests must be positive");
            }
        } catch (IndexOutOfBoundsException | IllegalArgumentException e) {
            System.err.println("converge bench node: " + e.getMessage()
                    + "; usage: converge bench node [--quick] [--rounds N] [--requests N]");
            return 2;
        }
        for (Map.Entry<String, String> tool : TOOLS.entrySet()) {
            if (!onPath(tool.getKey())) {
                System.err.println("converge bench node: " + tool.getKey() + " is not on PATH; it comes with Debian's "
                        + tool.getValue() + " package (sudo apt-get install " + tool.getValue() + ")");
                return 2;
            }
        }
        Path launcher = root.toAbsolutePath().normalize().resolve("converge");
        if (!Files.isExecutable(launcher)) {
            System.err.println("converge bench node: no launcher at " + launcher + " (run it as ./converge bench node from the repository root)");
            return 2;
        }
        ProcessGroup group = ProcessGroup.open(out);
        try {
            return new NodeThroughput(group, out, requests).measure(launcher, rounds);
        } catch (Targets.StartFailure | IOException | RuntimeException e) {
            if (group.closing()) {
                // Stopped by a signal: the shutdown hook stops the servers, so what failed here is a consequence.
                System.err.println("converge bench node: stopped");
                return 130;
            }
            System.err.println("converge bench node: " + e.getMessage());
            if (e instanceof RuntimeException) {
                e.printStackTrace();
            }
            return 3;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("converge bench node: interrupted");
            return 130;
        } finally {
            group.close();
        }
    }

    private int measure(Path launcher, int rounds) throws IOException, Targets.StartFailure, InterruptedException {
        out.printf(Locale.ROOT, "converge bench node: redis-benchmark -t %s -n %d -P {%s} -c %d, %d round(s); %d cores, load average %s%n",
                testArgument(), requests, PIPELINES.stream().map(String::valueOf).collect(Collectors.joining(",")), CLIENTS, rounds,
                Runtime.getRuntime().availableProcessors(), loadAverage());
        out.println("  " + version("redis-benchmark", "--version") + "; " + version("redis-server", "--version"));
        ProcCpu.reapedChildrenSeconds();
        step(out, "checking the launcher is built: converge --version");
        String launcherVersion = version(launcher.toString(), "--version");
        step(out, launcherVersion);

        Targets targets = new Targets(group, launcher, out);
        Targets.Target redis = targets.redisServer();
        Targets.Target single = targets.singleNode();
        Targets.Target cluster = targets.cluster();
        List<Targets.Target> all = List.of(redis, single, cluster);

        int warmup = Math.min(WARMUP_REQUESTS, requests);
        step(out, "warm-up, not counted: -n " + warmup + " at each depth on each target");
        for (int p : PIPELINES) {
            for (Targets.Target t : all) {
                report("warm-up", bench(t, warmup, p, 0));
            }
        }
        report(awaitConvergence(cluster, "warm-up"));

        out.println();
        out.println("commands (PORT: each target's Redis port; the cluster's node 1):");
        for (int p : PIPELINES) {
            out.println("  " + String.join(" ", benchCommand("PORT", requests, p)));
        }
        List<Run> runs = new ArrayList<>();
        List<Convergence> convergences = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            for (int p : PIPELINES) {
                for (Targets.Target t : all) {
                    Run run = bench(t, requests, p, round);
                    runs.add(run);
                    report("round " + round + "/" + rounds, run);
                    if (t == cluster) {
                        Convergence c = awaitConvergence(cluster, "round " + round + " -P " + p);
                        convergences.add(c);
                        report(c);
                    }
                }
            }
        }
        step(out, "done; stopping the servers");
        NodeReport.print(out, runs, convergences, rounds, requests, Runtime.getRuntime().availableProcessors());
        return convergences.stream().allMatch(Convergence::converged) ? 0 : 1;
    }

    /** The redis-benchmark command line for one run. */
    static List<String> benchCommand(String port, int requests, int pipeline) {
        return List.of("redis-benchmark", "-h", "127.0.0.1", "-p", port, "-t", testArgument(), "-n", Integer.toString(requests),
                "-P", Integer.toString(pipeline), "-c", Integer.toString(CLIENTS), "--csv", "-q");
    }

    private static String testArgument() {
        return TESTS.stream().map(t -> t.toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
    }

    private Run bench(Targets.Target target, int n, int pipeline, int round) throws IOException, InterruptedException {
        List<String> command = benchCommand(Integer.toString(target.port()), n, pipeline);
        Map<String, Double> server0 = cpu(target);
        Map<String, Double> threads0 = target.driven().map(h -> ProcCpu.byThread(h.pid())).orElse(Map.of());
        double client0 = ProcCpu.reapedChildrenSeconds();
        long t0 = System.nanoTime();
        ProcessGroup.Started s = group.start("redis-benchmark-" + ++benchRuns, command, true);
        if (!s.process().waitFor(BENCH_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            s.process().destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + BENCH_TIMEOUT_MINUTES + " minutes");
        }
        long t1 = System.nanoTime();
        double client1 = ProcCpu.reapedChildrenSeconds();
        Map<String, Double> server1 = cpu(target);
        Map<String, Double> threads1 = target.driven().map(h -> ProcCpu.byThread(h.pid())).orElse(Map.of());
        group.forget(s);
        String csv = Files.readString(s.log(), StandardCharsets.UTF_8);
        String errors = Files.readString(s.errors(), StandardCharsets.UTF_8).strip();
        Files.delete(s.log());
        Files.delete(s.errors());
        if (s.process().exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " against " + target.label() + " exited with code " + s.process().exitValue()
                    + ": " + errors + csv);
        }
        Map<String, RedisBenchmarkCsv.Row> rows;
        try {
            rows = RedisBenchmarkCsv.parse(csv);
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot read redis-benchmark's output (" + e.getMessage() + "): " + csv, e);
        }
        if (!rows.keySet().containsAll(TESTS)) {
            throw new IOException(String.join(" ", command) + " against " + target.label() + " printed no result for "
                    + TESTS.stream().filter(t -> !rows.containsKey(t)).toList() + "; output: " + csv + " " + errors);
        }
        if (!errors.isEmpty()) {
            out.println("  redis-benchmark wrote to stderr: " + errors.lines().limit(3).collect(Collectors.joining(" | ")));
        }
        Map<String, Double> serverCpu = new LinkedHashMap<>();
        server1.forEach((name, after) -> serverCpu.put(name, after - server0.getOrDefault(name, Double.NaN)));
        Map<String, Double> threadCpu = new LinkedHashMap<>();
        threads1.forEach((name, after) -> threadCpu.put(name, after - threads0.getOrDefault(name, 0.0)));
        return new Run(target.label(), pipeline, round, rows, (t1 - t0) / 1e9, client1 - client0, serverCpu, threadCpu, loadAverage());
    }

    private static Map<String, Double> cpu(Targets.Target target) {
        Map<String, Double> cpu = new LinkedHashMap<>();
        target.processes().forEach((name, handle) -> cpu.put(name, ProcCpu.seconds(handle.pid())));
        return cpu;
    }

    /** Polls the nodes until their digests and key counts agree, or the timeout. */
    private Convergence awaitConvergence(Targets.Target cluster, String after) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + CONVERGE_TIMEOUT.toNanos();
        while (true) {
            List<String> digests = new ArrayList<>();
            List<String> sizes = new ArrayList<>();
            boolean ok = true;
            for (int port : cluster.nodePorts()) {
                try (Resp r = Resp.connect(port)) {
                    digests.add(r.text("CONVERGE.DIGEST"));
                    sizes.add(r.text("DBSIZE"));
                } catch (IOException e) {
                    ok = false;
                    digests.add("(" + e.getMessage() + ")");
                    sizes.add("?");
                }
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (ok && digests.stream().distinct().count() == 1 && sizes.stream().distinct().count() == 1) {
                return new Convergence(after, true, millis, sizes.get(0), digests.get(0));
            }
            if (System.nanoTime() > deadline) {
                return new Convergence(after, false, millis, sizes.toString(), digests.toString());
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private void report(String what, Run run) {
        String rates = TESTS.stream().map(t -> String.format(Locale.ROOT, "%s %,9.0f", t, run.rows().get(t).rps()))
                .collect(Collectors.joining("  "));
        double server = run.serverCpu().values().stream().mapToDouble(Double::doubleValue).sum();
        step(out, String.format(Locale.ROOT, "%-11s -P %-2d %-12s %s req/s  (%.1f s; CPU s: client %.1f, server %.1f; load %s)", what,
                run.pipeline(), run.target(), rates, run.wallSeconds(), run.clientCpu(), server, run.load()));
    }

    private void report(Convergence c) {
        if (c.converged()) {
            step(out, String.format(Locale.ROOT, "cluster converged %d ms after the %s run: DBSIZE %s and digest %s on all 3 nodes", c.millis(),
                    c.after(), c.dbsize(), c.digest()));
        } else {
            step(out, String.format(Locale.ROOT, "cluster DID NOT converge within %d ms after the %s run: DBSIZE %s, digests %s", c.millis(),
                    c.after(), c.dbsize(), c.digest()));
        }
    }

    /** One progress line, with the time of day. */
    static void step(PrintStream out, String message) {
        out.println("[" + LocalTime.now().format(TIME_OF_DAY) + "] " + message);
        out.flush();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** The last line a command prints (its version; the launcher may build first and say so), hence the generous wait. */
    private static String version(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output.lines().reduce((a, b) -> b).orElse("");
    }
}
