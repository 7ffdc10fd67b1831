package dev.converge.node;

import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling waits for what real processes make true eventually. */
final class Eventually {

    private Eventually() {
    }

    static void until(String what, BooleanSupplier condition) {
        until(what, condition, Duration.ofSeconds(20));
    }

    static void until(String what, BooleanSupplier condition, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            sleep(10);
        }
    }

    /** Waits until {@code actual} equals {@code expected}; the failure shows the last value seen. */
    static <T> void equal(String what, Supplier<T> actual, T expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        T last;
        while (!Objects.equals(last = actual.get(), expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": expected " + expected + " but was " + last);
            }
            sleep(10);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
