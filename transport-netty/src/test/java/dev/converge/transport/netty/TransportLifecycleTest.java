package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.transport.netty.TestNodes.Node;
import io.netty.channel.epoll.Epoll;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Start, connect, disconnect and close: threads, queues and connections all accounted for. */
@ExtendWith(LeakCheck.class)
class TransportLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private static long threadsOf(ReplicaId id) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("converge-transport-" + id)).count();
    }

    private static void link(Node dialer, Node acceptor) {
        dialer.transport().connect(acceptor.endpoint());
        dialer.recorder().awaitUp(acceptor.id(), WAIT);
        acceptor.recorder().awaitUp(dialer.id(), WAIT);
    }

    @Test
    void closeReleasesEveryThreadAndIsIdempotent() {
        TestNodes nodes = new TestNodes();
        Node a = nodes.start(TestNodes.config(0xA).eventLoopThreads(2).build());
        Node b = nodes.start(0xB);
        link(a, b);
        a.sendSequence(b, 1, 1_000);
        Waits.until(WAIT, "delivered", () -> b.from(a).count() == 1_000);
        assertThat(threadsOf(a.id())).isPositive();
        a.transport().close();
        a.transport().close();
        assertThat(threadsOf(a.id())).isZero();
        b.recorder().awaitDown(a.id(), WAIT);
        assertThat(a.transport().send(b.id(), new Ack(1))).isEqualTo(SendResult.NO_LINK);
        assertThatThrownBy(() -> a.transport().start(b.recorder())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> a.transport().connect(b.endpoint())).isInstanceOf(IllegalStateException.class);
        nodes.close();
        assertThat(threadsOf(b.id())).isZero();
    }

    @Test
    void closeWritesOutWhatIsQueuedBeforeTheDeadline() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(0xA).shutdownDeadlineMillis(5_000).build());
            Node b = nodes.start(0xB);
            link(a, b);
            a.sendSequence(b, 1, 30_000);
            a.transport().close();
            Waits.until(WAIT, "every queued message delivered", () -> b.from(a).count() == 30_000);
            assertThat(b.from(a).outOfOrder()).isZero();
            assertThat(a.transport().linkStats().get(0).dropped()).isZero();
        }
    }

    @Test
    void closeDropsWhatItCannotSendByTheDeadlineAndCountsIt() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(0xA).shutdownDeadlineMillis(300).build());
            DeltaBatch kilobyte = TestMessages.withKeyOf(1_000);
            try (RawPeer deaf = RawPeer.connect(a.endpoint(), 4_096)) {
                ReplicaId deafId = ReplicaId.of(0xDEAF);
                deaf.handshake(deafId, TestNodes.CLUSTER, TestNodes.SECRET);
                a.recorder().awaitUp(deafId, WAIT);
                int queued = 0;
                while (a.transport().send(deafId, kilobyte) == SendResult.QUEUED) {
                    queued++;
                }
                long start = System.nanoTime();
                a.transport().close();
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                assertThat(tookMillis).as("close keeps its deadline").isLessThan(300 + 1_500);
                var stats = a.transport().linkStats().get(0);
                assertThat(stats.queuedMessages()).isZero();
                assertThat(stats.dropped()).isPositive();
                assertThat(stats.messagesOut() + stats.dropped()).isEqualTo(queued + 1L); // +1: the back-pressured send
                assertThat(threadsOf(a.id())).isZero();
            }
        }
    }

    @Test
    void sendNeedsALinkAndRefusesMessagesOverTheFrameLimit() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(0xA).maxFrameBytes(1_024).maxQueuedBytes(1 << 20).build());
            Node b = nodes.start(0xB);
            assertThat(a.transport().send(b.id(), new Ack(1))).isEqualTo(SendResult.NO_LINK);
            link(a, b);
            SyncMessage big = TestMessages.withKeyOf(2_000);
            assertThatThrownBy(() -> a.transport().send(b.id(), big))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("exceeds maxFrameBytes 1024");
            SyncMessage fits = TestMessages.withKeyOf(900);
            assertThat(a.transport().send(b.id(), fits)).isEqualTo(SendResult.QUEUED);
            Waits.until(WAIT, "delivered", () -> b.from(a).others().size() == 1);
            assertThat(b.from(a).others().get(0)).isEqualTo(fits);
        }
    }

    @Test
    void epollWhenAvailableAndNioOnRequestTalkToEachOther() {
        try (TestNodes nodes = new TestNodes()) {
            Node native1 = nodes.start(0xA);
            Node nio = nodes.start(TestNodes.config(0xB).nativeTransport(false).build());
            assertThat(native1.transport().nativeTransport()).isEqualTo(Epoll.isAvailable());
            assertThat(nio.transport().nativeTransport()).isFalse();
            link(nio, native1);
            nio.sendSequence(native1, 1, 5_000);
            native1.sendSequence(nio, 1, 5_000);
            Waits.until(WAIT, "both ways", () -> native1.from(nio).count() == 5_000 && nio.from(native1).count() == 5_000);
        }
    }

    @Test
    void disconnectClosesTheLinkAndStopsDialling() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(0xA);
            Node b = nodes.start(0xB);
            link(a, b);
            a.transport().disconnect(b.endpoint());
            a.recorder().awaitDown(b.id(), WAIT);
            b.recorder().awaitDown(a.id(), WAIT);
            Waits.sleep(500); // several reconnect periods
            assertThat(a.recorder().isUp(b.id())).isFalse();
            assertThat(a.transport().openConnections()).isZero();
            assertThat(a.transport().connectedPeers()).isEmpty();
            a.transport().connect(b.endpoint());
            a.recorder().awaitUp(b.id(), WAIT);
        }
    }

    /** A disconnect can meet a dial whose channel is not set up yet (its pipeline is built on the event loop). */
    @Test
    void disconnectRightAfterConnectClosesTheDialAttempt() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(0xA);
            Node b = nodes.start(0xB);
            for (int i = 0; i < 200; i++) {
                a.transport().connect(b.endpoint());
                a.transport().disconnect(b.endpoint());
            }
            Waits.until(WAIT, "every attempt closed", () -> a.transport().openConnections() == 0);
            Waits.sleep(500); // several reconnect periods
            assertThat(a.transport().connectedPeers()).as("nothing redials").isEmpty();
            link(a, b);
        }
    }

    /**
     * Only this node's own acceptor may stop its dialer: a stranger at the dialled endpoint that
     * answers with an unauthenticated REJECT(SELF), or with a HELLO claiming this node's id, is a
     * failed attempt like any other, and dialling goes on with backoff.
     */
    @Test
    void aStrangerClaimingToBeThisNodeDoesNotStopItsDialer() throws Exception {
        for (boolean reject : new boolean[] {true, false}) {
            java.net.ServerSocket stranger = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread server = null;
            try (TestNodes nodes = new TestNodes()) {
                Node a = nodes.start(0xA);
                byte[] answer = reject ? new Handshake.Reject(Handshake.Reason.SELF, Handshake.Reason.SELF.text).encode()
                        : Handshake.Hello.of(Handshake.Role.ACCEPTOR, ReplicaId.of(0xA), new byte[Handshake.NONCE_BYTES], TestNodes.CLUSTER).encoded();
                java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
                server = new Thread(() -> {
                    while (!stranger.isClosed()) {
                        try (java.net.Socket s = stranger.accept()) {
                            accepted.incrementAndGet();
                            java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
                            out.writeInt(answer.length);
                            out.write(answer);
                            out.flush();
                            s.getInputStream().read(new byte[512]); // until the node closes it
                        } catch (java.io.IOException closed) {
                            // the test is over, or the node hung up first
                        }
                    }
                });
                server.start();
                a.transport().connect(new Endpoint("127.0.0.1", stranger.getLocalPort()));
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (accepted.get() < 3 && System.nanoTime() < deadline) {
                    Waits.sleep(20);
                }
                assertThat(accepted.get()).as("dial attempts after " + (reject ? "REJECT(SELF)" : "a HELLO with our id")).isGreaterThanOrEqualTo(3);
            } finally {
                stranger.close();
                if (server != null) {
                    server.join(5_000);
                }
            }
        }
    }

    @Test
    void aNodeThatDialsItselfGivesUp() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(0xA);
            a.transport().connect(a.endpoint());
            LogCapture.get().await(WAIT, "[000000000000000a] no longer dialling " + a.endpoint() + ": the endpoint is this node itself");
            Waits.sleep(500);
            assertThat(a.transport().openConnections()).isZero();
            assertThat(a.transport().handshakeFailures()).isBetween(1L, 2L); // once per side of the one connection
            assertThat(a.transport().connectedPeers()).isEmpty();
        }
    }

    @Test
    void pendingHandshakesAreBounded() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(0xA).maxPendingHandshakes(2).handshakeTimeoutMillis(1_000).build());
            try (RawPeer one = RawPeer.connect(a.endpoint()); RawPeer two = RawPeer.connect(a.endpoint())) {
                Waits.until(WAIT, "two pending", () -> a.transport().openConnections() == 2);
                try (RawPeer three = RawPeer.connect(a.endpoint())) {
                    assertThat(three.awaitClosed(WAIT)).isTrue();
                }
                LogCapture.get().await(WAIT, "refused: 2 handshakes already pending (maxPendingHandshakes)");
                assertThat(one.awaitClosed(WAIT)).as("the silent ones time out").isTrue();
                assertThat(two.awaitClosed(WAIT)).isTrue();
            }
            Node b = nodes.start(0xB);
            link(b, a); // capacity is back once they are gone
        }
    }

    @Test
    void aFailingListenerDoesNotBreakTheLink() {
        try (TestNodes nodes = new TestNodes()) {
            Node b = nodes.start(0xB);
            Recorder inner = new Recorder();
            NettyTransport a = NettyTransport.create(TestNodes.config(0xA).build());
            a.start(new Transport.Listener() {
                @Override
                public void onLinkUp(ReplicaId peer) {
                    inner.onLinkUp(peer);
                    throw new IllegalStateException("an engine bug on link-up");
                }

                @Override
                public void onLinkDown(ReplicaId peer) {
                    inner.onLinkDown(peer);
                }

                @Override
                public void onMessage(ReplicaId peer, SyncMessage message) {
                    if (message instanceof Ack ack && ack.seq() == 2) {
                        throw new IllegalStateException("an engine bug");
                    }
                    inner.onMessage(peer, message);
                }
            });
            try {
                b.transport().connect(a.listenEndpoint());
                inner.awaitUp(b.id(), WAIT);
                b.sendSequence(new Node(a, inner), 1, 3);
                Waits.until(WAIT, "messages 1 and 3", () -> inner.inbox(b.id()).count() == 2);
                LogCapture.get().await(WAIT, "[000000000000000a] the listener failed on a message from 000000000000000b");
                LogCapture.get().await(WAIT, "[000000000000000a] the listener failed on link-up of 000000000000000b");
                assertThat(inner.events()).containsExactly("up " + b.id());
                assertThat(a.connectedPeers()).containsExactly(b.id());
            } finally {
                a.close();
            }
        }
    }

    @Test
    void aTakenPortFailsStartWithTheAddress() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(0xA);
            NettyTransport b = NettyTransport.create(TestNodes.config(0xB).listen(a.endpoint()).build());
            assertThatThrownBy(() -> b.start(new Recorder()))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("cannot listen on " + a.endpoint());
            assertThat(threadsOf(b.localId())).isZero();
            b.close();
        }
    }

    @Test
    void aDialOnlyNodeListensNowhere() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(0xA).listen(null).build());
            Node b = nodes.start(0xB);
            assertThat(a.endpoint()).isNull();
            link(a, b);
            assertThat(b.transport().connectedPeers()).containsExactly(a.id());
            assertThat(new Endpoint("127.0.0.1", 1).toString()).isEqualTo("127.0.0.1:1");
        }
    }
}
