package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes, the progress summary, the replay command and files of a failure. */
class SimMainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return SimMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badOptionsExitWithTheUsageCode() {
        assertThat(run("--bogus", "1")).isEqualTo(SimMain.USAGE);
        assertThat(run("--seeds", "9..3")).isEqualTo(SimMain.USAGE);
        assertThat(run("--faults", "meteor")).isEqualTo(SimMain.USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --bogus").contains("exit codes");
        assertThat(run("--help")).isEqualTo(SimMain.OK);
    }

    @Test
    void aPassingRangePrintsTheSummary() {
        assertThat(run("--seeds", "1..3", "--ops", "100", "--chaos-ms", "5000")).isEqualTo(SimMain.OK);
        assertThat(out()).contains("seeds run: 3").contains("faults injected").contains("operations: 300")
                .contains("convergence after heal (gossip rounds): p50");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("3/3 seeds");
    }

    @Test
    void aFailureGetsItsReplayCommandTraceAndShrunkScenario() throws IOException {
        int code = run("--seeds", "1..50", "--ops", "200", "--chaos-ms", "10000", "--variant", "store-loses-acked-write", "--out",
                dir.toString());
        assertThat(code).isIn(SimMain.SAFETY, SimMain.LIVENESS);
        assertThat(out()).contains("FAILED").contains("replay: ./converge sim --seed ").contains("--variant store-loses-acked-write")
                .contains("shrunk in").contains("minimal: ./converge sim --replay ");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.endsWith(".trace")).anyMatch(n -> n.endsWith(".min.scenario"));
        }
        Path minimal;
        try (Stream<Path> files = Files.list(dir)) {
            minimal = files.filter(p -> p.toString().endsWith(".min.scenario")).findFirst().orElseThrow();
        }
        out.reset();
        assertThat(run("--replay", minimal.toString(), "--trace")).isEqualTo(code);
        assertThat(out()).contains("verdict").contains("replayed");
    }

    @Test
    void oneSeedReplaysWithAReadableTrace() {
        assertThat(run("--seed", "4", "--ops", "50", "--chaos-ms", "5000", "--trace")).isEqualTo(SimMain.OK);
        assertThat(out()).contains("n0 starts as").contains("submits op#").contains("heal:").contains("verdict OK");
    }
}
