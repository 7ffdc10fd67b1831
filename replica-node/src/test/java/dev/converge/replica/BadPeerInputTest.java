package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.TypeConflict;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.StateBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Protocol-level bad input from an authenticated peer: refused with a reason, no state corrupted. */
class BadPeerInputTest {

    private static SyncStatus status(Cluster c, int i) {
        return c.await(c.get(i).status());
    }

    @Test
    void eachMalformedMessageIsRefusedAndChangesNothing() {
        try (Cluster cluster = new Cluster(2, 31, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            ReplicaId b = cluster.id(1);
            cluster.await(a.set("fruits").add(Bytes.of("apple")));
            cluster.runFor(1_000);
            long lastSeq = status(cluster, 0).lastSeq();
            long ackedByB = status(cluster, 0).peers().get(0).ackedSeq();

            // 1. A batch of more documents than a message may hold.
            List<Document> tooMany = new ArrayList<>();
            for (int i = 0; i <= EngineConfig.defaults().sync().maxDocumentsPerMessage(); i++) {
                tooMany.add(new Document(Bytes.of("flood-" + i), GCounter.empty().increment(b, 1).state()));
            }
            cluster.network.inject(b, a.id(), new DeltaBatch(0, 1, tooMany, 0));
            // 2. An ack beyond anything this log ever held.
            cluster.network.inject(b, a.id(), new Ack(lastSeq + 1_000));
            // 3. A heartbeat acknowledging beyond it too.
            cluster.network.inject(b, a.id(), new Heartbeat(lastSeq + 1, List.of()));
            // 4. A digest request for more ranges than allowed.
            List<KeyHashRange> ranges = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                ranges.add(new KeyHashRange((long) i << 55, 9));
            }
            cluster.network.inject(b, a.id(), new DigestRequest(1, ranges));
            // 5. A state reply nobody asked for.
            cluster.network.inject(b, a.id(), new StateBatch(77, KeyHashRange.ALL, List.of(), 0, true, true));
            // 6. A state offer holding a key outside its range.
            KeyHashRange narrow = new KeyHashRange(0, 64);
            cluster.network.inject(b, a.id(), new StateBatch(78, narrow, List.of(new Document(Bytes.of("fruits"),
                    ORSet.empty().add(b, Bytes.of("poison")).state())), 0, true, false));
            cluster.runFor(100);

            SyncStatus after = status(cluster, 0);
            assertThat(after.rejectedMessages()).isEqualTo(6);
            assertThat(after.lastSeq()).isEqualTo(lastSeq);
            assertThat(after.peers().get(0).ackedSeq()).isEqualTo(ackedByB);
            assertThat(a.set("fruits").elements()).containsExactly(Bytes.of("apple"));
        }
    }

