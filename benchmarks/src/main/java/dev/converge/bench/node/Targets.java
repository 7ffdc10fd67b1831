package dev.converge.bench.node;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starts the servers under test, each in its own process(es) on free loopback ports: a
 * {@code redis-server}, one Converge node ({@code converge node}) and a three-node cluster
 * ({@code converge cluster --nodes 3}), and waits until they serve.
 */
final class Targets {

    /**
     * A server under test: the Redis port redis-benchmark drives, every node's Redis port (one
     * unless a cluster), the processes whose CPU time counts as the server's, by name, and the
     * process redis-benchmark drives when it is a Converge node (its threads' CPU is reported).
     */
    record Target(String label, int port, List<Integer> nodePorts, Map<String, ProcessHandle> processes, Optional<ProcessHandle> driven) {
    }

    /** A server did not start or did not become ready; the message says which and shows its output. */
    static final class StartFailure extends Exception {
        private static final long serialVersionUID = 1L;

        StartFailure(String message) {
            super(message);
        }
    }

    private static final Duration REDIS_READY = Duration.ofSeconds(30);
    private static final Duration NODE_READY = Duration.ofSeconds(180);
    private static final Duration PEERS_READY = Duration.ofSeconds(60);
    private static final int POLL_MILLIS = 200;

    private final ProcessGroup group;
    private final Path launcher;
    private final PrintStream out;
    private Path secret;

    Targets(ProcessGroup group, Path launcher, PrintStream out) {
        this.group = group;
        this.launcher = launcher;
        this.out = out;
    }

