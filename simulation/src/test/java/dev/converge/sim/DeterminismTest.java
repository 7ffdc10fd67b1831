package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A run is a pure function of its seed: the same seed gives the same trace hash, here and in another JVM. */
class DeterminismTest {

    private static final SimConfig CONFIG = SimConfig.defaults().withOps(200).withChaosMillis(10_000);

    @Test
    void theSameSeedGivesTheSameTraceHashAndDifferentSeedsDiffer() {
        Set<Long> hashes = new HashSet<>();
        for (long seed = 1; seed <= 6; seed++) {
            SimResult first = Simulation.run(CONFIG, seed);
            SimResult other = Simulation.run(CONFIG, seed + 1000);
            SimResult again = Simulation.run(CONFIG, seed);
            assertThat(again.traceHash()).as("seed %d", seed).isEqualTo(first.traceHash());
            assertThat(again.status()).isEqualTo(first.status());
            assertThat(again.stats()).isEqualTo(first.stats());
            assertThat(other.traceHash()).isNotEqualTo(first.traceHash());
            hashes.add(first.traceHash());
        }
        assertThat(hashes).hasSize(6);
    }

    @Test
    void aReadableTraceDoesNotChangeTheRun() {
        List<String> lines = new ArrayList<>();
        Scenario s = Scenario.generate(CONFIG, 17);
        SimResult traced = Simulation.run(s, lines::add);
        assertThat(traced.traceHash()).isEqualTo(Simulation.run(s).traceHash());
        assertThat(lines).hasSizeGreaterThan(100);
        assertThat(lines).anyMatch(l -> l.contains("submits op#"));
        assertThat(lines.get(lines.size() - 1)).contains("verdict");
    }

    @Test
    void aScenarioWrittenAndReadBackReplaysToTheSameHash() {
        Scenario s = Scenario.generate(CONFIG, 23);
        Scenario parsed = Scenario.parse(s.format());
        assertThat(parsed).isEqualTo(s);
        assertThat(Simulation.run(parsed).traceHash()).isEqualTo(Simulation.run(s).traceHash());
    }

    @Test
    void anotherJvmComputesTheSameHash() throws IOException, InterruptedException {
        long seed = 5;
        SimResult here = Simulation.run(CONFIG, seed);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SimMain.class.getName(), "--seed", Long.toString(seed), "--ops", "200",
                "--chaos-ms", "10000", "--no-shrink", "--out", "target/determinism-failures")
                .redirectErrorStream(true).start();
        String output = read(p.getInputStream());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        Matcher m = Pattern.compile("trace ([0-9a-f]{16})").matcher(output);
        if (here.passed()) {
            assertThat(m.find()).as(output).isTrue();
            assertThat(Long.parseUnsignedLong(m.group(1), 16)).as(output).isEqualTo(here.traceHash());
        } else {
            assertThat(output).contains("seed " + seed + " FAILED (" + here.status());
        }
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
