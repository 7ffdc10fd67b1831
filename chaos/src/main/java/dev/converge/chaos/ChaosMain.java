package dev.converge.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code converge chaos}: a black-box chaos run against real node processes. */
@Command(name = "converge chaos",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs a cluster of real nodes under faults and checks what clients saw.",
            "",
            "Every peer link goes through a fault proxy (delay with jitter, frames swallowed, dropped or duplicated, "
                + "connections reset, partitions: halves, one node isolated, asymmetric, bridged); one node at a time is "
                + "killed with kill -9, paused with SIGSTOP or restarted, each restart checked for lost acknowledged writes; "
                + "between the rounds of a long run a node leaves (removed by an administrator) and rejoins under a new id, or is wiped. Concurrent Redis clients record every operation. Each "
                + "round heals, waits for convergence, stays quiet and reads every key on every node; checkers judge sets, "
                + "counters, registers, convergence, durability, liveness, the nodes' logs and non-vacuity.",
            "",
            "The seed fixes the fault schedule (printed at the start) and the clients' choices; timing is real. As root "
                + "with unshare available the run happens in a private network namespace. Results go to DIR/seed-N: "
                + "summary.txt, summary.json, the node logs, and history.jsonl when a checker fails.",
            ""
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./converge chaos                                     3 nodes, 45 s, a random seed",
            "  ./converge chaos --nodes 5 --duration 10m --seed 7   ten rounds of 60 s"
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every checker passed",
            "1:a checker failed (its problems, the history and the replay command are printed)",
            "2:invalid usage",
            "3:a runtime failure (a node would not start, a tool is missing)"
        })
