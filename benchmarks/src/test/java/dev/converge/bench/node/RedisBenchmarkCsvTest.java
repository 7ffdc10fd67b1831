package dev.converge.bench.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The redis-benchmark CSV reader, on output redis-benchmark printed. */
class RedisBenchmarkCsvTest {

    /** {@code redis-benchmark -t set,get,incr,sadd -n 20000 -P 1 --csv -q} from redis-tools 7.0.15 against redis-server 7.0.15. */
    private static final String REDIS_7 = """
            "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
            "SET","37878.79","0.946","0.136","0.695","1.111","3.983","82.751"
            "GET","36297.64","0.947","0.168","0.631","3.135","5.015","8.319"
            "INCR","41152.26","0.812","0.128","0.719","1.223","3.879","6.015"
            "SADD","43478.26","0.808","0.064","0.615","1.375","4.887","30.991"
            """;

    @Test
    void readsRedis7Output() {
        Map<String, RedisBenchmarkCsv.Row> rows = RedisBenchmarkCsv.parse(REDIS_7);

        assertThat(rows.keySet()).containsExactly("SET", "GET", "INCR", "SADD");
        assertThat(rows.get("SET")).isEqualTo(new RedisBenchmarkCsv.Row("SET", 37878.79, 0.946, 0.695, 3.983));
        assertThat(rows.get("SADD").rps()).isEqualTo(43478.26);
    }

    @Test
    void readsCrLfLinesAndTheHeaderlessTwoColumnForm() {
        Map<String, RedisBenchmarkCsv.Row> rows = RedisBenchmarkCsv.parse("\"SET\",\"37878.79\"\r\n\"GET\",\"36297.64\"\r\n");

        assertThat(rows.get("GET").rps()).isEqualTo(36297.64);
        assertThat(rows.get("GET").p50Millis()).isNaN();
    }

    @Test
    void refusesWhatIsNotItsCsv() {
        assertThatThrownBy(() -> RedisBenchmarkCsv.parse("SET: 37878.79 requests per second, p50=0.695 msec"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1");
        assertThatThrownBy(() -> RedisBenchmarkCsv.parse("\"SET\",\"fast\""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rps is not a number");
        assertThatThrownBy(() -> RedisBenchmarkCsv.parse("\"SET,\"1\""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The installed redis-benchmark's output against a redis-server, when both are on PATH (skipped otherwise). */
    @Test
    void readsTheInstalledRedisBenchmarksOutput(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("redis-benchmark") && onPath("redis-server"), "redis-benchmark and redis-server are not installed");
        int port;
        try (Targets.PortReservation ports = new Targets.PortReservation()) {
            port = ports.one();
        }
        Process server = new ProcessBuilder("redis-server", "--bind", "127.0.0.1", "--port", Integer.toString(port), "--save", "",
                "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        try {
            awaitPong(port);
            List<String> command = new ArrayList<>(NodeThroughput.benchCommand(Integer.toString(port), 2_000, 16));
            Process bench = new ProcessBuilder(command).redirectErrorStream(true).start();
            String csv = new String(bench.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bench.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(bench.exitValue()).as(csv).isZero();

            Map<String, RedisBenchmarkCsv.Row> rows = RedisBenchmarkCsv.parse(csv);

            assertThat(rows.keySet()).containsExactlyElementsOf(NodeThroughput.TESTS);
            assertThat(rows.values()).allSatisfy(r -> assertThat(r.rps()).isPositive());
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitPong(int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Resp r = Resp.connect(port)) {
                if ("PONG".equals(r.text("PING"))) {
                    return;
                }
            } catch (java.io.IOException e) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
        throw new AssertionError("redis-server did not answer PING on " + port);
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(File.pathSeparator)).stream().anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }
}
