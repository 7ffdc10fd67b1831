package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.transport.netty.Handshake.Hello;
import dev.converge.transport.netty.Handshake.Reject;
import dev.converge.transport.netty.Handshake.Role;
import dev.converge.transport.netty.TestNodes.Node;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node under attack by bad peers, one kind per test, while a good peer stays linked: each bad
 * peer is closed with a clear logged reason, and after each the good link still carries messages
 * both ways without ever having gone down.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(LeakCheck.class)
class BadPeerTest {

    private static final Duration CLOSE_WITHIN = Duration.ofSeconds(3);
    private static final int MAX_FRAME = 64 << 10;
    private static final int MAX_QUEUED_MESSAGES = 1_000;
    private static final long MAX_QUEUED_BYTES = 256 << 10;

    private final TestNodes nodes = new TestNodes();
    private Node victim;
    private Node good;
    private long sentToVictim;
    private long sentToGood;

    @BeforeAll
    void startVictimAndGoodPeer() {
        victim = nodes.start(TestNodes.config(0x71C7).maxFrameBytes(MAX_FRAME).maxQueuedBytes(MAX_QUEUED_BYTES)
                .maxQueuedMessages(MAX_QUEUED_MESSAGES).handshakeTimeoutMillis(500).build());
        good = nodes.start(0x600D);
        good.transport().connect(victim.endpoint());
        victim.recorder().awaitUp(good.id(), Duration.ofSeconds(5));
        good.recorder().awaitUp(victim.id(), Duration.ofSeconds(5));
    }

    @AfterAll
    void stop() {
        nodes.close();
    }

    @AfterEach
    void theGoodPeerIsStillServed() {
        good.sendSequence(victim, sentToVictim + 1, sentToVictim + 2_000);
        sentToVictim += 2_000;
        victim.sendSequence(good, sentToGood + 1, sentToGood + 2_000);
        sentToGood += 2_000;
        Waits.until(Duration.ofSeconds(10), "good peer's messages delivered", () ->
                victim.from(good).count() == sentToVictim && good.from(victim).count() == sentToGood);
        assertThat(victim.from(good).outOfOrder()).isZero();
        assertThat(good.from(victim).outOfOrder()).isZero();
        assertThat(victim.recorder().count("down " + good.id())).as("the good link never went down").isZero();
        assertThat(good.recorder().count("down " + victim.id())).isZero();
    }

    private long failures() {
        return victim.transport().handshakeFailures();
    }

    @Test
    void randomBytes() {
        long before = failures();
        byte[] garbage = new byte[4_000];
        new Random(42).nextBytes(garbage);
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            bad.sendRaw(garbage);
            assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        LogCapture.get().await(CLOSE_WITHIN, "[" + victim.id() + "] connection from /127.0.0.1:", "handshake failed:");
        assertThat(failures()).isGreaterThan(before);
    }

    @Test
    void aTwoGibibyteFrameBeforeTheHandshake() {
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            bad.sendRaw(new byte[] {(byte) 0x80, 0, 0, 0});
            assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        LogCapture.get().await(CLOSE_WITHIN, "handshake failed: frame of 2147483648 bytes exceeds the limit of 512 bytes before authentication");
    }

    @Test
    void aTwoGibibyteFrameFromAnAuthenticatedPeer() {
        ReplicaId badId = ReplicaId.of(0xBAD1);
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            bad.handshake(badId, TestNodes.CLUSTER, TestNodes.SECRET);
            victim.recorder().awaitUp(badId, CLOSE_WITHIN);
            bad.sendRaw(new byte[] {(byte) 0x80, 0, 0, 0});
            assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        victim.recorder().awaitDown(badId, CLOSE_WITHIN);
        LogCapture.get().await(CLOSE_WITHIN, "(peer 000000000000bad1): closing connection: frame of 2147483648 bytes exceeds the limit of 65536 bytes (maxFrameBytes)");
        LogCapture.get().await(CLOSE_WITHIN, "link to 000000000000bad1 down: frame of 2147483648 bytes");
    }

    @Test
    void anUndecodableSyncMessage() {
        ReplicaId badId = ReplicaId.of(0xBAD2);
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            bad.handshake(badId, TestNodes.CLUSTER, TestNodes.SECRET);
            bad.sendFrame(new byte[] {99, 1, 0});
            assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        LogCapture.get().await(CLOSE_WITHIN, "(peer 000000000000bad2): closing connection: undecodable sync message of 3 bytes: unknown sync message tag 99");
    }

    @Test
    void aHalfFinishedHandshake() throws Handshake.Failure {
        long before = failures();
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            bad.sendFrame(Hello.of(Role.DIALER, ReplicaId.of(0xBAD3), new byte[32], TestNodes.CLUSTER).encoded());
            assertThat(bad.readHandshake()).isInstanceOf(Hello.class);
            assertThat(bad.readHandshake()).isInstanceOf(Handshake.Proof.class);
            Reject reject = (Reject) bad.readHandshake(); // ... and then we never send our proof
            assertThat(reject.reason()).isEqualTo(Handshake.Reason.TIMEOUT);
            assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        LogCapture.get().await(CLOSE_WITHIN, "(claims peer 000000000000bad3): closing connection: handshake failed: no handshake within 500 ms");
        assertThat(failures()).isEqualTo(before + 1);
    }

