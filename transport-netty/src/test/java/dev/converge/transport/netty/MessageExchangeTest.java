package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.port.LinkStats;
import dev.converge.transport.netty.TestNodes.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Three transports on 127.0.0.1 that all dial each other: one link per pair, then 100,000
 * messages each way on every link (1,000,000 with {@code -Dconverge.soak=true}), all delivered, in
 * order, with counters that add up.
 */
@ExtendWith(LeakCheck.class)
class MessageExchangeTest {

    private static final long COUNT = Boolean.getBoolean("converge.soak") ? 1_000_000 : 100_000;

    @Test
    void threeTransportsExchangeEveryMessageInOrderOverOneLinkPerPair() throws Exception {
        try (TestNodes nodes = new TestNodes()) {
            // A generous handshake timeout: the test counts handshake failures and reconnects, and on a
            // loaded shared machine the simultaneous dials may take longer than the 5 s default.
            List<Node> all = List.of(0xA1L, 0xB2L, 0xC3L).stream()
                    .map(id -> nodes.start(TestNodes.config(id).handshakeTimeoutMillis(30_000).build())).toList();
            // Everyone dials everyone: three pairs of simultaneous dials to resolve.
            for (Node x : all) {
                for (Node y : all) {
                    if (x != y) {
                        x.transport().connect(y.endpoint());
                    }
                }
            }
            Waits.until(Duration.ofSeconds(10), "one authenticated connection per pair", () -> all.stream().allMatch(
                    n -> n.transport().connectedPeers().size() == 2 && n.transport().openConnections() == 2));
            for (Node x : all) {
                for (Node y : all) {
                    if (x != y) {
                        Peer peer = x.transport().links().peer(y.id());
                        Connection kept = Connection.of(peer.active);
                        boolean dialledBySmaller = (kept.role == Handshake.Role.DIALER) == (x.id().compareTo(y.id()) < 0);
                        assertThat(dialledBySmaller).as("%s keeps the connection dialled by the smaller id", x.id()).isTrue();
                    }
                }
                assertThat(x.recorder().events()).as("exactly one link-up per peer, no link-down").hasSize(2)
                        .allMatch(e -> e.startsWith("up "));
            }

            ExecutorService senders = Executors.newFixedThreadPool(6);
            List<Future<Long>> sent = new ArrayList<>();
            for (Node x : all) {
                for (Node y : all) {
                    if (x != y) {
                        sent.add(senders.submit(() -> x.sendSequence(y, 1, COUNT)));
                    }
                }
            }
            long backPressured = 0;
            for (Future<Long> f : sent) {
                backPressured += f.get(120, TimeUnit.SECONDS);
            }
            senders.shutdown();
            for (Node x : all) {
                for (Node y : all) {
                    if (x != y) {
                        Recorder.Inbox inbox = y.from(x);
                        Waits.until(Duration.ofSeconds(60), x.id() + " -> " + y.id() + " all delivered", () -> inbox.count() == COUNT);
                        assertThat(inbox.outOfOrder()).as("%s -> %s in order", x.id(), y.id()).isZero();
                        assertThat(inbox.lastSeq()).isEqualTo(COUNT);
                    }
                }
            }
            long frameBytes = 4 + dev.converge.crdt.codec.CrdtCodec.encode(new dev.converge.crdt.sync.Ack(COUNT)).length;
            // Inbound counters are published when a read completes, just after its messages are delivered.
            Waits.until(Duration.ofSeconds(10), "inbound counters published", () -> all.stream()
                    .flatMap(n -> n.transport().linkStats().stream()).allMatch(s -> s.messagesIn() == COUNT));
            for (Node x : all) {
                assertThat(x.transport().linkStats()).hasSize(2).allSatisfy(s -> {
                    assertThat(s.connected()).isTrue();
                    assertThat(s.messagesOut()).isEqualTo(COUNT);
                    assertThat(s.messagesIn()).isEqualTo(COUNT);
                    assertThat(s.bytesOut()).isBetween(COUNT * 6, COUNT * frameBytes);
                    assertThat(s.reconnects()).isZero();
                    assertThat(s.queuedMessages()).isZero();
                    assertThat(s.queuedBytes()).isZero();
                });
                assertThat(x.recorder().events()).hasSize(2);
                assertThat(x.transport().handshakeFailures()).as("handshake failures; logged: %s",
                        LogCapture.get().messages(e -> e.getFormattedMessage().contains("handshake failed"))).isZero();
            }
            long dropped = all.stream().flatMap(n -> n.transport().linkStats().stream()).mapToLong(LinkStats::dropped).sum();
            assertThat(dropped).as("every drop was a back-pressured send that the sender retried").isEqualTo(backPressured);
            long in = all.stream().flatMap(n -> n.transport().linkStats().stream()).mapToLong(LinkStats::bytesIn).sum();
            long out = all.stream().flatMap(n -> n.transport().linkStats().stream()).mapToLong(LinkStats::bytesOut).sum();
            assertThat(in).isEqualTo(out);
        }
    }
}
