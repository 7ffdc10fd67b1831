package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.Progress;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.transport.netty.Handshake.Hello;
import dev.converge.transport.netty.Handshake.Proof;
import dev.converge.transport.netty.Handshake.Reason;
import dev.converge.transport.netty.Handshake.Reject;
import dev.converge.transport.netty.Handshake.Role;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The handshake state machine on pairs of {@link EmbeddedChannel}s whose bytes the test moves by
 * hand: success, every failure cause, replay and reflection, timeouts and garbage.
 */
@ExtendWith(LeakCheck.class)
class HandshakeHandlerTest {

    private static final byte[] WRONG_SECRET = "not the cluster secret, 32 bytes".getBytes(StandardCharsets.UTF_8);
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    /** One end of a connection: the real pipeline up to the handshake and decoder, and a recording tail. */
    final class Side implements HandshakeHandler.Listener {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final Connection connection;
        ReplicaId identified;
        boolean authenticated;
        Reason failure;
        String failureDetail;
        final List<SyncMessage> received = new ArrayList<>();

        Side(Role role, long id, String cluster, byte[] secret) {
            channels.add(channel);
            channel.freezeTime();
            connection = Connection.attach(channel, ReplicaId.of(id), role, role == Role.DIALER ? new Endpoint("peer.test", 1) : null, null);
            HandshakeHandler.Settings settings = new HandshakeHandler.Settings(ReplicaId.of(id), cluster, Handshake.key(secret),
                    new SecureRandom(), 1_000);
            channel.pipeline().addLast(new FrameDecoder(1 << 20), new HandshakeHandler(connection, settings, this),
                    new SyncMessageDecoder(), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof SyncMessage m) {
                                received.add(m);
                            } else {
                                ReferenceCountUtil.release(msg);
                            }
                        }
                    });
        }

        @Override
        public void identified(Connection c, ReplicaId peer) {
            identified = peer;
        }

        @Override
        public void authenticated(Connection c) {
            authenticated = true;
        }

        @Override
        public void failed(Connection c, Reason reason, String detail) {
            failure = reason;
            failureDetail = detail;
        }

        /** Every frame this side has written, as payloads. */
        List<byte[]> drainOutbound() {
            List<byte[]> frames = new ArrayList<>();
            ByteBuf b;
            while ((b = channel.readOutbound()) != null) {
                while (b.isReadable()) {
                    int length = b.readInt();
                    byte[] payload = new byte[length];
                    b.readBytes(payload);
                    frames.add(payload);
                }
                b.release();
            }
            return frames;
        }

        void receive(byte[]... payloads) {
            for (byte[] p : payloads) {
                channel.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, p));
            }
        }
    }

    @AfterEach
    void releaseEverything() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    private Side dialer(long id) {
        return new Side(Role.DIALER, id, TestNodes.CLUSTER, TestNodes.SECRET);
    }

    private Side acceptor(long id) {
        return new Side(Role.ACCEPTOR, id, TestNodes.CLUSTER, TestNodes.SECRET);
    }

    /** Moves frames both ways until neither side has anything more to say. */
    private static void converse(Side a, Side b) {
        boolean moved = true;
        while (moved) {
            moved = false;
            ByteBuf x;
            while ((x = a.channel.readOutbound()) != null) {
                moved = true;
                if (b.channel.isOpen()) {
                    b.channel.writeInbound(x);
                } else {
                    x.release();
                }
            }
            while ((x = b.channel.readOutbound()) != null) {
                moved = true;
                if (a.channel.isOpen()) {
                    a.channel.writeInbound(x);
                } else {
                    x.release();
                }
            }
        }
    }

    private static Reject onlyReject(List<byte[]> frames) throws Handshake.Failure {
        assertThat(frames).hasSize(1);
        return (Reject) Handshake.decode(frames.get(0));
    }

    @Test
    void bothSidesAuthenticateEachOtherAndThenCarrySyncMessages() {
        Side d = dialer(1);
        Side a = acceptor(2);
        converse(d, a);
        assertThat(d.authenticated).isTrue();
        assertThat(a.authenticated).isTrue();
        assertThat(d.identified).isEqualTo(ReplicaId.of(2));
        assertThat(a.identified).isEqualTo(ReplicaId.of(1));
        assertThat(d.connection.authenticated).isTrue();
        for (Side s : List.of(d, a)) {
            assertThat(s.channel.pipeline().get(HandshakeHandler.class)).as("removed once done").isNull();
            assertThat(s.channel.pipeline().get(FrameDecoder.class).limit()).isEqualTo(1 << 20);
            assertThat(s.channel.isOpen()).isTrue();
        }
        d.channel.writeOutbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, CrdtCodec.encode(new Ack(5))));
        converse(d, a);
        assertThat(a.received).containsExactly(new Ack(5));
    }

    @Test
    void syncMessagesRightBehindTheLastProofInOneReadAreDecoded() throws Handshake.Failure {
        Side a = acceptor(2);
        byte[] nonce = new byte[32];
        Hello hello = Hello.of(Role.DIALER, ReplicaId.of(1), nonce, TestNodes.CLUSTER);
        a.receive(hello.encoded());
        List<byte[]> reply = a.drainOutbound();
        Hello theirs = (Hello) Handshake.decode(reply.get(0));
        byte[] proof = Handshake.proof(Handshake.key(TestNodes.SECRET), Role.DIALER, hello.encoded(), theirs.encoded());
        ByteBuf oneRead = Unpooled.buffer();
        for (byte[] p : List.of(new Proof(proof).encode(), CrdtCodec.encode(new Ack(1)),
                CrdtCodec.encode(new Ack(2)))) {
            oneRead.writeInt(p.length).writeBytes(p);
        }
        a.channel.writeInbound(oneRead);
        assertThat(a.authenticated).isTrue();
        assertThat(a.received).containsExactly(new Ack(1), new Ack(2));
    }

    @Test
    void aWrongSecretFailsOnBothSidesAndBothLogWhy() {
        LogCapture.get().clear();
        Side d = new Side(Role.DIALER, 1, TestNodes.CLUSTER, WRONG_SECRET);
        Side a = acceptor(2);
        converse(d, a);
        assertThat(d.failure).isEqualTo(Reason.PROOF);
        assertThat(d.failureDetail).contains("did not verify");
        assertThat(a.failure).isEqualTo(Reason.REJECTED);
        assertThat(a.failureDetail).isEqualTo("rejected by the peer: proof of the cluster secret did not verify");
        assertThat(d.channel.isOpen()).isFalse();
        assertThat(a.channel.isOpen()).isFalse();
        assertThat(LogCapture.get().contains("connection to peer.test:1", "handshake failed", "did not verify")).isTrue();
        assertThat(LogCapture.get().contains("connection from embedded", "rejected by the peer", "did not verify")).isTrue();
    }

    @Test
    void aWrongClusterIsRefusedByTheAcceptorAndReportedToTheDialer() {
        Side d = new Side(Role.DIALER, 1, "other-cluster", TestNodes.SECRET);
        Side a = acceptor(2);
        converse(d, a);
        assertThat(a.failure).isEqualTo(Reason.CLUSTER);
        assertThat(a.failureDetail).isEqualTo("peer is in cluster 'other-cluster', this node in 'test-cluster'");
        assertThat(d.failure).isEqualTo(Reason.REJECTED);
        assertThat(d.failureDetail).startsWith("rejected by the peer: wrong cluster name");
        assertThat(a.identified).as("nothing registered for a refused peer").isNull();
    }

    @Test
    void aWrongVersionIsRefusedWithAVersionReject() throws Handshake.Failure {
        Side a = acceptor(2);
        byte[] hello = Hello.of(Role.DIALER, ReplicaId.of(1), new byte[32], TestNodes.CLUSTER).encoded();
        hello[6] = 9;
        a.receive(hello);
        assertThat(a.failure).isEqualTo(Reason.VERSION);
        assertThat(a.failureDetail).isEqualTo("peer speaks protocol version 9, this node speaks 1");
        assertThat(onlyReject(a.drainOutbound()).reason()).isEqualTo(Reason.VERSION);
        assertThat(a.channel.isOpen()).isFalse();
    }

    @Test
    void aRecordedDialerHandshakeReplayedToAnAcceptorFails() {
        Side d = dialer(1);
        Side a = acceptor(2);
        // Record what the dialler sends while it authenticates for real.
        List<byte[]> recorded = new ArrayList<>();
        byte[] hello = d.drainOutbound().get(0);
        recorded.add(hello);
        a.receive(hello);
        for (byte[] p : a.drainOutbound()) {
            d.receive(p);
        }
        byte[] proof = d.drainOutbound().get(0);
        recorded.add(proof);
        a.receive(proof);
        assertThat(a.authenticated).isTrue();

        Side victim = acceptor(2);
        victim.receive(recorded.get(0));
        assertThat(victim.drainOutbound()).hasSize(2); // a fresh HELLO and PROOF: a new nonce
        victim.receive(recorded.get(1));
        assertThat(victim.authenticated).isFalse();
        assertThat(victim.failure).isEqualTo(Reason.PROOF);
        assertThat(victim.failureDetail).contains("replayed handshake");
    }

    @Test
    void aRecordedAcceptorHandshakeReplayedToADialerFails() {
        Side d = dialer(1);
        Side a = acceptor(2);
        a.receive(d.drainOutbound().get(0));
        List<byte[]> recorded = a.drainOutbound();

        Side victim = dialer(1);
        victim.drainOutbound(); // its HELLO, with its own fresh nonce
        victim.receive(recorded.toArray(new byte[0][]));
        assertThat(victim.authenticated).isFalse();
        assertThat(victim.failure).isEqualTo(Reason.PROOF);
    }

    @Test
    void anAcceptorsProofReflectedBackDoesNotVerify() throws Handshake.Failure {
        Side a = acceptor(2);
        byte[] nonce = new byte[32];
        a.receive(Hello.of(Role.DIALER, ReplicaId.of(1), nonce, TestNodes.CLUSTER).encoded());
        List<byte[]> reply = a.drainOutbound();
        Proof theirs = (Proof) Handshake.decode(reply.get(1));
        a.receive(new Proof(theirs.mac()).encode());
        assertThat(a.failure).isEqualTo(Reason.PROOF);
    }

    @Test
    void noHandshakeWithinTheTimeoutClosesWithATimeoutReject() throws Handshake.Failure {
        Side a = acceptor(2);
        a.channel.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        a.channel.runScheduledPendingTasks();
        assertThat(a.channel.isOpen()).isTrue();
        a.channel.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        a.channel.runScheduledPendingTasks();
        assertThat(a.failure).isEqualTo(Reason.TIMEOUT);
        assertThat(a.failureDetail).isEqualTo("no handshake within 1000 ms");
        assertThat(onlyReject(a.drainOutbound()).reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(a.channel.isOpen()).isFalse();
    }

    @Test
    void aHalfFinishedHandshakeTimesOut() {
        Side a = acceptor(2);
        a.receive(Hello.of(Role.DIALER, ReplicaId.of(1), new byte[32], TestNodes.CLUSTER).encoded());
        assertThat(a.identified).isEqualTo(ReplicaId.of(1));
        a.channel.advanceTimeBy(1_001, TimeUnit.MILLISECONDS);
        a.channel.runScheduledPendingTasks();
        assertThat(a.failure).isEqualTo(Reason.TIMEOUT);
        assertThat(a.channel.isOpen()).isFalse();
    }

    @Test
    void aConnectionToItselfIsRefused() throws Handshake.Failure {
        Side a = acceptor(2);
        a.receive(Hello.of(Role.DIALER, ReplicaId.of(2), new byte[32], TestNodes.CLUSTER).encoded());
        assertThat(a.failure).isEqualTo(Reason.SELF);
        assertThat(onlyReject(a.drainOutbound()).reason()).isEqualTo(Reason.SELF);
    }

    @Test
    void aSyncMessageBeforeTheHandshakeIsNotAHandshake() throws Handshake.Failure {
        Side a = acceptor(2);
        a.receive(CrdtCodec.encode(new Heartbeat(1, List.of(new Progress(ReplicaId.of(3), 7), new Progress(ReplicaId.of(4), 9)))));
        assertThat(a.failure).isEqualTo(Reason.MALFORMED);
        assertThat(a.failureDetail).contains("bad magic");
        assertThat(a.received).isEmpty();
        assertThat(onlyReject(a.drainOutbound()).reason()).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void aSecondHelloIsUnexpected() {
        Side a = acceptor(2);
        byte[] hello = Hello.of(Role.DIALER, ReplicaId.of(1), new byte[32], TestNodes.CLUSTER).encoded();
        a.receive(hello);
        a.drainOutbound();
        a.receive(hello);
        assertThat(a.failure).isEqualTo(Reason.UNEXPECTED);
        assertThat(a.failureDetail).isEqualTo("expected PROOF, got HELLO");
    }

    @Test
    void anOversizedFrameDuringTheHandshakeIsRefused() throws Handshake.Failure {
        Side a = acceptor(2);
        a.channel.writeInbound(Unpooled.buffer().writeInt(100_000).writeZero(100));
        assertThat(a.failure).isEqualTo(Reason.MALFORMED);
        assertThat(a.failureDetail).isEqualTo("frame of 100000 bytes exceeds the limit of 512 bytes before authentication");
        assertThat(onlyReject(a.drainOutbound()).reason()).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void aPeerThatClosesMidHandshakeIsAFailure() {
        Side d = dialer(1);
        d.drainOutbound();
        d.channel.close();
        assertThat(d.failure).isEqualTo(Reason.CLOSED);
    }

    @Test
    void garbageNeverAuthenticatesAndAlwaysCloses() {
        qt().withExamples(300).forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 600))
            .checkAssert(bytes -> {
                Side a = acceptor(2);
                byte[] raw = new byte[bytes.size()];
                for (int i = 0; i < raw.length; i++) {
                    raw[i] = (byte) (int) bytes.get(i);
                }
                a.channel.writeInbound(Unpooled.wrappedBuffer(raw));
                if (a.channel.isOpen()) {
                    // Not even a whole frame yet: the timeout ends it.
                    a.channel.advanceTimeBy(1_001, TimeUnit.MILLISECONDS);
                    a.channel.runScheduledPendingTasks();
                }
                assertThat(a.authenticated).isFalse();
                assertThat(a.channel.isOpen()).isFalse();
                assertThat(a.failure).isNotNull();
                a.drainOutbound();
                a.channel.finishAndReleaseAll();
                channels.remove(a.channel);
            });
    }
}
