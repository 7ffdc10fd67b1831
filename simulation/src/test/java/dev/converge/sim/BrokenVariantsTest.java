package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Proof the oracle has teeth: against deliberately broken variants of the engine (a join that
 * drops a dot, a BP that also drops non-echo deltas, a store that loses an acknowledged write)
 * the simulator finds a failing seed within a few hundred, while the real engine passes the same
 * seeds.
 */
class BrokenVariantsTest {

    private static final int MAX_SEEDS = 300;
    private static final SimConfig CONFIG = SimConfig.defaults();

    @Test
    void aJoinThatDropsADotIsCaught() {
        assertCaught(Variant.JOIN_DROPS_DOT, SimResult.Status.SAFETY, SimResult.Status.LIVENESS);
    }

    @Test
    void aBpThatDropsForwardedDeltasIsCaught() {
        assertCaught(Variant.BP_DROPS_FORWARDED, SimResult.Status.SAFETY, SimResult.Status.LIVENESS);
    }

    @Test
    void aStoreThatLosesAnAcknowledgedWriteIsCaught() {
        assertCaught(Variant.STORE_LOSES_ACKED_WRITE, SimResult.Status.SAFETY); // a lost acknowledged write is unsafe, never just slow
    }

    @Test
    void aMultiKeyWriteThatDropsAKeyIsCaught() {
        assertCaught(Variant.MULTI_KEY_WRITE_DROPS_A_KEY, SimResult.Status.SAFETY); // acknowledged, never written: unsafe
    }

    @Test
    void theRealEnginePassesTheSeedsThatCatchTheVariants() {
        for (long seed = 1; seed <= 5; seed++) {
            SimResult r = Simulation.run(CONFIG, seed);
            assertThat(r.passed()).as("seed %d: %s", seed, r.summary()).isTrue();
        }
    }

    private static void assertCaught(Variant variant, SimResult.Status... expected) {
        SimConfig config = CONFIG.withVariant(variant);
        for (long seed = 1; seed <= MAX_SEEDS; seed++) {
            SimResult r = Simulation.run(config, seed);
            if (!r.passed()) {
                System.out.printf("%s caught at seed %d (%s): %s%n", variant, seed, r.status(), r.summary());
                assertThat(r.status()).isIn((Object[]) expected);
                return;
            }
        }
        throw new AssertionError(variant + " was not caught within " + MAX_SEEDS + " seeds");
    }
}
