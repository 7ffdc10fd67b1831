package dev.converge.node;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code converge cluster}: a local cluster of nodes, each its own process, until Ctrl-C. */
@Command(name = "cluster",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs a local cluster on loopback until Ctrl-C.",
            "",
            "Each node is a separate JVM running 'converge node', every node seeding every other, data and logs under one "
                + "directory (kept: a second run resumes with the same data). Prints each node's ports and a redis-cli line "
                + "to try. Ctrl-C stops all of them cleanly; so does the end of this process, however it ends. Node i listens "
                + "on the base ports + i - 1. A cluster secret is generated into DIR/cluster.secret on first use.",
            ""
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped cleanly (130 when stopped by Ctrl-C)",
            "2:invalid option",
            "3:a node could not start or exited (its log is named)"
        })
final class ClusterCommand implements Callable<Integer> {

    /** How long a node's exit waits for this process's own shutdown to begin before it counts as a failure. */
    private static final int STOP_GRACE_SECONDS = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "N", defaultValue = "3", description = "Number of nodes, 1..9 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "converge-cluster", description = "Data and logs (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--redis-port", paramLabel = "PORT", defaultValue = "6380", description = "First node's Redis port (default: ${DEFAULT-VALUE}).")
    int redisPort;

    @Option(names = "--listen-port", paramLabel = "PORT", defaultValue = "7380", description = "First node's peer port (default: ${DEFAULT-VALUE}).")
    int listenPort;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8380", description = "First node's HTTP port (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--cluster-name", paramLabel = "NAME", defaultValue = "local", description = "Cluster name (default: ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--redis-password-file", paramLabel = "FILE", description = "Password file every node's Redis port requires.")
    Path redisPasswordFile;

    @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "512m", description = "Maximum heap of each node's JVM (default: ${DEFAULT-VALUE}).")
    String heap;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (nodes < 1 || nodes > 9) {
            err.println("converge cluster: --nodes must be 1..9, got " + nodes);
            return 2;
        }
        for (int base : new int[] {redisPort, listenPort, httpPort}) {
            if (base < 1 || base + nodes - 1 > 65535) {
                err.println("converge cluster: ports " + base + ".." + (base + nodes - 1) + " are outside 1..65535");
                return 2;
            }
        }
        if (!heap.matches("\\d+[kmgKMG]?")) {
            err.println("converge cluster: invalid value for --heap: expected a size such as 512m, got '" + heap + "'");
            return 2;
        }
        Path data = dir.toAbsolutePath().normalize();
        out.printf("converge cluster: starting %d nodes, data and logs in %s%n", nodes, data);
        out.flush();
        LocalCluster cluster;
        try {
            cluster = LocalCluster.start(new LocalCluster.Spec(data, nodes, LocalCluster.fixedPorts(nodes, listenPort, redisPort, httpPort),
                    clusterName, Optional.ofNullable(redisPasswordFile).map(p -> p.toAbsolutePath()), List.of("-Xmx" + heap), List.of(),
                    Duration.ofSeconds(60)));
        } catch (RuntimeException e) {
            err.println("converge cluster: " + e.getMessage());
            return 3;
        }
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.countDown();
            cluster.close();
            stopped.countDown();
        }, "converge-cluster-shutdown"));
        for (LocalCluster.Member m : cluster.members()) {
            out.printf("  %-7s redis %-16s http %-16s peers %-16s replica %s%n", m.name(), m.redis(), m.http(), m.peers(), m.replica());
        }
        LocalCluster.Member first = cluster.members().get(0);
        LocalCluster.Member last = cluster.members().get(cluster.members().size() - 1);
        String auth = redisPasswordFile == null ? "" : " --askpass";
        out.println();
        out.printf("Try:     redis-cli -p %d%s INCR visits   then   redis-cli -p %d%s GET visits%n", first.redis().port(), auth,
                last.redis().port(), auth);
        out.printf("Status:  ./converge status --node %s      Metrics: curl http://%s/metrics%n", first.http(), first.http());
        out.printf("Logs:    %s%n", data.resolve("node-*.log"));
        out.println("Ctrl-C stops all nodes.");
        out.flush();
        while (!stopped.await(500, TimeUnit.MILLISECONDS)) {
            var exited = cluster.exited();
            // Ctrl-C signals the whole process group, the nodes too: a node can stop before this
            // process's shutdown hook starts. That is no failure; wait a moment to tell them apart.
            if (exited.isPresent() && !stopping.await(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                err.printf("converge cluster: %s exited (code %d); see %s. Stopping the others.%n", exited.get().name(),
                        exited.get().process().exitValue(), exited.get().log());
                cluster.close();
                return 3;
            }
        }
        return 0;
    }
}
