package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** User code attached to a future the engine completes never runs on the engine's thread. */
class UserFutureTest {

    private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> new Thread(r, "callbacks"));
    private final ConcurrentLinkedQueue<String> ranOn = new ConcurrentLinkedQueue<>();

    @AfterEach
    void stop() throws InterruptedException {
        callbacks.shutdown();
        assertThat(callbacks.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private void record() {
        ranOn.add(Thread.currentThread().getName());
    }

    /** Every way of attaching a dependent, each recording the thread it ran on. */
    private List<CompletionStage<?>> attachAll(UserFuture<Integer> f) {
        CompletableFuture<Integer> other = CompletableFuture.completedFuture(2);
        Function<Integer, Integer> id = v -> {
            record();
            return v;
        };
        return List.of(
                f.thenApply(id), f.thenAccept(v -> record()), f.thenRun(this::record),
                f.thenCombine(other, (a, b) -> id.apply(a)), f.thenAcceptBoth(other, (a, b) -> record()), f.runAfterBoth(other, this::record),
                f.applyToEither(new CompletableFuture<>(), id), f.acceptEither(new CompletableFuture<>(), v -> record()),
                f.runAfterEither(new CompletableFuture<>(), this::record),
                f.thenCompose(v -> CompletableFuture.completedFuture(id.apply(v))), f.handle((v, e) -> id.apply(v)),
                f.whenComplete((v, e) -> record()), f.copy().thenApply(id), f.minimalCompletionStage().thenApply(id),
                f.toCompletableFuture().thenApply(id), f.thenApplyAsync(id));
    }

    @Test
    void dependentsAttachedBeforeOrAfterCompletionRunOnTheCallbackExecutor() throws Exception {
        UserFuture<Integer> before = new UserFuture<>(callbacks);
        List<CompletionStage<?>> early = attachAll(before);
        Thread loop = new Thread(() -> before.complete(7), "loop");
        loop.start();
        loop.join();
        for (CompletionStage<?> s : early) {
            s.toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        UserFuture<Integer> after = new UserFuture<>(callbacks);
        after.complete(8); // already complete when the dependents are attached, on this test's thread
        for (CompletionStage<?> s : attachAll(after)) {
            s.toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        assertThat(ranOn).hasSize(2 * 16).containsOnly("callbacks");
    }

    @Test
    void failuresReachExceptionallyOnTheCallbackExecutor() throws Exception {
        UserFuture<Integer> f = new UserFuture<>(callbacks);
        CompletableFuture<Integer> recovered = f.exceptionally(e -> {
            record();
            return -1;
        });
        CompletableFuture<Integer> composed = f.exceptionallyCompose(e -> {
            record();
            return CompletableFuture.completedFuture(-2);
        });
        Thread loop = new Thread(() -> f.completeExceptionally(new IllegalStateException("boom")), "loop");
        loop.start();
        loop.join();
        assertThat(recovered.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
        assertThat(composed.get(5, TimeUnit.SECONDS)).isEqualTo(-2);
        assertThat(ranOn).containsExactly("callbacks", "callbacks");
    }

    @Test
    void aBlockedCallerIsWokenByTheCompletingThreadItself() throws Exception {
        UserFuture<Integer> f = new UserFuture<>(callbacks);
        callbacks.execute(() -> {
            try {
                Thread.sleep(60_000); // the callback executor is stuck: join must not need it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        new Thread(() -> f.complete(42), "loop").start();
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(42);
        callbacks.shutdownNow();
    }
}
