package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.Ack;
import dev.converge.transport.netty.TestNodes.Node;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link NettyTransport#isolate()}: a running node cut off from its peers as a partition would cut
 * it, in both directions, until {@link NettyTransport#rejoin()}.
 */
@ExtendWith(LeakCheck.class)
class IsolationTest {

    @Test
    void anIsolatedNodeLosesEveryLinkRefusesRedialsAndRejoinsAtOnce() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(1);
            Node b = nodes.start(2);
            Node c = nodes.start(3);
            // Links both ways: a dials b, c dials a.
            a.transport().connect(b.endpoint());
            c.transport().connect(a.endpoint());
            a.recorder().awaitUp(b.id(), Duration.ofSeconds(5));
            a.recorder().awaitUp(c.id(), Duration.ofSeconds(5));

            a.transport().isolate();
            assertThat(a.transport().isolated()).isTrue();
            a.recorder().awaitDown(b.id(), Duration.ofSeconds(5));
            a.recorder().awaitDown(c.id(), Duration.ofSeconds(5));
            b.recorder().awaitDown(a.id(), Duration.ofSeconds(5));
            c.recorder().awaitDown(a.id(), Duration.ofSeconds(5));
            assertThat(a.transport().send(b.id(), new Ack(1))).isEqualTo(SendResult.NO_LINK);

            // c keeps redialling (20..300 ms backoff): every attempt is refused, no link comes up.
            Waits.sleep(1_000);
            assertThat(a.transport().connectedPeers()).isEmpty();
            assertThat(c.transport().connectedPeers()).isEmpty();
            assertThat(c.recorder().count("up " + a.id())).isEqualTo(1);
            a.transport().isolate(); // idempotent

            long rejoined = System.nanoTime();
            a.transport().rejoin();
            assertThat(a.transport().isolated()).isFalse();
            a.recorder().awaitUp(b.id(), Duration.ofSeconds(5));
            a.recorder().awaitUp(c.id(), Duration.ofSeconds(5));
            assertThat((System.nanoTime() - rejoined) / 1_000_000).as("links return within the backoff cap plus slack")
                    .isLessThan(2_500);
            a.sendSequence(b, 1, 100);
            c.sendSequence(a, 1, 100);
            Waits.until(Duration.ofSeconds(5), "messages after the rejoin",
                    () -> b.from(a).count() == 100 && a.from(c).count() == 100);
            a.transport().rejoin(); // idempotent
        }
    }

    @Test
    void isolationNeedsAStartedTransport() {
        NettyTransport t = NettyTransport.create(TestNodes.config(9).build());
        assertThatThrownBy(t::isolate).isInstanceOf(IllegalStateException.class).hasMessageContaining("isolate after start");
        t.close();
    }
}
