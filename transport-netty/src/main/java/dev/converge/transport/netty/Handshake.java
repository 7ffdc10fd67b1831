package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The handshake messages, their binary format and the proof computation. Pure functions: the
 * state machine that sends and checks them is {@link HandshakeHandler}.
 *
 * <p>Every handshake message is the payload of one frame and starts with the magic
 * {@code "CNVG"} and a one-byte type; all integers are big-endian:
 * <pre>
 * HELLO   magic u32 | type=1 u8 | version u16 | role u8 | node id u64 | nonce 32 bytes
 *         | cluster name length u8 | cluster name UTF-8
 * PROOF   magic u32 | type=2 u8 | HMAC-SHA256 32 bytes
 * REJECT  magic u32 | type=3 u8 | reason u8 | text length u16 | text UTF-8 (at most 256 bytes)
 * </pre>
 * The version comes right after the type so a later layout of HELLO still gets a clear "wrong
 * version" answer from this release. A proof is
 * {@code HMAC-SHA256(secret, "converge/handshake/v1" | prover role | u16 len | dialler HELLO |
 * u16 len | acceptor HELLO)}: both HELLOs byte for byte, hence both fresh nonces, both node ids,
 * the version and the cluster name, plus the prover's role so neither side's proof can be
 * reflected back as the other's. A recorded handshake never verifies on a new connection because
 * the other side's nonce is new.
 */
final class Handshake {

    /** {@code "CNVG"}: a garbage or foreign stream fails on its first four bytes. */
    static final int MAGIC = 0x434E5647;
    /** The handshake and frame protocol this release speaks. */
    static final int VERSION = 1;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final int MAX_REJECT_TEXT_BYTES = 256;
    /**
     * The frame limit before authentication: the largest message (HELLO with a 255-byte cluster
     * name, 304 bytes; REJECT, 264 bytes) fits with room; an unauthenticated peer cannot make a
     * node buffer more.
     */
    static final int MAX_MESSAGE_BYTES = 512;

    static final byte HELLO = 1;
    static final byte PROOF = 2;
    static final byte REJECT = 3;

    private static final byte[] LABEL = "converge/handshake/v1".getBytes(StandardCharsets.US_ASCII);
    private static final String HMAC = "HmacSHA256";

    private Handshake() {
    }

    /** Which end of the TCP connection a node is; the dialler sends the first HELLO. */
    enum Role {
        DIALER(0), ACCEPTOR(1);

        final byte code;

        Role(int code) {
            this.code = (byte) code;
        }

        Role opposite() {
            return this == DIALER ? ACCEPTOR : DIALER;
        }

        static Role of(int code) throws Failure {
            return switch (code) {
                case 0 -> DIALER;
                case 1 -> ACCEPTOR;
                default -> throw new Failure(Reason.MALFORMED, "HELLO with unknown role " + code);
            };
        }
    }

    /** Why a handshake failed; the code travels in REJECT so both sides log the same cause. */
    enum Reason {
        MALFORMED(1, "malformed handshake"),
        VERSION(2, "unsupported protocol version"),
        CLUSTER(3, "wrong cluster name"),
        PROOF(4, "proof of the cluster secret did not verify"),
        TIMEOUT(5, "handshake timed out"),
        SELF(6, "connected to itself"),
        OVERLOADED(7, "too many pending handshakes"),
        UNEXPECTED(8, "unexpected handshake message"),
        SHUTDOWN(9, "node is shutting down"),
        /** Not sent: the peer closed, TLS failed, or the peer rejected us. */
        CLOSED(100, "connection closed during the handshake"),
        TLS(101, "TLS handshake failed"),
        REJECTED(102, "rejected by the peer");

        final int code;
        final String text;

        Reason(int code, String text) {
            this.code = code;
            this.text = text;
        }

        static Reason of(int code) {
            for (Reason r : values()) {
                if (r.code == code) {
                    return r;
                }
            }
            return MALFORMED;
        }
    }

    /** A handshake message that breaks the rules; {@code detail} is logged, never sent with secrets. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        final Reason reason;

        Failure(Reason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    sealed interface Message permits Hello, Proof, Reject {
    }

    /** Who a peer says it is; {@code encoded} is the exact payload, which the proofs cover. */
    record Hello(int version, Role role, ReplicaId node, byte[] nonce, String clusterName, byte[] encoded) implements Message {

        static Hello of(Role role, ReplicaId node, byte[] nonce, String clusterName) {
            byte[] name = clusterName.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(4 + 1 + 2 + 1 + 8 + NONCE_BYTES + 1 + name.length);
            b.putInt(MAGIC).put(HELLO).putShort((short) VERSION).put(role.code).putLong(node.value()).put(nonce)
                    .put((byte) name.length).put(name);
            return new Hello(VERSION, role, node, nonce.clone(), clusterName, b.array());
        }
    }

