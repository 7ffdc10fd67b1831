package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.transport.netty.Handshake.Failure;
import dev.converge.transport.netty.Handshake.Hello;
import dev.converge.transport.netty.Handshake.Proof;
import dev.converge.transport.netty.Handshake.Reason;
import dev.converge.transport.netty.Handshake.Reject;
import dev.converge.transport.netty.Handshake.Role;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The handshake messages' binary format and the proof: exact, bounded, and robust to garbage. */
class HandshakeTest {

    private static final SecretKeySpec KEY = Handshake.key(TestNodes.SECRET);

    private static byte[] nonce(int fill) {
        byte[] n = new byte[Handshake.NONCE_BYTES];
        Arrays.fill(n, (byte) fill);
        return n;
    }

    @Test
    void helloRoundTripsAndHasTheDocumentedLayout() throws Failure {
        Hello hello = Hello.of(Role.DIALER, ReplicaId.of(0x0102030405060708L), nonce(5), "prod");
        byte[] b = hello.encoded();
        assertThat(b).hasSize(4 + 1 + 2 + 1 + 8 + 32 + 1 + 4);
        ByteBuffer buf = ByteBuffer.wrap(b);
        assertThat(buf.getInt()).isEqualTo(0x434E5647);
        assertThat(buf.get()).isEqualTo(Handshake.HELLO);
        assertThat(buf.getShort()).isEqualTo((short) 1);
        assertThat(buf.get()).isZero();
        assertThat(buf.getLong()).isEqualTo(0x0102030405060708L);

        Hello back = (Hello) Handshake.decode(b);
        assertThat(back.role()).isEqualTo(Role.DIALER);
        assertThat(back.node()).isEqualTo(ReplicaId.of(0x0102030405060708L));
        assertThat(back.nonce()).isEqualTo(nonce(5));
        assertThat(back.clusterName()).isEqualTo("prod");
        assertThat(back.encoded()).isEqualTo(b);
    }

    @Test
    void theLargestMessageFitsThePreAuthenticationFrameLimit() {
        String name = "x".repeat(NettyTransportConfig.MAX_CLUSTER_NAME_BYTES);
        assertThat(Hello.of(Role.ACCEPTOR, ReplicaId.of(1), nonce(0), name).encoded().length).isLessThanOrEqualTo(Handshake.MAX_MESSAGE_BYTES);
        assertThat(new Reject(Reason.CLUSTER, "y".repeat(10_000)).encode().length).isLessThanOrEqualTo(Handshake.MAX_MESSAGE_BYTES);
    }

    @Test
    void proofAndRejectRoundTrip() throws Failure {
        byte[] mac = Handshake.proof(KEY, Role.ACCEPTOR, new byte[] {1}, new byte[] {2});
        assertThat(mac).hasSize(32);
        assertThat(((Proof) Handshake.decode(new Proof(mac).encode())).mac()).isEqualTo(mac);
        Reject r = (Reject) Handshake.decode(new Reject(Reason.TIMEOUT, "too slow\n\u0007").encode());
        assertThat(r.reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(r.text()).isEqualTo("too slow??"); // control characters never reach our logs
    }

    @Test
    void aNewerVersionIsRecognisedAsSuchBeforeTheRestIsParsed() {
        byte[] b = Hello.of(Role.DIALER, ReplicaId.of(9), nonce(1), "c").encoded();
        b[5] = 0;
        b[6] = 2; // version 2
        byte[] longer = Arrays.copyOf(b, b.length + 40); // a later layout may be longer
        assertThatThrownBy(() -> Handshake.decode(longer))
                .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.reason).isEqualTo(Reason.VERSION))
                .hasMessage("peer speaks protocol version 2, this node speaks 1");
    }

    @Test
    void malformedMessagesAreNamed() {
        byte[] hello = Hello.of(Role.DIALER, ReplicaId.of(9), nonce(1), "c").encoded();
        assertMalformed(Arrays.copyOf(hello, hello.length - 1), "truncated");
        assertMalformed(Arrays.copyOf(hello, hello.length + 1), "1 trailing bytes");
        assertMalformed(new byte[] {1, 2, 3}, "too short");
        assertMalformed("GET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII), "bad magic");
        byte[] zeroId = hello.clone();
        Arrays.fill(zeroId, 8, 16, (byte) 0);
        assertMalformed(zeroId, "reserved node id 0");
        byte[] badRole = hello.clone();
        badRole[7] = 7;
        assertMalformed(badRole, "unknown role 7");
        byte[] badType = hello.clone();
        badType[4] = 42;
        assertMalformed(badType, "unknown handshake message type 42");
        byte[] badUtf8 = hello.clone();
        badUtf8[badUtf8.length - 1] = (byte) 0xC3;
        assertMalformed(badUtf8, "not UTF-8");
    }

    private static void assertMalformed(byte[] payload, String detail) {
        assertThatThrownBy(() -> Handshake.decode(payload))
                .isInstanceOfSatisfying(Failure.class, f -> assertThat(f.reason).isEqualTo(Reason.MALFORMED))
                .hasMessageContaining(detail);
    }

    @Test
    void theProofCoversTheRoleAndEveryByteOfBothHellos() {
        byte[] d = Hello.of(Role.DIALER, ReplicaId.of(1), nonce(1), "c").encoded();
        byte[] a = Hello.of(Role.ACCEPTOR, ReplicaId.of(2), nonce(2), "c").encoded();
        byte[] proof = Handshake.proof(KEY, Role.DIALER, d, a);
        assertThat(Handshake.proof(KEY, Role.ACCEPTOR, d, a)).isNotEqualTo(proof);
        assertThat(Handshake.proof(KEY, Role.DIALER, a, d)).isNotEqualTo(proof);
        assertThat(Handshake.proof(Handshake.key("another secret, also 32 bytes!!".getBytes(StandardCharsets.UTF_8)),
                Role.DIALER, d, a)).isNotEqualTo(proof);
        for (int i = 0; i < d.length; i++) {
            byte[] changed = d.clone();
            changed[i] ^= 1;
            assertThat(Handshake.proof(KEY, Role.DIALER, changed, a)).as("byte %d", i).isNotEqualTo(proof);
        }
        assertThat(Handshake.verify(proof, proof.clone())).isTrue();
    }

    @Test
    void randomBytesNeverDecodeToAnythingButAFailureOrAValidMessage() {
        qt().forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 400))
            .checkAssert(bytes -> {
                byte[] payload = new byte[bytes.size()];
                for (int i = 0; i < payload.length; i++) {
                    payload[i] = (byte) (int) bytes.get(i);
                }
                try {
                    Handshake.decode(payload);
                } catch (Failure expected) {
                    assertThat(expected.reason).isIn(List.of(Reason.MALFORMED, Reason.VERSION));
                }
            });
    }

    @Test
    void randomBytesBehindAValidHeaderAreStillRefusedCleanly() {
        qt().forAll(integers().between(1, 3), lists().of(integers().between(0, 255)).ofSizeBetween(0, 340))
            .checkAssert((type, bytes) -> {
                byte[] payload = new byte[5 + bytes.size()];
                ByteBuffer.wrap(payload).putInt(Handshake.MAGIC).put((byte) (int) type);
                for (int i = 0; i < bytes.size(); i++) {
                    payload[5 + i] = (byte) (int) bytes.get(i);
                }
                try {
                    Handshake.decode(payload);
                } catch (Failure expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            });
    }
}
