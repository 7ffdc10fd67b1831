package dev.converge.bench.replica;

import dev.converge.bench.BenchLogging;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.replica.Replica;
import dev.converge.replica.Written;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Bytes on the wire per update in a three-replica loopback cluster, against the encoded size of
 * the update's delta. Replica A makes the updates; the bytes are everything all three replicas send
 * on all their links while the updates replicate and the cluster settles (frames, deltas, acks,
 * heartbeats, rounds), divided by updates × 2 (each update has two peers to reach). The delta size
 * is {@code CrdtCodec.encode} of each update's own delta, computed on a shadow copy of A's documents
 * (same replica id, same elements, so the same dots and counts).
 *
 * <p>The "+key" column adds each update's key to its delta, as a document travels with its key.
 *
 * <p>Two paces: steady writes at a fixed rate (what a busy replica sees: pushes carry several
 * updates), and one at a time (each update waits, with {@code awaitReplicated}, until both peers
 * acknowledged it: the worst case, one update per message). Either way the measurement ends when the whole cluster has
 * settled, so the peers' rounds that cover, in their own logs, what they merged from A count too.
 * The idle cluster's heartbeat traffic is measured first; "w/o idle" subtracts it.
 */
public final class WireBytes {

    private WireBytes() {
    }

    /** {@code [--rate 1000] [--seconds 10] [--single 1000]} */
    public static void main(String[] args) throws InterruptedException {
        BenchLogging.quiet();
        int rate = 1_000;
        int seconds = 10;
        int single = 1_000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--single" -> single = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        run(rate, seconds, single, System.out);
    }

    public static void run(int rate, int seconds, int single, PrintStream out) throws InterruptedException {
        out.printf(Locale.ROOT, "bytes on the wire per update: 3 replicas (RocksDB, Netty loopback), updates on A%n");
        out.printf(Locale.ROOT, "%-36s %-14s %8s %8s %10s %10s %8s %8s %10s%n", "workload", "pace", "updates", "delta B",
                "+key B", "wire B", "x delta", "<=1.5x", "w/o idle");
        for (Workload workload : Workload.values()) {
            try (BenchCluster cluster = new BenchCluster(3)) {
                double idleBytesPerSecond = idleTraffic(cluster);
                Shadow shadow = new Shadow(cluster.get(0).id(), workload);
                measure(cluster, shadow, rate + "/s", rate * seconds, rate, idleBytesPerSecond, out);
                measure(cluster, shadow, "one at a time", single, 0, idleBytesPerSecond, out);
                out.printf(Locale.ROOT, "  (idle cluster: %.0f bytes/s of heartbeats and rounds on all links)%n", idleBytesPerSecond);
            }
        }
    }

    private static double idleTraffic(BenchCluster cluster) throws InterruptedException {
        cluster.awaitQuiescent(10_000);
        long before = cluster.bytesSent();
        long start = System.nanoTime();
        Thread.sleep(3_000);
        return (cluster.bytesSent() - before) / ((System.nanoTime() - start) / 1e9);
    }

    /** {@code rate} 0: each update waits for both peers' acknowledgements before the next. */
    private static void measure(BenchCluster cluster, Shadow shadow, String pace, int updates, int rate, double idleBytesPerSecond,
                                PrintStream out) throws InterruptedException {
        Replica a = cluster.get(0);
        cluster.awaitQuiescent(10_000);
        long bytesBefore = cluster.bytesSent();
        long deltaBytes = 0;
        long keyBytes = 0;
        long start = System.nanoTime();
        long periodNanos = rate == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / rate;
        for (int i = 0; i < updates; i++) {
            if (rate > 0) {
                long wait = start + i * periodNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            Shadow.Sizes sizes = shadow.next(a).join();
            deltaBytes += sizes.delta();
            keyBytes += sizes.key();
            if (rate == 0 && a.awaitReplicated(sizes.seq(), 2, Duration.ofSeconds(10)).toCompletableFuture().join() < 2) {
                throw new IllegalStateException("update " + i + " not acknowledged by both peers within 10 s");
            }
        }
        cluster.awaitQuiescent(60_000);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long wire = cluster.bytesSent() - bytesBefore;
        double delta = (double) deltaBytes / updates;
        double perPeer = wire / (updates * 2.0);
        double withoutIdle = Math.max(0, wire - idleBytesPerSecond * elapsed) / (updates * 2.0);
        out.printf(Locale.ROOT, "%-36s %-14s %,8d %8.1f %10.1f %10.1f %7.2fx %8s %10.1f%n", shadow.workload.label, pace, updates, delta,
                delta + (double) keyBytes / updates, perPeer, perPeer / delta, perPeer <= 1.5 * delta ? "met" : "missed", withoutIdle);
    }

    private enum Workload {
        SET_ADD("set add (100 sets)"),
        COUNTER_INCREMENT("counter increment (10,000 counters)");

        final String label;

        Workload(String label) {
            this.label = label;
        }
    }

    /** A's documents as crdt-core values, updated with the same operations, to size each update's delta. */
    private static final class Shadow {
        private final ReplicaId writer;
        private final Workload workload;
        private final Map<Bytes, Crdt<?>> documents = new HashMap<>();
        private long n;

        Shadow(ReplicaId writer, Workload workload) {
            this.writer = writer;
            this.workload = workload;
        }

        record Sizes(int delta, int key, long seq) {
        }

        /** Makes the next update on {@code a}; completes (when it is durable on A) with its delta's and key's sizes. */
        CompletableFuture<Sizes> next(Replica a) {
            long i = n++;
            CompletionStage<? extends Written<?>> written;
            Mutation<?> mutation;
            Bytes key;
            switch (workload) {
                case SET_ADD -> {
                    key = Bytes.of("set-" + i % 100);
                    Bytes element = Bytes.of("element-" + i);
                    ORSet set = (ORSet) documents.getOrDefault(key, ORSet.empty());
                    Mutation<ORSet> m = set.add(writer, element);
                    documents.put(key, m.state());
                    mutation = m;
                    written = a.set(key).add(element);
                }
                case COUNTER_INCREMENT -> {
                    key = Bytes.of("counter-" + i % 10_000);
                    PNCounter counter = (PNCounter) documents.getOrDefault(key, PNCounter.empty());
                    Mutation<PNCounter> m = counter.add(writer, 1);
                    documents.put(key, m.state());
                    mutation = m;
                    written = a.counter(key).increment();
                }
                default -> throw new IllegalStateException();
            }
            int delta = CrdtCodec.encode(mutation.delta()).length;
            return written.toCompletableFuture().thenApply(w -> new Sizes(delta, key.length(), w.seq()));
        }
    }
}
