package dev.converge.replica;

import java.time.Instant;
import java.time.InstantSource;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/** Deterministic virtual time: a queue of tasks ordered by (time, sequence), run on the test thread. */
final class VirtualTime implements InstantSource {

    private record Task(long at, long seq, Runnable run, boolean[] cancelled) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now = 1_700_000_000_000L;
    private long seq;

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(now);
    }

    @Override
    public long millis() {
        return now;
    }

    EventLoop.Cancellable schedule(long delayMillis, Runnable task) {
        boolean[] cancelled = {false};
        queue.add(new Task(now + Math.max(0, delayMillis), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** An event loop on this time; tasks of all loops interleave deterministically. */
    EventLoop loop() {
        return new EventLoop() {
            @Override
            public void execute(Runnable task) {
                schedule(0, task);
            }

            @Override
            public Cancellable schedule(long delayMillis, Runnable task) {
                return VirtualTime.this.schedule(delayMillis, task);
            }

            @Override
            public long nowMillis() {
                return now;
            }
        };
    }

    /** Runs callbacks as separate tasks: off the engine's turn, as a thread pool would. */
    Executor callbacks() {
        return task -> schedule(0, task);
    }

    /** Runs every task due up to {@code until}; returns false if tasks remain after it. */
    void runUntil(long until) {
        while (!queue.isEmpty() && queue.peek().at <= until) {
            Task t = queue.poll();
            now = Math.max(now, t.at);
            if (!t.cancelled[0]) {
                t.run.run();
            }
        }
        now = Math.max(now, until);
    }

    /**
     * Runs tasks one at a time, stopping right after the first one that makes {@code holds} true,
     * so a test can act in the gap before the next task; false if it does not hold within
     * {@code limitMillis} of virtual time.
     */
    boolean runUntil(BooleanSupplier holds, long limitMillis) {
        long until = now + limitMillis;
        while (!holds.getAsBoolean()) {
            Task t = queue.peek();
            if (t == null || t.at > until) {
                return false;
            }
            queue.poll();
            now = Math.max(now, t.at);
            if (!t.cancelled[0]) {
                t.run.run();
            }
        }
        return true;
    }

    void runFor(long millis) {
        runUntil(now + millis);
    }
}
