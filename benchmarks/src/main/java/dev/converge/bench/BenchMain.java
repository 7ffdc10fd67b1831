package dev.converge.bench;

import dev.converge.bench.crdt.CrdtSizes;
import dev.converge.bench.node.NodeThroughput;
import dev.converge.bench.replica.ReplicationLatency;
import dev.converge.bench.replica.WireBytes;
import dev.converge.bench.transport.TransportThroughput;
import dev.converge.replica.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./converge bench <suite> [--quick]}: runs one layer's JMH suite with the GC profiler,
 * writes the raw JMH JSON to {@code benchmarks/results/<suite>-<date>.json} and prints a summary.
 * The replica suite then runs its loopback harnesses (latency, bytes on the wire); the transport
 * suite is a harness of its own (streams for a fixed time, raw Netty baseline in the same run), and
 * so is the node suite (redis-benchmark against redis-server, one node and a three-node cluster).
 */
public final class BenchMain {

    private static final Map<String, String> SUITES = Map.of(
            "crdt", "dev\\.converge\\.bench\\.crdt\\..*",
            "pekko", "dev\\.converge\\.bench\\.pekko\\..*",
            "storage", "dev\\.converge\\.bench\\.storage\\..*",
            "transport", "",
            "node", "",
            "replica", "dev\\.converge\\.bench\\.replica\\..*|dev\\.converge\\.bench\\.storage\\.RawRocksDbBaseline\\..*");

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        BenchLogging.quiet();
        Path root = Path.of(".");
        String suite = null;
        boolean quick = false;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> {
                    if (suite == null) {
                        suite = args[i];
                    } else {
                        rest.add(args[i]);
                    }
                }
            }
        }
        if (suite == null || !SUITES.containsKey(suite)) {
            usage();
            System.exit(2);
        }
        if (suite.equals("node")) {
            System.exit(NodeThroughput.run(root, quick, rest, System.out));
        }
        if (suite.equals("transport")) {
            List<String> harness = new ArrayList<>(quick ? List.of("--warmup", "1", "--measure", "2", "--rounds", "1") : List.of());
            harness.addAll(rest);
            TransportThroughput.main(harness.toArray(String[]::new));
            return;
        }
        String include = rest.isEmpty() ? SUITES.get(suite) : String.join("|", rest);
        Path out = root.resolve("benchmarks/results").resolve(suite + "-" + LocalDate.now() + ".json");
        Files.createDirectories(out.getParent());
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include)
                .addProfiler(GCProfiler.class)
                .resultFormat(ResultFormatType.JSON)
                .result(out.toString());
        if (quick) {
            options.forks(1).warmupIterations(1).warmupTime(TimeValue.seconds(1)).measurementIterations(2)
                    .measurementTime(TimeValue.seconds(1));
        }
        System.out.println("converge bench " + suite + (quick ? " --quick" : "") + ": " + include);
        if (suite.equals("crdt")) {
            CrdtSizes.print(System.out);
        }
        if (suite.equals("replica")) {
            // The baseline at a counter update's bytes per operation (see benchmarks/results/storage.md).
            options.param("bytesPerOp", "125");
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.println();
        System.out.printf("%-60s %14s %10s %16s%n", "benchmark", "score", "unit", "alloc B/op");
        for (RunResult r : results) {
            Result<?> primary = r.getPrimaryResult();
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            String params = r.getParams().getParamsKeys().isEmpty() ? "" : " " + r.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + r.getParams().getParam(k)).toList();
            System.out.printf("%-60s %14.3f %10s %16s%n", shortName(r.getParams().getBenchmark()) + params,
                    primary.getScore(), primary.getScoreUnit(), alloc == null ? "-" : String.format("%.0f", alloc.getScore()));
        }
        System.out.println("raw results: " + out);
        if (suite.equals("replica") && rest.isEmpty()) {
            System.out.println();
            ReplicationLatency.run(10_000, quick ? 2 : 5, quick ? 3 : 10, EngineConfig.defaults(), System.out);
            System.out.println();
            WireBytes.run(1_000, quick ? 3 : 10, quick ? 200 : 1_000, System.out);
        }
    }

    private static String shortName(String benchmark) {
        return benchmark.replace("dev.converge.bench.", "");
    }

    private static void usage() {
        System.out.println("usage: converge bench <" + String.join("|", new TreeSet<>(SUITES.keySet())) + "> [--quick] [benchmark regex...]");
        System.out.println("       converge bench node [--quick] [--rounds N] [--requests N]   (needs redis-benchmark and redis-server)");
    }
}
