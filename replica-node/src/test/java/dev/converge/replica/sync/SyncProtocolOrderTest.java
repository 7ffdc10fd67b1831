package dev.converge.replica.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.VersionVector;
import dev.converge.replica.EventLoop;
import dev.converge.replica.store.MemoryDocumentStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The protocol's bookkeeping of positions against merges that complete out of order, its
 * retransmission timer against a peer that keeps getting new batches but acknowledges none, and
 * the coalescing of its acknowledgements.
 */
class SyncProtocolOrderTest {

    private static final ReplicaId SELF = ReplicaId.of(1);
    private static final ReplicaId PEER = ReplicaId.of(2);

    /** Runs tasks at once; timers run only when {@link #advanceTo} passes them. */
    private static final class ManualLoop implements EventLoop {
        long now;
        private final List<Map.Entry<Long, Runnable>> timers = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        @Override
        public Cancellable schedule(long delayMillis, Runnable task) {
            timers.add(Map.entry(now + delayMillis, task));
            return () -> { };
        }

        /** Moves the time to {@code t}, running the timers due by then in order. */
        void advanceTo(long t) {
            while (true) {
                Map.Entry<Long, Runnable> next = timers.stream().filter(e -> e.getKey() <= t)
                        .min(Map.Entry.comparingByKey()).orElse(null);
                if (next == null) {
                    break;
                }
                timers.remove(next);
                now = next.getKey();
                next.getValue().run();
            }
            now = t;
        }

        @Override
        public long nowMillis() {
            return now;
        }
    }

    private static final class Recorder implements Transport {
        final List<SyncMessage> sent = new ArrayList<>();
        final List<Long> sentAt = new ArrayList<>();
        final ManualLoop clock;

        Recorder(ManualLoop clock) {
            this.clock = clock;
        }

        @Override
        public ReplicaId localId() {
            return SELF;
        }

        @Override
        public void start(Listener listener) {
        }

        @Override
        public void connect(Endpoint endpoint) {
        }

        @Override
        public void disconnect(Endpoint endpoint) {
        }

        @Override
        public SendResult send(ReplicaId peer, SyncMessage message) {
            sent.add(message);
            sentAt.add(clock.now);
            return SendResult.QUEUED;
        }

        @Override
        public Set<ReplicaId> connectedPeers() {
            return Set.of(PEER);
        }

        @Override
        public List<LinkStats> linkStats() {
            return List.of();
        }

        @Override
        public void close() {
        }

        long lastAck() {
            long ack = -1;
            for (SyncMessage m : sent) {
                if (m instanceof Ack a) {
                    ack = a.seq();
                } else if (m instanceof Heartbeat h) {
                    ack = h.ackSeq();
                } else if (m instanceof DeltaBatch b && b.ackSeq() > 0) {
                    ack = b.ackSeq(); // 0: the batch carries no acknowledgement
                }
            }
            return ack;
        }
    }

    private static DeltaBatch batch(long from, long to) {
        return batch(from, to, false);
    }

    private static DeltaBatch batch(long from, long to, boolean ackNow) {
        GCounter c = GCounter.of(VersionVector.of(PEER, to));
        return new DeltaBatch(from, to, List.of(new Document(Bytes.of("c"), c)), 0, ackNow);
    }

    /** The acknowledgements sent, each as (time, acknowledged point), whatever message carried it. */
    private static List<List<Long>> acks(Recorder transport) {
        List<List<Long>> out = new ArrayList<>();
        for (int i = 0; i < transport.sent.size(); i++) {
            SyncMessage m = transport.sent.get(i);
            long ack = m instanceof Ack a ? a.seq() : m instanceof Heartbeat h ? h.ackSeq() : m instanceof DeltaBatch b ? b.ackSeq() : 0;
            if (ack > 0) {
                out.add(List.of(transport.sentAt.get(i), ack));
            }
        }
        return out;
    }

    private static SyncProtocol protocol(SyncConfig config, MemoryDocumentStore store, Recorder transport, ManualLoop loop,
                                         RemoteApplier applier) {
        return new SyncProtocol(SELF, config, store, transport, applier, loop, new SplittableRandom(1), new SyncProtocol.Observer() {
            @Override
            public void onAcked(ReplicaId peer, long seq) {
            }

            @Override
            public void onRejected(ReplicaId peer, String reason) {
            }
        });
    }

