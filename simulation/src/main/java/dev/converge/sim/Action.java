package dev.converge.sim;

/** One scheduled step of a scenario: a client operation or a fault, at a time into the chaos phase. */
public sealed interface Action permits Action.Op, Action.Fault {

    /** Milliseconds after the start of the run. */
    long at();

    /**
     * A client operation on replica slot {@code slot}.
     *
     * @param id unique in the scenario; also makes written values unique ({@code v<id>}, {@code e<id>})
     * @param field the map field, or "-" when the kind has none
     * @param arg the amount to add, or for a removal a selector among the elements seen
     */
    record Op(long at, int id, int slot, OpKind kind, String key, String field, long arg) implements Action {
    }

    /**
     * A fault. Its parameters by kind: partitions {@code a} (the isolated or bridge node) and
     * {@code mask} (bit i set: slot i on side A); clogs and resets {@code a → b}; crashes {@code a}
     * for {@code millis}; clock faults {@code a} by {@code amount} ms.
     */
    record Fault(long at, FaultKind kind, int a, int b, long mask, long millis, long amount) implements Action {
    }
}
