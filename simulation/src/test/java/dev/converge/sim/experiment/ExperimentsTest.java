package dev.converge.sim.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.sim.Topology;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Short versions of the protocol experiments, checking what the literature says must hold: on a
 * tree BP+RR transmits exactly the lower bound, in the Enes mesh about 3.3 times it, and the real
 * engine converges on every topology. The full runs are {@code ./converge sim experiment all}.
 */
class ExperimentsTest {

    private static final int EVENTS = 10;

    @Test
    void onATreeBpPlusRrAndTheEngineSendEachUpdateOverEachLinkOnce() {
        Map<String, Experiments.Row[]> rows = Experiments.enesTable(Workload.GSET, EVENTS, 1_000);
        Experiments.Row[] bpRr = rows.get("delta+BP+RR");
        Experiments.Row[] state = rows.get("state-based");
        Experiments.Row[] engine = rows.get("Converge (no digest backstop)");
        assertThat(bpRr[0].elements()).isEqualTo(bpRr[0].lowerBoundElements());
        assertThat(engine[0].elements()).isEqualTo(engine[0].lowerBoundElements());
        assertThat(engine[0].periods()).isPositive();
        assertThat(state[0].elements()).isGreaterThan(bpRr[0].elements());
        double meshFactor = (double) bpRr[1].elements() / bpRr[1].lowerBoundElements();
        assertThat(meshFactor).as("delta+BP+RR in the Enes mesh, x lower bound").isBetween(3.0, 3.5);
        assertThat(rows.get("delta+BP")[1].elements()).as("BP alone does not help in a mesh").isGreaterThan(bpRr[1].elements() * 5);
    }

    @Test
    void inACompleteGraphTheEngineSuppressesWhatPeersGetFirstHand() {
        Map<String, Experiments.Row[]> rows = Experiments.table(Workload.GSET, EVENTS, 1_000, Topology.full(8));
        Experiments.Row bpRr = rows.get("delta+BP+RR")[0];
        Experiments.Row engine = rows.get("Converge (no digest backstop)")[0];
        assertThat(engine.elements()).isLessThan(bpRr.elements() / 2);
        assertThat(engine.periods()).isNotNegative();
    }

    @Test
    void afterAPartitionTheHalvesConvergeWithinTheDiameterPlusTwo() {
        for (Experiments.Heal h : Experiments.partitionTable(true)) {
            assertThat(h.converged()).as(h.toString()).isTrue();
            assertThat(h.periods()).as(h.toString()).isLessThanOrEqualTo(h.diameter() + 2);
            assertThat(h.trueDifferenceBytes()).isPositive();
            assertThat(h.payloadBytes()).as("the repair carries at least the difference").isGreaterThanOrEqualTo(h.trueDifferenceBytes() / 2);
        }
    }

    @Test
    void theCommandPrintsTablesAndRefusesUnknownExperiments() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertThat(Experiments.main(new String[] {"nonsense"}, out)).isEqualTo(2);
        assertThat(Experiments.main(new String[] {"scale", "--quick"}, out)).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("| random, degree = fan-out | 100 |");
    }
}
