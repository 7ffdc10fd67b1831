package dev.converge.crdt.testkit;

/**
 * One step of a generated history: at replica {@code replica} (modulo the replica count), do
 * {@code action} with arguments {@code a} and {@code b}. Generated as plain integers so that
 * QuickTheories can shrink a failing history by dropping steps and shrinking numbers.
 */
public record Step(int replica, int action, int a, int b) {

    /** What a step does, by {@code action} modulo 10. */
    public enum Kind {
        MUTATE, DELIVER_DELTA, MERGE_STATE, GROUP_DELTAS;

        static Kind of(int action) {
            int k = Math.floorMod(action, 10);
            return k < 6 ? MUTATE : k < 8 ? DELIVER_DELTA : k == 8 ? MERGE_STATE : GROUP_DELTAS;
        }
    }

    public Kind kind() {
        return Kind.of(action);
    }
}
