package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.TypeConflict;
import dev.converge.crdt.WrongTypeException;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.replica.sync.SyncConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A key written as different types on replicas that could not see each other: every replica
 * keeps every type's data and they converge, where they used to refuse each other's deltas and
 * stay apart for good.
 */
class TypeConflictTest {

    private static final Bytes K = Bytes.of("k");

    @Test
    void replicasThatWroteAKeyAsDifferentTypesConvergeKeepingEach() {
        try (Cluster cluster = new Cluster(3, 71, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            Replica c = cluster.get(2);
            cluster.network.disconnect(a.id(), b.id());
            cluster.network.disconnect(a.id(), c.id());
            cluster.network.disconnect(b.id(), c.id());
            cluster.await(a.counter(K).add(5));
            cluster.await(b.set(K).add(Bytes.of("x")));
            cluster.await(c.register(K).set("v"));

            cluster.network.heal();
            cluster.runFor(3_000);

            cluster.assertConverged();
            for (Replica r : List.of(a, b, c)) {
                assertThat(r.read(K).orElseThrow()).isInstanceOf(TypeConflict.class);
                assertThat(((TypeConflict) r.read(K).orElseThrow()).parts()).extracting(p -> p.type())
                        .containsExactly(CrdtType.PN_COUNTER, CrdtType.LWW_REGISTER, CrdtType.OR_SET);
                assertThat(r.counter(K).value()).as("each type reads as it was written").isEqualTo(5);
                assertThat(r.set(K).elements()).containsExactly(Bytes.of("x"));
                assertThat(r.register(K).value()).contains(Bytes.of("v"));
                assertThat(r.exists(K)).isTrue();
            }
            long conflictsSeen = 0;
            for (int i = 0; i < 3; i++) {
                conflictsSeen += cluster.await(cluster.get(i).status()).typeConflicts();
            }
            assertThat(conflictsSeen).as("each replica counted the key once, when it became a conflict").isEqualTo(3);
        }
    }

    @Test
    void writesToAConflictedKeyAreRefusedUntilItIsDeletedThenOneTypeTakesOver() {
        try (Cluster cluster = new Cluster(2, 72, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.network.disconnect(a.id(), b.id());
            cluster.await(a.counter(K).add(5));
            cluster.await(b.set(K).add(Bytes.of("x")));
            cluster.network.heal();
            cluster.runFor(2_000);

            assertThatThrownBy(() -> cluster.await(a.counter(K).add(1))).hasRootCauseInstanceOf(WrongTypeException.class)
                    .hasMessageContaining("PN_COUNTER and OR_SET").hasMessageContaining("delete it");
            assertThatThrownBy(() -> cluster.await(b.set(K).add(Bytes.of("y")))).hasRootCauseInstanceOf(WrongTypeException.class);
            assertThatThrownBy(() -> cluster.await(b.register(K).set("v"))).as("nor a third type")
                    .hasRootCauseInstanceOf(WrongTypeException.class);

            assertThat(cluster.await(b.delete(K)).value()).isTrue();
            cluster.runFor(1_000);
            assertThat(a.exists(K)).isFalse();
            cluster.await(a.counter(K).add(2));
            cluster.runFor(1_000);

            cluster.assertConverged();
            assertThat(b.counter(K).value()).as("the counter restarted after the delete").isEqualTo(2);
            assertThat(b.set(K).elements()).isEmpty();
            assertThatThrownBy(() -> cluster.await(b.set(K).add(Bytes.of("y")))).as("the counter shows again: sets refused")
                    .hasRootCauseInstanceOf(WrongTypeException.class);
        }
    }

    /** A digest catch-up's answer names what the offer lacked, also a part of another type. */
    @Test
    void aStateExchangeAnswersWithTheTypeTheOfferLacked() {
        try (Cluster cluster = new Cluster(2, 74, EngineConfig.defaults())) {
            Replica responder = cluster.get(0);
            ReplicaId offering = cluster.id(1);
            cluster.await(responder.set(K).add(Bytes.of("x")));
            cluster.runFor(500);
            List<Document> answer = new ArrayList<>();
            cluster.network.refused = m -> {
                if (m instanceof StateBatch b && b.reply() && b.requestId() == 9) {
                    answer.addAll(b.documents());
                }
                return false;
            };
            PNCounter offered = PNCounter.empty().add(offering, 5).state();
            cluster.network.inject(offering, responder.id(), new StateBatch(9, KeyHashRange.ALL, List.of(new Document(K, offered)), 0, true, false));
            cluster.runFor(500);

            assertThat(responder.counter(K).value()).as("the offer was merged beside the set").isEqualTo(5);
            assertThat(answer).as("the answer carries the set the offer lacked").anySatisfy(d -> {
                assertThat(d.key()).isEqualTo(K);
                assertThat(Crdt.joinAny(offered, d.value())).isEqualTo(responder.read(K).orElseThrow());
            });
        }
    }

    @Test
    void aReplicaBehindTheTruncatedLogGetsTheConflictByCatchUp() {
        EngineConfig config = EngineConfig.defaults().withSync(SyncConfig.defaults().withRetainedLogEntries(10));
        try (Cluster cluster = new Cluster(3, 73, config)) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            Replica c = cluster.get(2);
            cluster.network.isolate(c.id());
            cluster.network.disconnect(a.id(), b.id());
            cluster.await(a.counter(K).add(5));
            cluster.await(b.set(K).add(Bytes.of("x")));
            cluster.network.connect(a.id(), b.id());
            cluster.runFor(2_000);
            for (int i = 0; i < 40; i++) {
                cluster.await(a.counter("filler-" + i).add(1));
                cluster.await(b.counter("other-" + i).add(1));
            }
            cluster.runFor(2_000);
            assertThat(cluster.stores.get(0).readDeltaLog(0, 1).truncated()).as("a's log was truncated past c").isTrue();
            assertThat(cluster.stores.get(1).readDeltaLog(0, 1).truncated()).as("b's log was truncated past c").isTrue();

            cluster.network.heal();
            cluster.runFor(10_000);

            cluster.assertConverged();
            assertThat(c.counter(K).value()).isEqualTo(5);
            assertThat(c.set(K).elements()).containsExactly(Bytes.of("x"));
        }
    }
}
