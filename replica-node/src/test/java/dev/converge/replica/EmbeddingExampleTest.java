package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.port.Endpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's embedding example, run as written: two replicas, each on its own RocksDB, linked
 * over loopback. The lines between the markers are the README's, which the second test checks,
 * so the example cannot drift from an API that compiles and behaves as it says.
 */
class EmbeddingExampleTest {

    @TempDir
    Path tmp;

    @Test
    void theReadmeExampleRunsAsItSays() throws Exception {
        Path dataA = tmp.resolve("a");
        Path dataB = tmp.resolve("b");
        byte[] secret = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
        assertThat(example(dataA, dataB, secret)).isEqualTo(3);
        // Reopened, each replica still holds what it wrote and what it received.
        try (Replica a = Replica.open(ReplicaConfig.builder().dataDirectory(dataA).clusterSecret(secret).build())) {
            assertThat(a.counter("page:home:views").value()).isEqualTo(3);
        }
        try (Replica b = Replica.open(ReplicaConfig.builder().dataDirectory(dataB).clusterSecret(secret).build())) {
            assertThat(b.counter("page:home:views").value()).isEqualTo(3);
            assertThat(b.set("cart:alice").contains(Bytes.of("book"))).isTrue();
        }
    }

    /** What replica B reads of the counter replica A wrote. */
    private static long example(Path dataA, Path dataB, byte[] secret) {
        // README:begin
        try (Replica a = Replica.open(ReplicaConfig.builder()
                     .dataDirectory(dataA)
                     .listen(new Endpoint("127.0.0.1", 0))
                     .clusterSecret(secret)
                     .build());
             Replica b = Replica.open(ReplicaConfig.builder()
                     .dataDirectory(dataB)
                     .peer(a.listenEndpoint().orElseThrow())
                     .clusterSecret(secret)
                     .build())) {
            // Changes from either side reach subscribers, off the engine's thread.
            b.subscribePrefix(Bytes.of("page:"), event -> System.out.println(event.key() + " = " + event.state()));

            // A write is local and durable when its stage completes: no peer needs to be up.
            Written<Long> views = a.counter("page:home:views").add(3).toCompletableFuture().join();
            b.set("cart:alice").add(Bytes.of("book")).toCompletableFuture().join();

            // Where it matters, wait until a peer holds the write too.
            a.awaitReplicated(views.seq(), 1, Duration.ofSeconds(10)).toCompletableFuture().join();
            return b.counter("page:home:views").value(); // 3
        }
        // README:end
    }

    @Test
    void theReadmeShowsExactlyTheExampleThatRuns() throws IOException {
        List<String> source = Files.readAllLines(Path.of("src/test/java/dev/converge/replica/EmbeddingExampleTest.java"));
        List<String> example = source.subList(source.indexOf("        // README:begin") + 1, source.indexOf("        // README:end"));
        String readme = Files.readString(Path.of("../README.md"));
        String shown = String.join("\n", example.stream().map(line -> line.length() >= 8 ? line.substring(8) : line.strip()).toList());
        assertThat(readme).as("README.md's embedding example (the lines between the markers, unindented by 8)").contains(shown);
    }
}
