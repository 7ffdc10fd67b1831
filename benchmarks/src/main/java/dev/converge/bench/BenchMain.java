package dev.converge.bench;

import dev.converge.bench.crdt.CrdtSizes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./converge bench <suite> [--quick]}: runs one layer's JMH suite with the GC profiler,
 * writes the raw JMH JSON to {@code benchmarks/results/<suite>-<date>.json} and prints a summary.
 */
public final class BenchMain {

    private static final Map<String, String> SUITES = Map.of(
            "crdt", "dev\\.converge\\.bench\\.crdt\\..*",
            "storage", "dev\\.converge\\.bench\\.storage\\..*",
            "transport", "dev\\.converge\\.bench\\.transport\\..*");

    private BenchMain() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
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
    }

    private static String shortName(String benchmark) {
        return benchmark.replace("dev.converge.bench.", "");
    }

    private static void usage() {
        System.out.println("usage: converge bench <" + String.join("|", SUITES.keySet()) + "> [--quick] [benchmark regex...]");
    }
}
