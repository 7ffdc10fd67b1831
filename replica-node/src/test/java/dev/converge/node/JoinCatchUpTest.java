package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.stream.DoubleStream;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Multi-process, over Netty: a fourth {@code converge node} that knows only one seed address and
 * the cluster secret joins a running three-node cluster holding 100,000 documents, learns every
 * member and catches up the whole store, in messages that respect a small frame limit (64 KiB,
 * so the catch-up must be split into many).
 */
class JoinCatchUpTest {

    private static final int DOCUMENTS = 100_000;
    private static final int MESSAGE_LIMIT = 64 << 10;
    private static final Pattern RECEIVED = Pattern.compile(
            "^converge_replication_received_(bytes_total|messages_total|largest_bytes)\\{[^}]*} (\\S+)$", Pattern.MULTILINE);

    @Test
    void aNodeWithOnlyASeedCatchesUpAHundredThousandDocumentsInBoundedMessages(@TempDir Path dir) throws Exception {
        List<LocalCluster.Ports> ports = LocalCluster.freePorts(4);
        LocalCluster.Spec spec = new LocalCluster.Spec(dir, 3, ports.subList(0, 3), "join", Optional.empty(),
                List.of("-Xmx256m", "-XX:+UseSerialGC"), List.of("--max-message-size", "64KiB"), Duration.ofSeconds(90));
        try (LocalCluster cluster = LocalCluster.start(spec)) {
            List<LocalCluster.Member> first = cluster.members();
            try (Jedis writer = client(first.get(0))) {
                for (int start = 0; start < DOCUMENTS; start += 2_000) {
                    Pipeline p = writer.pipelined();
                    for (int i = start; i < start + 2_000; i++) {
                        p.set(key(i), value(i));
                    }
                    p.sync();
                }
            }
            for (LocalCluster.Member m : first) {
                awaitCount(m, DOCUMENTS, Duration.ofSeconds(180), "the first three nodes hold every document");
            }

            LocalCluster.Member joiner = cluster.join(ports.get(3), first.get(1).peers());
            awaitCount(joiner, DOCUMENTS, Duration.ofSeconds(240), "the joining node catches up every document");

            try (Jedis j = client(joiner)) {
                SplittableRandom random = new SplittableRandom(7);
                for (int n = 0; n < 1_000; n++) {
                    int i = random.nextInt(DOCUMENTS);
                    assertThat(j.get(key(i))).as(key(i)).isEqualTo(value(i));
                }
                Eventually.until("the joiner learns all four members", () -> members(j) == 4, Duration.ofSeconds(30));
                j.set("from-the-joiner", "hello");
            }
            for (LocalCluster.Member m : first) {
                try (Jedis c = client(m)) {
                    Eventually.until(m.name() + " sees the joiner's write", () -> "hello".equals(c.get("from-the-joiner")),
                            Duration.ofSeconds(30));
                }
            }

            String metrics = http(joiner, "/metrics");
            double bytes = sum(metrics, "bytes_total");
            double largest = max(metrics, "largest_bytes");
            assertThat(bytes).as("bytes the joiner received").isGreaterThan(DOCUMENTS * 20.0);
            assertThat(sum(metrics, "messages_total")).as("messages the joiner received").isGreaterThan(bytes / MESSAGE_LIMIT);
            assertThat(largest).as("the largest message the joiner received, bytes: within the limit, though the store is "
                    + "30 times larger").isPositive().isLessThanOrEqualTo(MESSAGE_LIMIT);
            for (LocalCluster.Member m : cluster.members()) {
                String log = Files.readString(m.log(), StandardCharsets.UTF_8);
                assertThat(log).as(m.name() + "'s log: no frame over the limit was sent or refused").doesNotContain("maxFrameBytes");
                assertThat(m.process().isAlive()).as(m.name() + " is running").isTrue();
            }
        }
    }

    private static String key(int i) {
        return String.format("doc-%06d", i);
    }

    private static String value(int i) {
        return "value-" + Integer.toHexString(i * 31 + 7);
    }

    private static Jedis client(LocalCluster.Member m) {
        return new Jedis(m.redis().host(), m.redis().port(), 30_000);
    }

    private static long members(Jedis j) {
        Object reply = j.sendCommand(() -> "CONVERGE.MEMBERS".getBytes(StandardCharsets.US_ASCII));
        return reply instanceof List<?> list ? list.size() : -1;
    }

    /** Polls DBSIZE twice a second (it counts every document, so not in a tight loop). */
    private static void awaitCount(LocalCluster.Member m, long expected, Duration timeout, String what) throws InterruptedException {
        try (Jedis j = client(m)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long last;
            while ((last = j.dbSize()) != expected) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("not within " + timeout + ": " + what + " (" + m.name() + " has " + last + " of " + expected + ")");
                }
                Thread.sleep(500);
            }
        }
    }

    private static double sum(String metrics, String series) {
        return values(metrics, series).sum();
    }

    private static double max(String metrics, String series) {
        return values(metrics, series).max().orElse(0);
    }

    /** The values of one per-peer series in a Prometheus page. */
    private static DoubleStream values(String metrics, String series) {
        DoubleStream.Builder out = DoubleStream.builder();
        Matcher matcher = RECEIVED.matcher(metrics);
        while (matcher.find()) {
            if (matcher.group(1).equals(series)) {
                out.add(Double.parseDouble(matcher.group(2)));
            }
        }
        return out.build();
    }

    private static String http(LocalCluster.Member m, String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + m.http() + path)).timeout(Duration.ofSeconds(10)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }
}
