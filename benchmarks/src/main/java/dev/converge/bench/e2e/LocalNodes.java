package dev.converge.bench.e2e;

import dev.converge.bench.node.ProcessGroup;
import dev.converge.bench.node.Resp;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of {@code converge node} processes on loopback, each its own JVM started directly
 * (not through {@code converge cluster}) so the driver knows every node's pid and can pass
 * {@code --cache-size}; every node seeds every other. Ready when every node answers PING and has
 * all its peers connected. {@link #close()} stops them and deletes their data.
 */
final class LocalNodes implements AutoCloseable {

    /** A running node: its process id and loopback ports. */
    record Node(String name, long pid, int redisPort, int httpPort, Path dataDir) {
    }

    private static final long NODE_READY_MILLIS = 180_000;
    private static final long PEERS_READY_MILLIS = 60_000;
    private static final String HEAP = "-Xmx512m";

    private final ProcessGroup group;
    private final List<Node> nodes;

    private LocalNodes(ProcessGroup group, List<Node> nodes) {
        this.group = group;
        this.nodes = List.copyOf(nodes);
    }

    List<Node> nodes() {
        return nodes;
    }

    /** Starts {@code count} nodes with the given {@code --cache-size} and waits until they are connected to each other. */
    static LocalNodes start(int count, String cacheSize, PrintStream out) throws IOException, InterruptedException {
        ProcessGroup group = ProcessGroup.open("e2e", out);
        try {
            Path secret = group.dir().resolve("cluster.secret");
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            Files.writeString(secret, HexFormat.of().formatHex(random) + "\n", StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            int[] ports = freePorts(3 * count);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<Node> nodes = new ArrayList<>();
            List<ProcessGroup.Started> started = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = "node-" + (i + 1);
                Path data = group.dir().resolve(name);
                List<String> command = new ArrayList<>(List.of(java, HEAP, "-cp", System.getProperty("java.class.path"),
                        "dev.converge.node.Main", "node", "--data-dir", data.toString(), "--node-id", name, "--cluster-name", "e2e",
                        "--listen", "127.0.0.1:" + ports[3 * i], "--redis", "127.0.0.1:" + ports[3 * i + 1],
                        "--http", "127.0.0.1:" + ports[3 * i + 2], "--secret-file", secret.toString(), "--cache-size", cacheSize,
                        // The node also stops if the driver dies without running its shutdown hook.
                        "--exit-on-stdin-eof"));
                for (int j = 0; j < count; j++) {
                    if (j != i) {
                        command.addAll(List.of("--seed", "127.0.0.1:" + ports[3 * j]));
                    }
                }
                ProcessGroup.Started s = group.start(name, command);
                started.add(s);
                nodes.add(new Node(name, s.process().pid(), ports[3 * i + 1], ports[3 * i + 2], data));
            }
            for (int i = 0; i < count; i++) {
                awaitReady(started.get(i), nodes.get(i).redisPort(), count - 1);
            }
            return new LocalNodes(group, nodes);
        } catch (IOException | InterruptedException | RuntimeException e) {
            group.close();
            throw e;
        }
    }

    /** Waits for PONG and then for {@code converge_connected_peers:<peers>} in {@code INFO replication}. */
    private static void awaitReady(ProcessGroup.Started s, int port, int peers) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NODE_READY_MILLIS);
        boolean pong = false;
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!s.process().isAlive()) {
                throw new IOException(s.name() + " exited before it was ready; " + ProcessGroup.tail(s, 15));
            }
            try (Resp r = Resp.connect(port)) {
                if (!pong) {
                    pong = "PONG".equals(r.text("PING"));
                    deadline = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PEERS_READY_MILLIS));
                }
                if (pong && connectedPeers(r.text("INFO", "replication")) == peers) {
                    return;
                }
            } catch (IOException e) {
                last = e.getMessage();
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IOException(s.name() + " was not ready (PING and " + peers + " peers connected) in time (" + last + "); "
                + ProcessGroup.tail(s, 15));
    }

    private static long connectedPeers(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("converge_connected_peers:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return -1;
    }

    /** Free loopback ports from the kernel, released before the nodes bind them (another process could take one in between). */
    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                held.add(s);
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    @Override
    public void close() {
        group.close();
    }
}
