package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.port.Endpoint;
import dev.converge.replica.Replica;
import dev.converge.replica.ReplicaConfig;
import dev.converge.replica.SyncStatus;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real replicas: RocksDB on disk, Netty on loopback, the runtime's threads and clock. */
class RuntimeTest {

    private static final byte[] SECRET = HexFormat.of().parseHex("00112233445566778899aabbccddeeff0011223344556677");

    private static ReplicaConfig.Builder config(Path dir) {
        return ReplicaConfig.builder().dataDirectory(dir).listen(new Endpoint("127.0.0.1", 0)).clusterSecret(SECRET);
    }

    private static void eventually(String what, BooleanSupplier condition, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void callsAfterCloseFailAtOnceInsteadOfWaitingForever(@TempDir Path dir) {
        Replica replica = Replica.open(ReplicaConfig.builder().dataDirectory(dir).build());
        replica.counter("before").add(1).toCompletableFuture().join();
        replica.close();
        List<java.util.concurrent.CompletableFuture<?>> calls = List.of(
                replica.counter("after").add(1).toCompletableFuture(),
                replica.delete(Bytes.of("before")).toCompletableFuture(),
                replica.status().toCompletableFuture(),
                replica.awaitReplicated(1, 1, Duration.ofSeconds(30)).toCompletableFuture());
        for (var call : calls) {
            assertThat(call).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withMessageContaining("closed");
        }
        assertThat(java.util.concurrent.CompletableFuture.runAsync(replica::close)).as("a second close").succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void closeAsyncReleasesEverythingPromptlyAndALaterCloseReturns(@TempDir Path dir) {
        for (int round = 0; round < 3; round++) {
            Replica replica = Replica.open(ReplicaConfig.builder().dataDirectory(dir).build());
            replica.counter("c").add(1).toCompletableFuture().join();
            // The release runs on the engine thread, where the stop completes: it must not wait for that thread's own end.
            assertThat(replica.closeAsync().toCompletableFuture()).succeedsWithin(Duration.ofSeconds(3));
            assertThat(java.util.concurrent.CompletableFuture.runAsync(replica::close)).as("a later close")
                    .succeedsWithin(Duration.ofSeconds(3));
            try (Replica reopened = Replica.open(ReplicaConfig.builder().dataDirectory(dir).build())) {
                assertThat(reopened.counter("c").value()).isEqualTo(round + 1L);
            }
        }
    }

    /**
     * In sync mode a commit completes on the store's writer thread: a close while one is in flight
     * must not run the store's close there (it refused, and nothing was released).
     */
    @Test
    void closeAsyncWithACommitInFlightInSyncModeReleasesEverything(@TempDir Path dir) {
        for (int round = 0; round < 3; round++) {
            Replica replica = Replica.open(ReplicaConfig.builder().dataDirectory(dir).durability(ReplicaConfig.Durability.SYNC).build());
            java.util.concurrent.CompletableFuture<?> write = replica.counter("c").add(1).toCompletableFuture();
            assertThat(replica.closeAsync().toCompletableFuture()).succeedsWithin(Duration.ofSeconds(5));
            assertThat(write).succeedsWithin(Duration.ofSeconds(5));
            try (Replica reopened = Replica.open(ReplicaConfig.builder().dataDirectory(dir).build())) {
                assertThat(reopened.counter("c").value()).isEqualTo(round + 1L);
            }
        }
    }

    /** A data directory belongs to the cluster it first started in: under another name it is refused, its data untouched. */
    @Test
    void aDataDirectoryIsRefusedUnderAnotherClusterName(@TempDir Path dir) {
        try (Replica replica = Replica.open(ReplicaConfig.builder().dataDirectory(dir).clusterName("blue").build())) {
            replica.counter("c").add(1).toCompletableFuture().join();
        }
        assertThatThrownBy(() -> Replica.open(ReplicaConfig.builder().dataDirectory(dir).clusterName("green").build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("belongs to cluster 'blue', not 'green'");
        try (Replica again = Replica.open(ReplicaConfig.builder().dataDirectory(dir).clusterName("blue").build())) {
            assertThat(again.counter("c").value()).as("refused without a change, and released").isEqualTo(1);
        }
    }

    @Test
    void concurrentClosesReturnOnlyOnceTheDirectoryIsReleased(@TempDir Path dir) throws Exception {
        for (int round = 0; round < 5; round++) {
            Replica replica = Replica.open(ReplicaConfig.builder().dataDirectory(dir).build());
            replica.counter("c").add(1).toCompletableFuture().join();
            // Pending for a minute (no peer will ever acknowledge): close answers it and must not wait for its timer.
            var waiting = replica.awaitReplicated(replica.counter("c").add(1).toCompletableFuture().join().seq(), 1, Duration.ofMinutes(1))
                    .toCompletableFuture();
            var first = java.util.concurrent.CompletableFuture.runAsync(replica::close);
            var second = java.util.concurrent.CompletableFuture.runAsync(replica::close);
            assertThat(first).succeedsWithin(Duration.ofSeconds(4));
            assertThat(second).succeedsWithin(Duration.ofSeconds(4));
            assertThat(waiting).succeedsWithin(Duration.ofSeconds(1)).isEqualTo(0);
            // Both returned: the directory is free for the next open.
            try (Replica reopened = Replica.open(ReplicaConfig.builder().dataDirectory(dir).build())) {
                assertThat(reopened.counter("c").value()).isEqualTo(2L * (round + 1));
            }
        }
    }

    @Test
    void twoReplicasOverNettyWithRocksDbConverge(@TempDir Path a, @TempDir Path b) throws Exception {
        try (Replica first = Replica.open(config(a).build())) {
            Endpoint endpoint = first.listenEndpoint().orElseThrow();
            try (Replica second = Replica.open(config(b).peer(endpoint).build())) {
                for (int i = 0; i < 500; i++) {
                    first.counter("c").add(1);
                    second.counter("c").add(2);
                    first.set("s").add(Bytes.of("a" + i));
                    second.set("s").add(Bytes.of("b" + i));
                }
                second.map("m").setRegister(Bytes.of("name"), Bytes.of("converge")).toCompletableFuture().get(10, TimeUnit.SECONDS);
                eventually("both counters reach 1500", () -> first.counter("c").value() == 1_500 && second.counter("c").value() == 1_500,
                        Duration.ofSeconds(20));
                eventually("both sets hold 1000", () -> first.set("s").size() == 1_000 && second.set("s").size() == 1_000,
                        Duration.ofSeconds(20));
                eventually("the map arrives", () -> first.map("m").read().register(Bytes.of("name")).isPresent(), Duration.ofSeconds(20));
                // Every document, the cluster's own too: they may arrive a retransmission later than the user's.
                eventually("the whole states agree", () -> ReplicaProcess.digest(first) == ReplicaProcess.digest(second),
                        Duration.ofSeconds(20));
                SyncStatus status = first.status().toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertThat(status.peers()).singleElement().satisfies(p -> {
                    assertThat(p.connected()).isTrue();
                    // Each side's 1,000 distinct set elements (2 to 4 bytes each) crossed the link.
                    assertThat(p.bytesSent()).isGreaterThan(3_000);
                    assertThat(p.bytesReceived()).isGreaterThan(3_000);
                });
            }
        }
        // Everything acknowledged survives a restart.
        try (Replica reopened = Replica.open(ReplicaConfig.builder().dataDirectory(a).build())) {
            assertThat(reopened.counter("c").value()).isEqualTo(1_500);
            assertThat(reopened.set("s").size()).isEqualTo(1_000);
        }
    }

    /**
     * A new replica in a child JVM catches up a 20,000-document store by digest, gets SIGKILL in the
     * middle, restarts on the same directory, resumes and converges; no write it acknowledged is lost.
     */
    @Test
    void aReplicaKilledDuringCatchUpResumesAndConverges(@TempDir Path parentDir, @TempDir Path childDir) throws Exception {
        try (Replica parent = Replica.open(config(parentDir).build())) {
            long start = System.nanoTime();
            for (int i = 0; i < 20_000; i++) {
                parent.set("doc-" + i).add(Bytes.of("x"), Bytes.of("y-" + i));
            }
            parent.counter("last").add(1).toCompletableFuture().get(30, TimeUnit.SECONDS);
            System.out.printf("wrote 20,001 documents in %d ms%n", (System.nanoTime() - start) / 1_000_000);
            Endpoint endpoint = parent.listenEndpoint().orElseThrow();
            Set<String> acked = ConcurrentHashMap.newKeySet();

            AtomicLong firstDocs = new AtomicLong();
            Process first = child(childDir, endpoint, 100, acked, firstDocs, new AtomicReference<>());
            // Kill it while the catch-up is under way: some documents arrived, not all.
            eventually("the catch-up is under way", () -> firstDocs.get() > 1_000 && acked.size() >= 10, Duration.ofSeconds(60));
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            long docsAtKill = firstDocs.get();
            Set<String> ackedBeforeKill = Set.copyOf(acked);
            AtomicLong docs = new AtomicLong();
            AtomicReference<String> digest = new AtomicReference<>();

            long restarted = System.nanoTime();
            Process second = child(childDir, endpoint, 0, acked, docs, digest);
            try {
                long expected = 20_000 + 1 + 100;
                eventually("the parent has every child write", () -> parent.documentCount() == expected, Duration.ofSeconds(60));
                eventually("the child holds every document", () -> docs.get() == expected, Duration.ofSeconds(60));
                eventually("the states are equal", () -> Long.toHexString(ReplicaProcess.digest(parent)).equals(digest.get()),
                        Duration.ofSeconds(30));
                System.out.printf("converged %d ms after the restart%n", (System.nanoTime() - restarted) / 1_000_000);
                System.out.printf("killed the child at %,d of %,d documents with %d writes acknowledged%n", docsAtKill, expected,
                        ackedBeforeKill.size());
                for (String key : ackedBeforeKill) {
                    assertThat(parent.counter(key).value()).as("acknowledged write %s survived the kill", key)
                            .isEqualTo(Long.parseLong(key.substring("child-".length())) + 1);
                }
            } finally {
                second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static Process child(Path dir, Endpoint peer, int writes, Set<String> acked, AtomicLong docs,
                                 AtomicReference<String> digest) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ReplicaProcess.class.getName(), dir.toString(), peer.toString(), HexFormat.of().formatHex(SECRET),
                Integer.toString(writes))).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("ACK ")) {
                        acked.add(line.substring(4));
                    } else if (line.startsWith("STATE ")) {
                        String[] parts = line.split(" ");
                        docs.set(Long.parseLong(parts[1]));
                        digest.set(parts[2]);
                    }
                }
            } catch (java.io.IOException ignored) {
                // the child was killed
            }
        });
        reader.setDaemon(true);
        reader.start();
        return p;
    }
}
