package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One root seed decides everything; the swarm parameters themselves vary from seed to seed. */
class ScenarioTest {

    @Test
    void aSeedAlwaysGeneratesTheSameScenario() {
        for (long seed = 0; seed < 20; seed++) {
            assertThat(Scenario.generate(SimConfig.defaults(), seed)).isEqualTo(Scenario.generate(SimConfig.defaults(), seed));
        }
    }

    @Test
    void seedsDrawDifferentMixesOfFaultsTopologiesAndDurability() {
        Set<Topology.Kind> topologies = EnumSet.noneOf(Topology.Kind.class);
        Set<SimStore.Durability> modes = EnumSet.noneOf(SimStore.Durability.class);
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        Set<Set<FaultKind>> mixes = new HashSet<>();
        for (long seed = 0; seed < 100; seed++) {
            Scenario s = Scenario.generate(SimConfig.defaults(), seed);
            topologies.add(s.swarm().topology());
            modes.add(s.swarm().durability());
            Set<FaultKind> mix = EnumSet.noneOf(FaultKind.class);
            for (Action a : s.actions()) {
                if (a instanceof Action.Fault f) {
                    mix.add(f.kind());
                }
            }
            if (s.swarm().loss() > 0) {
                mix.add(FaultKind.LOSS);
            }
            if (s.swarm().duplicate() > 0) {
                mix.add(FaultKind.DUPLICATION);
            }
            if (s.swarm().reorder() > 0) {
                mix.add(FaultKind.REORDER);
            }
            kinds.addAll(mix);
            mixes.add(mix);
        }
        assertThat(topologies).containsExactlyInAnyOrder(Topology.Kind.values());
        assertThat(modes).containsExactlyInAnyOrder(SimStore.Durability.values());
        assertThat(kinds).containsExactlyInAnyOrder(FaultKind.values());
        assertThat(mixes).as("distinct fault mixes in 100 seeds").hasSizeGreaterThan(80);
    }

    @Test
    void multiKeyCallsNameDistinctOtherKeysOfTheirKindAndSurviveTheTextForm() {
        int withOthers = 0;
        for (long seed = 0; seed < 20; seed++) {
            Scenario s = Scenario.generate(SimConfig.defaults(), seed);
            for (Action a : s.actions()) {
                if (a instanceof Action.Op op && !Scenario.otherKeys(op).isEmpty()) {
                    withOthers++;
                    assertThat(op.kind().multiKey()).as("%s", op).isTrue();
                    assertThat(op.id() % 2).as("only odd ids make multi-key calls: %s", op).isEqualTo(1);
                    List<String> others = Scenario.otherKeys(op);
                    assertThat(others).doesNotHaveDuplicates().doesNotContain(op.key()).hasSizeLessThanOrEqualTo(3);
                    if (op.kind() == OpKind.REGISTER_SET) {
                        assertThat(others).allMatch(k -> k.startsWith("r"));
                    }
                }
            }
            assertThat(Scenario.parse(s.format())).isEqualTo(s);
        }
        assertThat(withOthers).as("multi-key calls with other keys in 20 seeds").isGreaterThan(100);
    }

    @Test
    void aMultiKeyOperationThatNamesAKeyTwiceIsRefused() {
        String text = Scenario.generate(SimConfig.defaults(), 1).format();
        assertThatThrownBy(() -> Scenario.parse(text + "op 100 999 0 REGISTER_SET r1 r2,r1 0\n"))
                .hasMessageContaining("names a key twice");
        assertThatThrownBy(() -> Scenario.parse(text + "op 100 999 0 DELETE c1 s2,s2 0\n"))
                .hasMessageContaining("names a key twice");
    }

    @Test
    void partitionsDoNotOverlapAndLastAtLeastTheMinimum() {
        for (long seed = 0; seed < 50; seed++) {
            long end = -1;
            for (Action a : Scenario.generate(SimConfig.defaults(), seed).actions()) {
                if (a instanceof Action.Fault f && FaultKind.PARTITIONS.contains(f.kind())) {
                    assertThat(f.millis()).isGreaterThanOrEqualTo(Simulation.MIN_PARTITION_MILLIS);
                    assertThat(f.at()).isGreaterThan(end);
                    end = f.at() + f.millis();
                }
            }
        }
    }

    @Test
    void operationsAreAsManyAsConfiguredAndUniquelyNumbered() {
        Scenario s = Scenario.generate(SimConfig.defaults().withOps(321), 4);
        List<Integer> ids = new ArrayList<>();
        for (Action a : s.actions()) {
            if (a instanceof Action.Op op) {
                ids.add(op.id());
                assertThat(op.key().charAt(0)).isEqualTo(OpKind.prefix(OpKind.typeOfKey(op.key())).charAt(0));
            }
        }
        assertThat(ids).hasSize(321).doesNotHaveDuplicates();
    }

    @Test
    void theFaultKindsCanBeRestricted() {
        SimConfig onlyCrashes = SimConfig.defaults().withFaults(FaultKind.CRASHES);
        for (long seed = 0; seed < 20; seed++) {
            Scenario s = Scenario.generate(onlyCrashes, seed);
            assertThat(s.swarm().loss()).isZero();
            assertThat(s.actions()).allMatch(a -> !(a instanceof Action.Fault f) || FaultKind.CRASHES.contains(f.kind()));
        }
        assertThat(FaultKind.parseList("loss,power-loss")).containsExactlyInAnyOrder(FaultKind.LOSS, FaultKind.POWER_LOSS);
        assertThatThrownBy(() -> FaultKind.parseList("meteor")).hasMessageContaining("unknown fault kind 'meteor'");
    }

    @Test
    void aMalformedScenarioFileIsRefusedWithTheLine() {
        String text = Scenario.generate(SimConfig.defaults().withOps(3), 1).format() + "op 1 2 three SET_ADD s0 - 0\n";
        assertThatThrownBy(() -> Scenario.parse(text)).hasMessageContaining("scenario line").hasMessageContaining("three");
        assertThatThrownBy(() -> Scenario.parse("hello")).hasMessageContaining("not a scenario file");
    }
}
