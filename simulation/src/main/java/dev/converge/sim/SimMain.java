package dev.converge.sim;

import dev.converge.sim.check.History;
import dev.converge.sim.check.Violation;
import dev.converge.sim.experiment.Experiments;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ./converge sim}: runs seeds, replays one with a readable trace, shrinks failures, and
 * runs the protocol experiments. Exit codes: 0 every run passed, 1 a safety violation, 2 usage
 * error, 3 a liveness violation (and no safety one), 4 the simulator or the engine threw.
 */
public final class SimMain {

    public static final int OK = 0;
    public static final int SAFETY = 1;
    public static final int USAGE = 2;
    public static final int LIVENESS = 3;
    public static final int CRASH = 4;

    private static final String USAGE_TEXT = """
            usage: ./converge sim [options]                run seeds (default --seeds 1..100)
                   ./converge sim --seed N --trace         replay one seed with a readable event log
                   ./converge sim --replay FILE [--trace]  replay a scenario file (as written for a failure)
                   ./converge sim experiment enes|partition|scale|all [--quick]
                                                           the protocol measurements of docs/SIMULATION.md
            options:
              --seeds A..B        seed range (inclusive)
              --seed N            one seed
              --nodes N           replica slots (default 5)
              --ops N             client operations per run (default 500)
              --keys N            documents, spread over every type (default 24)
              --chaos-ms N        length of the chaos phase in virtual ms (default 30000)
              --bound-rounds N    gossip rounds allowed to converge after the heal (default 100)
              --faults LIST       all | none | comma-separated kinds (default all):
                                  %s
              --durability MODE   sync | buffered | swarm (default swarm: each seed draws one)
              --variant NAME      real | join-drops-dot | bp-drops-forwarded | store-loses-acked-write
                                  | multi-key-write-drops-a-key
              --trace             print the readable event log of each run
              --trace-file FILE   write it to FILE instead
              --out DIR           where failure traces and shrunk scenarios go (default sim-failures)
              --no-shrink         do not shrink failures
              --keep-going        run every seed even after a failure (default: stop at the first)
            exit codes: 0 ok, 1 safety violation, 2 usage, 3 liveness violation, 4 simulator or engine crash
            """;

    private SimMain() {
    }

