package dev.converge.bench;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.format.OutputFormat;

/** JMH output reduced to one progress line per benchmark: its position, name, parameters and score. */
final class ProgressOutput implements OutputFormat {

    private final PrintStream out;
    private final String suite;
    private int done;
    private long started;

    ProgressOutput(PrintStream out, String suite) {
        this.out = out;
        this.suite = suite;
    }

    @Override
    public void startBenchmark(BenchmarkParams params) {
        started = System.nanoTime();
    }

    @Override
    public void endBenchmark(BenchmarkResult result) {
        done++;
        Result<?> primary = result.getPrimaryResult();
        BenchmarkParams params = result.getParams();
        String keys = params.getParamsKeys().isEmpty() ? "" : " " + params.getParamsKeys().stream()
                .map(k -> k + "=" + params.getParam(k)).toList();
        out.printf(Locale.ROOT, "[%s #%d] %-60s %14.3f %-8s (%.0f s)%n", suite, done,
                params.getBenchmark().replace("dev.converge.bench.", "") + keys, primary.getScore(), primary.getScoreUnit(),
                (System.nanoTime() - started) / 1e9);
        out.flush();
    }

    @Override
    public void iteration(BenchmarkParams benchParams, IterationParams params, int iteration) {
    }

    @Override
    public void iterationResult(BenchmarkParams benchParams, IterationParams params, int iteration, IterationResult data) {
    }

    @Override
    public void startRun() {
    }

    @Override
    public void endRun(Collection<RunResult> result) {
    }

    @Override
    public void print(String s) {
    }

    @Override
    public void println(String s) {
        // JMH reports forked-VM failures and benchmark errors here: keep those visible.
        if (s != null && (s.contains("ERROR") || s.contains("Exception") || s.startsWith("<failure>"))) {
            out.println(s);
        }
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() {
    }

    @Override
    public void verbosePrintln(String s) {
    }

    @Override
    public void write(int b) {
    }

    @Override
    public void write(byte[] b) {
    }
}
