package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A failing scenario shrinks to a small one that fails the same way and replays from its file. */
class ShrinkerTest {

    @Test
    void aFailureShrinksToAFewActionsThatStillFailTheSameWay() {
        SimConfig config = SimConfig.defaults().withOps(200).withChaosMillis(10_000).withVariant(Variant.BP_DROPS_FORWARDED);
        Scenario failing = null;
        SimResult result = null;
        for (long seed = 1; failing == null; seed++) {
            Scenario s = Scenario.generate(config, seed);
            SimResult r = Simulation.run(s);
            if (!r.passed()) {
                failing = s;
                result = r;
            }
        }
        // The CLI's budget: the first failing seed (6 since the cross-type operation joined the mix) needs more than 150.
        Shrinker.Result shrunk = Shrinker.shrink(failing, result.status(), 400);
        assertThat(shrunk.result().status()).isEqualTo(result.status());
        if (result.violations().get(0).message().startsWith(dev.converge.sim.check.Oracle.NOT_CONVERGED)) {
            assertThat(shrunk.result().violations().get(0).message()).as("the same liveness check still fails")
                    .startsWith(dev.converge.sim.check.Oracle.NOT_CONVERGED);
        }
        assertThat(shrunk.scenario().actions().size()).isLessThan(failing.actions().size() / 4);
        assertThat(shrunk.runs()).isLessThanOrEqualTo(400);
        Scenario replayed = Scenario.parse(shrunk.scenario().format());
        assertThat(Simulation.run(replayed).traceHash()).isEqualTo(shrunk.result().traceHash());
        System.out.printf("shrunk %d -> %d actions in %d runs: %s%n", failing.actions().size(), shrunk.scenario().actions().size(),
                shrunk.runs(), shrunk.result().summary());
    }
}
