package dev.converge.sim;

import dev.converge.sim.check.History;
import dev.converge.sim.check.Violation;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How one run ended.
 *
 * @param violations what the oracle found (empty when the run passed)
 * @param crash when the simulator or the engine threw, the exception's description; else empty
 * @param traceHash the hash of every event: equal for two runs of one scenario
 * @param rounds gossip rounds from the heal to convergence, or -1 when it did not converge
 */
public record SimResult(long seed, Status status, List<Violation> violations, String crash, long traceHash, int rounds,
                        Stats stats) {

    /** The verdict, with the exit code the CLI reports for it. */
    public enum Status {
        OK(0),
        SAFETY(1),
        LIVENESS(3),
        CRASH(4);

        private final int exitCode;

        Status(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }

        /** The more serious of two verdicts: safety, then crash, then liveness. */
        public Status worse(Status other) {
            return rank(other) > rank(this) ? other : this;
        }

        private static int rank(Status s) {
            return switch (s) {
                case OK -> 0;
                case LIVENESS -> 1;
                case CRASH -> 2;
                case SAFETY -> 3;
            };
        }
    }

    /**
     * What a run did.
     *
     * @param faults faults injected, by kind (crashes counted when they hit a running process)
     * @param outcomes client operations by outcome
     * @param typeConflicts keys the live replicas hold as several types at the end (written so by
     *     {@link OpKind#CROSS_TYPE_ADD})
     */
    public record Stats(Map<FaultKind, Integer> faults, Map<History.Outcome, Long> outcomes, long messages, long bytes,
                        long virtualMillis, long events, String swarm, int typeConflicts) {

        public Stats {
            EnumMap<FaultKind, Integer> f = new EnumMap<>(FaultKind.class);
            f.putAll(faults);
            faults = Collections.unmodifiableMap(f);
            EnumMap<History.Outcome, Long> o = new EnumMap<>(History.Outcome.class);
            o.putAll(outcomes);
            outcomes = Collections.unmodifiableMap(o);
        }
    }

    public SimResult {
        violations = List.copyOf(violations);
    }

    public boolean passed() {
        return status == Status.OK;
    }

    /** The first line of what went wrong, or "ok". */
    public String summary() {
        if (!crash.isEmpty()) {
            return "crash: " + crash.lines().findFirst().orElse(crash);
        }
        return violations.isEmpty() ? "ok" : violations.get(0).toString();
    }
}
