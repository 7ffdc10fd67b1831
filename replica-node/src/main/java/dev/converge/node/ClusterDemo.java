package dev.converge.node;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * {@code converge demo}: three nodes, each its own JVM with RocksDB and a Redis port, written
 * to through the Redis protocol. One node is partitioned away (its transport drops every peer),
 * both sides keep taking writes, the partition heals and the demo times how long the nodes take
 * to agree again. Prints the values on every node at each step; stops the nodes and removes
 * their data at the end, also when interrupted.
 */
final class ClusterDemo {

    /** Expected values after the heal: what the writes below must converge to. */
    static final String EXPECTED = "visits=24  title=\"final\"  tags={crdt, edge, jvm, offline}  profile={city=Lyon, lang=fr, logins=3}";

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);

    private final PrintStream out;
    private final Optional<Path> keepDir;

    /** @param keepDir where to keep data and logs; empty: a temporary directory, removed at the end */
    ClusterDemo(PrintStream out, Optional<Path> keepDir) {
        this.out = out;
        this.keepDir = keepDir;
    }

    /** Runs the demo; true when every node ends with the same values, the expected ones. */
    boolean run() {
        long start = System.nanoTime();
        Path dir;
        try {
            dir = keepDir.isPresent() ? keepDir.get() : Files.createTempDirectory("converge-demo-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.util.concurrent.atomic.AtomicReference<LocalCluster> running = new java.util.concurrent.atomic.AtomicReference<>();
        // Ctrl-C: stop the nodes (they also stop by themselves when this JVM's pipes close), then remove the data.
        Thread cleanup = new Thread(() -> {
            LocalCluster c = running.get();
            if (c != null) {
                c.close();
            }
            if (keepDir.isEmpty()) {
                delete(dir);
            }
        }, "converge-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        out.println("Converge demo: three nodes on this machine, each a separate JVM with its own RocksDB and Redis port.");
        out.println();
        out.println("1. Starting node-1, node-2 and node-3 (every node seeds the other two)");
        boolean converged;
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Spec(dir, 3, LocalCluster.freePorts(3), "demo", Optional.empty(),
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), List.of(), Duration.ofSeconds(60)))) {
            running.set(cluster);
            for (LocalCluster.Member m : cluster.members()) {
                out.printf("   %s  redis %s  replica %s%n", m.name(), m.redis(), m.replica());
            }
            List<RespClient> clients = new ArrayList<>();
            try {
                for (LocalCluster.Member m : cluster.members()) {
                    clients.add(new RespClient(m.redis(), 10_000));
                }
                converged = script(clients, cluster);
            } finally {
                clients.forEach(RespClient::close);
            }
        } catch (RuntimeException e) {
            out.println();
            out.println("The demo failed: " + e.getMessage());
            converged = false;
        } finally {
            running.set(null);
            if (keepDir.isEmpty()) {
                delete(dir);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException ignored) {
                // the JVM is shutting down and the hook runs anyway
            }
        }
        out.println();
        out.printf("%s in %.1f s in all. The nodes are stopped%s.%n", converged ? "Done" : "Failed",
                (System.nanoTime() - start) / 1e9, keepDir.isEmpty() ? " and their data removed" : "; data and logs are in " + dir);
        return converged;
    }

    private boolean script(List<RespClient> c, LocalCluster cluster) {
        RespClient n1 = c.get(0);
        RespClient n2 = c.get(1);
        RespClient n3 = c.get(2);
        await("the nodes to connect to each other", () -> c.stream().allMatch(n -> connectedPeers(n) == 2));
        out.println("   all three are connected to each other");
        out.println();

        out.println("2. Writing through node-1 (a counter, a register, a set and a map), WAIT for both peers");
        command(n1, "node-1", "INCRBY", "visits", "10");
        command(n1, "node-1", "SET", "title", "draft");
        command(n1, "node-1", "SADD", "tags", "crdt", "jvm");
        command(n1, "node-1", "HSET", "profile", "city", "Paris");
        command(n1, "node-1", "HINCRBY", "profile", "logins", "1");
        long acked = (Long) n1.call("WAIT", "2", "5000");
        out.printf("   WAIT 2 5000 -> %d (both peers acknowledged the writes)%n", acked);
        await("every node to show the writes", () -> allEqual(c));
        table("Every node", c);
        out.println();

        out.println("3. Partitioning node-3 away (CONVERGE.PARTITION: it drops its peer links and refuses new ones)");
        n3.call("CONVERGE.PARTITION");
        await("node-1 and node-2 to lose node-3", () -> connectedPeers(n1) == 1 && connectedPeers(n2) == 1 && connectedPeers(n3) == 0);
        out.println("   node-1 and node-2 see node-3 down; node-3 sees no peer; all three keep taking writes");
        out.println();

        out.println("4. Writing on both sides of the partition");
        command(n3, "node-3", "INCRBY", "visits", "7");
        command(n3, "node-3", "SET", "title", "edited offline");
        command(n3, "node-3", "SADD", "tags", "jvm", "edge");
        command(n3, "node-3", "HINCRBY", "profile", "logins", "1");
        command(n3, "node-3", "HSET", "profile", "lang", "fr");
        pause(5); // the register writes below must be later in time: last writer wins
        command(n1, "node-1", "INCRBY", "visits", "5");
        command(n1, "node-1", "SET", "title", "final");
        command(n1, "node-1", "SREM", "tags", "jvm");
        command(n1, "node-1", "SADD", "tags", "offline");
        command(n1, "node-1", "HSET", "profile", "city", "Lyon");
        command(n2, "node-2", "INCRBY", "visits", "2");
        command(n2, "node-2", "HINCRBY", "profile", "logins", "1");
        await("node-1 and node-2 to agree", () -> values(n1).equals(values(n2)));
        table("Values during the partition (node-3 differs)", c);
        out.println();

        out.println("5. Healing the partition (CONVERGE.HEAL: node-3 redials its peers)");
        long healed = System.nanoTime();
        n3.call("CONVERGE.HEAL");
        boolean converged = poll(() -> allEqual(c), STEP_TIMEOUT);
        long tookMillis = (System.nanoTime() - healed) / 1_000_000;
        table("Values after healing", c);
        if (!converged) {
            out.printf("   the nodes did NOT converge within %d s%n", STEP_TIMEOUT.toSeconds());
            return false;
        }
        List<String> digests = c.stream().map(n -> n.text("CONVERGE.DIGEST")).toList();
        boolean identical = digests.stream().distinct().count() == 1;
        out.printf("   converged %d ms after the heal; state digests %s%n", tookMillis,
                identical ? digests.get(0) + " on all three nodes (byte-identical states)" : "DIFFER: " + digests);
        boolean expected = values(n1).equals(EXPECTED);
        out.println();
        out.println("   The counter added every increment (10 + 7 + 5 + 2 = 24); the register kept the later write (\"final\");");
        out.println("   \"jvm\", removed on node-1 while node-3 added it again, stayed (add wins); the map merged field by field.");
        if (!expected) {
            out.println("   UNEXPECTED values; expected: " + EXPECTED);
        }
        if (cluster.exited().isPresent()) {
            out.println("   " + cluster.exited().get().name() + " exited unexpectedly");
            return false;
        }
        return identical && expected;
    }

    private void command(RespClient client, String node, String... args) {
        Object reply = client.call(args);
        out.printf("   %-7s %-34s -> %s%n", node, String.join(" ", args), reply instanceof String s ? "\"" + s + "\"" : reply);
    }

    private static long connectedPeers(RespClient n) {
        String info = n.text("INFO", "replication");
        for (String line : info.split("\r\n")) {
            if (line.startsWith("converge_connected_peers:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return -1;
    }

    /** The demo's documents on one node, as one line. */
    static String values(RespClient n) {
        String visits = n.text("GET", "visits");
        String title = n.text("GET", "title");
        Object tags = n.call("SMEMBERS", "tags");
        Object profile = n.call("HGETALL", "profile");
        TreeSet<String> tagSet = new TreeSet<>();
        ((List<?>) tags).forEach(t -> tagSet.add(String.valueOf(t)));
        Map<String, String> fields = new TreeMap<>();
        List<?> p = (List<?>) profile;
        for (int i = 0; i + 1 < p.size(); i += 2) {
            fields.put(String.valueOf(p.get(i)), String.valueOf(p.get(i + 1)));
        }
        return "visits=" + visits + "  title=" + (title == null ? "(nil)" : "\"" + title + "\"") + "  tags={" + String.join(", ", tagSet)
                + "}  profile={" + fields.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))
                + "}";
    }

    private static boolean allEqual(List<RespClient> c) {
        String first = values(c.get(0));
        for (int i = 1; i < c.size(); i++) {
            if (!Objects.equals(first, values(c.get(i)))) {
                return false;
            }
        }
        return true;
    }

    private void table(String title, List<RespClient> c) {
        out.println("   " + title + ":");
        Map<String, String> rows = new LinkedHashMap<>();
        for (int i = 0; i < c.size(); i++) {
            rows.put("node-" + (i + 1), values(c.get(i)));
        }
        rows.forEach((node, v) -> out.printf("     %-7s %s%n", node, v));
    }

    private static void await(String what, BooleanSupplier condition) {
        if (!poll(condition, STEP_TIMEOUT)) {
            throw new IllegalStateException("timed out after " + STEP_TIMEOUT.toSeconds() + " s waiting for " + what);
        }
    }

    private static boolean poll(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            pause(5);
        }
        return true;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }
}
