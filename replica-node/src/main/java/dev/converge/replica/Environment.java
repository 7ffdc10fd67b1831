package dev.converge.replica;

import java.time.InstantSource;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * Everything the engine is handed instead of reaching for it: time, randomness, the loop it
 * runs on, and where user futures' dependent stages run and change events are delivered (never
 * on the loop itself, so a slow callback cannot stall replication).
 */
public record Environment(InstantSource clock, RandomGenerator random, EventLoop loop, Executor callbacks) {

    public Environment {
        if (clock == null || random == null || loop == null || callbacks == null) {
            throw new IllegalArgumentException("an environment needs a clock, randomness, a loop and a callback executor");
        }
    }
}
