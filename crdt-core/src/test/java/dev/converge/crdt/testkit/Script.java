package dev.converge.crdt.testkit;

import java.util.List;

/** A generated history: how many replicas (1..5) and the steps they take. */
public record Script(int replicas, List<Step> steps) {

    public Script {
        steps = List.copyOf(steps);
    }

    public <S extends dev.converge.crdt.Crdt<S>> History<S> run(TypeSpec<S> spec) {
        return History.run(spec, replicas, steps);
    }

    @Override
    public String toString() {
        return replicas + " replicas, steps " + steps;
    }
}
