package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.replica.sync.SyncConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Digest catch-ups whose state exchanges go wrong part-way: each must either bring the peer
 * everything it lacks or not count as done. The periodic backstop is off here, so nothing else
 * would repair a catch-up that wrongly counted as done.
 */
class CatchUpExchangeTest {

    private static final SyncConfig NO_BACKSTOP = SyncConfig.defaults().withAntiEntropyIntervalMillis(0).withRetainedLogEntries(10);

    /**
     * A peer keeps at most four messages' worth of offered documents per exchange (it holds them
     * to answer with what the offering side lacks). An emptied peer behind a store larger than
     * that must still get every document, in exchanges it accepts.
     */
    @Test
    void aStoreLargerThanOneExchangeReachesAnEmptyPeerWhole() {
        EngineConfig config = EngineConfig.defaults().withSync(NO_BACKSTOP.withMaxDocumentsPerMessage(50));
        try (Cluster cluster = new Cluster(2, 41, config)) {
            Replica ahead = cluster.get(0);
            Replica empty = cluster.get(1);
            cluster.network.isolate(empty.id());
            for (int i = 0; i < 1_000; i++) {
                cluster.await(ahead.counter("k" + i).add(1)); // five times what one exchange may offer
            }
            cluster.network.heal();
            cluster.runFor(20_000);
            cluster.assertConverged();
            assertThat(empty.counter("k999").value()).isEqualTo(1);
        }
    }

    /**
     * A part of a state offer lost on the way (here the second part of the first offer of each
     * range): the exchange may not count as complete, and the catch-up, tried again, brings the
     * emptied peer every document. It used to be answered, and so done, without that part.
     */
    @Test
    void aLostPartOfAStateExchangeNeverCountsAsDone() {
        EngineConfig config = EngineConfig.defaults().withSync(NO_BACKSTOP.withMaxDocumentsPerMessage(50).withMaxBatchBytes(1024));
        try (Cluster cluster = new Cluster(2, 45, config)) {
            Replica ahead = cluster.get(0);
            Replica empty = cluster.get(1);
            cluster.network.isolate(empty.id());
            List<Bytes> elements = new ArrayList<>();
            for (int e = 0; e < 8; e++) {
                elements.add(Bytes.of("an element of some length " + e)); // about 10 documents to a 1 KiB part
            }
            for (int i = 0; i < 150; i++) {
                cluster.await(ahead.set("k" + i).add(elements));
            }
            java.util.Set<KeyHashRange> dropped = new java.util.HashSet<>();
            cluster.runFor(1_000); // a round truncates the log past what the isolated peer acknowledged
            java.util.Set<Long> incomplete = new java.util.HashSet<>();
            java.util.Set<Long> answered = new java.util.HashSet<>();
            cluster.network.lost = m -> {
                if (m instanceof StateBatch b && b.reply()) {
                    answered.add(b.requestId());
                }
                boolean lose = m instanceof StateBatch b && !b.reply() && b.part() == 1 && dropped.add(b.range());
                if (lose) {
                    incomplete.add(((StateBatch) m).requestId());
                }
                return lose;
            };
            cluster.network.heal();
            cluster.runFor(30_000);
            assertThat(incomplete).as("parts were lost").isNotEmpty();
            assertThat(answered).as("offers that lost a part are never answered").doesNotContainAnyElementsOf(incomplete);
            cluster.assertConverged();
            for (int i = 0; i < 150; i++) {
                assertThat(empty.set("k" + i).size()).as("k%d", i).isEqualTo(8);
            }
        }
    }

    /**
     * The responder's side: an offer that grows past what it keeps is refused from that part on
     * (the rest is not merged) and never answered, so the offering side cannot take the exchange
     * for complete. It used to start the exchange afresh with the next part and answer its last.
     */
    @Test
    void anOfferRefusedPartWayIsNeverAnswered() {
        int perMessage = 50;
        EngineConfig config = EngineConfig.defaults().withSync(NO_BACKSTOP.withMaxDocumentsPerMessage(perMessage));
        try (Cluster cluster = new Cluster(2, 43, config)) {
            Replica responder = cluster.get(0);
            ReplicaId offering = cluster.id(1);
            cluster.runFor(500);
            boolean[] answered = new boolean[1];
            cluster.network.refused = m -> {
                answered[0] |= m instanceof StateBatch b && b.reply() && b.requestId() == 9;
                return false;
            };
            for (int part = 0; part < 5; part++) { // the fifth part passes four messages' worth
                List<Document> documents = new ArrayList<>();
                for (int i = 0; i < perMessage; i++) {
                    documents.add(new Document(Bytes.of("offered-" + part + "-" + i), GCounter.empty().increment(offering, 1).state()));
                }
                cluster.network.inject(offering, responder.id(), new StateBatch(9, KeyHashRange.ALL, documents, part, false, false));
            }
            cluster.network.inject(offering, responder.id(), new StateBatch(9, KeyHashRange.ALL,
                    List.of(new Document(Bytes.of("after the refusal"), GCounter.empty().increment(offering, 1).state())), 5, true, false));
            cluster.runFor(1_000);
            assertThat(answered[0]).as("the offer was answered").isFalse();
            assertThat(responder.read(Bytes.of("after the refusal"))).as("a part after the refusal was merged").isEmpty();
            assertThat(responder.read(Bytes.of("offered-3-0"))).as("the parts before it were merged").isPresent();
            assertThat(cluster.await(responder.status()).rejectedMessages()).isEqualTo(1);
        }
    }
}
