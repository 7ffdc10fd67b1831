package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The regression scenarios (minimal traces the shrinker produced) in src/test/resources/regressions:
 * a fixed bug must stay fixed; a known engine issue must still reproduce without its mitigation
 * and pass with it. When the engine fixes a known issue, its test here fails with that news: move
 * the scenario to "fixed-" and delete the issue from {@link KnownIssue}.
 */
class KnownIssuesTest {

    static Scenario load(String name) {
        try (InputStream in = KnownIssuesTest.class.getResourceAsStream("/regressions/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no regression scenario " + name);
            }
            return Scenario.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theLostFirstBatchGapStaysFixed() {
        SimResult r = Simulation.run(load("fixed-lost-first-batch-left-a-gap.scenario"));
        assertThat(r.passed()).as(r.summary()).isTrue();
    }

    @Test
    void aPowerLossOfABufferedLogReissuesADotAndLosesAnAcknowledgedWrite() {
        assertKnown("known-power-loss-reissued-dot-loses-acknowledged-write.scenario", KnownIssue.BUFFERED_POWER_LOSS_REISSUES_DOTS,
                SimResult.Status.SAFETY, "was issued for 2 writes");
    }

    @Test
    void aPowerLossOfABufferedLogLeavesTheWriterWithoutItsOwnWrite() {
        assertKnown("known-power-loss-writer-never-gets-its-write-back.scenario", KnownIssue.BUFFERED_POWER_LOSS_REISSUES_DOTS,
                SimResult.Status.LIVENESS, "no convergence");
    }

    @Test
    void aBackwardClockStepNoLongerStallsCatchUp() {
        SimResult r = Simulation.run(load("fixed-backward-clock-step-stalled-catch-up.scenario"));
        assertThat(r.passed()).as(r.summary()).isTrue();
    }

    @Test
    void aBackwardClockStepNoLongerStallsRetransmission() {
        SimResult r = Simulation.run(load("fixed-backward-clock-step-stalled-retransmission.scenario"));
        assertThat(r.passed()).as(r.summary()).isTrue();
    }

    private static void assertKnown(String file, KnownIssue issue, SimResult.Status status, String signature) {
        Scenario s = load(file);
        SimResult r = Simulation.run(s);
        assertThat(r.status()).as("%s still reproduces %s (if not, the engine fixed it: see the class comment)", file, issue)
                .isEqualTo(status);
        assertThat(r.violations()).anySatisfy(v -> assertThat(v.message()).contains(signature));
        SimResult mitigated = Simulation.run(s.withMitigations(EnumSet.of(issue.mitigation())));
        assertThat(mitigated.passed()).as("with %s: %s", issue.mitigation(), mitigated.summary()).isTrue();
        assertThat(KnownIssue.explain(s)).containsExactly(issue);
    }
}
