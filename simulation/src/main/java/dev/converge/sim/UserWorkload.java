package dev.converge.sim;

import dev.converge.replica.Replica;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;

/**
 * Your own use of Converge, run by the simulator in place of its built-in workload: the same
 * seeded faults (partitions, loss, duplication, reordering, clogged links, resets, process
 * crashes, power loss, clock skew and jumps), the same heal, and the same convergence check
 * (every live replica holds byte-identical states within the round bound), then your
 * {@link #check} of the final state against what your operations were told.
 *
 * <p>The simulator calls {@link #operate} at each of the scenario's operation times on the
 * replica of the operation's slot, if that replica is up. Keep nothing of a {@link Replica}
 * between calls: a crashed replica restarts as a new object. Draw only from the generator given:
 * a run is then a pure function of its seed, replays exactly, and shrinks (each call's generator
 * is seeded by the run's seed and the call's number, so removing other calls leaves its draws as
 * they were). Never block on a stage ({@code join}, {@code get}): the simulator runs every
 * replica on the calling thread in virtual time, so nothing completes while a call waits; return
 * the stage instead. A new instance runs each seed ({@link UserSimulation} takes a supplier).
 *
 * <p>The configuration must keep acknowledged writes durable ({@link SimConfig#forUserWorkloads}):
 * synchronous durability, and no wipes (a wiped replica loses the writes only it held, by design).
 */
public interface UserWorkload {

    /**
     * One client call on {@code replica}: any reads and writes, returning the stage that completes
     * when the call is done (a write's durability), or null when it is done on return. A call that
     * throws, or whose stage fails, is {@link Status#FAILED}; one that throws an
     * {@link AssertionError} (a test's assertion) also fails the run as a safety violation.
     *
     * @param call the call's number, unique in the run (increasing with virtual time)
     * @param random this call's own generator
     */
    CompletionStage<?> operate(Replica replica, int call, RandomGenerator random);

    /**
     * After convergence: what is wrong with the final state, which {@code replica} reads as every
     * live replica holds it, given how each call ended ({@code calls}, in call order). Empty when
     * nothing is; each entry fails the run as a safety violation.
     */
    List<String> check(Replica replica, List<Call> calls);

    /** How a call ended. */
    enum Status {
        /** Its stage completed: for writes, durable on the replica that took it. */
        ACKNOWLEDGED,
        /**
         * It threw, its stage failed, or its replica was down. A refused single write (or
         * multi-key write, which is all or nothing) had no effect; a call that wrote and then
         * threw, or whose later write failed, may have left its earlier writes.
         */
        FAILED,
        /**
         * Its replica crashed before answering, or never answered (which is also a liveness
         * violation): it may or may not have taken effect.
         */
        UNKNOWN
    }

    /**
     * One call and its end.
     *
     * @param call the number {@link #operate} was given
     * @param slot the replica slot that took it
     * @param status how it ended
     * @param result what its stage completed with (null unless acknowledged)
     * @param failure why it failed (null unless failed)
     */
    record Call(int call, int slot, Status status, Object result, String failure) {
    }
}
