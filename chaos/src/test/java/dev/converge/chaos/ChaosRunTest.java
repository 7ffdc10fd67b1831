package dev.converge.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CI chaos run: three real nodes, one 45-second round of every fault kind under load, heal,
 * convergence, final reads, every checker. Runs {@code converge chaos} as a separate process,
 * exactly as the launcher does (in a private network namespace when the machine allows), with a
 * fixed seed; everything it writes stays under {@code target/chaos-ci}.
 */
class ChaosRunTest {

    /** The CI seed. Any seed must pass; this one is fixed so a failure replays the same faults. */
    static final long SEED = 20_251_122;

    private static final Pattern CHECKER = Pattern.compile("\\{\"checker\":\"([^\"]+)\",\"result\":\"(PASS|FAIL)\"");

    @Test
    void threeNodesUnderEveryFaultKindPassEveryChecker() throws IOException, InterruptedException {
        Path dir = Path.of("target", "chaos-ci").toAbsolutePath();
        Files.createDirectories(dir);
        Path output = dir.resolve("output.txt");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), ChaosMain.class.getName(),
                "--nodes", "3", "--duration", "45s", "--seed", Long.toString(SEED), "--quiet", "3s", "--dir", dir.toString()));
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        boolean done = p.waitFor(240, TimeUnit.SECONDS);
        if (!done) {
            // SIGKILL reaches stopped nodes too; nothing of the run survives the test.
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        String out = Files.readString(output, StandardCharsets.UTF_8);
        System.out.println(out);
        System.out.println("chaos CI run: " + seconds + " s");
        assertThat(done).as("the run finished within 240 s; output:%n%s", out).isTrue();
        assertThat(p.exitValue()).as("exit code; output:%n%s", out).isZero();

        String summary = Files.readString(dir.resolve("seed-" + SEED).resolve("summary.json"), StandardCharsets.UTF_8);
        assertThat(summary).contains("\"result\":\"PASS\"");
        List<String> passed = new ArrayList<>();
        Matcher m = CHECKER.matcher(summary);
        while (m.find()) {
            assertThat(m.group(2)).as("checker %s", m.group(1)).isEqualTo("PASS");
            passed.add(m.group(1));
        }
        assertThat(passed).containsExactly("set", "counter", "register", "convergence", "durability", "liveness", "nodes", "non-vacuity");
        // Non-vacuity passed: every fault kind had an effect and enough operations succeeded. Say so plainly too.
        assertThat(summary).contains("\"fault kinds injected\":\"12/12\"");
    }
}
