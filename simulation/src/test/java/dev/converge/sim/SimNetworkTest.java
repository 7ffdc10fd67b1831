package dev.converge.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.SyncMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulated network: order, delay, loss, duplication, partitions of every kind, clogs and resets. */
class SimNetworkTest {

    private static final ReplicaId A = ReplicaId.of(0xA);
    private static final ReplicaId B = ReplicaId.of(0xB);
    private static final ReplicaId C = ReplicaId.of(0xC);

    /** What one end saw: link events and message sequence numbers (carried in Ack.seq). */
    private static final class Recorder implements Transport.Listener {
        final List<String> events = new ArrayList<>();
        final List<Long> received = new ArrayList<>();

        @Override
        public void onLinkUp(ReplicaId peer) {
            events.add("up " + peer);
        }

        @Override
        public void onLinkDown(ReplicaId peer) {
            events.add("down " + peer);
        }

        @Override
        public void onMessage(ReplicaId peer, SyncMessage message) {
            received.add(((Ack) message).seq());
        }
    }

    private final VirtualTime time = new VirtualTime();
    private final SimNetwork network = new SimNetwork(time, new SplittableRandom(7), new Trace(time, null), Topology.full(3));
    private final Recorder ra = new Recorder();
    private final Recorder rb = new Recorder();
    private final Recorder rc = new Recorder();
    private Transport ta;
    private Transport tb;

    private void start() {
        network.connectionTiming(100, 50);
        ta = network.attach(0, A);
        tb = network.attach(1, B);
        Transport tc = network.attach(2, C);
        ta.start(ra);
        tb.start(rb);
        tc.start(rc);
        time.runFor(100);
    }

    private static Ack message(long n) {
        return new Ack(n);
    }

    @Test
    void linksComeUpAndMessagesArriveInOrderAfterADelay() {
        start();
        assertThat(ra.events).containsExactlyInAnyOrder("up " + B, "up " + C);
        network.chaos(true);
        network.profile(0, 1, new SimNetwork.LinkProfile(20, 0, 0, 0));
        for (long i = 1; i <= 50; i++) {
            assertThat(ta.send(B, message(i))).isEqualTo(Transport.SendResult.QUEUED);
        }
        time.runFor(1);
        assertThat(rb.received).isEmpty();
        time.runFor(2_000);
        assertThat(rb.received).hasSize(50).isSorted();
        assertThat(network.totalMessagesSent()).isEqualTo(50);
        assertThat(network.bytesSent(0)).isPositive();
    }

    @Test
    void lossDuplicationAndReorderingHappenAtTheirRates() {
        start();
        network.chaos(true);
        network.profile(0, 1, new SimNetwork.LinkProfile(30, 0.2, 0.1, 0.3));
        for (long i = 1; i <= 2_000; i++) {
            ta.send(B, message(i));
        }
        time.runFor(10_000);
        assertThat(network.lost()).isBetween(300L, 500L);
        assertThat(network.duplicated()).isBetween(100L, 230L);
        assertThat(rb.received.size()).isEqualTo(2_000 - (int) network.lost() + (int) network.duplicated());
        assertThat(rb.received).isNotEqualTo(rb.received.stream().sorted().toList());
    }

    @Test
    void aSymmetricPartitionTakesLinksDownAndTheHealBringsThemBack() {
        start();
        boolean[][] cut = new boolean[3][3];
        cut[0][1] = true;
        network.partition(cut, null);
        ta.send(B, message(1)); // may still be QUEUED before the ends notice, but it is lost
        time.runFor(200);
        assertThat(ra.events).contains("down " + B);
        assertThat(rb.events).contains("down " + A);
        assertThat(ta.send(B, message(2))).isEqualTo(Transport.SendResult.NO_LINK);
        assertThat(ta.send(C, message(3))).isEqualTo(Transport.SendResult.QUEUED);
        network.partition(null, null);
        time.runFor(200);
        assertThat(ra.events).endsWith("up " + B);
        ta.send(B, message(4));
        time.runFor(100);
        assertThat(rb.received).containsExactly(4L);
        assertThat(rc.received).containsExactly(3L);
    }

