package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The regression scenarios in src/test/resources/regressions: minimal scenarios the shrinker
 * produced for defects the simulator found, each described in its header comment: "fixed-" for
 * the engine's and the store's, "oracle-" for false alarms of the simulator's own judgement.
 * Every one must pass: a fixed defect stays fixed.
 */
class RegressionScenariosTest {

    static Scenario load(String name) {
        try (InputStream in = RegressionScenariosTest.class.getResourceAsStream("/regressions/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no regression scenario " + name);
            }
            return Scenario.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every scenario file in the directory, by name: listed from the sources (the test runs in the
     * module's directory), so a file renamed or deleted there is not still found among stale
     * copies in the build output; from the classpath if the sources are not at hand.
     */
    static List<String> scenarios() {
        Path dir = Path.of("src", "test", "resources", "regressions");
        try {
            if (!Files.isDirectory(dir)) {
                URL url = RegressionScenariosTest.class.getResource("/regressions");
                if (url == null) {
                    throw new IllegalStateException("no regressions directory on the test classpath");
                }
                dir = Path.of(url.toURI());
            }
            try (Stream<Path> files = Files.list(dir)) {
                return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".scenario")).sorted().toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void passes(String file) {
        SimResult r = Simulation.run(load(file));
        assertThat(r.passed()).as("%s: %s %s", file, r.status(), r.summary()).isTrue();
    }

    @Test
    void everyRegressionScenarioIsAFixedDefectWithItsStory() {
        List<String> names = scenarios();
        assertThat(names).hasSizeGreaterThanOrEqualTo(6).allMatch(n -> n.startsWith("fixed-") || n.startsWith("oracle-"));
        for (String name : names) {
            try (InputStream in = RegressionScenariosTest.class.getResourceAsStream("/regressions/" + name)) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertThat(text).as(name).contains("# Found by the simulator").contains("Must pass.");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The store's recovery rule: only a power loss of a buffered log changes the id; each variant still passes. */
    @Test
    void aBufferedPowerLossComesBackUnderANewIdAndAProcessCrashOrASyncedLogDoesNot() {
        Scenario lostDot = load("fixed-power-loss-reissued-dot-lost-an-acknowledged-write.scenario");
        assertThat(lostDot.swarm().durability()).isEqualTo(SimStore.Durability.BUFFERED);
        assertThat(reidentifications(lostDot)).isEqualTo(1);
        assertThat(reidentifications(withFault(lostDot, FaultKind.POWER_LOSS, FaultKind.PROCESS_CRASH))).isZero();
        Map<String, String> swarm = new LinkedHashMap<>(lostDot.swarm().toMap());
        swarm.put("durability", SimStore.Durability.SYNC.name());
        Scenario synced = new Scenario(lostDot.seed(), lostDot.config(), Swarm.fromMap(swarm), lostDot.actions());
        assertThat(reidentifications(synced)).isZero();
    }

    private static long reidentifications(Scenario s) {
        List<String> lines = new ArrayList<>();
        SimResult r = Simulation.run(s, lines::add);
        assertThat(r.passed()).as(r.summary()).isTrue();
        return lines.stream().filter(l -> l.contains("by the store's recovery rule")).count();
    }

    private static Scenario withFault(Scenario s, FaultKind from, FaultKind to) {
        List<Action> actions = s.actions().stream()
                .map(a -> a instanceof Action.Fault f && f.kind() == from
                        ? new Action.Fault(f.at(), to, f.a(), f.b(), f.mask(), f.millis(), f.amount()) : a)
                .toList();
        return new Scenario(s.seed(), s.config(), s.swarm(), actions);
    }
}
