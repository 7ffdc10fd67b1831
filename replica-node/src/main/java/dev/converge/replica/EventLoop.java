package dev.converge.replica;

/**
 * The engine's one logical thread: tasks run one at a time, in submission order, and timers
 * fire on it too. The runtime backs it with a single thread; the simulator with its event queue
 * in virtual time. Engine code never blocks it.
 */
public interface EventLoop {

    /** A scheduled task that can still be cancelled. */
    interface Cancellable {
        void cancel();
    }

    /**
     * Runs {@code task} on the loop after the tasks already submitted. Callable from any thread.
     *
     * @throws java.util.concurrent.RejectedExecutionException once the loop has stopped (a loop
     *     that never stops need not)
     */
    void execute(Runnable task);

    /** Runs {@code task} on the loop after {@code delayMillis} of the loop's time. */
    Cancellable schedule(long delayMillis, Runnable task);

    /**
     * The loop's time in milliseconds: monotonic, what {@link #schedule} delays are measured in,
     * unrelated to the wall clock (its zero is arbitrary). The engine times retransmission,
     * catch-up and forwarding with it, so a step of the wall clock cannot stall or rush them.
     */
    long nowMillis();
}