    @Test
    void aOneWayPartitionDropsOneDirectionSilently() {
        start();
        boolean[][] oneWay = new boolean[3][3];
        oneWay[0][1] = true;
        network.partition(null, oneWay);
        assertThat(ta.send(B, message(1))).isEqualTo(Transport.SendResult.QUEUED);
        assertThat(tb.send(A, message(2))).isEqualTo(Transport.SendResult.QUEUED);
        time.runFor(500);
        assertThat(rb.received).isEmpty();
        assertThat(ra.received).containsExactly(2L);
        assertThat(ra.events).doesNotContain("down " + B);
    }

    @Test
    void aClogHoldsMessagesUntilItEnds() {
        start();
        network.clog(0, 1, 1_000);
        ta.send(B, message(1));
        time.runFor(900);
        assertThat(rb.received).isEmpty();
        time.runFor(200);
        assertThat(rb.received).containsExactly(1L);
    }

    /** The heal ends every clog at once: what they held arrives then, before anything sent after. */
    @Test
    void theHealReleasesWhatClogsHeldInOrder() {
        start();
        network.clog(0, 1, 5_000);
        ta.send(B, message(1));
        ta.send(B, message(2));
        time.runFor(100);
        network.unclogAll();
        ta.send(B, message(3));
        time.runFor(100);
        assertThat(rb.received).containsExactly(1L, 2L, 3L);
        time.runFor(6_000);
        assertThat(rb.received).as("delivered once").containsExactly(1L, 2L, 3L);
    }

    @Test
    void aResetLosesWhatIsInFlightAndTheEndsReconnect() {
        start();
        network.chaos(true);
        network.profile(0, 1, new SimNetwork.LinkProfile(50, 0, 0, 0));
        ta.send(B, message(1));
        network.reset(0, 1);
        time.runFor(500);
        assertThat(rb.received).isEmpty();
        assertThat(ra.events).containsSubsequence("down " + B, "up " + B);
        ta.send(B, message(2));
        time.runFor(1_000);
        assertThat(rb.received).containsExactly(2L);
    }

    @Test
    void aDeadProcessLosesItsInboundMessagesAndItsPeersSeeTheLinkDrop() {
        start();
        ta.send(B, message(1));
        network.detach(1);
        time.runFor(500);
        assertThat(rb.received).isEmpty();
        assertThat(ra.events).contains("down " + B);
        assertThat(ta.send(B, message(2))).isEqualTo(Transport.SendResult.NO_LINK);
    }

    @Test
    void aFullOutboundQueueAnswersBackPressure() {
        start();
        network.clog(0, 1, 10_000);
        Transport.SendResult last = null;
        for (int i = 0; i <= SimNetwork.MAX_IN_FLIGHT; i++) {
            last = ta.send(B, message(i));
        }
        assertThat(last).isEqualTo(Transport.SendResult.BACK_PRESSURED);
    }

    @Test
    void topologiesAreConnectedWithTheExpectedDiameters() {
        assertThat(Topology.diameter(Topology.circulant(15, 1, 4))).isEqualTo(3);
        assertThat(Topology.diameter(Topology.binaryTree(15))).isEqualTo(6);
        assertThat(Topology.diameter(Topology.ring(8))).isEqualTo(4);
        assertThat(Topology.edges(Topology.binaryTree(15))).isEqualTo(14);
        for (long seed = 0; seed < 20; seed++) {
            assertThat(Topology.diameter(Topology.randomConnected(9, new SplittableRandom(seed)))).isLessThan(Integer.MAX_VALUE);
            assertThat(Topology.diameter(Topology.randomRegular(200, 8, new SplittableRandom(seed)))).isLessThan(8);
        }
    }
}
