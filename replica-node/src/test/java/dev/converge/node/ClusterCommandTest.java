package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** {@code converge cluster} as a process: prints its nodes and a redis-cli line, serves, and stops every node on SIGTERM. */
class ClusterCommandTest {

    private static Process startCluster(Path dir, LocalCluster.Ports ports) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "cluster",
                "--nodes", "2", "--dir", dir.toString(), "--heap", "256m",
                "--redis-port", Integer.toString(ports.redis()), "--listen-port", Integer.toString(ports.peer()),
                "--http-port", Integer.toString(ports.http()))
                .redirectErrorStream(true).start();
    }

    /** The output up to the line saying the cluster serves. */
    private static String readUntilServing(BufferedReader r) throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = r.readLine()) != null) {
            lines.add(line);
            if (line.startsWith("Ctrl-C stops all nodes")) {
                break;
            }
        }
        return String.join("\n", lines);
    }

    @Test
    void aLocalClusterServesAndStopsAllItsNodes(@TempDir Path dir) throws Exception {
        List<LocalCluster.Ports> free = LocalCluster.freePorts(2);
        Process cluster = startCluster(dir, free.get(0));
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(cluster.getInputStream(), StandardCharsets.UTF_8));
            String out = readUntilServing(r);
            assertThat(out).contains("node-1", "node-2", "redis-cli -p " + free.get(0).redis() + " INCR visits");
            Matcher redis = Pattern.compile("node-2\\s+redis 127\\.0\\.0\\.1:(\\d+)").matcher(out);
            assertThat(redis.find()).as(out).isTrue();
            try (Jedis n1 = new Jedis("127.0.0.1", free.get(0).redis()); Jedis n2 = new Jedis("127.0.0.1", Integer.parseInt(redis.group(1)))) {
                n1.incrBy("visits", 3);
                Eventually.equal("node-2 sees node-1's write", () -> n2.get("visits"), "3");
            }
            assertThat(cluster.descendants().filter(ProcessHandle::isAlive).count()).isEqualTo(2);
            List<ProcessHandle> nodes = cluster.descendants().toList();

            cluster.destroy(); // SIGTERM, as Ctrl-C's SIGINT would
            assertThat(cluster.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(cluster.exitValue()).isEqualTo(143);
            for (ProcessHandle node : nodes) {
                Eventually.until("node " + node.pid() + " stopped", () -> !node.isAlive());
            }
            assertThat(Files.readString(dir.resolve("node-1.log"))).contains("[node-1]").contains("node stopped");
            assertThat(dir.resolve("cluster.secret")).exists();
            assertThat(Files.getPosixFilePermissions(dir.resolve("cluster.secret"))).as("the secret file is the owner's only")
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        } finally {
            cluster.destroyForcibly();
            cluster.descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Ctrl-C signals the nodes as well as the cluster process, and a node can stop first: that is
     * a clean stop, not a node failure to report (it was, with exit code 3).
     */
    @Test
    void nodesStoppingJustBeforeTheClusterProcessIsNoFailure(@TempDir Path dir) throws Exception {
        List<LocalCluster.Ports> free = LocalCluster.freePorts(2);
        Process cluster = startCluster(dir, free.get(0));
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(cluster.getInputStream(), StandardCharsets.UTF_8));
            assertThat(readUntilServing(r)).contains("node-2");
            List<ProcessHandle> nodes = cluster.descendants().toList();
            assertThat(nodes).hasSize(2);
            nodes.forEach(ProcessHandle::destroy);
            for (ProcessHandle node : nodes) {
                Eventually.until("node " + node.pid() + " stopped", () -> !node.isAlive());
            }
            Thread.sleep(1_000); // the cluster process looks at its nodes twice a second
            cluster.toHandle().destroy(); // SIGTERM; Process.destroy would also close its output
            String rest = String.join("\n", r.lines().toList()); // to the end of its output
            assertThat(cluster.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(rest).doesNotContain("exited (code");
            assertThat(cluster.exitValue()).isEqualTo(143);
        } finally {
            cluster.destroyForcibly();
            cluster.descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }
}
