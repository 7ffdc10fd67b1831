package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code converge demo}, run as the README's first command runs it: real node processes, a partition, a heal. */
class DemoTest {

    @Test
    void theDemoPartitionsHealsConvergesAndLeavesNothingBehind() throws Exception {
        List<Path> before = demoDirs();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long start = System.nanoTime();
        boolean converged = new ClusterDemo(new PrintStream(bytes, true, StandardCharsets.UTF_8), Optional.empty()).run();
        long seconds = (System.nanoTime() - start) / 1_000_000_000;
        String out = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertThat(converged).as(out).isTrue();
        assertThat(seconds).as("the demo takes under a minute").isLessThan(60);

        // Before the partition every node shows node-1's writes.
        List<String> first = rows(section(out, "   Every node:", "3. Partitioning"));
        assertThat(first).hasSize(3).containsOnly("visits=10  title=\"draft\"  tags={crdt, jvm}  profile={city=Paris, logins=1}");
        // During it node-3 differs from the other two.
        List<String> during = rows(section(out, "Values during the partition", "5. Healing"));
        assertThat(during).hasSize(3);
        assertThat(during.get(0)).isEqualTo(during.get(1)).isNotEqualTo(during.get(2));
        // After the heal all three hold the merged values.
        List<String> after = rows(section(out, "Values after healing", "converged"));
        assertThat(after).hasSize(3).containsOnly(ClusterDemo.EXPECTED);
        Matcher took = Pattern.compile("converged (\\d+) ms after the heal; state digests ([0-9a-f]+) on all three nodes").matcher(out);
        assertThat(took.find()).as(out).isTrue();
        assertThat(out).contains("WAIT 2 5000 -> 2").contains("The nodes are stopped and their data removed.");

        // Nothing left running, nothing left on disk.
        assertThat(ProcessHandle.current().descendants().filter(p -> p.info().commandLine().orElse("").contains("--node-id node-")))
                .as("node processes after the demo").isEmpty();
        assertThat(demoDirs()).isEqualTo(before);
    }

    @Test
    void theDemoCommandRejectsUnknownOptions() {
        assertThat(Main.run("demo", "--no-such-option")).isEqualTo(2);
    }

    /** A kept directory from an earlier run would add its values to the script's: refused before any node starts. */
    @Test
    void theDemoRefusesToKeepItsDataInADirectoryThatIsNotEmpty(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("node-1.log"), "from an earlier run");
        java.io.StringWriter err = new java.io.StringWriter();
        assertThat(Main.run(new java.io.PrintWriter(new java.io.StringWriter(), true), new java.io.PrintWriter(err, true),
                "demo", "--keep", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--keep " + dir + " is not empty");
    }

    private static List<Path> demoDirs() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("converge-demo-")).sorted().toList();
        }
    }

    private static String section(String out, String from, String to) {
        int a = out.indexOf(from);
        int b = out.indexOf(to, a);
        assertThat(a).as("section " + from).isNotNegative();
        assertThat(b).as("end of section " + from).isGreaterThan(a);
        return out.substring(a, b);
    }

    private static List<String> rows(String section) {
        return section.lines().filter(l -> l.matches("\\s+node-[123]\\s+visits=.*")).map(l -> l.trim().substring("node-1".length()).trim())
                .toList();
    }
}