    @Test
    void mergesThatCompleteOutOfOrderStillMoveThePositionInArrivalOrder() {
        ManualLoop loop = new ManualLoop();
        Recorder transport = new Recorder(loop);
        List<CompletableFuture<Long>> merges = new ArrayList<>();
        SyncProtocol protocol = protocol(SyncConfig.defaults(), new MemoryDocumentStore(SELF), transport, loop, (peer, documents) -> {
            CompletableFuture<Long> f = new CompletableFuture<>();
            merges.add(f);
            return f;
        });
        protocol.onLinkUp(PEER, 0);
        protocol.onMessage(PEER, batch(0, 1), 0);
        protocol.onMessage(PEER, batch(1, 2), 0);
        protocol.onMessage(PEER, batch(2, 3), 0);
        // The last two had nothing new and complete first; the first waits for its commit.
        merges.get(2).complete(-1L);
        merges.get(1).complete(-1L);
        assertThat(transport.lastAck()).as("nothing acknowledged before the first batch is durable").isLessThan(1);
        merges.get(0).complete(7L);
        protocol.onTick(0);
        assertThat(transport.lastAck()).as("all three batches acknowledged once the first is durable").isEqualTo(3);
    }

    /**
     * A protocol linked to the peer: it pushes its own writes at once, and the peer's batches merge
     * at once and change nothing here.
     */
    private static final class Linked {
        final ManualLoop loop = new ManualLoop();
        final Recorder transport = new Recorder(loop);
        final MemoryDocumentStore store = new MemoryDocumentStore(SELF);
        final SyncProtocol protocol;

        Linked() {
            this(SyncConfig.defaults().withPushDelayMillis(0));
        }

        Linked(SyncConfig config) {
            protocol = protocol(config, store, transport, loop, (peer, documents) -> CompletableFuture.completedFuture(-1L));
            protocol.onLinkUp(PEER, 0);
        }

        /** A write every 100 ms from 0 to {@code until}, a round every 200 ms, and {@code atEach} before each write. */
        void writeEvery100Ms(long until, Runnable atEach) {
            for (long t = 0; t <= until; t += 100) {
                loop.now = t;
                atEach.run();
                protocol.onLocalCommit(commit(t / 100 + 1), t);
                if (t % 200 == 0) {
                    protocol.onTick(t);
                }
            }
        }

        void receiveAt(long t, DeltaBatch b) {
            loop.advanceTo(t);
            protocol.onMessage(PEER, b, t);
        }

        void commitAt(long t, long value) {
            loop.advanceTo(t);
            protocol.onLocalCommit(commit(value), t);
        }

        /** A local write durable in the store, not yet handed to the protocol. */
        long commit(long value) {
            GCounter next = GCounter.of(VersionVector.of(SELF, value));
            return store.commit(new Commit(SELF, List.of(new Change(Bytes.of("c"), next, next)), Map.of(), Optional.empty()))
                    .toCompletableFuture().join();
        }

        List<DeltaBatch> batches() {
            return transport.sent.stream().filter(m -> m instanceof DeltaBatch).map(m -> (DeltaBatch) m).toList();
        }
    }

    /** When batches starting at {@code from} with deltas were sent. */
    private static List<Long> sendsFrom(Recorder transport, long from) {
        List<Long> at = new ArrayList<>();
        for (int i = 0; i < transport.sent.size(); i++) {
            if (transport.sent.get(i) instanceof DeltaBatch b && b.fromSeq() == from && !b.deltas().isEmpty()) {
                at.add(transport.sentAt.get(i));
            }
        }
        return at;
    }

    @Test
    void aPeerThatKeepsGettingNewBatchesButAcknowledgesNoneGetsTheFirstAgainOnceAndThenLater() {
        Linked p = new Linked();
        // The peer's acknowledgements never come (its first batch was lost) while new writes keep being pushed.
        p.writeEvery100Ms(5_200, () -> { });
        // The first send at 0; resent 1 s after it although pushes went on; then every 2 s.
        assertThat(sendsFrom(p.transport, 0)).containsExactly(0L, 1_000L, 3_000L, 5_000L);
    }