    public static void main(String[] args) {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "converge-sim-logback.xml");
        }
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length > 0 && args[0].equals("experiment")) {
                return Experiments.main(Arrays.copyOfRange(args, 1, args.length), out);
            }
            Options o = Options.parse(args);
            if (o.help) {
                out.print(usage());
                return OK;
            }
            return o.replay != null ? replay(o, out, err) : seeds(o, out, err);
        } catch (IllegalArgumentException e) {
            err.println("converge sim: " + e.getMessage());
            err.print(usage());
            return USAGE;
        }
    }

    private static String usage() {
        StringBuilder kinds = new StringBuilder();
        for (FaultKind k : FaultKind.values()) {
            kinds.append(kinds.length() == 0 ? "" : ", ").append(k.cliName());
        }
        return String.format(Locale.ROOT, USAGE_TEXT, kinds);
    }

    /** Parsed options. */
    static final class Options {
        long from = 1;
        long to = 100;
        boolean singleSeed;
        SimConfig config = SimConfig.defaults();
        boolean trace;
        Path traceFile;
        Path out = Path.of("sim-failures");
        boolean shrink = true;
        boolean keepGoing;
        Path replay;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> o.help = true;
                    case "--trace" -> o.trace = true;
                    case "--no-shrink" -> o.shrink = false;
                    case "--keep-going" -> o.keepGoing = true;
                    default -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("option " + a + " needs a value (or is unknown)");
                        }
                        String v = args[++i];
                        switch (a) {
                            case "--seeds" -> {
                                long[] range = parseRange(v);
                                o.from = range[0];
                                o.to = range[1];
                            }
                            case "--seed" -> {
                                o.from = parseLong(a, v);
                                o.to = o.from;
                                o.singleSeed = true;
                            }
                            case "--nodes" -> o.config = o.config.withNodes((int) parseLong(a, v));
                            case "--ops" -> o.config = o.config.withOps((int) parseLong(a, v));
                            case "--keys" -> o.config = o.config.withKeys((int) parseLong(a, v));
                            case "--chaos-ms" -> o.config = o.config.withChaosMillis(parseLong(a, v));
                            case "--bound-rounds" -> o.config = o.config.withBoundRounds((int) parseLong(a, v));
                            case "--faults" -> o.config = o.config.withFaults(FaultKind.parseList(v));
                            case "--durability" -> o.config = o.config.withDurability(parseDurability(v));
                            case "--variant" -> o.config = o.config.withVariant(Variant.parse(v));
                            case "--trace-file" -> {
                                o.traceFile = Path.of(v);
                                o.trace = true;
                            }
                            case "--out" -> o.out = Path.of(v);
                            case "--replay" -> o.replay = Path.of(v);
                            default -> throw new IllegalArgumentException("unknown option " + a);
                        }
                    }
                }
            }
            return o;
        }

        private static long parseLong(String option, String v) {
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " expects a number, got '" + v + "'", e);
            }
        }

        /** {@code A..B}, or a single {@code N}. */
        static long[] parseRange(String v) {
            int dots = v.indexOf("..");
            try {
                if (dots < 0) {
                    long n = Long.parseLong(v.trim());
                    return new long[] {n, n};
                }
                long a = Long.parseLong(v.substring(0, dots).trim());
                long b = Long.parseLong(v.substring(dots + 2).trim());
                if (b < a) {
                    throw new IllegalArgumentException("seed range " + v + " is empty");
                }
                return new long[] {a, b};
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a seed range A..B, got '" + v + "'", e);
            }
        }

        private static Optional<SimStore.Durability> parseDurability(String v) {
            return switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "sync" -> Optional.of(SimStore.Durability.SYNC);
                case "buffered" -> Optional.of(SimStore.Durability.BUFFERED);
                case "swarm" -> Optional.empty();
                default -> throw new IllegalArgumentException("durability is sync, buffered or swarm, got '" + v + "'");
            };
        }
    }

    // ------------------------------------------------------------------ many seeds

    private static int seeds(Options o, PrintStream out, PrintStream err) {
        long count = o.to - o.from + 1;
        boolean progress = !o.trace && count > 1;
        Summary summary = new Summary();
        SimResult.Status worst = SimResult.Status.OK;
        long started = System.nanoTime();
        for (long seed = o.from; seed <= o.to; seed++) {
            Scenario scenario = Scenario.generate(o.config, seed);
            SimResult r = o.trace ? traced(scenario, o, out) : Simulation.run(scenario);
            summary.add(r);
            if (progress) {
                progressBar(err, seed - o.from + 1, count, summary, started);
            }
            if (!r.passed()) {
                if (progress) {
                    err.println();
                }
                worst = worst.worse(r.status());
                report(scenario, r, o, out);
                if (!o.keepGoing) {
                    break;
                }
            } else if (o.singleSeed && !o.trace) {
                out.printf(Locale.ROOT, "seed %d: ok, converged in %d rounds, trace %016x%n", seed, r.rounds(), r.traceHash());
            }
        }
        if (progress) {
            err.println();
        }
        summary.print(out, (System.nanoTime() - started) / 1_000_000);
        return worst.exitCode();
    }

    private static void progressBar(PrintStream err, long done, long total, Summary s, long started) {
        int width = 30;
        int filled = (int) (width * done / total);
        double seconds = (System.nanoTime() - started) / 1e9;
        err.printf(Locale.ROOT, "\r[%s%s] %d/%d seeds  failed %d  %.1f s", "#".repeat(filled), ".".repeat(width - filled), done, total,
                s.failed, seconds);
        err.flush();
    }

    private static SimResult traced(Scenario scenario, Options o, PrintStream out) {
        if (o.traceFile == null) {
            return Simulation.run(scenario, out::println);
        }
        List<String> lines = new ArrayList<>();
        SimResult r = Simulation.run(scenario, lines::add);
        write(o.traceFile, String.join("\n", lines) + "\n");
        out.println("trace written to " + o.traceFile);
        return r;
    }

    /** Prints a failure with its one-line replay command, writes its trace, and shrinks it. */
    private static void report(Scenario scenario, SimResult r, Options o, PrintStream out) {
        out.printf(Locale.ROOT, "seed %d FAILED (%s, exit %d): %s%n", r.seed(), r.status(), r.status().exitCode(), r.summary());
        for (Violation v : r.violations().subList(0, Math.min(5, r.violations().size()))) {
            out.println("  " + v);
        }
        if (!r.crash().isEmpty()) {
            out.println(r.crash().indent(2).stripTrailing());
        }
        out.println("  replay: ./converge sim --seed " + r.seed() + replayFlags(scenario.config()) + " --trace");
        try {
            Files.createDirectories(o.out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + o.out, e);
        }
        Path traceFile = o.out.resolve("seed-" + r.seed() + ".trace");
        List<String> lines = new ArrayList<>();
        Simulation.run(scenario, lines::add);
        write(traceFile, String.join("\n", lines) + "\n");
        Path scenarioFile = o.out.resolve("seed-" + r.seed() + ".scenario");
        write(scenarioFile, scenario.format());
        out.println("  trace: " + traceFile + "  scenario: " + scenarioFile);
        if (o.shrink) {
            Shrinker.Result shrunk = Shrinker.shrink(scenario, r.status(), 400);
            Path minimal = o.out.resolve("seed-" + r.seed() + ".min.scenario");
            write(minimal, shrunk.scenario().format());
            List<String> minLines = new ArrayList<>();
            Simulation.run(shrunk.scenario(), minLines::add);
            Path minTrace = o.out.resolve("seed-" + r.seed() + ".min.trace");
            write(minTrace, String.join("\n", minLines) + "\n");
            out.printf(Locale.ROOT, "  shrunk in %d runs: %d -> %d actions (%d operations, %d faults), still %s: %s%n", shrunk.runs(),
                    scenario.actions().size(), shrunk.scenario().actions().size(), shrunk.scenario().opCount(),
                    shrunk.scenario().faultCount(), shrunk.result().status(), shrunk.result().summary());
            out.println("  minimal: ./converge sim --replay " + minimal + " --trace   (trace: " + minTrace + ")");
        }
    }

    /** The options that make {@code --seed N} regenerate the same scenario. */
    static String replayFlags(SimConfig c) {
        SimConfig d = SimConfig.defaults();
        StringBuilder b = new StringBuilder();
        if (c.nodes() != d.nodes()) {
            b.append(" --nodes ").append(c.nodes());
        }
        if (c.ops() != d.ops()) {
            b.append(" --ops ").append(c.ops());
        }
        if (c.keys() != d.keys()) {
            b.append(" --keys ").append(c.keys());
        }
        if (c.chaosMillis() != d.chaosMillis()) {
            b.append(" --chaos-ms ").append(c.chaosMillis());
        }
        if (c.boundRounds() != d.boundRounds()) {
            b.append(" --bound-rounds ").append(c.boundRounds());
        }
        if (!c.faults().equals(d.faults())) {
            StringBuilder k = new StringBuilder();
            for (FaultKind f : c.faults()) {
                k.append(k.length() == 0 ? "" : ",").append(f.cliName());
            }
            b.append(" --faults ").append(k.length() == 0 ? "none" : k);
        }
        c.durability().ifPresent(m -> b.append(" --durability ").append(m.name().toLowerCase(Locale.ROOT)));
        if (c.variant() != Variant.REAL) {
            b.append(" --variant ").append(c.variant().cliName());
        }
        return b.toString();
    }

    private static int replay(Options o, PrintStream out, PrintStream err) {
        Scenario scenario;
        try {
            scenario = Scenario.parse(Files.readString(o.replay, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + o.replay + ": " + e.getMessage(), e);
        }
        SimResult r = o.trace ? traced(scenario, o, out) : Simulation.run(scenario);
        out.printf(Locale.ROOT, "replayed %s (seed %d, %d actions): %s, trace %016x%n", o.replay, scenario.seed(),
                scenario.actions().size(), r.passed() ? "ok" : r.status() + " " + r.summary(), r.traceHash());
        for (Violation v : r.violations()) {
            out.println("  " + v);
        }
        return r.status().exitCode();
    }

    private static void write(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** What many runs did together. */
    static final class Summary {
        long runs;
        long failed;
        final Map<SimResult.Status, Long> byStatus = new EnumMap<>(SimResult.Status.class);
        final Map<FaultKind, Long> faults = new EnumMap<>(FaultKind.class);
        final Map<History.Outcome, Long> outcomes = new EnumMap<>(History.Outcome.class);
        final List<Integer> rounds = new ArrayList<>();
        long messages;
        long bytes;
        long virtualMillis;
        long typeConflicts;
        long runsWithTypeConflicts;

        void add(SimResult r) {
            runs++;
            if (!r.passed()) {
                failed++;
            }
            byStatus.merge(r.status(), 1L, Long::sum);
            r.stats().faults().forEach((k, v) -> faults.merge(k, (long) v, Long::sum));
            r.stats().outcomes().forEach((k, v) -> outcomes.merge(k, v, Long::sum));
            if (r.rounds() >= 0) {
                rounds.add(r.rounds());
            }
            messages += r.stats().messages();
            bytes += r.stats().bytes();
            virtualMillis += r.stats().virtualMillis();
            typeConflicts += r.stats().typeConflicts();
            runsWithTypeConflicts += r.stats().typeConflicts() > 0 ? 1 : 0;
        }

        void print(PrintStream out, long wallMillis) {
            out.printf(Locale.ROOT, "seeds run: %d (%s) in %.1f s, %.0f s of virtual time%n", runs, byStatus, wallMillis / 1000.0,
                    virtualMillis / 1000.0);
            long totalFaults = faults.values().stream().mapToLong(Long::longValue).sum();
            out.printf(Locale.ROOT, "faults injected: %d%s%n", totalFaults, faults.isEmpty() ? "" : " " + describe(faults));
            long ops = outcomes.values().stream().mapToLong(Long::longValue).sum();
            out.printf(Locale.ROOT, "operations: %d %s%n", ops, outcomes);
            out.printf(Locale.ROOT, "messages: %d, %.1f MB%n", messages, bytes / 1e6);
            out.printf(Locale.ROOT, "keys written as two types that converged as one conflict: %d, in %d run(s)%n", typeConflicts,
                    runsWithTypeConflicts);
            if (!rounds.isEmpty()) {
                List<Integer> sorted = new ArrayList<>(rounds);
                sorted.sort(null);
                out.printf(Locale.ROOT, "convergence after heal (gossip rounds): p50 %d, p99 %d, max %d%n", percentile(sorted, 50),
                        percentile(sorted, 99), sorted.get(sorted.size() - 1));
            }
        }

        private static String describe(Map<FaultKind, Long> faults) {
            StringBuilder b = new StringBuilder("(");
            faults.forEach((k, v) -> b.append(b.length() == 1 ? "" : ", ").append(k.cliName()).append(' ').append(v));
            return b.append(')').toString();
        }
    }

    static int percentile(List<Integer> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