public final class ChaosMain implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3", description = "Cluster size, 3..9 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "45s",
            description = "Time under faults, e.g. 45s, 10m (default: ${DEFAULT-VALUE}); split into rounds of --round.")
    String duration;

    @Option(names = "--round", paramLabel = "TIME", defaultValue = "60s",
            description = "Longest round: faults, then heal, convergence, quiet, final reads (default: ${DEFAULT-VALUE}; at least 45s).")
    String round;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the fault schedule and the clients (default: random, printed).")
    Long seed;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "converge-chaos",
            description = "Where runs go, each in DIR/seed-N, replaced by a rerun of the seed (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "4", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--rate", paramLabel = "OPS", defaultValue = "300", description = "Operations per second, all clients together (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--sync-nodes", paramLabel = "N",
            description = "The first N nodes run --durability sync, the others buffered (default: all of 3 nodes, else 3).")
    Integer syncNodes;

    @Option(names = "--netns", paramLabel = "MODE", defaultValue = "auto",
            description = "auto: a private network namespace when possible, else loopback; on: required; off: loopback (default: ${DEFAULT-VALUE}).")
    String netns;

    @Option(names = "--node-heap", paramLabel = "SIZE", defaultValue = "256m", description = "Each node's maximum heap (default: ${DEFAULT-VALUE}).")
    String nodeHeap;

    @Option(names = "--client-timeout", paramLabel = "TIME", defaultValue = "5s", description = "Client socket timeout (default: ${DEFAULT-VALUE}).")
    String clientTimeout;

    @Option(names = "--liveness-bound", paramLabel = "TIME", defaultValue = "4s",
            description = "Operations on a node that is up must complete within this (default: ${DEFAULT-VALUE}).")
    String livenessBound;

    @Option(names = "--quiet", paramLabel = "TIME", defaultValue = "5s", description = "Quiet period after convergence (default: ${DEFAULT-VALUE}).")
    String quiet;

    @Option(names = "--converge-timeout", paramLabel = "TIME", defaultValue = "60s",
            description = "How long after a heal the nodes may take to converge (default: ${DEFAULT-VALUE}).")
    String convergeTimeout;

    @Option(names = {"--no-membership-changes", "--no-wipe"}, description = "No leave-and-rejoin or wipe-and-rejoin between rounds.")
    boolean noMembershipChanges;

    @Option(names = "--keep-history", description = "Write history.jsonl also when the run passes.")
    boolean keepHistory;

    @Option(names = "--dry-run", description = "Print the fault schedule and exit.")
    boolean dryRun;

    public static void main(String[] args) {
        // Inside a network namespace there is no hardware address for Netty's channel ids to use (it
        // would warn and draw random bytes anyway): give it random ones up front.
        if (System.getProperty("io.netty.machineId") == null) {
            byte[] id = new byte[8];
            new SecureRandom().nextBytes(id);
            System.setProperty("io.netty.machineId", java.util.HexFormat.ofDelimiter(":").formatHex(id));
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code. */
    static int run(String... args) {
        CommandLine cli = new CommandLine(new ChaosMain());
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine.getErr().println("converge chaos: " + e.getMessage());
            return 3;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        var err = spec.commandLine().getErr();
        long durationMillis;
        long roundMillis;
        ChaosConfig config;
        try {
            durationMillis = millis("--duration", duration);
            roundMillis = millis("--round", round);
            if (nodes < 3 || nodes > 9) {
                throw new IllegalArgumentException("--nodes must be 3..9, got " + nodes);
            }
            if (clients < 1 || clients > 64) {
                throw new IllegalArgumentException("--clients must be 1..64, got " + clients);
            }
            if (!(rate > 0 && rate <= 10_000)) {
                throw new IllegalArgumentException("--rate must be in (0, 10000], got " + rate);
            }
            if (!List.of("auto", "on", "off").contains(netns)) {
                throw new IllegalArgumentException("--netns must be auto, on or off, got '" + netns + "'");
            }
            if (!nodeHeap.matches("\\d+[kmgKMG]?")) {
                throw new IllegalArgumentException("--node-heap: expected a size such as 256m, got '" + nodeHeap + "'");
            }
            int sync = syncNodes != null ? syncNodes : nodes <= 3 ? nodes : 3;
            if (sync < 0 || sync > nodes) {
                throw new IllegalArgumentException("--sync-nodes must be 0.." + nodes + ", got " + sync);
            }
            if (roundMillis < Schedule.MIN_ROUND_MILLIS) {
                throw new IllegalArgumentException("--round must be at least 45s, got " + round);
            }
            if (durationMillis < Schedule.MIN_ROUND_MILLIS) {
                throw new IllegalArgumentException("--duration must be at least 45s (every fault kind once), got " + duration);
            }
            long s = seed != null ? seed : new SecureRandom().nextLong() & Long.MAX_VALUE;
            config = new ChaosConfig(nodes, durationMillis, roundMillis, s, dir.toAbsolutePath().normalize().resolve("seed-" + s), clients, rate,
                    sync, netns, nodeHeap, (int) millis("--client-timeout", clientTimeout), millis("--liveness-bound", livenessBound),
                    millis("--quiet", quiet), millis("--converge-timeout", convergeTimeout), !noMembershipChanges, keepHistory);
        } catch (IllegalArgumentException e) {
            err.println("converge chaos: " + e.getMessage());
            return 2;
        }
        String replay = replayCommand(config);
        if (dryRun) {
            Schedule schedule = Schedule.generate(config.seed(), nodes, config.rounds(), config.actualRoundMillis(), config.membershipChangesHappen());
            spec.commandLine().getOut().println("seed " + config.seed() + ", " + config.describe() + "; fingerprint " + schedule.fingerprint());
            spec.commandLine().getOut().print(schedule.describe());
            spec.commandLine().getOut().flush();
            return 0;
        }
        String netMode;
        if (NetNamespace.inside()) {
            netMode = "private network namespace (unshare --net), loopback inside it";
        } else if (netns.equals("off")) {
            netMode = "host loopback (--netns off)";
        } else {
            String why = NetNamespace.unavailable();
            if (why == null) {
                return NetNamespace.reexec(ChaosMain.class.getName(), withSeed(spec.commandLine().getParseResult().originalArgs(), config.seed()));
            }
            if (netns.equals("on")) {
                err.println("converge chaos: --netns on, but no network namespace: " + why);
                return 3;
            }
            netMode = "host loopback (no network namespace: " + why + ")";
        }
        try {
            prepare(config.runDir());
        } catch (IllegalStateException e) {
            err.println("converge chaos: " + e.getMessage());
            return 2;
        }
        try {
            return new ChaosRun(config, netMode, replay, System.out).run().exitCode();
        } catch (ChaosFailure e) {
            err.println("converge chaos: " + e.getMessage());
            return 3;
        }
    }

    /** The original arguments with the seed made explicit, so the namespaced run uses the same one. */
    private static String[] withSeed(List<String> args, long seed) {
        List<String> a = new ArrayList<>(args);
        if (a.stream().noneMatch(x -> x.equals("--seed") || x.startsWith("--seed="))) {
            a.add("--seed=" + seed);
        }
        return a.toArray(String[]::new);
    }

    private String replayCommand(ChaosConfig c) {
        StringBuilder s = new StringBuilder("./converge chaos --nodes ").append(c.nodes()).append(" --duration ").append(duration);
        if (!round.equals("60s")) {
            s.append(" --round ").append(round);
        }
        s.append(" --seed ").append(c.seed());
        if (clients != 4) {
            s.append(" --clients ").append(clients);
        }
        if (syncNodes != null) {
            s.append(" --sync-nodes ").append(syncNodes);
        }
        if (noMembershipChanges) {
            s.append(" --no-membership-changes");
        }
        return s.toString();
    }

    /** Makes {@code runDir} empty: removes a previous run of the same seed, refuses anything else that is there. */
    private static void prepare(Path runDir) throws IOException {
        if (Files.exists(runDir)) {
            boolean empty;
            try (var entries = Files.list(runDir)) {
                empty = entries.findAny().isEmpty();
            }
            if (!empty && !Files.exists(runDir.resolve("schedule.txt"))) {
                throw new IllegalStateException(runDir + " exists and is not a chaos run directory; remove it or choose another --dir");
            }
            try (var files = Files.walk(runDir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        Files.createDirectories(runDir);
    }

    private static final Pattern TIME = Pattern.compile("(\\d+)(ms|s|m|h)?");

    /** {@code 500ms}, {@code 45s}, {@code 10m}, {@code 1h}; a bare number is seconds. */
    static long millis(String option, String text) {
        Matcher m = TIME.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + ": expected a time such as 45s or 10m, got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> n;
            case "s" -> n * 1_000;
            case "m" -> n * 60_000;
            default -> n * 3_600_000;
        };
    }
}