    @Test
    void anAcknowledgementThatMovesRestartsTheRetransmissionTimer() {
        Linked p = new Linked();
        // At 500 ms the peer acknowledges through 3 and then nothing more.
        p.writeEvery100Ms(2_000, () -> {
            if (p.loop.now == 500) {
                p.protocol.onMessage(PEER, new Ack(3), p.loop.now);
            }
        });
        assertThat(sendsFrom(p.transport, 3).stream().filter(t -> t > 500).toList())
                .as("resent from the acknowledged point 1 s after the acknowledgement, not 1 s after the first send")
                .containsExactly(1_600L);
    }

    @Test
    void aMergeThatThrowsLosesItsBatchAndBlocksNothingAfterIt() {
        ManualLoop loop = new ManualLoop();
        Recorder transport = new Recorder(loop);
        int[] calls = {0};
        SyncProtocol protocol = protocol(SyncConfig.defaults(), new MemoryDocumentStore(SELF), transport, loop, (peer, documents) -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("the store is closing");
            }
            return CompletableFuture.completedFuture(-1L);
        });
        protocol.onLinkUp(PEER, 0);
        protocol.onMessage(PEER, batch(0, 1), 0);
        protocol.onMessage(PEER, batch(1, 2), 0);
        protocol.onTick(0);
        assertThat(transport.lastAck()).as("the batch after the lost one is past a gap: not acknowledged").isLessThan(1);
        protocol.onMessage(PEER, batch(0, 2), 0); // the sender's retransmission
        protocol.onTick(0);
        assertThat(transport.lastAck()).isEqualTo(2);
    }

    @Test
    void aPeriodicCatchUpHoldsNoFreshWriteBack() {
        Linked p = new Linked(SyncConfig.defaults().withPushDelayMillis(0).withAntiEntropyIntervalMillis(1_000));
        // The peer acknowledges every write before the next, and never answers the digest request
        // of the backstop (due 0.5 to 1.5 s after the link came up): the catch-up stays open until
        // its 3 s timeout, past the last write.
        p.writeEvery100Ms(3_000, () -> p.protocol.onMessage(PEER, new Ack(p.loop.now / 100), p.loop.now));
        List<Long> digestRequests = new ArrayList<>();
        for (int i = 0; i < p.transport.sent.size(); i++) {
            if (p.transport.sent.get(i) instanceof dev.converge.crdt.sync.DigestRequest) {
                digestRequests.add(p.transport.sentAt.get(i));
            }
        }
        assertThat(digestRequests).as("one backstop started").hasSize(1);
        long started = digestRequests.get(0);
        assertThat(started).as("due 0.5 to 1.5 s after the link came up, started by the first round after").isBetween(500L, 1_600L);
        for (long t = started + 100; t <= 3_000; t += 100) {
            assertThat(sendsFrom(p.transport, t / 100)).as("the write of %d ms pushed at once during the catch-up", t).containsExactly(t);
        }
    }

    @Test
    void aBackstopIntervalTooLargeToDrawFromMeansNone() {
        Linked p = new Linked(SyncConfig.defaults().withPushDelayMillis(0).withAntiEntropyIntervalMillis(Long.MAX_VALUE));
        p.writeEvery100Ms(1_000, () -> p.protocol.onMessage(PEER, new Ack(p.loop.now / 100), p.loop.now));
        assertThat(p.batches()).as("the link works").isNotEmpty();
        assertThat(p.transport.sent).noneMatch(m -> m instanceof dev.converge.crdt.sync.DigestRequest);
    }

    @Test
    void batchesArrivingWithinTheAckDelayAreAcknowledgedTogetherAtItsEnd() {
        Linked r = new Linked();
        r.receiveAt(0, batch(0, 1));
        r.receiveAt(2, batch(1, 2));
        r.receiveAt(4, batch(2, 3));
        r.loop.advanceTo(20);
        r.receiveAt(50, batch(3, 4)); // after a quiet spell: at once again
        r.loop.advanceTo(100);
        assertThat(acks(r.transport)).containsExactly(List.of(0L, 1L), List.of(10L, 3L), List.of(50L, 4L));
    }

    @Test
    void aBatchAskingForAnAcknowledgementGetsItAtOnce() {
        Linked r = new Linked();
        r.receiveAt(0, batch(0, 1));
        r.receiveAt(2, batch(1, 2, true));
        r.loop.advanceTo(100);
        assertThat(acks(r.transport)).containsExactly(List.of(0L, 1L), List.of(2L, 2L));
    }

    @Test
    void anAcknowledgementRidesOnABatchGoingBackAndOnlyWhenItMoved() {
        Linked r = new Linked();
        r.receiveAt(0, batch(0, 1)); // acknowledged at once
        r.commitAt(1, 1); // pushed back to the peer: nothing new to acknowledge
        r.receiveAt(2, batch(1, 2)); // within the delay: waits
        r.commitAt(3, 2); // the push carries it
        r.loop.advanceTo(100); // and the delay's end finds nothing left to send
        assertThat(acks(r.transport)).containsExactly(List.of(0L, 1L), List.of(3L, 2L));
        assertThat(r.transport.sent.stream().filter(m -> m instanceof DeltaBatch).map(m -> ((DeltaBatch) m).ackSeq()).toList())
                .containsExactly(0L, 2L);
    }

    @Test
    void batchesCarryingAnEntrySomeoneWaitsForAskForAnAcknowledgement() {
        Linked r = new Linked();
        r.commitAt(0, 1);
        long seq = r.commit(2);
        r.protocol.acknowledgementsWantedThrough(seq); // before the push: the push itself asks
        r.protocol.onLocalCommit(seq, 1);
        r.protocol.onMessage(PEER, new Ack(2), 2);
        r.protocol.acknowledgementsWantedThrough(0); // the waiter is answered
        r.commitAt(3, 3);
        assertThat(r.batches().stream().map(b -> b.toSeq() + ":" + b.ackNow()).toList())
                .containsExactly("1:false", "2:true", "3:false");
    }

    @Test
    void aWaiterForAnEntryAlreadySentAsksThePeerOnceWithAnEmptyBatch() {
        Linked r = new Linked();
        r.commitAt(0, 1);
        r.protocol.acknowledgementsWantedThrough(1);
        r.protocol.acknowledgementsWantedThrough(1); // a second waiter for the same point asks nothing more
        assertThat(r.batches().stream().map(b -> b.fromSeq() + "," + b.toSeq() + ":" + b.deltas().size() + ":" + b.ackNow()).toList())
                .containsExactly("0,1:1:false", "0,0:0:true");
    }

    @Test
    void anEmptyBatchAskingForAnAcknowledgementGetsTheOneThatWaits() {
        Linked r = new Linked();
        r.receiveAt(0, batch(0, 1));
        r.receiveAt(2, batch(1, 2)); // its acknowledgement waits for the delay
        r.receiveAt(3, new DeltaBatch(1, 1, List.of(), 0, true));
        r.loop.advanceTo(100);
        assertThat(acks(r.transport)).containsExactly(List.of(0L, 1L), List.of(3L, 2L));
    }

    @Test
    void aBatchResentFromBelowWhatWeAcknowledgedIsAcknowledgedAgain() {
        Linked r = new Linked();
        r.receiveAt(0, batch(0, 1));
        r.receiveAt(50, batch(0, 1)); // the sender resends: our acknowledgement did not reach it
        r.loop.advanceTo(100);
        assertThat(acks(r.transport)).containsExactly(List.of(0L, 1L), List.of(50L, 1L));
    }

    @Test
    void aMergedPointOfZeroOpensNoCoalescingWindow() {
        Linked r = new Linked();
        r.commitAt(0, 1); // our push tells the peer nothing of its log
        r.receiveAt(2, batch(0, 1));
        assertThat(acks(r.transport)).containsExactly(List.of(2L, 1L));
    }

    @Test
    void anAcknowledgementWaitingForTheDelayGoesOutAfterTheLinkCameBack() {
        Linked r = new Linked();
        r.receiveAt(0, batch(0, 1));
        r.receiveAt(2, batch(1, 2));
        r.loop.advanceTo(5);
        r.protocol.onLinkDown(PEER);
        r.loop.advanceTo(6);
        r.protocol.onLinkUp(PEER, 6);
        r.loop.advanceTo(100);
        assertThat(acks(r.transport)).containsExactly(List.of(0L, 1L), List.of(10L, 2L));
    }
}
