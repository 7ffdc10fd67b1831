package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.Ack;
import dev.converge.transport.netty.Handshake.Role;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The one-link-per-pair rule and the link events, driven deterministically: connections are
 * {@link EmbeddedChannel}s that the test authenticates and closes in every interesting order.
 */
@ExtendWith(LeakCheck.class)
class LinksTest {

    private final Recorder events = new Recorder();
    private final List<ReplicaId> downs = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    private Links links(long local) {
        Links links = new Links(TestNodes.config(local).build(), downs::add);
        links.listener(events);
        return links;
    }

    /** A connection to {@code peer} in {@code role}, past its HELLO. */
    private Connection connection(Links links, long local, long peer, Role role) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        Connection c = Connection.attach(ch, ReplicaId.of(local), role, role == Role.DIALER ? new Endpoint("peer.test", 1) : null, null);
        ch.pipeline().addLast(new LinkHandler(links, c, new SyncMessageDecoder()));
        c.peer = ReplicaId.of(peer);
        links.identified(c, c.peer);
        return c;
    }

    private static void authenticate(Links links, Connection c) {
        c.authenticated = true;
        links.authenticated(c);
        ((EmbeddedChannel) c.channel).runPendingTasks();
    }

    private static void close(Connection c) {
        c.channel.close();
        ((EmbeddedChannel) c.channel).runPendingTasks();
    }

    @AfterEach
    void release() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void theSmallerIdsDialWinsWhicheverAuthenticatesFirst() {
        // Node 1 (smaller): its own dial wins.
        Links links = links(1);
        Connection accepted = connection(links, 1, 2, Role.ACCEPTOR);
        Connection dialled = connection(links, 1, 2, Role.DIALER);
        authenticate(links, accepted);
        authenticate(links, dialled);
        assertThat(links.peer(ReplicaId.of(2)).active).isSameAs(dialled.channel);
        assertThat(accepted.channel.isOpen()).isFalse();
        close(accepted);
        assertThat(events.events()).containsExactly("up 0000000000000002");
        assertThat(accepted.closeReason()).startsWith("superseded");
    }

    @Test
    void theLargerIdKeepsThePeersDialAndClosesItsOwn() {
        Links links = links(2);
        Connection dialled = connection(links, 2, 1, Role.DIALER);
        Connection accepted = connection(links, 2, 1, Role.ACCEPTOR);
        authenticate(links, dialled);
        authenticate(links, accepted);
        assertThat(links.peer(ReplicaId.of(1)).active).isSameAs(accepted.channel);
        close(dialled);
        assertThat(events.events()).containsExactly("up 0000000000000001");
    }

    @Test
    void aLosingConnectionThatAuthenticatesSecondIsClosedAtOnce() {
        Links links = links(2);
        Connection accepted = connection(links, 2, 1, Role.ACCEPTOR);
        Connection dialled = connection(links, 2, 1, Role.DIALER);
        authenticate(links, accepted);
        authenticate(links, dialled);
        assertThat(dialled.channel.isOpen()).isFalse();
        assertThat(dialled.closeReason()).isEqualTo("duplicate link to 0000000000000001: keeping the connection dialled by 0000000000000001");
        assertThat(links.peer(ReplicaId.of(1)).active).isSameAs(accepted.channel);
        assertThat(events.events()).containsExactly("up 0000000000000001");
    }

    @Test
    void whenThePeerClosesTheLoserFirstTheLinkWaitsForTheWinnerSilently() {
        // Node 2 has link up on its own dial; node 1 closed that connection because the one it
        // dialled won on its side; node 2 has read node 1's HELLO on the winner but not its PROOF yet.
        Links links = links(2);
        Connection loser = connection(links, 2, 1, Role.DIALER);
        authenticate(links, loser);
        Connection winner = connection(links, 2, 1, Role.ACCEPTOR); // past HELLO: pending
        close(loser);
        assertThat(events.events()).containsExactly("up 0000000000000001");
        assertThat(links.isUp(ReplicaId.of(1))).isTrue();
        assertThat(links.send(ReplicaId.of(1), new Ack(1))).as("queued for the winner").isEqualTo(SendResult.QUEUED);
        authenticate(links, winner);
        assertThat(events.events()).containsExactly("up 0000000000000001");
        assertThat(links.peer(ReplicaId.of(1)).active).isSameAs(winner.channel);
        ByteBuf written = ((EmbeddedChannel) winner.channel).readOutbound();
        assertThat(written).as("the queued message went out on the winner").isNotNull();
        written.release();
        assertThat(downs).isEmpty();
    }

    @Test
    void onFirstContactTooAWinnerPastItsHelloKeepsTheLinkUp() {
        // The winner's HELLO arrives before any link to the peer existed, then the loser
        // authenticates, takes the link, and is closed by the peer.
        Links links = links(2);
        Connection winner = connection(links, 2, 1, Role.ACCEPTOR);
        Connection loser = connection(links, 2, 1, Role.DIALER);
        authenticate(links, loser);
        close(loser);
        assertThat(links.isUp(ReplicaId.of(1))).isTrue();
        authenticate(links, winner);
        assertThat(events.events()).containsExactly("up 0000000000000001");
        assertThat(downs).isEmpty();
    }

    @Test
    void ifTheAwaitedReplacementFailsTheLinkGoesDownThen() {
        Links links = links(2);
        Connection first = connection(links, 2, 1, Role.DIALER);
        authenticate(links, first);
        Connection replacement = connection(links, 2, 1, Role.ACCEPTOR);
        close(first);
        assertThat(events.events()).containsExactly("up 0000000000000001");
        close(replacement); // its handshake failed
        assertThat(events.events()).containsExactly("up 0000000000000001", "down 0000000000000001");
        assertThat(downs).containsExactly(ReplicaId.of(1));
    }

    @Test
    void twoDialsFromTheSameSideKeepTheNewer() {
        Links links = links(1);
        Connection older = connection(links, 1, 2, Role.ACCEPTOR);
        authenticate(links, older);
        Connection newer = connection(links, 1, 2, Role.ACCEPTOR);
        authenticate(links, newer);
        assertThat(links.peer(ReplicaId.of(2)).active).isSameAs(newer.channel);
        close(older);
        assertThat(events.events()).containsExactly("up 0000000000000002");
    }

    @Test
    void linkDownDropsTheQueueAndCountsItThenTheNextLinkUpIsAReconnect() {
        Links links = links(1);
        Connection c = connection(links, 1, 2, Role.DIALER);
        authenticate(links, c);
        Peer peer = links.peer(ReplicaId.of(2));
        ((EmbeddedChannel) c.channel).config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(0, 1));
        ((EmbeddedChannel) c.channel).writeOneOutbound(io.netty.buffer.Unpooled.buffer(8).writeLong(0)); // not writable now
        for (int i = 0; i < 5; i++) {
            assertThat(links.send(ReplicaId.of(2), new Ack(i + 1))).isEqualTo(SendResult.QUEUED);
        }
        ((EmbeddedChannel) c.channel).runPendingTasks();
        assertThat(peer.queue.messages()).isEqualTo(5);
        close(c);
        assertThat(links.send(ReplicaId.of(2), new Ack(9))).isEqualTo(SendResult.NO_LINK);
        assertThat(peer.stats().dropped()).isEqualTo(5);
        assertThat(peer.stats().queuedMessages()).isZero();
        assertThat(peer.stats().connected()).isFalse();
        Connection again = connection(links, 1, 2, Role.DIALER);
        authenticate(links, again);
        assertThat(peer.stats().reconnects()).isEqualTo(1);
        assertThat(events.events()).containsExactly("up 0000000000000002", "down 0000000000000002", "up 0000000000000002");
    }

    @Test
    void anUnauthenticatedHelloCreatesNoPeer() {
        Links links = links(1);
        connection(links, 1, 77, Role.ACCEPTOR);
        assertThat(links.peer(ReplicaId.of(77))).isNull();
        assertThat(links.stats()).isEmpty();
    }
}
