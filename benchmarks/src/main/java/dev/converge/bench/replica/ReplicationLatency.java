package dev.converge.bench.replica;

import dev.converge.bench.BenchLogging;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.LWWRegister;
import dev.converge.replica.ChangeEvent;
import dev.converge.replica.ChangeListener;
import dev.converge.replica.EngineConfig;
import dev.converge.replica.Replica;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Replication latency on loopback: write on A, visible on B. A writes LWW registers at a fixed rate
 * (open loop: each value is the time the write was <em>scheduled</em>, so a stalled writer shows up
 * as latency instead of hiding it), cycling over 10,000 keys; B and C subscribe to the keys and,
 * on each remote change event, record now minus the value. Samples cover only the measured
 * seconds, after a warm-up.
 */
public final class ReplicationLatency {

    private static final int KEYS = 10_000;
    private static final Bytes PREFIX = Bytes.of("lat-");

    private ReplicationLatency() {
    }

    /**
     * Seconds 20 to 60 after the links came up: each replica's first digest backstop with each peer
     * is due 30 to 90 s after it, so the window holds half of them on average, about three
     * quarters of a steady 40 s's share. A shorter, earlier window holds none.
     */
    public static final int WARMUP_SECONDS = 20;
    public static final int MEASURED_SECONDS = 40;

    /** {@code [--rate 10000] [--warmup 20] [--seconds 40] [--push-delay <ms>]} */
    public static void main(String[] args) throws InterruptedException {
        BenchLogging.quiet();
        int rate = 10_000;
        int warmup = WARMUP_SECONDS;
        int seconds = MEASURED_SECONDS;
        EngineConfig engine = EngineConfig.defaults();
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--push-delay" -> engine = engine.withSync(engine.sync().withPushDelayMillis(Long.parseLong(args[i + 1])));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        run(rate, warmup, seconds, engine, System.out);
    }

    public static void run(int rate, int warmupSeconds, int seconds, EngineConfig engine, PrintStream out) throws InterruptedException {
        out.printf(Locale.ROOT, "replication latency: 3 replicas (RocksDB, Netty loopback), %,d writes/s on A, %d s warm-up + %d s measured, "
                + "push delay %d ms%n", rate, warmupSeconds, seconds, engine.sync().pushDelayMillis());
        Bytes[] keys = new Bytes[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = Bytes.of("lat-" + i);
        }
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        int writes = rate * (warmupSeconds + seconds);
        try (BenchCluster cluster = new BenchCluster(3, engine)) {
            Replica a = cluster.get(0);
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
            Samples onB = new Samples(rate * seconds, measureFrom);
            Samples onC = new Samples(rate * seconds, measureFrom);
            cluster.get(1).subscribePrefix(PREFIX, onB);
            cluster.get(2).subscribePrefix(PREFIX, onC);
            AtomicLong failed = new AtomicLong();
            long maxBehind = 0;
            for (int i = 0; i < writes; i++) {
                long scheduled = start + i * periodNanos;
                long now = System.nanoTime();
                if (now < scheduled) {
                    LockSupport.parkNanos(scheduled - now);
                } else {
                    maxBehind = Math.max(maxBehind, now - scheduled);
                }
                a.register(keys[i % KEYS]).set(Bytes.wrap(ByteBuffer.allocate(8).putLong(scheduled).array()))
                        .whenComplete((w, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                            }
                        });
            }
            long end = System.nanoTime();
            cluster.awaitQuiescent(60_000);
            Thread.sleep(200); // the last change events reach the subscribers' callback threads
            out.printf(Locale.ROOT, "achieved %,.0f writes/s (writer at most %.1f ms behind schedule), %d failed%n",
                    writes / ((end - start) / 1e9), maxBehind / 1e6, failed.get());
            onB.print("A -> B", rate * seconds, out);
            onC.print("A -> C", rate * seconds, out);
        }
    }

    /** Latencies of writes scheduled in the measured window, in nanoseconds. */
    private static final class Samples implements ChangeListener {
        private final long[] nanos;
        private final AtomicInteger count = new AtomicInteger();
        private final long measureFrom;
        private final AtomicLong overflowed = new AtomicLong();

        Samples(int capacity, long measureFrom) {
            this.nanos = new long[capacity];
            this.measureFrom = measureFrom;
        }

        @Override
        public void onChange(ChangeEvent event) {
            long now = System.nanoTime();
            if (event.local() || !(event.state() instanceof LWWRegister register) || register.value().isEmpty()) {
                return;
            }
            long scheduled = ByteBuffer.wrap(register.value().get().toByteArray()).getLong();
            if (scheduled >= measureFrom) {
                int i = count.getAndIncrement();
                if (i < nanos.length) {
                    nanos[i] = now - scheduled;
                }
            }
        }

        @Override
        public void onOverflow(long missed) {
            overflowed.addAndGet(missed);
        }

        void print(String link, int expected, PrintStream out) {
            int n = Math.min(count.get(), nanos.length);
            long[] sorted = Arrays.copyOf(nanos, n);
            Arrays.sort(sorted);
            out.printf(Locale.ROOT, "%s: %,d samples of %,d writes (%d events overflowed): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
                    + "p99.9 %.2f ms, max %.2f ms%n", link, n, expected, overflowed.get(), ms(sorted, 0.50), ms(sorted, 0.90),
                    ms(sorted, 0.99), ms(sorted, 0.999), n == 0 ? Double.NaN : sorted[n - 1] / 1e6);
        }

        private static double ms(long[] sorted, double quantile) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
            return sorted[Math.max(0, index)] / 1e6;
        }
    }
}
