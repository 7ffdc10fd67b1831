package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.replica.Member;
import dev.converge.replica.PeerStatus;
import dev.converge.replica.Replica;
import dev.converge.replica.ReplicaConfig;
import dev.converge.replica.Removal;
import dev.converge.replica.SyncStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Over Netty: nodes that know only one seed find every member and link to it; a removed member is cut off. */
class JoinTest {

    private static final byte[] SECRET = HexFormat.of().parseHex("00112233445566778899aabbccddeeff0011223344556677");

    private static ReplicaConfig.Builder config(Path dir) {
        return ReplicaConfig.builder().dataDirectory(dir).listen(new Endpoint("127.0.0.1", 0)).clusterSecret(SECRET);
    }

    private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static Set<ReplicaId> linked(Replica r) {
        try {
            SyncStatus s = r.status().toCompletableFuture().get(5, TimeUnit.SECONDS);
            return s.peers().stream().filter(PeerStatus::connected).map(PeerStatus::peer).collect(Collectors.toSet());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void nodesSeededWithOneAddressLinkToEveryMemberAndDropARemovedOne(@TempDir Path a, @TempDir Path b, @TempDir Path c)
            throws Exception {
        try (Replica seed = Replica.open(config(a).build())) {
            Endpoint only = seed.listenEndpoint().orElseThrow();
            try (Replica second = Replica.open(config(b).peer(only).build());
                 Replica third = Replica.open(config(c).peer(only).build())) {
                eventually("second and third link to each other, knowing only the seed",
                        () -> linked(second).contains(third.id()) && linked(third).contains(second.id()));
                eventually("every node knows three members with their endpoints", () -> {
                    for (Replica r : new Replica[] {seed, second, third}) {
                        if (r.members().size() != 3 || r.members().stream().anyMatch(m -> m.endpoint().isEmpty())) {
                            return false;
                        }
                    }
                    return true;
                });
                assertThat(second.members()).extracting(Member::id).containsExactlyInAnyOrder(seed.id(), second.id(), third.id());

                second.counter("joined").add(1).toCompletableFuture().get(5, TimeUnit.SECONDS);
                eventually("a write reaches every node", () -> third.counter("joined").value() == 1 && seed.counter("joined").value() == 1);

                seed.removeMember(third.id()).toCompletableFuture().get(5, TimeUnit.SECONDS);
                eventually("the others stop linking to the removed node", () -> !linked(seed).contains(third.id())
                        && !linked(second).contains(third.id()));
                third.whenRemoved().toCompletableFuture().get(20, TimeUnit.SECONDS);
                assertThatThrownBy(() -> third.counter("joined").add(5).toCompletableFuture().get(5, TimeUnit.SECONDS))
                        .as("the removed node refuses writes once it knows").hasMessageContaining("was removed from the cluster");
                second.counter("joined").add(10).toCompletableFuture().get(5, TimeUnit.SECONDS);
                eventually("the remaining two still replicate", () -> seed.counter("joined").value() == 11);
                Thread.sleep(1_000);
                assertThat(second.counter("joined").value()).isEqualTo(11);
                assertThat(third.counter("joined").value()).as("nothing to the removed node").isEqualTo(1);
            }
        }
    }

    @Test
    void aRemovedReplicaThatComesBackIsRefusedAndItsUnsyncedWritesAreExported(@TempDir Path a, @TempDir Path b, @TempDir Path root)
            throws Exception {
        Path c = root.resolve("third");
        try (Replica seed = Replica.open(config(a).build());
             Replica second = Replica.open(config(b).peer(seed.listenEndpoint().orElseThrow()).build())) {
            Endpoint only = seed.listenEndpoint().orElseThrow();
            ReplicaId thirdId;
            try (Replica third = Replica.open(config(c).peer(only).build())) {
                thirdId = third.id();
                long seq = third.counter("before").add(1).toCompletableFuture().get(5, TimeUnit.SECONDS).seq();
                eventually("the third node's write reaches the others", () -> second.counter("before").value() == 1);
                eventually("a peer acknowledged it", () -> third.status().toCompletableFuture().join().peers().stream()
                        .anyMatch(p -> p.ackedSeq() >= seq));
            }
            seed.removeMember(thirdId).toCompletableFuture().get(5, TimeUnit.SECONDS);
            // Until a member learns of the removal it still takes the removed replica's writes (removal
            // replicates like any write); here both have learned before it comes back.
            eventually("the second node knows of the removal", () -> second.members().stream()
                    .anyMatch(m -> m.id().equals(thirdId) && m.removed()));

            // Offline, it does not know yet: it takes a write no one will ever acknowledge.
            try (Replica offline = Replica.open(ReplicaConfig.builder().dataDirectory(c).build())) {
                assertThat(offline.id()).isEqualTo(thirdId);
                offline.counter("offline").add(7).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }

            Path export;
            try (Replica back = Replica.open(config(c).peer(only).build())) {
                Removal removal = back.whenRemoved().toCompletableFuture().get(20, TimeUnit.SECONDS);
                assertThat(removal.replica()).isEqualTo(thirdId);
                assertThat(removal.unsynced()).extracting(w -> w.key().toString()).contains("offline")
                        .as("an acknowledged write may be listed (acknowledgements are recorded each round), nothing else")
                        .isSubsetOf("offline", "before");
                assertThat(back.removedFromCluster()).isTrue();
                assertThatThrownBy(() -> back.counter("after").add(1).toCompletableFuture().get(5, TimeUnit.SECONDS))
                        .hasRootCauseInstanceOf(IllegalStateException.class).rootCause().hasMessageContaining("was removed from the cluster");
                export = UnsyncedExport.fileFor(c, removal);
                eventually("the unsynced writes are exported", () -> Files.exists(export));
            }
            List<String> lines = Files.readAllLines(export);
            assertThat(lines.get(0)).contains("\"replica\":\"" + thirdId + "\"").contains("\"unsyncedWrites\":" + (lines.size() - 1));
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"key\":\"offline\"").contains("\"type\":\"pn_counter\""));
            Files.delete(export);

            assertThatThrownBy(() -> Replica.open(config(c).peer(only).build()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("replica " + thirdId + " was removed from the cluster")
                    .hasMessageContaining("exported to " + export)
                    .hasMessageContaining("start on an empty data directory");
            assertThat(Files.readAllLines(export)).as("exported again on the refused start").isEqualTo(lines);
            assertThat(seed.counter("offline").value()).as("the removed replica's late write never reached the cluster").isZero();
            assertThat(seed.counter("before").value()).isEqualTo(1);
        }
    }

    @Test
    void withDiscoveryOffNodesLinkOnlyToTheirSeedsYetKnowEveryMember(@TempDir Path a, @TempDir Path b, @TempDir Path c)
            throws Exception {
        dev.converge.replica.EngineConfig noDiscovery = dev.converge.replica.EngineConfig.defaults().withDiscoverMembers(false);
        try (Replica seed = Replica.open(config(a).engine(noDiscovery).build())) {
            Endpoint only = seed.listenEndpoint().orElseThrow();
            try (Replica second = Replica.open(config(b).engine(noDiscovery).peer(only).build());
                 Replica third = Replica.open(config(c).engine(noDiscovery).peer(only).build())) {
                eventually("every node knows three members", () -> second.members().size() == 3 && third.members().size() == 3);
                third.counter("via-seed").add(1).toCompletableFuture().get(5, TimeUnit.SECONDS);
                eventually("writes still travel through the seed", () -> second.counter("via-seed").value() == 1);
                assertThat(linked(second)).containsExactly(seed.id());
                assertThat(linked(third)).containsExactly(seed.id());
            }
        }
    }
}