    @Test
    void abandonedStateExchangesGiveWayToNewOnes() {
        try (Cluster cluster = new Cluster(2, 34, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            ReplicaId b = cluster.id(1);
            cluster.runFor(500);
            // A peer whose catch-ups keep timing out leaves exchanges open that it never finishes.
            int limit = EngineConfig.defaults().sync().maxRangesPerMessage();
            for (int i = 0; i < limit + 50; i++) {
                cluster.network.inject(b, a.id(), new StateBatch(1_000 + i, KeyHashRange.ALL, List.of(), 0, false, false));
            }
            cluster.network.inject(b, a.id(), new StateBatch(5_000, KeyHashRange.ALL, List.of(new Document(Bytes.of("late"),
                    GCounter.empty().increment(b, 3).state())), 0, true, false));
            cluster.runFor(500);
            assertThat(status(cluster, 0).rejectedMessages()).as("no exchange refused").isZero();
            assertThat(((GCounter) a.read(Bytes.of("late")).orElseThrow()).value()).as("the newest exchange was merged").isEqualTo(3);
        }
    }

    @Test
    void aDeltaForAKeyOfAnotherTypeIsKeptBesideItsValueNotOverIt() {
        try (Cluster cluster = new Cluster(2, 32, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            ReplicaId b = cluster.id(1);
            cluster.await(a.set("k").add(Bytes.of("x")));
            cluster.runFor(500);
            cluster.network.inject(b, a.id(), new DeltaBatch(0, 1, List.of(
                    new Document(Bytes.of("k"), GCounter.empty().increment(b, 5).state()),
                    new Document(Bytes.of("fine"), GCounter.empty().increment(b, 2).state())), 0));
            cluster.runFor(100);
            SyncStatus status = status(cluster, 0);
            assertThat(status.typeConflicts()).isEqualTo(1);
            assertThat(a.set("k").elements()).containsExactly(Bytes.of("x"));
            assertThat(((TypeConflict) a.read(Bytes.of("k")).orElseThrow()).part(CrdtType.G_COUNTER))
                    .contains(GCounter.empty().increment(b, 5).state());
            assertThat(((GCounter) a.read(Bytes.of("fine")).orElseThrow()).value()).isEqualTo(2);
            // A grow-only counter (no replica writes one at the top level) cannot be deleted: nor the key then.
            assertThatThrownBy(() -> cluster.await(a.delete(Bytes.of("k")))).hasRootCauseInstanceOf(UnsupportedOperationException.class);
            assertThat(a.set("k").elements()).as("nothing deleted").containsExactly(Bytes.of("x"));
        }
    }

    @Test
    void aDeltaOfAnotherTypeForTheClustersOwnDocumentsIsRefused() {
        try (Cluster cluster = new Cluster(2, 34, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            ReplicaId b = cluster.id(1);
            cluster.runFor(500);
            var members = a.read(Membership.MEMBERS);
            var memberList = a.members();
            cluster.network.inject(b, a.id(), new DeltaBatch(0, 1, List.of(
                    new Document(Membership.REMOVED, PNCounter.empty().add(b, 1).state()),
                    new Document(Membership.MEMBERS, ORSet.empty().add(b, Bytes.of("x")).state()),
                    new Document(Bytes.of("fine"), GCounter.empty().increment(b, 2).state())), 0));
            cluster.runFor(100);
            assertThat(status(cluster, 0).rejectedMessages()).isEqualTo(2);
            assertThat(a.read(Membership.REMOVED)).as("no removal set made of a counter").isEmpty();
            assertThat(a.read(Membership.MEMBERS)).isEqualTo(members);
            assertThat(a.members()).isEqualTo(memberList);
            assertThat(((GCounter) a.read(Bytes.of("fine")).orElseThrow()).value()).isEqualTo(2);
        }
    }

    @Test
    void aSequenceRangeFromTheFutureIsNeitherMergedNorAcknowledged() {
        try (Cluster cluster = new Cluster(2, 33, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.await(b.counter("n").add(1));
            cluster.runFor(500);
            // A batch for a range of b's log far past what a merged: taken for one that follows a
            // lost batch, it is not merged (causal merging) nor acknowledged, so b's view of a stays true.
            cluster.network.inject(b.id(), a.id(), new DeltaBatch(1_000, 2_000,
                    List.of(new Document(Bytes.of("extra"), GCounter.empty().increment(b.id(), 4).state())), 0));
            cluster.runFor(500);
            SyncStatus atB = status(cluster, 1);
            assertThat(atB.rejectedMessages()).as("a sent no acknowledgement past b's log").isZero();
            assertThat(atB.peers().get(0).ackedSeq()).isLessThanOrEqualTo(atB.lastSeq());
            assertThat(a.read(Bytes.of("extra"))).as("not merged past the gap").isEmpty();
            cluster.await(b.counter("n").add(1));
            cluster.runFor(1_000);
            assertThat(a.counter("n").value()).isEqualTo(2);
        }
    }

    /**
     * The first batch a replica ever sees from a peer may be a push that overtook a lost earlier
     * batch: it starts past what the receiver merged, so it must not be acknowledged (that would
     * skip the lost range for good, and forwarders trusting the progress report would skip it too).
     */
    @Test
    void aFirstBatchStartingPastZeroIsNotAcknowledged() {
        try (Cluster cluster = new Cluster(2, 34, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.network.inject(b.id(), a.id(), new DeltaBatch(100, 200,
                    List.of(new Document(Bytes.of("early"), GCounter.empty().increment(b.id(), 1).state())), 0));
            cluster.runFor(1_000);
            assertThat(status(cluster, 1).rejectedMessages()).as("no acknowledgement past b's log").isZero();
            cluster.await(b.counter("n").add(7));
            cluster.runFor(1_000);
            assertThat(a.counter("n").value()).isEqualTo(7);
            assertThat(status(cluster, 1).peers().get(0).unackedEntries()).isZero();
        }
    }
}
