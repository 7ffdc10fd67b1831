package dev.converge.storage.rocksdb;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of a commit. Its blocking waits help: while the commit is not written, the waiting
 * thread writes the next group itself whenever no other thread is writing (see
 * {@link GroupWriter}), and otherwise yields the processor; only after a while does it park. A
 * group write takes a few microseconds, while handing the work to another thread and being
 * woken again costs more than that on a small or busy machine. Dependent stages
 * ({@code thenApply} and the like) are plain futures and do not help.
 */
final class CommitFuture extends CompletableFuture<Long> {

    private final GroupWriter writer;

    CommitFuture(GroupWriter writer) {
        this.writer = writer;
    }

    /** How long a waiter yields while another thread writes before it parks; an fsync may take far longer. */
    private static final long YIELD_NANOS = 200_000;

    @Override
    public Long join() {
        spin();
        return super.join();
    }

    @Override
    public Long get() throws InterruptedException, ExecutionException {
        spin();
        return super.get();
    }

    @Override
    public Long get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        spin();
        return super.get(timeout, unit);
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    private void spin() {
        long start = System.nanoTime();
        while (!isDone()) {
            if (writer.tryWrite()) {
                continue;
            }
            if (System.nanoTime() - start > YIELD_NANOS) {
                return;
            }
            Thread.yield();
        }
    }
}
