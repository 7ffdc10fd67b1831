package dev.converge.bench.e2e;

import java.util.Arrays;

/**
 * Latencies in nanoseconds, every one kept (a phase records at most a few million, so exact
 * percentiles cost a sort and no histogram is needed). Not thread-safe: one per recording thread,
 * merged with {@link #addAll} afterwards.
 */
final class Latencies {

    /** Percentiles in milliseconds, by nearest rank, and how many values they are of. */
    record Summary(long count, double p50, double p90, double p99, double p999, double max) {
    }

    private long[] values = new long[1024];
    private int size;

    void record(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    void addAll(Latencies other) {
        for (int i = 0; i < other.size; i++) {
            record(other.values[i]);
        }
    }

    int count() {
        return size;
    }

    Summary summarize() {
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        return new Summary(size, millis(percentile(sorted, 50)), millis(percentile(sorted, 90)), millis(percentile(sorted, 99)),
                millis(percentile(sorted, 99.9)), millis(percentile(sorted, 100)));
    }

    /**
     * The nearest-rank percentile of sorted values: the smallest value with at least {@code p}
     * percent of the values at or below it; -1 when there are none.
     */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        // Less a hair: 99.9 is not exact in binary, and 99.9% of 1,000 must be rank 999, not 1,000.
        int rank = (int) Math.ceil(p / 100.0 * sorted.length - 1e-9);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    private static double millis(long nanos) {
        return nanos < 0 ? Double.NaN : nanos / 1e6;
    }
}
