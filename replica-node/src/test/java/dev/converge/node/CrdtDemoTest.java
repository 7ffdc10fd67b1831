package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrdtDemoTest {

    private static String run(long seed) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean converged = new CrdtDemo(seed, new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
        assertThat(converged).isTrue();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theReplicasDivergeThenPrintEqualValues() {
        String out = run(42);
        String before = out.substring(out.indexOf("2. Before"), out.indexOf("3. Delivering"));
        String after = out.substring(out.indexOf("4. After"), out.indexOf("Converged"));
        List<String> rowsBefore = rows(before);
        List<String> rowsAfter = rows(after);
        assertThat(rowsBefore).hasSize(3).doesNotHaveDuplicates();
        assertThat(rowsAfter).hasSize(3).containsOnly(rowsAfter.get(0));
        assertThat(rowsAfter.get(0)).contains("7").contains("final").contains("{crdt, jvm, offline}").contains("logins=3").contains("city=\"Lyon\"");
        assertThat(out).contains("duplicates").contains("Converged: all three replicas hold byte-identical states");
    }

    /** The table rows without the replica name. */
    private static List<String> rows(String section) {
        return section.lines().filter(l -> l.matches("\\s+[ABC]\\s.*")).map(l -> l.trim().substring(1).trim()).toList();
    }

    @Test
    void everyDeliveryOrderConverges() {
        for (long seed = 0; seed < 50; seed++) {
            assertThat(run(seed)).contains("Converged");
        }
    }

    @Test
    void theCommandLineRunsTheDemoAndRejectsUnknownOptions() {
        assertThat(Main.run("crdt-demo", "--seed", "7")).isZero();
        assertThat(Main.run("crdt-demo", "--no-such-option")).isEqualTo(2);
    }
}
