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

    /** How to start the nodes; {@code nodeOptions} are passed to every node (e.g. {@code --max-message-size}). */
    record Spec(Path dir, int nodes, List<Ports> ports, String clusterName, Optional<Path> redisPasswordFile, List<String> jvmOptions,
                List<String> nodeOptions, Duration readyTimeout) {
    }

    /** A node process started, before it is ready. */
    private record Launch(String name, Process process, Path log, CompletableFuture<Map<String, String>> ready) {
    }

    private static final Pattern READY = Pattern.compile("^converge node (\\S+) ready: (.*)$");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S+)");
    private static final long STOP_MILLIS = 15_000;

    private final Spec spec;
    private final List<Member> members;
    private final List<Process> processes;
    private volatile boolean closed;

    private LocalCluster(Spec spec, List<Member> members, List<Process> processes) {
        this.spec = spec;
        this.members = new ArrayList<>(members);
        this.processes = processes;
    }

    /** The nodes started so far, in order. */
    synchronized List<Member> members() {
        return List.copyOf(members);
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
            Path secret = secretFile(spec);
            if (!Files.exists(secret)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                try {
                    // Owner-only from its creation: set afterwards, another local user could open it in between.
                    Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException notPosix) {
                    Files.createFile(secret);
                }
                Files.writeString(secret, HexFormat.of().formatHex(random) + "\n", StandardCharsets.US_ASCII);
            }
            List<Process> processes = new ArrayList<>();
            List<Launch> launches = new ArrayList<>();
            for (int i = 0; i < spec.nodes(); i++) {
                List<Endpoint> seeds = new ArrayList<>();
                for (int j = 0; j < spec.nodes(); j++) {
                    if (j != i) {
                        seeds.add(new Endpoint("127.0.0.1", spec.ports().get(j).peer()));
                    }
                }
                Launch launch = launch(spec, "node-" + (i + 1), spec.ports().get(i), seeds);
                processes.add(launch.process());
                launches.add(launch);
            }
            LocalCluster cluster = new LocalCluster(spec, List.of(), processes);
            try {
                long deadline = System.nanoTime() + spec.readyTimeout().toNanos();
                List<Member> members = new ArrayList<>();
                for (Launch launch : launches) {
                    members.add(awaitReady(launch, deadline));
                }
                return new LocalCluster(spec, members, processes);
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

    /**
     * Starts one more node, named after the ones before it, that knows only {@code seed}: it must
     * learn the other members and catch up from the cluster.
     *
     * @throws IllegalStateException when it exits or is not ready in time (with the end of its log)
     */
    Member join(Ports ports, Endpoint seed) throws InterruptedException {
        Launch launch;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the cluster is closed");
            }
            try {
                launch = launch(spec, "node-" + (processes.size() + 1), ports, List.of(seed));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start a node: " + e.getMessage(), e);
            }
            processes.add(launch.process());
        }
        Member member = awaitReady(launch, System.nanoTime() + spec.readyTimeout().toNanos());
        synchronized (this) {
            members.add(member);
        }
        return member;
    }

    private static Path secretFile(Spec spec) {
        return spec.dir().resolve("cluster.secret");
    }

    private static Launch launch(Spec spec, String name, Ports p, List<Endpoint> seeds) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(spec.jvmOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "node",
                "--data-dir", spec.dir().resolve(name).toString(),
                "--node-id", name,
                "--cluster-name", spec.clusterName(),
                "--listen", "127.0.0.1:" + p.peer(),
                "--redis", "127.0.0.1:" + p.redis(),
                "--http", "127.0.0.1:" + p.http(),
                "--secret-file", secretFile(spec).toString(),
                "--exit-on-stdin-eof"));
        spec.redisPasswordFile().ifPresent(f -> cmd.addAll(List.of("--redis-password-file", f.toString())));
        for (Endpoint seed : seeds) {
            cmd.addAll(List.of("--seed", seed.toString()));
        }
        cmd.addAll(spec.nodeOptions());
        Path log = spec.dir().resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().remove(NodeSettings.SECRET_ENV);
        pb.environment().remove(NodeSettings.REDIS_PASSWORD_ENV); // a password is asked for with --redis-password-file only
        Process process = pb.start();
        return new Launch(name, process, log, watch(process));
    }

    private static Member awaitReady(Launch launch, long deadlineNanos) throws InterruptedException {
        Map<String, String> fields;
        try {
            fields = launch.ready().get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(launch.name() + " did not start" + describe(launch.process(), launch.log()));
        }
        return new Member(launch.name(), launch.process(), Endpoint.parse(fields.get("peers")), Endpoint.parse(fields.get("redis")),
                Endpoint.parse(fields.get("http")), fields.get("replica"), launch.log());
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
    synchronized Optional<Member> exited() {
        return members.stream().filter(m -> !m.process().isAlive()).findFirst();
    }

    /** Stops every node with SIGTERM (a clean shutdown), waits, and kills those that do not stop in time. Idempotent. */
    @Override
    public void close() {
        List<Process> started;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            started = List.copyOf(processes);
        }
        for (Process p : started) {
            p.destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS);
        for (Process p : started) {
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
