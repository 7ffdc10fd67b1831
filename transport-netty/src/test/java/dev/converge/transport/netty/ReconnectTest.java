package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.LinkStats;
import dev.converge.transport.netty.TestNodes.Node;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A peer that dies and comes back: the link returns within the backoff bound and messages flow again. */
@ExtendWith(LeakCheck.class)
class ReconnectTest {

    private static final long MAX_BACKOFF_MILLIS = 400;
    /** Connect, handshake and scheduling slack on a busy 2-core machine. */
    private static final long SLACK_MILLIS = 1_500;

    @Test
    void aRestartedPeerIsRedialledWithinTheBackoffBound() {
        try (TestNodes nodes = new TestNodes()) {
            Node b = nodes.start(2);
            Endpoint fixed = b.endpoint();
            Node a = nodes.start(TestNodes.config(1).reconnectBaseMillis(50).reconnectMaxMillis(MAX_BACKOFF_MILLIS).build());
            a.transport().connect(fixed);
            a.recorder().awaitUp(b.id(), Duration.ofSeconds(5));
            a.sendSequence(b, 1, 1_000);
            Waits.until(Duration.ofSeconds(5), "first messages", () -> b.from(a).count() == 1_000);

            b.transport().close(); // the peer's process dies: server channel and connections
            a.recorder().awaitDown(b.id(), Duration.ofSeconds(5));
            Waits.sleep(3 * MAX_BACKOFF_MILLIS); // several failed redials: the backoff is at its cap

            Node b2 = nodes.start(TestNodes.config(2).listen(fixed).build());
            long restarted = System.nanoTime();
            a.recorder().awaitUp(b2.id(), Duration.ofMillis(MAX_BACKOFF_MILLIS + SLACK_MILLIS));
            long tookMillis = (System.nanoTime() - restarted) / 1_000_000;
            assertThat(tookMillis).isLessThanOrEqualTo(MAX_BACKOFF_MILLIS + SLACK_MILLIS);

            a.sendSequence(b2, 1, 1_000);
            b2.sendSequence(a, 1, 1_000);
            Waits.until(Duration.ofSeconds(5), "messages after the reconnect",
                    () -> b2.from(a).count() == 1_000 && a.recorder().inbox(b2.id()).count() == 1_000);
            LinkStats stats = a.transport().linkStats().get(0);
            assertThat(stats.reconnects()).isEqualTo(1);
            assertThat(stats.connected()).isTrue();
            assertThat(a.recorder().events()).containsExactly("up " + b.id(), "down " + b.id(), "up " + b.id());
        }
    }

    @Test
    void aDroppedConnectionIsRedialledAtOnce() {
        try (TestNodes nodes = new TestNodes()) {
            Node b = nodes.start(2);
            Node a = nodes.start(TestNodes.config(1).reconnectBaseMillis(50).reconnectMaxMillis(MAX_BACKOFF_MILLIS).build());
            a.transport().connect(b.endpoint());
            b.recorder().awaitUp(a.id(), Duration.ofSeconds(5));
            // The acceptor drops the connection (as a NAT or a restarting proxy would).
            Connection.of(b.transport().links().peer(a.id()).active).fail("dropped by the test");
            a.recorder().awaitDown(b.id(), Duration.ofSeconds(5));
            long dropped = System.nanoTime();
            a.recorder().awaitUp(b.id(), Duration.ofMillis(50 + SLACK_MILLIS));
            assertThat((System.nanoTime() - dropped) / 1_000_000).as("first retry waits at most reconnectBaseMillis")
                    .isLessThanOrEqualTo(50 + SLACK_MILLIS);
            a.sendSequence(b, 1, 100);
            Waits.until(Duration.ofSeconds(5), "messages", () -> b.from(a).count() == 100);
        }
    }

    /**
     * Link-down waits for a connection that claims the same peer and is past its HELLO, at most one
     * handshake timeout: claims are unauthenticated, and a stranger who keeps opening connections
     * that claim the peer must not hold link-down (and so every redial) back for good.
     */
    @Test
    void strangersClaimingAPeerDelayItsLinkDownByOneHandshakeTimeoutAtMost() throws Exception {
        long handshakeTimeout = 1_000;
        try (TestNodes nodes = new TestNodes()) {
            Node b = nodes.start(2);
            Node a = nodes.start(TestNodes.config(1).handshakeTimeoutMillis(handshakeTimeout).build());
            a.transport().connect(b.endpoint());
            a.recorder().awaitUp(b.id(), Duration.ofSeconds(5));
            java.util.List<RawPeer> claims = new java.util.ArrayList<>();
            java.util.concurrent.ScheduledExecutorService stranger = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
            try {
                // A new claim of b's id every 300 ms, each stalled after its HELLO: one is always pending.
                stranger.scheduleAtFixedRate(() -> {
                    RawPeer claim = RawPeer.connect(a.endpoint());
                    claim.sendFrame(Handshake.Hello.of(Handshake.Role.DIALER, b.id(), new byte[Handshake.NONCE_BYTES], TestNodes.CLUSTER).encoded());
                    synchronized (claims) {
                        claims.add(claim);
                    }
                }, 0, 300, java.util.concurrent.TimeUnit.MILLISECONDS);
                Waits.sleep(500);
                long closed = System.nanoTime();
                b.transport().close();
                a.recorder().awaitDown(b.id(), Duration.ofMillis(handshakeTimeout + SLACK_MILLIS));
                assertThat((System.nanoTime() - closed) / 1_000_000).isLessThanOrEqualTo(handshakeTimeout + SLACK_MILLIS);
            } finally {
                stranger.shutdownNow();
                stranger.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
                synchronized (claims) {
                    claims.forEach(RawPeer::close);
                }
            }
        }
    }
}
