package dev.converge.sim;

import dev.converge.replica.EventLoop;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Virtual time and the discrete event queue of one simulation: tasks ordered by (time, sequence
 * of scheduling), run one at a time on the caller's thread. Nothing advances time but
 * {@link #runUntil}; a run is therefore a pure function of what was scheduled, in what order.
 *
 * <p>Every task has an <i>owner</i>, a liveness test checked when the task comes due: a crashed
 * process owns its loop, its timers and its storage and network callbacks, and when it dies
 * they silently never run, as they would not in a killed JVM. Not thread-safe, by design: a
 * simulation has no threads.
 */
public final class VirtualTime {

    /** The virtual epoch: when every simulation starts, in milliseconds since 1970 (2026-01-01T00:00Z). */
    public static final long EPOCH_MILLIS = 1_767_225_600_000L;

    /** The owner of tasks that always run. */
    public static final BooleanSupplier ALWAYS = () -> true;

    private static final class Task implements Comparable<Task>, EventLoop.Cancellable {
        final long at;
        final long seq;
        final Runnable run;
        final BooleanSupplier owner;
        boolean cancelled;

        Task(long at, long seq, Runnable run, BooleanSupplier owner) {
            this.at = at;
            this.seq = seq;
            this.run = run;
            this.owner = owner;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long now = EPOCH_MILLIS;
    private long seq;
    private long executed;
    private long taskLimit = Long.MAX_VALUE;

    /** The current virtual time in milliseconds since 1970. */
    public long now() {
        return now;
    }

    /** Milliseconds since the virtual epoch. */
    public long elapsed() {
        return now - EPOCH_MILLIS;
    }

    /** Tasks run so far (cancelled and orphaned ones excluded). */
    public long executed() {
        return executed;
    }

    /** Tasks waiting, including cancelled ones not yet reached. */
    public int pending() {
        return queue.size();
    }

    /** Runs {@code task} after {@code delayMillis} (negative counts as 0) if {@code owner} is still alive then. */
    public EventLoop.Cancellable schedule(long delayMillis, BooleanSupplier owner, Runnable task) {
        Task t = new Task(now + Math.max(0, delayMillis), seq++, task, owner);
        queue.add(t);
        return t;
    }

    /** Runs {@code task} at absolute time {@code atMillis} (not before now). */
    public EventLoop.Cancellable scheduleAt(long atMillis, BooleanSupplier owner, Runnable task) {
        return schedule(atMillis - now, owner, task);
    }

    /** An {@link EventLoop} on this time whose tasks belong to {@code owner}. */
    public EventLoop loop(BooleanSupplier owner) {
        return new EventLoop() {
            @Override
            public void execute(Runnable task) {
                VirtualTime.this.schedule(0, owner, task);
            }

            @Override
            public Cancellable schedule(long delayMillis, Runnable task) {
                return VirtualTime.this.schedule(delayMillis, owner, task);
            }

            @Override
            public long nowMillis() {
                return now(); // virtual time: no clock fault reaches a monotonic source
            }
        };
    }

    /** An executor that runs each task as its own queued task, off whatever turn submitted it, as a thread pool would. */
    public Executor executor(BooleanSupplier owner) {
        return task -> schedule(0, owner, task);
    }

    /** Refuses to run more than {@code limit} tasks in all: a runaway loop fails instead of hanging the run. */
    public void taskLimit(long limit) {
        this.taskLimit = limit;
    }

    /** Runs the next due task, if any is due at or before {@code until}; returns whether one was taken. */
    public boolean step(long until) {
        Task t = queue.peek();
        if (t == null || t.at > until) {
            return false;
        }
        queue.poll();
        now = Math.max(now, t.at);
        if (!t.cancelled && t.owner.getAsBoolean()) {
            if (++executed > taskLimit) {
                throw new IllegalStateException("more than " + taskLimit + " tasks: a runaway loop at virtual time " + elapsed() + " ms");
            }
            t.run.run();
        }
        return true;
    }

    /** Runs every task due up to {@code until}, then sets the time to {@code until}. */
    public void runUntil(long until) {
        while (step(until)) {
            // each step runs one task
        }
        now = Math.max(now, until);
    }

    /** Runs for {@code millis} of virtual time. */
    public void runFor(long millis) {
        runUntil(now + millis);
    }
}
