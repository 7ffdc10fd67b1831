package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Removing a member: final, replicated, and the removed replica exchanges nothing more with anyone. */
class MembershipTest {

    @Test
    void aRemovedMemberIsDroppedEverywhereAndStopsReplicatingItself() {
        try (Cluster cluster = new Cluster(3, 91, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            Replica c = cluster.get(2);
            cluster.await(c.counter("n").add(1));
            cluster.runFor(1_000);
            assertThat(a.counter("n").value()).isEqualTo(1);

            assertThat(cluster.await(a.removeMember(c.id())).value()).isTrue();
            assertThat(cluster.await(b.removeMember(c.id())).value()).as("removed once, whoever asks again").isTrue();
            cluster.runFor(1_000);
            for (Replica r : new Replica[] {a, b, c}) {
                assertThat(r.members()).as("as %s sees it", r.id()).anySatisfy(m -> {
                    assertThat(m.id()).isEqualTo(c.id());
                    assertThat(m.removed()).isTrue();
                });
            }
            assertThat(cluster.await(a.status()).peers()).extracting(PeerStatus::peer).containsExactly(b.id());
            assertThat(cluster.stores.get(0).acks()).as("acknowledgements recorded at a").containsOnlyKeys(b.id());
            assertThat(cluster.stores.get(1).acks()).as("acknowledgements recorded at b").containsOnlyKeys(a.id());

            Removal removal = cluster.await(c.whenRemoved());
            assertThat(removal.replica()).isEqualTo(c.id());
            assertThat(removal.unsynced()).as("its write reached the others before the removal").isEmpty();
            assertThatThrownBy(() -> cluster.await(c.counter("n").add(10)))
                    .as("a removed replica's writes would reach no one: refused").hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("was removed from the cluster");
            cluster.await(a.counter("n").add(100));
            cluster.runFor(2_000);
            assertThat(a.counter("n").value()).isEqualTo(101);
            assertThat(b.counter("n").value()).isEqualTo(101);
            assertThat(c.counter("n").value()).as("nothing reaches the removed replica").isEqualTo(1);
        }
    }

    /**
     * A removed replica keeps the log entries it could not sync: they are what it exports, again
     * at its next start should the first export fail. With no peers left it used to truncate its
     * whole log within a round.
     */
    @Test
    void aRemovedReplicaKeepsItsUnsyncedLogEntries() {
        try (Cluster cluster = new Cluster(3, 93, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica c = cluster.get(2);
            cluster.runFor(1_000);
            cluster.network.isolate(c.id());
            cluster.await(c.counter("late").add(7)); // reaches no one
            cluster.await(a.removeMember(c.id()));
            cluster.network.heal();
            Removal removal = cluster.await(c.whenRemoved());
            assertThat(removal.unsynced()).extracting(Removal.UnsyncedWrite::key).contains(dev.converge.crdt.Bytes.of("late"));
            cluster.runFor(5_000); // many gossip rounds
            long first = removal.unsynced().get(0).seq();
            var slice = cluster.stores.get(2).readDeltaLog(first - 1, 1 << 20);
            assertThat(slice.truncated()).as("the log was truncated past the unsynced writes").isFalse();
            assertThat(slice.entries()).as("the unsynced writes' entries").isNotEmpty();
            assertThat(slice.entries().get(0).seq()).isEqualTo(first);
        }
    }

    @Test
    void aReplicaRefusesWritesFromTheMomentItCanBeSeenListedRemoved() {
        try (Cluster cluster = new Cluster(3, 57, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica c = cluster.get(2);
            cluster.runFor(1_000);
            a.removeMember(c.id());
            assertThat(cluster.time.runUntil(() -> c.members().stream().anyMatch(m -> m.id().equals(c.id()) && m.removed()), 5_000))
                    .as("the removal reaches c within 5 s").isTrue();

            // The very next write, before any other task of c's runs: an operator who saw the
            // replica listed removed must not get a write acknowledged that no one will receive.
            var write = c.counter("late").add(1);
            assertThatThrownBy(() -> cluster.await(write)).hasRootCauseInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("was removed from the cluster");
            cluster.runFor(1_000);
            assertThat(a.counter("late").value()).isZero();
        }
    }

    @Test
    void replicasThatDoNotListenAreMembersEverywhereAllTheSame() {
        // The in-memory network binds no endpoint, as an embedded replica that only dials out.
        try (Cluster cluster = new Cluster(3, 19, EngineConfig.defaults())) {
            cluster.runFor(2_000);
            java.util.Set<ReplicaId> all = java.util.Set.of(cluster.id(0), cluster.id(1), cluster.id(2));
            for (int i = 0; i < 3; i++) {
                Replica r = cluster.get(i);
                assertThat(r.members()).as("as %s sees it", r.id()).extracting(Member::id).containsExactlyInAnyOrderElementsOf(all);
                assertThat(r.members()).allSatisfy(m -> {
                    assertThat(m.endpoint()).as("no endpoint to dial").isEmpty();
                    assertThat(m.removed()).isFalse();
                });
            }
            cluster.assertConverged();
        }
    }

    @Test
    void aRemovedMemberNoLongerHoldsBackLogTruncation() {
        try (Cluster cluster = new Cluster(3, 92, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            ReplicaId gone = cluster.id(2);
            cluster.runFor(500);
            // Every member acknowledged the log so far (each registered itself as a member).
            long before = cluster.stores.get(0).lastSeq();
            cluster.network.isolate(gone);
            for (int i = 0; i < 20; i++) {
                cluster.await(a.counter("k" + i).add(1));
            }
            cluster.runFor(2_000);
            assertThat(cluster.stores.get(0).readDeltaLog(before, Integer.MAX_VALUE).truncated())
                    .as("an unreachable member's position holds the log").isFalse();
            cluster.await(a.removeMember(gone));
            cluster.runFor(2_000);
            assertThat(cluster.stores.get(0).readDeltaLog(before, Integer.MAX_VALUE).truncated())
                    .as("once removed, only the remaining member's acknowledgements count").isTrue();
        }
    }

    @Test
    void theClustersOwnDocumentsAreReadOnlyAndHidden() {
        try (Cluster cluster = new Cluster(2, 93, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            cluster.await(a.removeMember(ReplicaId.of(0x77)));
            cluster.await(a.counter("visible").add(1));
            Bytes reserved = Bytes.of("\0converge/removed");
            assertThat(Replica.reservedKey(reserved)).isTrue();
            assertThatThrownBy(() -> cluster.await(a.set(reserved).add(Bytes.of("0000000000000001"))))
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("reserved");
            assertThatThrownBy(() -> cluster.await(a.delete(reserved))).hasCauseInstanceOf(IllegalArgumentException.class);
            assertThat(a.keys(null, 10)).containsExactly(Bytes.of("visible"));
            assertThat(a.documentCount()).isEqualTo(1);
        }
    }

    /**
     * A replica removed while another member took over its address (a node wiped and restarted
     * under a new id on the same port): both changes can arrive in one refresh. The endpoint stays
     * dialled for the newcomer; it used to be disconnected after the newcomer's (idempotent) connect.
     */
    @Test
    void anEndpointAMemberLeftIsKeptWhenAnotherMemberNowListensThere() {
        ReplicaId gone = ReplicaId.parse("aaaaaaaaaaaaaaaa");
        ReplicaId newcomer = ReplicaId.parse("bbbbbbbbbbbbbbbb");
        ReplicaId stays = ReplicaId.parse("cccccccccccccccc");
        Endpoint shared = Endpoint.parse("10.0.0.1:7000");
        Endpoint other = Endpoint.parse("10.0.0.2:7000");
        Map<ReplicaId, Endpoint> dialled = new HashMap<>(Map.of(gone, shared, stays, other));

        Set<Endpoint> released = Membership.letGo(dialled, Map.of(newcomer, shared, stays, other));

        assertThat(released).as("the newcomer listens at the removed member's endpoint").isEmpty();
        assertThat(dialled).as("the removed member is forgotten").isEqualTo(Map.of(stays, other));
    }

    @Test
    void anEndpointNoMemberListensOnIsLetGo() {
        ReplicaId gone = ReplicaId.parse("aaaaaaaaaaaaaaaa");
        ReplicaId moved = ReplicaId.parse("bbbbbbbbbbbbbbbb");
        Endpoint first = Endpoint.parse("10.0.0.1:7000");
        Endpoint before = Endpoint.parse("10.0.0.2:7000");
        Endpoint after = Endpoint.parse("10.0.0.3:7000");
        Map<ReplicaId, Endpoint> dialled = new HashMap<>(Map.of(gone, first, moved, before));

        Set<Endpoint> released = Membership.letGo(dialled, Map.of(moved, after));

        assertThat(released).containsExactlyInAnyOrder(first, before);
        assertThat(dialled).as("the moved member is dialled anew by the caller").isEmpty();
    }
}
