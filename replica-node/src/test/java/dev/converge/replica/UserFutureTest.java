package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * User code attached to a future the engine settles never runs on the engine's thread, however
 * it is attached; a caller blocked on it wakes without the callback executor.
 */
class UserFutureTest {

    private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> new Thread(r, "callbacks"));
    private final ConcurrentLinkedQueue<String> ranOn = new ConcurrentLinkedQueue<>();

    @AfterEach
    void stop() throws InterruptedException {
        callbacks.shutdownNow();
        assertThat(callbacks.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private void record() {
        ranOn.add(Thread.currentThread().getName());
    }

    private static void settleOn(String thread, UserFuture<Integer> f, Integer value, Throwable failure) throws InterruptedException {
        Thread t = new Thread(() -> f.settle(value, failure), thread);
        t.start();
        t.join();
    }

    /** Dependents attached every way: directly, through allOf/anyOf, as the other stage of a plain future, composed. */
    private List<CompletionStage<?>> attachAll(UserFuture<Integer> f, UserFuture<Integer> second) {
        CompletableFuture<Integer> plain = CompletableFuture.completedFuture(2);
        Function<Integer, Integer> id = v -> {
            record();
            return v;
        };
        return List.of(
                f.thenApply(id), f.thenAccept(v -> record()), f.whenComplete((v, e) -> record()), f.handle((v, e) -> id.apply(v)),
                f.thenCombine(plain, (a, b) -> id.apply(a)), plain.thenCombine(f, (a, b) -> id.apply(b)),
                new CompletableFuture<Integer>().applyToEither(f, id), CompletableFuture.allOf(f, second).thenRun(this::record),
                CompletableFuture.anyOf(f).thenRun(this::record), plain.thenCompose(v -> f).thenApply(id),
                f.thenCompose(v -> second).thenApply(id), f.copy().thenApply(id), f.minimalCompletionStage().thenApply(id));
    }

    @Test
    void dependentsRunOnTheCallbackExecutorHoweverTheyAreAttached() throws Exception {
        UserFuture<Integer> f = new UserFuture<>(callbacks);
        UserFuture<Integer> second = new UserFuture<>(callbacks);
        List<CompletionStage<?>> stages = attachAll(f, second);
        settleOn("loop", f, 7, null);
        settleOn("writer", second, 8, null);
        for (CompletionStage<?> s : stages) {
            s.toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        assertThat(ranOn).hasSize(13).containsOnly("callbacks");
    }

    @Test
    void failuresReachTheirHandlersOnTheCallbackExecutor() throws Exception {
        UserFuture<Integer> f = new UserFuture<>(callbacks);
        CompletableFuture<Integer> recovered = f.exceptionally(e -> {
            record();
            return -1;
        });
        settleOn("loop", f, null, new IllegalStateException("boom"));
        assertThat(recovered.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
        assertThat(ranOn).containsExactly("callbacks");
        assertThat(f.isCompletedExceptionally()).isTrue();
    }

    @Test
    void aBlockedCallerIsWokenWithoutTheCallbackExecutor() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        callbacks.execute(() -> {
            try {
                release.await(); // the callback executor is busy: join must not need it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        UserFuture<Integer> f = new UserFuture<>(callbacks);
        CompletableFuture<Integer> dependent = f.thenApply(v -> v + 1);
        new Thread(() -> f.settle(42, null), "loop").start();
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(42);
        assertThat(f.toCompletableFuture().join()).isEqualTo(42);
        assertThat(f.isDone()).isTrue();
        assertThat(dependent).as("dependents wait for the callback executor").isNotDone();
        release.countDown();
        assertThat(dependent.get(5, TimeUnit.SECONDS)).isEqualTo(43);
    }

    @Test
    void aSettleAfterTheCallbackExecutorStoppedStillAnswersWaitersAndDependents() throws Exception {
        callbacks.shutdown();
        UserFuture<Integer> f = new UserFuture<>(callbacks);
        CompletableFuture<Integer> dependent = f.thenApply(v -> v + 1);
        CompletableFuture<Void> all = CompletableFuture.allOf(f);
        settleOn("loop", f, 5, null);
        assertThat(f.join()).isEqualTo(5);
        // No callback executor any more: dependents run on the settling thread rather than never.
        assertThat(dependent).isCompletedWithValue(6);
        assertThat(all).isDone();
    }

    @Test
    void dependentsGoToTheFallbackWhenTheChosenExecutorRefuses() throws Exception {
        java.util.concurrent.Executor refusing = task -> {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        };
        UserFuture<Integer> f = new UserFuture<>(refusing, callbacks);
        CompletableFuture<Integer> dependent = f.thenApply(v -> {
            record();
            return v;
        });
        settleOn("engine", f, 7, null);
        assertThat(dependent.get(5, TimeUnit.SECONDS)).isEqualTo(7);
        assertThat(ranOn).containsExactly("callbacks");
    }
}
