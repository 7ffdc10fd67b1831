package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.port.Endpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;

/** The HTTP endpoints of a real node process, and {@code converge status} reading them. */
@ExtendWith(SharedCluster.class)
class HttpEndpointsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> get(Endpoint http, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Endpoint http(int node) {
        return SharedCluster.get().member(node).http();
    }

    /** One sample of the Prometheus text format: metric name, labels, value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)( \\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    /** Parses the Prometheus text exposition format (0.0.4), failing on any line that is not valid. */
    static List<Sample> parsePrometheus(String text) {
        List<Sample> samples = new java.util.ArrayList<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ")) {
                assertThat(line.split(" ", 4)).hasSizeGreaterThanOrEqualTo(3);
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                assertThat(parts).as(line).hasSize(4);
                assertThat(parts[3]).as(line).isIn("counter", "gauge", "summary", "histogram", "untyped", "info", "stateset",
                        "gaugehistogram", "unknown");
                types.put(parts[2], parts[3]);
                continue;
            }
            assertThat(line).as("comment lines are HELP or TYPE").doesNotStartWith("#");
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a sample line: %s", line).isTrue();
            Map<String, String> labels = new HashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                int end = 0;
                while (l.find()) {
                    assertThat(l.start()).as("labels of %s", line).isEqualTo(end);
                    labels.put(l.group(1), l.group(2));
                    end = l.end();
                }
                assertThat(end).as("labels of %s", line).isEqualTo(m.group(3).length());
            }
            String v = m.group(4);
            double value = switch (v) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(v);
            };
            samples.add(new Sample(m.group(1), labels, value));
        }
        assertThat(types).as("TYPE lines").isNotEmpty();
        return samples;
    }

    private static double value(List<Sample> samples, String name) {
        return samples.stream().filter(s -> s.name().equals(name)).mapToDouble(Sample::value).sum();
    }

    @Test
    void metricsParseAsPrometheusTextAndMoveWithWrites() throws Exception {
        HttpResponse<String> first = get(http(1), "/metrics");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        List<Sample> before = parsePrometheus(first.body());
        try (Jedis n1 = SharedCluster.get().client(1)) {
            for (int i = 0; i < 50; i++) {
                n1.incr("metrics:counter");
                n1.get("metrics:counter");
            }
            assertThat(n1.waitReplicas(2, 10_000)).isEqualTo(2);
        }
        List<Sample> after = parsePrometheus(get(http(1), "/metrics").body());
        // Documents as /status counts them, the cluster's own left out (asked until no replicated write lands in between).
        Eventually.until("converge_documents equals the status's documents", () -> {
            try {
                double metric = value(parsePrometheus(get(http(1), "/metrics").body()), "converge_documents");
                Map<?, ?> status = (Map<?, ?>) Json.parse(get(http(1), "/status").body());
                return metric == ((Number) status.get("documents")).doubleValue();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(value(after, "converge_writes_total") - value(before, "converge_writes_total")).isGreaterThanOrEqualTo(50);
        assertThat(value(after, "converge_reads_total") - value(before, "converge_reads_total")).isGreaterThanOrEqualTo(50);
        assertThat(value(after, "converge_local_seq")).isGreaterThan(value(before, "converge_local_seq"));
        assertThat(value(after, "converge_replication_sent_bytes_total")).isGreaterThan(value(before, "converge_replication_sent_bytes_total"));
        assertThat(value(after, "converge_store_commits_total")).isGreaterThan(value(before, "converge_store_commits_total"));
        assertThat(after).anySatisfy(s -> {
            assertThat(s.name()).isEqualTo("converge_redis_commands_total");
            assertThat(s.labels()).containsEntry("command", "incr").containsEntry("node", "node-1");
        });
        // Per peer: lag, unacknowledged entries, bytes and messages, tagged with the peer's replica id.
        for (String perPeer : List.of("converge_replication_lag_milliseconds", "converge_replication_unacked_entries",
                "converge_replication_sent_messages_total", "converge_replication_received_bytes_total", "converge_peer_connected")) {
            assertThat(after.stream().filter(s -> s.name().equals(perPeer)).map(s -> s.labels().get("peer")).distinct().count())
                    .as(perPeer).isEqualTo(2);
        }
        for (String name : List.of("converge_documents", "converge_delta_log_entries", "converge_store_cache_hit_ratio",
                "converge_store_cache_hits_total", "converge_store_wal_bytes_total", "converge_redis_clients", "converge_redis_output_bytes",
                "jvm_memory_used_bytes", "jvm_gc_pause_seconds_count", "process_cpu_usage")) {
            assertThat(after).as(name).anySatisfy(s -> assertThat(s.name()).isEqualTo(name));
        }
    }

    @Test
    void healthIsOkWhileServingAndUnknownPathsAre404() throws Exception {
        HttpResponse<String> health = get(http(2), "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("OK\n");
        assertThat(get(http(2), "/nope").statusCode()).isEqualTo(404);
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http(2) + "/health"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    /** Pipelined requests are answered in order, though /status answers later than /health (HTTP/1.1). */
    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        Endpoint e = http(2);
        try (java.net.Socket socket = new java.net.Socket(e.host(), e.port())) {
            socket.setSoTimeout(10_000);
            String request = "GET %s HTTP/1.1\r\nHost: x\r\n\r\n";
            socket.getOutputStream().write((request.formatted("/status") + request.formatted("/health") + request.formatted("/nope"))
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.InputStream in = socket.getInputStream();
            List<String> bodies = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                bodies.add(readResponse(in));
            }
            assertThat(bodies.get(0)).as("/status").startsWith("{");
            assertThat(bodies.get(1)).as("/health").isEqualTo("OK\n");
            assertThat(bodies.get(2)).as("/nope").startsWith("not found");
        }
    }

    /** One HTTP/1.1 response's body, read by its Content-Length. */
    private static String readResponse(java.io.InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("response head: " + head);
            }
            head.append((char) c);
        }
        Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        assertThat(length.find()).as(head.toString()).isTrue();
        return new String(in.readNBytes(Integer.parseInt(length.group(1))), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void statusIsJsonWithMembersLagDocumentsAndSyncState() throws Exception {
        try (Jedis n1 = SharedCluster.get().client(1); Jedis n2 = SharedCluster.get().client(2); Jedis n3 = SharedCluster.get().client(3)) {
            RedisReplicationTest.awaitFullMesh(n1, n2, n3);
        }
        HttpResponse<String> r = get(http(3), "/status");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        Map<?, ?> status = (Map<?, ?>) Json.parse(r.body());
        assertThat(status.get("node")).isEqualTo("node-3");
        assertThat(status.get("replica")).isEqualTo(SharedCluster.get().member(3).replica());
        assertThat(status.get("cluster")).isEqualTo("blackbox");
        assertThat(status.get("serving")).isEqualTo(true);
        // A healthy node with all links up: a link that just came up starts with a digest catch-up
        // (the first log entries went before any peer was known), and anti-entropy runs one per
        // peer every minute, so "catching-up" is as valid here as the other two.
        assertThat(status.get("sync")).isIn("in-sync", "replicating", "catching-up");
        assertThat(((Number) status.get("documents")).longValue()).isGreaterThanOrEqualTo(0);
        List<?> peers = (List<?>) status.get("peers");
        assertThat(peers).hasSize(2);
        for (Object o : peers) {
            Map<?, ?> p = (Map<?, ?>) o;
            assertThat(p.keySet().stream().map(String::valueOf).toList()).contains("replica", "connected", "ackedSeq", "unackedEntries", "lagMillis", "lastContactMillisAgo",
                    "catchingUp", "bytesSent");
            assertThat(p.get("connected")).isEqualTo(true);
        }
    }

    @Test
    void theStatusCommandPrintsTheNodeAndItsPeers() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "status", "--node", http(1).toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("node node-1 (replica " + SharedCluster.get().member(1).replica() + "), cluster blackbox: serving")
                .contains("members: this node and 2 peers").contains("peer replica").contains("lag ms");
        StringWriter json = new StringWriter();
        assertThat(Main.run(new PrintWriter(json, true), new PrintWriter(err, true), "status", "--json", "--node", http(1).toString()))
                .isZero();
        assertThat(Json.parse(json.toString())).isInstanceOf(Map.class);
        // Nothing listens on the Redis port's HTTP side.
        StringWriter unreachable = new StringWriter();
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(unreachable, true), "status", "--node", "127.0.0.1:1",
                "--timeout", "1000")).isEqualTo(3);
        assertThat(unreachable.toString()).contains("cannot reach 127.0.0.1:1");
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "status", "--node", "nonsense")).isEqualTo(2);
    }
}