    @Test
    void aSilentConnection() {
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        LogCapture.get().await(CLOSE_WITHIN, "handshake failed: no handshake within 500 ms");
    }

    @Test
    void aWrongSecretDetectedByTheNode() {
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            bad.handshake(ReplicaId.of(0xBAD4), TestNodes.CLUSTER, "an attacker's guess at the secret".getBytes(StandardCharsets.UTF_8));
            Reject reject = (Reject) bad.readHandshake();
            assertThat(reject.reason()).isEqualTo(Handshake.Reason.PROOF);
            assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        LogCapture.get().await(CLOSE_WITHIN, "(claims peer 000000000000bad4): closing connection: handshake failed: proof of the cluster secret from 000000000000bad4 did not verify");
        assertThat(victim.transport().connectedPeers()).doesNotContain(ReplicaId.of(0xBAD4));
    }

    @Test
    void syncMessagesWithoutAHandshakeAreNeverDelivered() {
        long before = failures();
        Set<ReplicaId> senders = victim.recorder().senders();
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            // Well-formed frames of valid sync messages in one write, as an authenticated peer would send them, but no HELLO.
            bad.sendRaw(frames(CrdtCodec.encode(TestMessages.withKeyOf(10)), CrdtCodec.encode(new Ack(1)), CrdtCodec.encode(new Ack(2))));
            assertThat(bad.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        LogCapture.get().await(CLOSE_WITHIN, "[" + victim.id() + "] connection from /127.0.0.1:",
                "handshake failed: not a Converge handshake (bad magic");
        assertThat(failures()).isGreaterThan(before);
        assertThat(victim.recorder().senders()).as("no message delivered from the connection").isEqualTo(senders);
    }

    @Test
    void aPeerWithTheWrongSecretCanNeitherWriteNorRead() {
        ReplicaId badId = ReplicaId.of(0xBAD9);
        try (RawPeer bad = RawPeer.connect(victim.endpoint())) {
            Hello hello = Hello.of(Role.DIALER, badId, new byte[32], TestNodes.CLUSTER);
            bad.sendFrame(hello.encoded());
            Hello theirs = (Hello) bad.readHandshake();
            assertThat(bad.readHandshake()).isInstanceOf(Handshake.Proof.class);
            // The node now knows who the peer claims to be, but the claim is not proved: nothing goes to it.
            assertThat(victim.transport().send(badId, new Ack(1))).isEqualTo(SendResult.NO_LINK);
            // A forged proof with sync messages right behind it, in one write.
            byte[] forged = Handshake.proof(Handshake.key("an attacker's guess at the secret".getBytes(StandardCharsets.UTF_8)),
                    Role.DIALER, hello.encoded(), theirs.encoded());
            bad.sendRaw(frames(new Handshake.Proof(forged).encode(), CrdtCodec.encode(new Ack(1)), CrdtCodec.encode(TestMessages.withKeyOf(10))));
            Reject reject = (Reject) bad.readHandshake();
            assertThat(reject.reason()).isEqualTo(Handshake.Reason.PROOF);
            assertThat(bad.bytesUntilClosed(CLOSE_WITHIN)).as("bytes after the REJECT").isZero();
        }
        LogCapture.get().await(CLOSE_WITHIN, "(claims peer 000000000000bad9): closing connection: handshake failed: proof of the cluster secret");
        assertThat(victim.recorder().senders()).doesNotContain(badId);
        assertThat(victim.recorder().events()).doesNotContain("up " + badId);
        assertThat(victim.transport().connectedPeers()).doesNotContain(badId);
    }

    @Test
    void aWrongSecretOnARealNodeIsLoggedByBothSides() {
        Node bad = nodes.start(NettyTransportConfig.builder(ReplicaId.of(0xBAD5), TestNodes.CLUSTER,
                "a different secret of 32 bytes!!".getBytes(StandardCharsets.UTF_8)).eventLoopThreads(1).reconnectBaseMillis(200).build());
        bad.transport().connect(victim.endpoint());
        LogCapture.get().await(CLOSE_WITHIN, "[000000000000bad5] connection to " + victim.endpoint(),
                "proof of the cluster secret from " + victim.id() + " did not verify");
        LogCapture.get().await(CLOSE_WITHIN, "[" + victim.id() + "] connection from", "(claims peer 000000000000bad5)",
                "handshake failed: rejected by the peer: proof of the cluster secret did not verify");
        assertThat(bad.transport().handshakeFailures()).isPositive();
        assertThat(victim.transport().connectedPeers()).doesNotContain(bad.id());
        bad.transport().close();
    }

    @Test
    void aWrongClusterName() {
        Node bad = nodes.start(NettyTransportConfig.builder(ReplicaId.of(0xBAD6), "another-cluster", TestNodes.SECRET)
                .eventLoopThreads(1).reconnectBaseMillis(200).build());
        bad.transport().connect(victim.endpoint());
        LogCapture.get().await(CLOSE_WITHIN, "[" + victim.id() + "] connection from",
                "handshake failed: peer is in cluster 'another-cluster', this node in 'test-cluster'");
        LogCapture.get().await(CLOSE_WITHIN, "[000000000000bad6] connection to", "handshake failed: rejected by the peer: wrong cluster name");
        assertThat(victim.transport().connectedPeers()).doesNotContain(bad.id());
        bad.transport().close();
    }

    @Test
    void aReplayedHandshake() {
        ReplicaId impersonated = ReplicaId.of(0xBAD7);
        byte[] recording;
        try (RawPeer honest = RawPeer.connect(victim.endpoint())) {
            honest.handshake(impersonated, TestNodes.CLUSTER, TestNodes.SECRET);
            victim.recorder().awaitUp(impersonated, CLOSE_WITHIN);
            recording = honest.sent.toByteArray(); // what an eavesdropper saw: HELLO and PROOF
        }
        victim.recorder().awaitDown(impersonated, CLOSE_WITHIN);
        long before = failures();
        try (RawPeer replay = RawPeer.connect(victim.endpoint())) {
            replay.sendRaw(recording);
            assertThat(replay.awaitClosed(CLOSE_WITHIN)).isTrue();
        }
        LogCapture.get().await(CLOSE_WITHIN, "(claims peer 000000000000bad7): closing connection: handshake failed:",
                "did not verify (a wrong secret, or a replayed handshake)");
        assertThat(failures()).isEqualTo(before + 1);
        assertThat(victim.recorder().count("up " + impersonated)).isEqualTo(1);
    }

    @Test
    void aPeerThatNeverReadsKeepsItsQueueBoundedAndHurtsNoOne() {
        ReplicaId slowId = ReplicaId.of(0xBAD8);
        DeltaBatch kilobyte = TestMessages.withKeyOf(1_000);
        long queuedTotal;
        long backPressuredTotal;
        try (RawPeer slow = RawPeer.connect(victim.endpoint(), 4_096)) {
            slow.handshake(slowId, TestNodes.CLUSTER, TestNodes.SECRET);
            victim.recorder().awaitUp(slowId, CLOSE_WITHIN);
            long backPressured = 0;
            long queued = 0;
            long goodSeq = sentToGood;
            for (int i = 0; i < 200_000 && backPressured < 5_000; i++) {
                SendResult r = victim.transport().send(slowId, kilobyte);
                if (r == SendResult.BACK_PRESSURED) {
                    backPressured++;
                } else {
                    assertThat(r).isEqualTo(SendResult.QUEUED);
                    queued++;
                }
                LinkStats s = stats(slowId);
                assertThat(s.queuedMessages()).isLessThanOrEqualTo(MAX_QUEUED_MESSAGES);
                assertThat(s.queuedBytes()).isLessThanOrEqualTo(MAX_QUEUED_BYTES);
                if (i % 50 == 0) {
                    victim.sendSequence(good, ++goodSeq, goodSeq);
                }
            }
            sentToGood = goodSeq;
            queuedTotal = queued;
            backPressuredTotal = backPressured;
            assertThat(backPressured).as("the slow peer's queue filled up").isEqualTo(5_000);
            LinkStats s = stats(slowId);
            assertThat(s.dropped()).isEqualTo(backPressured);
            assertThat(s.queuedBytes()).isGreaterThan(MAX_QUEUED_BYTES - 2_000);
            assertThat(queued).as("what went to the kernel and Netty is bounded too").isLessThan(20_000);
            long goodTarget = sentToGood;
            Waits.until(CLOSE_WITHIN, "the good peer got everything meanwhile", () -> good.from(victim).count() == goodTarget);
        }
        victim.recorder().awaitDown(slowId, CLOSE_WITHIN);
        LinkStats after = stats(slowId);
        assertThat(after.queuedMessages()).isZero();
        assertThat(after.queuedBytes()).isZero();
        // Every accepted message was either handed to Netty (out) or dropped with the link.
        assertThat(after.messagesOut() + after.dropped()).isEqualTo(queuedTotal + backPressuredTotal);
        LogCapture.get().await(CLOSE_WITHIN, "link to 000000000000bad8 down");
    }

    /** The frames of {@code payloads}, concatenated: one write. */
    private static byte[] frames(byte[]... payloads) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(p.length).array());
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private LinkStats stats(ReplicaId peer) {
        return victim.transport().linkStats().stream().filter(s -> s.peer().equals(peer)).findFirst().orElseThrow();
    }
}
