package dev.converge.sim;

import dev.converge.sim.check.Oracle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shrinks a failing scenario to a small one that fails the same way (same verdict). In order:
 * the calmest network that still fails; only the operations on the documents the failure names;
 * each fault alone; then delta debugging over everything left (Zeller's ddmin: remove halves,
 * quarters, down to single actions while the failure reproduces). Each attempt is a full
 * deterministic run, so the result replays exactly.
 */
public final class Shrinker {

    /** The smallest failing scenario found, its result and the runs it took. */
    public record Result(Scenario scenario, SimResult result, int runs) {
    }

    private static final Pattern KEY = Pattern.compile("'([crmsfhg][0-9]+)'|\\b([crmsfhg][0-9]+)[.=]");

    /** Liveness checks that have nothing to do with each other: a shrink keeps to the one that failed. */
    private static final List<String> LIVENESS_CHECKS = List.of(Oracle.NOT_CONVERGED, "was never answered", "metadata:");

    private final SimResult.Status status;
    private final int maxRuns;
    /** One full run of a candidate: the built-in workload, or a fresh instance of a user's. */
    private final Function<Scenario, SimResult> runner;
    private final boolean userWorkload;
    private Scenario best;
    private SimResult bestResult;
    private int runs;
    /** For a liveness failure, which check failed first (null: any). */
    private String check;

    private Shrinker(Scenario failing, SimResult.Status status, int maxRuns, Function<Scenario, SimResult> runner,
                     boolean userWorkload) {
        this.userWorkload = userWorkload;
        this.best = failing;
        this.status = status;
        this.maxRuns = maxRuns;
        this.runner = runner;
    }

    /** Shrinks {@code failing}, which fails with {@code status}, in at most {@code maxRuns} runs. */
    public static Result shrink(Scenario failing, SimResult.Status status, int maxRuns) {
        return shrinkWith(failing, status, maxRuns, Simulation::run, false);
    }

    /** Shrinks {@code failing}, which fails with {@code status} under a new workload from {@code workloads} each run. */
    static Result shrink(Scenario failing, SimResult.Status status, int maxRuns, Supplier<? extends UserWorkload> workloads) {
        return shrinkWith(failing, status, maxRuns, scenario -> Simulation.run(scenario, workloads.get(), null), true);
    }

    private static Result shrinkWith(Scenario failing, SimResult.Status status, int maxRuns, Function<Scenario, SimResult> runner,
                                     boolean userWorkload) {
        Shrinker s = new Shrinker(failing, status, maxRuns, runner, userWorkload);
        s.run();
        if (s.bestResult == null) {
            s.bestResult = runner.apply(s.best);
            s.runs++;
        }
        return new Result(s.best, s.bestResult, s.runs);
    }

    private void run() {
        if (status == SimResult.Status.LIVENESS) {
            bestResult = runner.apply(best);
            runs++;
            check = livenessCheck(bestResult);
        }
        attempt(best.with(best.swarm().calmer(), best.actions()));
        // The built-in workload's keys: a user workload's operations write keys of its own.
        Set<String> keys = userWorkload ? Set.of() : keysNamed();
        if (!keys.isEmpty()) {
            attemptKeeping(a -> !(a instanceof Action.Op op) || keys.contains(op.key())
                    || Scenario.otherKeys(op).stream().anyMatch(keys::contains));
        }
        List<Action> faults = best.actions().stream().filter(a -> a instanceof Action.Fault).toList();
        for (Action f : faults) {
            attemptKeeping(a -> a != f);
        }
        ddmin();
    }

    /** Which liveness check the result's first violation comes from, or null. */
    private static String livenessCheck(SimResult r) {
        if (r.violations().isEmpty()) {
            return null;
        }
        String message = r.violations().get(0).message();
        return LIVENESS_CHECKS.stream().filter(message::contains).findFirst().orElse(null);
    }

    /** The documents the best result's first violation names. */
    private Set<String> keysNamed() {
        SimResult r = bestResult != null ? bestResult : runner.apply(best);
        if (bestResult == null) {
            runs++;
            bestResult = r;
        }
        Set<String> keys = new HashSet<>();
        if (!r.violations().isEmpty()) {
            Matcher m = KEY.matcher(r.violations().get(0).message());
            while (m.find()) {
                keys.add(m.group(1) != null ? m.group(1) : m.group(2));
            }
        }
        return keys;
    }

    private void attemptKeeping(Predicate<Action> keep) {
        List<Action> kept = best.actions().stream().filter(keep).toList();
        if (kept.size() < best.actions().size()) {
            attempt(best.with(best.swarm(), kept));
        }
    }

    private boolean attempt(Scenario candidate) {
        if (runs >= maxRuns || candidate.equals(best)) {
            return false;
        }
        SimResult r = runner.apply(candidate);
        runs++;
        if (r.status() == status && (check == null || check.equals(livenessCheck(r)))) {
            best = candidate;
            bestResult = r;
            return true;
        }
        return false;
    }

    private void ddmin() {
        int chunk = Math.max(1, best.actions().size() / 2);
        while (runs < maxRuns && !best.actions().isEmpty()) {
            boolean removed = false;
            for (int start = 0; start < best.actions().size() && runs < maxRuns; ) {
                List<Action> candidate = new ArrayList<>(best.actions().subList(0, start));
                candidate.addAll(best.actions().subList(Math.min(best.actions().size(), start + chunk), best.actions().size()));
                if (attempt(best.with(best.swarm(), candidate))) {
                    removed = true;
                } else {
                    start += chunk;
                }
            }
            if (!removed) {
                if (chunk == 1) {
                    break;
                }
                chunk = Math.max(1, chunk / 2);
            }
        }
    }
}