    /** A {@code redis-server} without persistence ({@code --save '' --appendonly no}), its files in a temporary directory. */
    Target redisServer() throws IOException, StartFailure, InterruptedException {
        int port;
        try (PortReservation ports = new PortReservation()) {
            port = ports.one();
        }
        Path dir = Files.createDirectories(group.dir().resolve("redis-server"));
        NodeThroughput.step(out, "starting redis-server on 127.0.0.1:" + port);
        ProcessGroup.Started s = group.start("redis-server", List.of("redis-server", "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString()));
        awaitPing(s, port, REDIS_READY);
        return new Target(NodeReport.REDIS, port, List.of(port), Map.of("redis-server", s.process().toHandle()), Optional.empty());
    }

    /** One node, alone: {@code converge node} through the launcher. */
    Target singleNode() throws IOException, StartFailure, InterruptedException {
        int peer;
        int redis;
        int http;
        try (PortReservation ports = new PortReservation()) {
            peer = ports.one();
            redis = ports.one();
            http = ports.one();
        }
        NodeThroughput.step(out, "starting one Converge node (converge node), Redis on 127.0.0.1:" + redis);
        // --exit-on-stdin-eof: the node also stops if this process dies without running its shutdown hook.
        ProcessGroup.Started s = group.start("single", List.of(launcher.toString(), "node", "--data-dir", group.dir().resolve("single").toString(),
                "--node-id", "single", "--listen", "127.0.0.1:" + peer, "--redis", "127.0.0.1:" + redis, "--http", "127.0.0.1:" + http,
                "--secret-file", secret().toString(), "--exit-on-stdin-eof"));
        awaitPing(s, redis, NODE_READY);
        Map<String, ProcessHandle> processes = new LinkedHashMap<>();
        processes.put("node", s.process().toHandle());
        return new Target(NodeReport.SINGLE, redis, List.of(redis), processes, Optional.of(s.process().toHandle()));
    }

    /**
     * Three nodes, each its own JVM, every one seeding the others: {@code converge cluster --nodes 3};
     * ready when every node answers PING and has both peers connected.
     */
    Target cluster() throws IOException, StartFailure, InterruptedException {
        int peer;
        int redis;
        int http;
        try (PortReservation ports = new PortReservation()) {
            peer = ports.run(3);
            redis = ports.run(3);
            http = ports.run(3);
        }
        Path dir = group.dir().resolve("cluster");
        NodeThroughput.step(out, "starting a 3-node Converge cluster (converge cluster --nodes 3), Redis on 127.0.0.1:" + redis + ".." + (redis + 2));
        ProcessGroup.Started s = group.start("cluster", List.of(launcher.toString(), "cluster", "--nodes", "3", "--dir", dir.toString(),
                "--redis-port", Integer.toString(redis), "--listen-port", Integer.toString(peer), "--http-port", Integer.toString(http)));
        List<Integer> nodePorts = List.of(redis, redis + 1, redis + 2);
        try {
            for (int port : nodePorts) {
                awaitPing(s, port, NODE_READY);
            }
            awaitPeers(s, nodePorts, 2, PEERS_READY);
        } catch (StartFailure e) {
            StringBuilder m = new StringBuilder(e.getMessage());
            for (int i = 1; i <= 3; i++) {
                Path log = dir.resolve("node-" + i + ".log");
                if (Files.exists(log)) {
                    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                    m.append(System.lineSeparator()).append("last lines of node-").append(i).append("'s log:");
                    for (String l : lines.subList(Math.max(0, lines.size() - 5), lines.size())) {
                        m.append(System.lineSeparator()).append("    ").append(l);
                    }
                }
            }
            throw new StartFailure(m.toString());
        }
        Map<String, ProcessHandle> processes = new LinkedHashMap<>();
        for (ProcessHandle d : s.process().descendants().toList()) {
            nodeId(d).ifPresent(id -> processes.put(id, d));
        }
        if (!processes.containsKey("node-1")) {
            throw new StartFailure("cannot find node-1's process among the cluster's (" + processes.keySet() + ")");
        }
        processes.put("cluster", s.process().toHandle());
        return new Target(NodeReport.CLUSTER, redis, nodePorts, processes, Optional.of(processes.get("node-1")));
    }

    /** The cluster secret the single node uses (the cluster generates its own), made on first use. */
    private Path secret() throws IOException {
        if (secret == null) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            secret = group.dir().resolve("node.secret");
            Files.writeString(secret, HexFormat.of().formatHex(random) + "\n", StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        }
        return secret;
    }

    /** Waits until {@code PING} on the port answers {@code PONG}; fails when the process exits first or time runs out. */
    private static void awaitPing(ProcessGroup.Started s, int port, Duration timeout) throws StartFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!s.process().isAlive()) {
                throw new StartFailure(s.name() + " exited before 127.0.0.1:" + port + " answered PING; " + ProcessGroup.tail(s, 15));
            }
            try (Resp r = Resp.connect(port)) {
                if ("PONG".equals(r.text("PING"))) {
                    return;
                }
            } catch (IOException e) {
                last = e.getMessage();
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
        throw new StartFailure("127.0.0.1:" + port + " (" + s.name() + ") did not answer PING within " + timeout.toSeconds() + " s (" + last
                + "); " + ProcessGroup.tail(s, 15));
    }

    /** Waits until every node reports {@code converge_connected_peers:<peers>} in {@code INFO replication}. */
    private void awaitPeers(ProcessGroup.Started s, List<Integer> ports, int peers, Duration timeout) throws StartFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Long> connected = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            if (!s.process().isAlive()) {
                throw new StartFailure(s.name() + " exited while its nodes connected; " + ProcessGroup.tail(s, 15));
            }
            connected.clear();
            for (int port : ports) {
                connected.add(connectedPeers(port));
            }
            if (connected.stream().allMatch(c -> c == peers)) {
                NodeThroughput.step(out, "cluster ready: every node has " + peers + " peers connected");
                return;
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
        throw new StartFailure("the cluster's nodes did not all connect to their peers within " + timeout.toSeconds()
                + " s (connected peers per node: " + connected + "); " + ProcessGroup.tail(s, 15));
    }

    /** {@code converge_connected_peers} from a node's {@code INFO replication}; -1 when it cannot be read. */
    static long connectedPeers(int port) {
        try (Resp r = Resp.connect(port)) {
            for (String line : r.text("INFO", "replication").split("\r?\n")) {
                if (line.startsWith("converge_connected_peers:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** The {@code --node-id} a process was started with, if it is a node. */
    private static Optional<String> nodeId(ProcessHandle p) {
        List<String> args = p.info().arguments().map(List::of).orElse(List.of());
        if (args.isEmpty()) {
            try {
                args = List.of(Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.UTF_8).split("\0"));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        int i = args.indexOf("--node-id");
        return i >= 0 && i + 1 < args.size() ? Optional.of(args.get(i + 1)) : Optional.empty();
    }

    /**
     * Free loopback ports, taken from the kernel and held until {@link #close()} (the servers bind
     * them right after: another process could take one in between, which fails the start clearly).
     */
    static final class PortReservation implements AutoCloseable {
        private static final int ATTEMPTS = 100;
        private final List<ServerSocket> held = new ArrayList<>();

        int one() throws IOException {
            ServerSocket s = bind(0);
            held.add(s);
            return s.getLocalPort();
        }

        /** The first of {@code count} consecutive free ports ({@code converge cluster} gives node i base + i - 1). */
        int run(int count) throws IOException {
            // Bases that did not work stay bound until the end, so the kernel does not offer them again.
            List<ServerSocket> rejected = new ArrayList<>();
            try {
                for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                    List<ServerSocket> got = new ArrayList<>();
                    got.add(bind(0));
                    int base = got.get(0).getLocalPort();
                    try {
                        for (int i = 1; i < count; i++) {
                            got.add(bind(base + i));
                        }
                        held.addAll(got);
                        return base;
                    } catch (IOException e) {
                        rejected.add(got.remove(0));
                        closeAll(got);
                    }
                }
            } finally {
                closeAll(rejected);
            }
            throw new IOException("no " + count + " consecutive free ports found on 127.0.0.1");
        }

        private static ServerSocket bind(int port) throws IOException {
            if (port > 65_535) {
                throw new IOException("port out of range");
            }
            ServerSocket s = new ServerSocket();
            try {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }

        private static void closeAll(List<ServerSocket> sockets) {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // released either way
                }
            }
        }

        @Override
        public void close() {
            closeAll(held);
        }
    }
}
