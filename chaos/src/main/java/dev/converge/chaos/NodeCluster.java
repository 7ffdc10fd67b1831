package dev.converge.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The cluster's node processes: each a {@code converge node} in its own JVM, started from this
 * JVM's classpath (which holds replica-node and everything it needs), its peer seeds pointing at
 * the fault proxy, its log (stderr) appended to one file across restarts. Ports are fixed for the
 * whole run, so a restarted node is where clients and the proxy expect it.
 *
 * <p>Every exit is either expected (the nemesis killed or stopped it and said so first) or a
 * crash, recorded with the end of the node's log. A node also exits when this process's end of
 * its stdin closes, so a chaos run that dies, however it dies, leaves no node behind (a node
 * paused by SIGSTOP at that moment is killed by {@link #close()} from a shutdown hook).
 */
final class NodeCluster implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("^converge node (\\S+) ready: replica=(\\S+) .*$");

    /** Ports of one node. */
    record Ports(int peer, int redis) {
    }

    /** An exit nobody asked for. */
    record Crash(String node, long atMicros, int exitCode, String logTail) {
    }

    /** One node: fixed identity and ports; the current process changes across restarts. */
    static final class Node {
        final int index;
        final String name;
        final Ports ports;
        final Path dataDir;
        final Path log;
        final boolean sync;
        private volatile Process process;
        private volatile boolean expectExit;
        private volatile String replica = "?";
        private volatile int generation;
        /** The first generation on the current data directory (after the last wipe). */
        private volatile int epochStart = 1;
        private final List<long[]> down = new ArrayList<>();
        /** When each start became ready, in order: start number i (1-based) at index i - 1. */
        private final List<Long> readyAt = new ArrayList<>();

        Node(int index, Ports ports, Path dir, boolean sync) {
            this.index = index;
            this.name = "n" + (index + 1);
            this.ports = ports;
            this.dataDir = dir.resolve(name);
            this.log = dir.resolve(name + ".log");
            this.sync = sync;
        }

        int generation() {
            return generation;
        }

        int epochStart() {
            return epochStart;
        }

        String replica() {
            return replica;
        }

        long pid() {
            Process p = process;
            return p == null ? -1 : p.pid();
        }

        /** Marks the start of a stretch when the node cannot serve (killed, paused, restarting). */
        synchronized void markDown(long micros) {
            if (down.isEmpty() || down.get(down.size() - 1)[1] != Long.MAX_VALUE) {
                down.add(new long[] {micros, Long.MAX_VALUE});
            }
        }

        synchronized void markUp(long micros) {
            if (!down.isEmpty() && down.get(down.size() - 1)[1] == Long.MAX_VALUE) {
                down.get(down.size() - 1)[1] = micros;
            }
        }

        /** Whether the node was down at any moment of {@code [from, to]}. */
        synchronized boolean downDuring(long from, long to) {
            for (long[] d : down) {
                if (d[0] <= to && d[1] >= from) {
                    return true;
                }
            }
            return false;
        }

        /** The start number whose process served at {@code micros} (0: before the first was ready). */
        synchronized int generationAt(long micros) {
            int g = 0;
            while (g < readyAt.size() && readyAt.get(g) <= micros) {
                g++;
            }
            return g;
        }
    }

    private final List<Node> nodes = new ArrayList<>();
    private final RunClock clock;
    private final FaultProxy proxy;
    private final String java;
    private final String classpath;
    private final List<String> jvmOptions;
    private final String secret;
    private final Duration readyTimeout;
    private final List<Crash> crashes = new ArrayList<>();

    NodeCluster(Path dir, List<Ports> ports, int syncNodes, FaultProxy proxy, RunClock clock, String heap, Duration readyTimeout) {
        this.clock = clock;
        this.proxy = proxy;
        this.readyTimeout = readyTimeout;
        this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.classpath = System.getProperty("java.class.path");
        this.jvmOptions = List.of("-Xmx" + heap, "-XX:+UseSerialGC");
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.secret = HexFormat.of().formatHex(random);
        for (int i = 0; i < ports.size(); i++) {
            nodes.add(new Node(i, ports.get(i), dir, i < syncNodes));
        }
    }

    /** Free loopback ports for {@code n} nodes (taken from the kernel and released). */
    static List<Ports> freePorts(int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2 * n; i++) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                held.add(s);
            }
            List<Ports> ports = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ports.add(new Ports(held.get(2 * i).getLocalPort(), held.get(2 * i + 1).getLocalPort()));
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free ports: " + e.getMessage(), e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // released
                }
            }
        }
    }

    List<Node> nodes() {
        return nodes;
    }

    Node node(int index) {
        return nodes.get(index);
    }

    synchronized List<Crash> crashes() {
        return List.copyOf(crashes);
    }

    /** Starts every node at once and waits until all are ready. */
    void startAll() throws InterruptedException {
        List<CompletableFuture<String>> ready = new ArrayList<>();
        for (Node n : nodes) {
            ready.add(launch(n));
        }
        for (int i = 0; i < nodes.size(); i++) {
            awaitReady(nodes.get(i), ready.get(i));
        }
    }

    /** Starts a node that is not running and waits until it is ready. */
    void start(Node n) throws InterruptedException {
        awaitReady(n, launch(n));
    }

    private CompletableFuture<String> launch(Node n) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classpath, "dev.converge.node.Main", "node",
                "--data-dir", n.dataDir.toString(),
                "--node-id", n.name,
                "--cluster-name", "chaos",
                "--listen", "127.0.0.1:" + n.ports.peer(),
                "--redis", "127.0.0.1:" + n.ports.redis(),
                "--http", "off",
                "--durability", n.sync ? "sync" : "buffered",
                // Only the seeds, which are the proxy's ports: a member learnt from the membership
                // document would be dialled at its own address, around the proxy and its faults.
                "--discover", "off",
                "--log-level", "info",
                "--exit-on-stdin-eof"));
        for (Node peer : nodes) {
            if (peer != n) {
                cmd.addAll(List.of("--seed", "127.0.0.1:" + proxy.port(n.index, peer.index)));
            }
        }
        try {
            Files.writeString(n.log, "---- chaos: starting " + n.name + " (start " + (n.generation + 1) + ", "
                    + (n.sync ? "sync" : "buffered") + ") at " + Instant.now() + " ----\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(n.log.toFile()));
            pb.environment().put("CONVERGE_SECRET", secret);
            pb.environment().remove("CONVERGE_REDIS_PASSWORD");
            Process p = pb.start();
            n.expectExit = false;
            n.process = p;
            p.onExit().thenAccept(this::exited);
            return watch(p);
        } catch (IOException e) {
            throw new ChaosFailure("cannot start " + n.name + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady(Node n, CompletableFuture<String> ready) throws InterruptedException {
        String replica;
        try {
            replica = ready.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new ChaosFailure(n.name + " did not start within " + readyTimeout.toSeconds() + " s" + describe(n));
        }
        long now = clock.micros();
        synchronized (n) {
            n.generation++;
            n.readyAt.add(now);
            n.replica = replica;
        }
        n.markUp(now);
    }

    private void exited(Process p) {
        for (Node n : nodes) {
            if (n.process == p && !n.expectExit) {
                synchronized (this) {
                    crashes.add(new Crash(n.name, clock.micros(), p.exitValue(), tail(n.log, 12)));
                }
                n.markDown(clock.micros());
            }
        }
    }

    /** Completes with the replica id from the node's ready line; fails when its stdout ends first. */
    private static CompletableFuture<String> watch(Process process) {
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = READY.matcher(line);
                    if (m.matches()) {
                        ready.complete(m.group(2));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            ready.completeExceptionally(new IllegalStateException("exited"));
        }, "chaos-node-stdout");
        t.setDaemon(true);
        t.start();
        return ready;
    }

    /** {@code kill -9}; returns once the process is gone. */
    void kill(Node n) throws InterruptedException {
        n.markDown(clock.micros());
        Process p = n.process;
        n.expectExit = true;
        p.destroyForcibly();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            throw new ChaosFailure(n.name + " (pid " + p.pid() + ") survived SIGKILL for 10 s");
        }
    }

    /**
     * SIGTERM, a clean shutdown; returns the exit code, or -1 when the node did not stop within
     * {@code timeout} and was killed.
     */
    int terminate(Node n, Duration timeout) throws InterruptedException {
        n.markDown(clock.micros());
        Process p = n.process;
        n.expectExit = true;
        if (!p.isAlive()) {
            return p.exitValue();
        }
        p.destroy();
        if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return p.exitValue();
        }
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return -1;
    }

    /** SIGSTOP. */
    void pause(Node n) throws InterruptedException {
        n.markDown(clock.micros());
        signal(n, "-STOP");
    }

    /** SIGCONT. */
    void resume(Node n) throws InterruptedException {
        signal(n, "-CONT");
        n.markUp(clock.micros());
    }

    private void signal(Node n, String signal) throws InterruptedException {
        Process p = n.process;
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(p.pid())).redirectErrorStream(true).start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (kill.waitFor() != 0) {
                throw new ChaosFailure("kill " + signal + " " + p.pid() + " (" + n.name + ") failed: " + out);
            }
        } catch (IOException e) {
            throw new ChaosFailure("cannot run kill " + signal + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the node's data directory (the node must not be running); its next start takes a new replica id. */
    void wipe(Node n) {
        if (n.process != null && n.process.isAlive()) {
            throw new IllegalStateException(n.name + " is running");
        }
        try (Stream<Path> files = Files.walk(n.dataDir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new ChaosFailure("cannot delete " + n.dataDir + ": " + e.getMessage(), e);
        }
        synchronized (n) {
            n.epochStart = n.generation + 1;
        }
    }

    boolean alive(Node n) {
        Process p = n.process;
        return p != null && p.isAlive();
    }

    /** The nodes whose process is running and not stopped at this moment, as far as the nemesis knows. */
    int up(long micros) {
        int up = 0;
        for (Node n : nodes) {
            if (!n.downDuring(micros, micros)) {
                up++;
            }
        }
        return up;
    }

    /** Ends every node still running, at once: SIGCONT (a stopped node cannot die cleanly), then SIGKILL. Idempotent. */
    @Override
    public void close() {
        for (Node n : nodes) {
            Process p = n.process;
            if (p != null && p.isAlive()) {
                n.expectExit = true;
                try {
                    new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor(2, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException ignored) {
                    // killed below anyway
                }
                p.destroyForcibly();
            }
        }
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(no log at " + log + ")";
        }
    }

    private static String describe(Node n) {
        Process p = n.process;
        String code = p != null && !p.isAlive() ? " (exit code " + p.exitValue() + ")" : "";
        return code + "; end of " + n.log + ":\n" + tail(n.log, 10);
    }
}