    record Proof(byte[] mac) implements Message {
        byte[] encode() {
            return ByteBuffer.allocate(4 + 1 + MAC_BYTES).putInt(MAGIC).put(PROOF).put(mac).array();
        }
    }

    record Reject(Reason reason, String text) implements Message {
        byte[] encode() {
            byte[] t = truncate(text.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(4 + 1 + 1 + 2 + t.length).putInt(MAGIC).put(REJECT).put((byte) reason.code)
                    .putShort((short) t.length).put(t).array();
        }

        private static byte[] truncate(byte[] text) {
            return text.length <= MAX_REJECT_TEXT_BYTES ? text : Arrays.copyOf(text, MAX_REJECT_TEXT_BYTES);
        }
    }

    /** Parses one handshake frame payload; anything but an exact, well-formed message is a {@link Failure}. */
    static Message decode(byte[] payload) throws Failure {
        ByteBuffer b = ByteBuffer.wrap(payload);
        if (b.remaining() < 5) {
            throw new Failure(Reason.MALFORMED, "handshake frame of " + payload.length + " bytes is too short");
        }
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw new Failure(Reason.MALFORMED, "not a Converge handshake (bad magic 0x" + Integer.toHexString(magic) + ")");
        }
        byte type = b.get();
        try {
            Message m = switch (type) {
                case HELLO -> {
                    int version = Short.toUnsignedInt(b.getShort());
                    if (version != VERSION) {
                        throw new Failure(Reason.VERSION, "peer speaks protocol version " + version + ", this node speaks " + VERSION);
                    }
                    Role role = Role.of(b.get());
                    long node = b.getLong();
                    if (node == 0) {
                        throw new Failure(Reason.MALFORMED, "HELLO with the reserved node id 0");
                    }
                    byte[] nonce = new byte[NONCE_BYTES];
                    b.get(nonce);
                    int nameLength = Byte.toUnsignedInt(b.get());
                    byte[] name = new byte[nameLength];
                    b.get(name);
                    if (nameLength == 0) {
                        throw new Failure(Reason.MALFORMED, "HELLO with an empty cluster name");
                    }
                    yield new Hello(version, role, ReplicaId.of(node), nonce, strictUtf8(name), payload.clone());
                }
                case PROOF -> {
                    byte[] mac = new byte[MAC_BYTES];
                    b.get(mac);
                    yield new Proof(mac);
                }
                case REJECT -> {
                    Reason reason = Reason.of(Byte.toUnsignedInt(b.get()));
                    int length = Short.toUnsignedInt(b.getShort());
                    if (length > MAX_REJECT_TEXT_BYTES) {
                        throw new Failure(Reason.MALFORMED, "REJECT text of " + length + " bytes");
                    }
                    byte[] text = new byte[length];
                    b.get(text);
                    yield new Reject(reason, printable(new String(text, StandardCharsets.UTF_8)));
                }
                default -> throw new Failure(Reason.MALFORMED, "unknown handshake message type " + Byte.toUnsignedInt(type));
            };
            if (b.hasRemaining()) {
                throw new Failure(Reason.MALFORMED, b.remaining() + " trailing bytes after a handshake message");
            }
            return m;
        } catch (java.nio.BufferUnderflowException e) {
            throw new Failure(Reason.MALFORMED, "truncated handshake message of " + payload.length + " bytes");
        }
    }

    private static String strictUtf8(byte[] bytes) throws Failure {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Failure(Reason.MALFORMED, "cluster name is not UTF-8");
        }
    }

    /** A peer's text goes into our logs: keep control characters out of them. */
    static String printable(String text) {
        CharBuffer out = CharBuffer.allocate(text.length());
        text.codePoints().forEach(c -> out.put(Character.isISOControl(c) ? '?' : (char) (c > 0xFFFF ? '?' : c)));
        out.flip();
        return out.toString();
    }

    /** The HMAC key of {@code secret}. */
    static SecretKeySpec key(byte[] secret) {
        return new SecretKeySpec(secret, HMAC);
    }

    /** The proof {@code prover} sends: see the class comment for what it covers and why. */
    static byte[] proof(SecretKeySpec key, Role prover, byte[] dialerHello, byte[] acceptorHello) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            mac.update(LABEL);
            mac.update(prover.code);
            mac.update((byte) (dialerHello.length >>> 8));
            mac.update((byte) dialerHello.length);
            mac.update(dialerHello);
            mac.update((byte) (acceptorHello.length >>> 8));
            mac.update((byte) acceptorHello.length);
            mac.update(acceptorHello);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }

    /** Constant-time comparison, so timing does not reveal how much of a forged proof was right. */
    static boolean verify(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }
}
