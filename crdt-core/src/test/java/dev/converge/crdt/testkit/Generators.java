package dev.converge.crdt.testkit;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.converge.crdt.Crdt;
import java.util.List;
import org.quicktheories.core.Gen;

/**
 * QuickTheories generators for every CRDT type. Values are never made up field by field: they
 * come from random operation histories on 1–5 replicas, so every generated state and delta is
 * one a real system can reach, and a failing case shrinks to a short history.
 */
public final class Generators {

    /** Steps per generated history. */
    public static final int MAX_STEPS = 40;

    private Generators() {
    }

    public static Gen<Step> steps() {
        return integers().between(0, 4).zip(integers().between(0, 9), integers().between(0, 30), integers().between(0, 30), Step::new);
    }

    /** Histories of up to {@link #MAX_STEPS} steps on 1–5 replicas. */
    public static Gen<Script> scripts() {
        return integers().between(1, 5).zip(lists().of(steps()).ofSizeBetween(0, MAX_STEPS), Script::new)
                .describedAs(Script::toString);
    }

    /** Histories on 2–5 replicas, for convergence. */
    public static Gen<Script> multiReplicaScripts() {
        return integers().between(2, 5).zip(lists().of(steps()).ofSizeBetween(1, MAX_STEPS), Script::new)
                .describedAs(Script::toString);
    }

    /** The final state of one replica of a random history of {@code spec}'s type. */
    public static <S extends Crdt<S>> Gen<S> states(TypeSpec<S> spec) {
        return scripts().zip(integers().between(0, 4), (script, replica) -> {
            List<History.Tracked<S>> states = script.run(spec).current();
            return states.get(replica % states.size()).value();
        });
    }

    /** A random state or delta of a random history of {@code spec}'s type. */
    public static <S extends Crdt<S>> Gen<S> values(TypeSpec<S> spec) {
        return scripts().zip(integers().allPositive(), (script, index) -> script.run(spec).pick(index));
    }
}
