package dev.converge.bench.e2e;

import dev.converge.bench.node.ProcCpu;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes ({@code SET} of a 16-byte value to one of {@value #KEYS} keys) over client connections
 * spread round-robin over the nodes (connection {@code c} on node {@code c mod n}), one thread per
 * connection, one request at a time per connection. Open loop: requests are due on an
 * {@link OpenLoopSchedule} at a fixed offered load and latency counts from when each was due.
 * Closed loop: every connection sends its next request as soon as the previous reply arrives,
 * which saturates the cluster, and latency counts from the send. Optionally a {@link LagProbe}
 * runs alongside. Every node's CPU time and resident memory are read from {@code /proc} around
 * the measured window.
 */
final class LoadDriver {

    static final int KEYS = 100_000;
    private static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * The last stretch before a due time is spun rather than parked: a park overshoots by about
     * Linux's 50 us timer slack, which would count as latency; spinning all the way would take a CPU.
     */
    private static final long SPIN_NANOS = 60_000;

    /** CPU seconds a process used in the window, as cores (CPU seconds per second), and its resident memory at the end. */
    record Usage(double cpuSeconds, double cores, long rssBytes, long peakRssBytes) {
    }

    /** One measured phase. */
    record Result(String label, int connections, double offeredRate, double seconds, long writes, Latencies.Summary latency,
                  Latencies.Summary lag, long lagTimeouts, Map<String, Usage> usage) {

        double writesPerSecond() {
            return writes / seconds;
        }

        /** CPU microseconds every node together spent per write. */
        double clusterCpuMicrosPerWrite() {
            return usage.entrySet().stream().filter(e -> !e.getKey().equals(DRIVER)).mapToDouble(e -> e.getValue().cpuSeconds()).sum()
                    * 1e6 / writes;
        }
    }

    static final String DRIVER = "driver";

    private static final byte[][] KEY_BYTES = new byte[KEYS][];

    static {
        for (int i = 0; i < KEYS; i++) {
            KEY_BYTES[i] = ("e2e:" + i).getBytes(StandardCharsets.US_ASCII);
        }
    }

    private LoadDriver() {
    }

    /** Writes at {@code rate} per second in all for {@code seconds}, latency from each request's intended send time. */
    static Result openLoop(String label, List<LocalNodes.Node> nodes, int connections, double rate, double seconds, boolean probeLag)
            throws IOException, InterruptedException {
        return run(label, nodes, connections, rate, seconds, probeLag);
    }

    /** Writes as fast as the replies come back for {@code seconds}. */
    static Result closedLoop(String label, List<LocalNodes.Node> nodes, int connections, double seconds, boolean probeLag)
            throws IOException, InterruptedException {
        return run(label, nodes, connections, 0, seconds, probeLag);
    }

    private static Result run(String label, List<LocalNodes.Node> nodes, int connections, double rate, double seconds, boolean probeLag)
            throws IOException, InterruptedException {
        List<RespClient> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(connections, r -> {
            Thread t = new Thread(r, "e2e-client");
            t.setDaemon(true);
            return t;
        });
        LagProbe probe = probeLag && nodes.size() > 1 ? new LagProbe(nodes) : null;
        try {
            for (int c = 0; c < connections; c++) {
                clients.add(RespClient.connect(nodes.get(c % nodes.size()).redisPort()));
            }
            long durationNanos = (long) (seconds * 1e9);
            long start = System.nanoTime() + START_DELAY_NANOS;
            long end = start + durationNanos;
            OpenLoopSchedule schedule = rate > 0 ? new OpenLoopSchedule(start, rate, connections) : null;
            CountDownLatch ready = new CountDownLatch(connections);
            AtomicBoolean failed = new AtomicBoolean();
            List<Future<Latencies>> futures = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int conn = c;
                RespClient client = clients.get(c);
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    try {
                        return schedule != null ? open(client, conn, connections, schedule, durationNanos, failed)
                                : closed(client, conn, connections, start, end, failed);
                    } catch (IOException | RuntimeException e) {
                        failed.set(true);
                        throw e;
                    }
                }));
            }
            ready.await();
            Map<String, Double> cpu0 = cpu(nodes);
            if (probe != null) {
                probe.start();
            }
            Latencies all = new Latencies();
            for (Future<Latencies> f : futures) {
                try {
                    all.addAll(f.get());
                } catch (ExecutionException e) {
                    throw new IOException(label + ": a client connection failed: " + e.getCause(), e.getCause());
                }
            }
            // Until the last reply: an open loop's late requests finish after the scheduled window.
            long finished = Math.max(System.nanoTime(), end);
            Map<String, Double> cpu1 = cpu(nodes);
            double wall = (finished - start) / 1e9;
            Latencies lag = probe == null ? new Latencies() : probe.stop();
            Map<String, Usage> usage = new LinkedHashMap<>();
            for (LocalNodes.Node n : nodes) {
                double used = cpu1.get(n.name()) - cpu0.get(n.name());
                usage.put(n.name(), new Usage(used, used / wall, ProcStatus.rssBytes(n.pid()), ProcStatus.peakRssBytes(n.pid())));
            }
            long self = ProcessHandle.current().pid();
            double driver = cpu1.get(DRIVER) - cpu0.get(DRIVER);
            usage.put(DRIVER, new Usage(driver, driver / wall, ProcStatus.rssBytes(self), ProcStatus.peakRssBytes(self)));
            return new Result(label, connections, rate, wall, all.count(), all.summarize(), lag.summarize(),
                    probe == null ? 0 : probe.timeouts(), usage);
        } finally {
            if (probe != null) {
                probe.stop();
            }
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            for (RespClient c : clients) {
                c.close();
            }
        }
    }

    private static Map<String, Double> cpu(List<LocalNodes.Node> nodes) {
        Map<String, Double> cpu = new LinkedHashMap<>();
        for (LocalNodes.Node n : nodes) {
            cpu.put(n.name(), ProcCpu.seconds(n.pid()));
        }
        cpu.put(DRIVER, ProcCpu.seconds(ProcessHandle.current().pid()));
        return cpu;
    }

    private static Latencies open(RespClient client, int conn, int connections, OpenLoopSchedule schedule, long durationNanos,
                                  AtomicBoolean failed) throws IOException {
        Latencies latencies = new Latencies();
        byte[] value = new byte[16];
        long requests = schedule.requests(conn, durationNanos);
        for (long i = 0; i < requests && !failed.get(); i++) {
            long due = schedule.intended(conn, i);
            waitUntil(due);
            client.set(KEY_BYTES[(int) ((i * connections + conn) % KEYS)], value(value, i));
            latencies.record(System.nanoTime() - due);
        }
        return latencies;
    }

    private static Latencies closed(RespClient client, int conn, int connections, long start, long end, AtomicBoolean failed)
            throws IOException {
        Latencies latencies = new Latencies();
        byte[] value = new byte[16];
        waitUntil(start);
        long now = System.nanoTime();
        for (long i = 0; now < end && !failed.get(); i++) {
            client.set(KEY_BYTES[(int) ((i * connections + conn) % KEYS)], value(value, i));
            long done = System.nanoTime();
            latencies.record(done - now);
            now = done;
        }
        return latencies;
    }

    private static void waitUntil(long due) {
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            if (wait > SPIN_NANOS) {
                LockSupport.parkNanos(wait - SPIN_NANOS);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /** A 16-byte value, {@code v-} and the request number in hex, written into {@code buffer}. */
    private static byte[] value(byte[] buffer, long n) {
        buffer[0] = 'v';
        buffer[1] = '-';
        for (int i = 15; i >= 2; i--) {
            buffer[i] = (byte) Character.forDigit((int) (n & 0xF), 16);
            n >>>= 4;
        }
        return buffer;
    }
}
