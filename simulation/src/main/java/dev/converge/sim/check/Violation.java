package dev.converge.sim.check;

/** Something a run did that the system must never do (safety) or failed to do in time (liveness). */
public record Violation(Kind kind, String message) {

    public enum Kind {
        /** Data lost, invented, resurrected, or replicas that disagree after converging. */
        SAFETY,
        /** No convergence within the round bound, or an operation never answered. */
        LIVENESS
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
