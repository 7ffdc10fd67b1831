package dev.converge.replica;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A future handed to the user. The engine {@linkplain #settle settles} it where it is (the loop,
 * or the store's writer): a caller blocked in {@code join} or {@code get} wakes at once, through an
 * internal future nobody else can attach to. The future itself is completed by a task on the
 * callback executor (the replica's, or the one a caller chose with {@code Replica.completingOn}),
 * so every dependent stage, however attached (a non-async method, an {@code allOf} over several
 * futures, a stage composed onto another), runs there and never on the engine's threads, where
 * user code could stall replication or wait for itself. Completing it only on the callback
 * executor, as before, cost a second thread hand-off per write for a caller that waits.
 */
final class UserFuture<T> extends CompletableFuture<T> {

    private final Executor callbacks;
    /** Where dependents run when {@code callbacks} refuses them (a caller's executor shut down first). */
    private final Executor fallback;
    /** Completed by the engine directly; only the blocking and polling methods read it. */
    private final CompletableFuture<T> settled = new CompletableFuture<>();

    UserFuture(Executor callbacks) {
        this(callbacks, callbacks);
    }

    UserFuture(Executor callbacks, Executor fallback) {
        this.callbacks = callbacks;
        this.fallback = fallback;
    }

    /** The engine's outcome: wakes blocked callers now, runs dependents on the callback executor. */
    void settle(T value, Throwable failure) {
        if (failure != null) {
            settled.completeExceptionally(failure);
        } else {
            settled.complete(value);
        }
        Runnable complete = () -> completeDependents(value, failure);
        try {
            callbacks.execute(complete);
        } catch (RejectedExecutionException refused) {
            try {
                fallback.execute(complete); // a caller's executor stopped before the replica did
            } catch (RejectedExecutionException closing) {
                // The runtime has shut its callback executor down: dependents run here, once, rather
                // than never (a stage attached to a call made after close would wait forever).
                complete.run();
            }
        }
    }

    private void completeDependents(T value, Throwable failure) {
        if (failure != null) {
            super.completeExceptionally(failure);
        } else {
            super.complete(value);
        }
    }

    // The blocking and polling methods read the engine's outcome, so that they do not wait for
    // the callback executor. A caller that completes the future itself settles both.

    @Override
    public T join() {
        return settled.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        return settled.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        return settled.get(timeout, unit);
    }

    @Override
    public T getNow(T valueIfAbsent) {
        return settled.getNow(valueIfAbsent);
    }

    @Override
    public boolean isDone() {
        return settled.isDone();
    }

    @Override
    public boolean isCompletedExceptionally() {
        return settled.isCompletedExceptionally();
    }

    @Override
    public boolean isCancelled() {
        return settled.isCancelled();
    }

    @Override
    public boolean complete(T value) {
        settled.complete(value);
        return super.complete(value);
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
        settled.completeExceptionally(failure);
        return super.completeExceptionally(failure);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        settled.cancel(mayInterruptIfRunning);
        return super.cancel(mayInterruptIfRunning);
    }
}
