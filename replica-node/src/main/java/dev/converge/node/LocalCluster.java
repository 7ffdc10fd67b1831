package dev.converge.node;

import dev.converge.crdt.port.Endpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Nodes on loopback, each a {@code converge node} in its own JVM, data and logs under one
 * directory; used by {@code converge cluster} and {@code converge demo}. Every node seeds every
 * other. A node started here exits when this process's end of its stdin closes, so killing the
 * parent (even with SIGKILL) leaves no node behind; {@link #close()} stops them with SIGTERM
 * (a clean shutdown) and waits.
 */
final class LocalCluster implements AutoCloseable {

    /** Ports of one node. */
    record Ports(int peer, int redis, int http) {
    }

    /** A started node and where it answers. */
    record Member(String name, Process process, Endpoint peers, Endpoint redis, Endpoint http, String replica, Path log) {
    }

    /** How to start the nodes. */
    record Spec(Path dir, int nodes, List<Ports> ports, String clusterName, Optional<Path> redisPasswordFile, List<String> jvmOptions,
                Duration readyTimeout) {
    }

    private static final Pattern READY = Pattern.compile("^converge node (\\S+) ready: (.*)$");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S+)");
    private static final long STOP_MILLIS = 15_000;

    private final List<Member> members;
    private final List<Process> processes;
    private volatile boolean closed;

    private LocalCluster(List<Member> members, List<Process> processes) {
        this.members = List.copyOf(members);
        this.processes = processes;
    }

    List<Member> members() {
        return members;
    }

    /** Ports for {@code n} nodes numbered from the given bases: node i gets base + i - 1. */
    static List<Ports> fixedPorts(int n, int peerBase, int redisBase, int httpBase) {
        List<Ports> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ports.add(new Ports(peerBase + i, redisBase + i, httpBase + i));
        }
        return ports;
    }

    /** Free loopback ports (taken from the kernel and released: another process could take one in between). */
    static List<Ports> freePorts(int n) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 3 * n; i++) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                held.add(s);
            }
            List<Ports> ports = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ports.add(new Ports(held.get(3 * i).getLocalPort(), held.get(3 * i + 1).getLocalPort(), held.get(3 * i + 2).getLocalPort()));
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

    /**
     * Starts the nodes and waits until each has printed its ready line.
     *
     * @throws IllegalStateException when a node exits or is not ready in time (with the end of its log)
     */
    static LocalCluster start(Spec spec) {
        try {
            Files.createDirectories(spec.dir());
            Path secret = spec.dir().resolve("cluster.secret");
            if (!Files.exists(secret)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                Files.writeString(secret, HexFormat.of().formatHex(random) + "\n", StandardCharsets.US_ASCII);
                try {
                    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = System.getProperty("java.class.path");
            List<Process> processes = new ArrayList<>();
            List<CompletableFuture<Map<String, String>>> ready = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            for (int i = 0; i < spec.nodes(); i++) {
                String name = "node-" + (i + 1);
                Ports p = spec.ports().get(i);
                List<String> cmd = new ArrayList<>();
                cmd.add(java);
                cmd.addAll(spec.jvmOptions());
                cmd.addAll(List.of("-cp", classpath, Main.class.getName(), "node",
                        "--data-dir", spec.dir().resolve(name).toString(),
                        "--node-id", name,
                        "--cluster-name", spec.clusterName(),
                        "--listen", "127.0.0.1:" + p.peer(),
                        "--redis", "127.0.0.1:" + p.redis(),
                        "--http", "127.0.0.1:" + p.http(),
                        "--secret-file", secret.toString(),
                        "--exit-on-stdin-eof"));
                spec.redisPasswordFile().ifPresent(f -> cmd.addAll(List.of("--redis-password-file", f.toString())));
                for (int j = 0; j < spec.nodes(); j++) {
                    if (j != i) {
                        cmd.addAll(List.of("--seed", "127.0.0.1:" + spec.ports().get(j).peer()));
                    }
                }
                Path log = spec.dir().resolve(name + ".log");
                logs.add(log);
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
                pb.environment().remove(NodeSettings.SECRET_ENV);
                Process process = pb.start();
                processes.add(process);
                ready.add(watch(process));
            }
            LocalCluster cluster = new LocalCluster(List.of(), processes);
            try {
                List<Member> members = new ArrayList<>();
                long deadline = System.nanoTime() + spec.readyTimeout().toNanos();
                for (int i = 0; i < spec.nodes(); i++) {
                    Map<String, String> fields;
                    try {
                        fields = ready.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                        throw new IllegalStateException("node-" + (i + 1) + " did not start" + describe(processes.get(i), logs.get(i)));
                    }
                    members.add(new Member("node-" + (i + 1), processes.get(i), Endpoint.parse(fields.get("peers")),
                            Endpoint.parse(fields.get("redis")), Endpoint.parse(fields.get("http")), fields.get("replica"), logs.get(i)));
                }
                return new LocalCluster(members, processes);
            } catch (RuntimeException | InterruptedException e) {
                cluster.close();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the nodes started", e);
                }
                throw (RuntimeException) e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the nodes: " + e.getMessage(), e);
        }
    }

    /** Completes with the fields of the node's ready line; fails when its stdout ends first. */
    private static CompletableFuture<Map<String, String>> watch(Process process) {
        CompletableFuture<Map<String, String>> ready = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = READY.matcher(line);
                    if (m.matches() && !ready.isDone()) {
                        Map<String, String> fields = new java.util.HashMap<>();
                        Matcher f = FIELD.matcher(m.group(2));
                        while (f.find()) {
                            fields.put(f.group(1), f.group(2));
                        }
                        ready.complete(fields);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            ready.completeExceptionally(new IllegalStateException("exited"));
        }, "converge-cluster-watch");
        t.setDaemon(true);
        t.start();
        return ready;
    }

    private static String describe(Process p, Path log) {
        StringBuilder s = new StringBuilder();
        if (!p.isAlive()) {
            s.append(" (exit code ").append(p.exitValue()).append(')');
        }
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            s.append("; end of ").append(log).append(':');
            for (String l : lines.subList(Math.max(0, lines.size() - 8), lines.size())) {
                s.append(System.lineSeparator()).append("    ").append(l);
            }
        } catch (IOException e) {
            s.append("; no log at ").append(log);
        }
        return s.toString();
    }

    /** The first node that exited, if any. */
    Optional<Member> exited() {
        return members.stream().filter(m -> !m.process().isAlive()).findFirst();
    }

    /** Stops every node with SIGTERM (a clean shutdown), waits, and kills those that do not stop in time. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : processes) {
            p.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS);
        for (Process p : processes) {
            try {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
