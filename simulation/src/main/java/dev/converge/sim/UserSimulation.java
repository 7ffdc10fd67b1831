package dev.converge.sim;

import dev.converge.sim.check.Violation;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Property tests of your own use of Converge: runs a {@link UserWorkload} on seeded fault
 * schedules, from a test.
 *
 * <pre>{@code
 * UserSimulation.assertPasses(SimConfig.defaults().forUserWorkloads(), 1, 200, CartWorkload::new);
 * }</pre>
 *
 * A failing seed fails the test with its violations and its scenario shrunk to a minimal one,
 * as text that {@link #replay} runs again (with a readable event log, if asked).
 */
public final class UserSimulation {

    /** Runs a shrink at most this many times: a few seconds for the default configuration. */
    private static final int MAX_SHRINK_RUNS = 300;
    private static final int VIOLATIONS_SHOWN = 5;

    private UserSimulation() {
    }

    /**
     * Runs seeds {@code firstSeed..lastSeed} under {@code config}, each with a new workload from
     * {@code workloads}.
     *
     * @throws AssertionError at the first seed that fails, with its violations and its shrunk scenario
     * @throws IllegalArgumentException when {@code config} can lose acknowledged writes by design
     *     (see {@link SimConfig#forUserWorkloads()})
     */
    public static void assertPasses(SimConfig config, long firstSeed, long lastSeed, Supplier<? extends UserWorkload> workloads) {
        if (firstSeed > lastSeed) {
            throw new IllegalArgumentException("empty seed range " + firstSeed + ".." + lastSeed);
        }
        for (long seed = firstSeed; seed <= lastSeed; seed++) {
            Scenario scenario = Scenario.generate(config, seed);
            SimResult result = Simulation.run(scenario, workloads.get(), null);
            if (!result.passed()) {
                throw new AssertionError(describe(result, Shrinker.shrink(scenario, result.status(), MAX_SHRINK_RUNS, workloads)));
            }
        }
    }

    /** Runs the scenario of {@code seed} under {@code config} with {@code workload}. */
    public static SimResult run(SimConfig config, long seed, UserWorkload workload) {
        return Simulation.run(Scenario.generate(config, seed), workload, null);
    }

    /**
     * Runs a scenario as {@link #assertPasses} printed it (or {@link Scenario#format()} wrote it)
     * with {@code workload}, writing a readable event log to {@code trace} (null: none).
     *
     * @throws IllegalArgumentException when the scenario is malformed, or can lose acknowledged
     *     writes by design (another durability, a wipe: see {@link SimConfig#forUserWorkloads()})
     */
    public static SimResult replay(String scenario, UserWorkload workload, Consumer<String> trace) {
        return Simulation.run(Scenario.parse(scenario), workload, trace);
    }

    private static String describe(SimResult failed, Shrinker.Result shrunk) {
        StringBuilder b = new StringBuilder("seed ").append(failed.seed()).append(" failed (").append(failed.status()).append(")");
        if (!failed.crash().isEmpty()) {
            b.append(": ").append(failed.crash());
        }
        b.append('\n');
        int shown = 0;
        for (Violation v : failed.violations()) {
            if (shown++ == VIOLATIONS_SHOWN) {
                b.append("  and ").append(failed.violations().size() - VIOLATIONS_SHOWN).append(" more\n");
                break;
            }
            b.append("  ").append(v).append('\n');
        }
        Scenario minimal = shrunk.scenario();
        b.append("shrunk in ").append(shrunk.runs()).append(" runs to ").append(minimal.opCount()).append(" calls and ")
                .append(minimal.faultCount()).append(" faults, still ").append(shrunk.result().status());
        if (!shrunk.result().violations().isEmpty()) {
            b.append(": ").append(shrunk.result().violations().get(0));
        }
        b.append("\nreplay: UserSimulation.replay(scenario, workload, System.out::println) with this scenario (its operation lines "
                + "give each call's time, slot and number; their kind, key and field are the built-in workload's, unused here):\n");
        // The scenario's own replay comment names the command line, which runs the built-in workload.
        minimal.format().lines().filter(line -> !line.startsWith("# replay:")).forEach(line -> b.append(line).append('\n'));
        return b.toString();
    }
}
