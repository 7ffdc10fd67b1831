package dev.converge.bench.e2e;

/**
 * When each request of an open-loop run is due: the offered load is spread evenly over the
 * connections, request {@code i} of connection {@code c} (of {@code n}) being the
 * {@code i * n + c}-th of the whole run, due at {@code start + (i * n + c) / rate}. Latency is
 * measured from this intended time, not from when the request was actually sent: a connection
 * held up by a slow reply sends its next requests late, and counting from the send would hide that
 * wait (coordinated omission).
 */
record OpenLoopSchedule(long startNanos, double ratePerSecond, int connections) {

    OpenLoopSchedule {
        if (ratePerSecond <= 0 || connections < 1) {
            throw new IllegalArgumentException("rate and connections must be positive: " + ratePerSecond + ", " + connections);
        }
    }

    /** The intended send time of connection {@code connection}'s request {@code i}, in {@link System#nanoTime()} terms. */
    long intended(int connection, long i) {
        return startNanos + (long) ((i * connections + connection) * 1e9 / ratePerSecond);
    }

    /** How many requests connection {@code connection} has due in the first {@code durationNanos} of the run. */
    long requests(int connection, long durationNanos) {
        long total = (long) Math.ceil(durationNanos * ratePerSecond / 1e9);
        return total <= connection ? 0 : (total - connection + connections - 1) / connections;
    }
}
