package dev.converge.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Replication lag as a client sees it, measured alongside the load on connections of its own:
 * every {@value #INTERVAL_MILLIS} ms it writes a new key on one node (the nodes in turn), and
 * from the moment that node acknowledges the write, polls {@code GET} on every other node (every
 * {@value #POLL_MICROS} us) until each returns the value. A new key each time, not one key
 * overwritten: two writes of a register on different nodes within the same millisecond are
 * ordered by replica id, not by which came last, so a later write could lose and never show. One lag sample per other
 * node and write: the time from the acknowledgement to the first read that saw it, so it includes
 * up to one poll interval plus a GET round trip of resolution. A node that has not seen the value
 * after {@value #TIMEOUT_MILLIS} ms counts as a timeout, recorded at that bound.
 */
final class LagProbe {

    static final long INTERVAL_MILLIS = 20;
    static final long POLL_MICROS = 200;
    static final long TIMEOUT_MILLIS = 10_000;

    private static final AtomicLong PROBES = new AtomicLong();

    private final List<LocalNodes.Node> nodes;
    private final Latencies lags = new Latencies();
    private final Thread thread;
    private volatile boolean stopping;
    private long timeouts;
    private volatile Exception failure;

    LagProbe(List<LocalNodes.Node> nodes) {
        this.nodes = nodes;
        this.thread = new Thread(this::loop, "e2e-lag-probe");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the probe and returns its samples; idempotent. */
    Latencies stop() throws InterruptedException {
        stopping = true;
        thread.join();
        if (failure != null) {
            throw new UncheckedIOException(new IOException("lag probe failed: " + failure, failure));
        }
        return lags;
    }

    long timeouts() {
        return timeouts;
    }

    private void loop() {
        List<RespClient> clients = new ArrayList<>();
        try {
            for (LocalNodes.Node n : nodes) {
                clients.add(RespClient.connect(n.redisPort()));
            }
            for (long k = 0; !stopping; k++) {
                long next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS);
                int writer = (int) (k % nodes.size());
                // Unique across probes of the same run too: a key an earlier phase wrote would be seen at once.
                String value = "lag-" + PROBES.incrementAndGet();
                byte[] key = ("e2e:" + value).getBytes(StandardCharsets.US_ASCII);
                clients.get(writer).set(key, value.getBytes(StandardCharsets.US_ASCII));
                long acked = System.nanoTime();
                List<Integer> pending = new ArrayList<>();
                for (int i = 0; i < nodes.size(); i++) {
                    if (i != writer) {
                        pending.add(i);
                    }
                }
                long deadline = acked + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
                while (!pending.isEmpty()) {
                    for (int j = pending.size() - 1; j >= 0; j--) {
                        if (value.equals(clients.get(pending.get(j)).get(key))) {
                            lags.record(System.nanoTime() - acked);
                            pending.remove(j);
                        }
                    }
                    if (System.nanoTime() > deadline) {
                        for (int ignored : pending) {
                            lags.record(deadline - acked);
                            timeouts++;
                        }
                        break;
                    }
                    if (!pending.isEmpty()) {
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(POLL_MICROS));
                    }
                }
                long wait = next - System.nanoTime();
                if (wait > 0 && !stopping) {
                    LockSupport.parkNanos(wait);
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            for (RespClient c : clients) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
