package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.Progress;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.crdt.testkit.Fuzz;
import dev.converge.crdt.testkit.Mutator;
import dev.converge.transport.netty.Handshake.Hello;
import dev.converge.transport.netty.Handshake.Proof;
import dev.converge.transport.netty.Handshake.Reason;
import dev.converge.transport.netty.Handshake.Reject;
import dev.converge.transport.netty.Handshake.Role;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fuzzes what an unauthenticated peer reaches: the transport's pipeline ({@link FrameDecoder},
 * {@link HandshakeHandler}, {@link SyncMessageDecoder}) on an {@link EmbeddedChannel}, as acceptor
 * and as dialler, fed byte streams in random pieces with time passing in between. Inputs are
 * mostly mutations of valid transcripts (the peer's HELLO and a correct PROOF, then sync frames)
 * and of near misses (a wrong secret, a reflected proof, another cluster), with frame lengths made
 * huge or off by one, handshake fields corrupted, messages spliced; a fifth keep the valid
 * handshake and mutate only the frames behind it (what an authenticated peer reaches); some are
 * foreign protocols and random bytes.
 *
 * <p>The oracle, for every input: no exception leaves the pipeline; the node authenticates the
 * peer exactly when the input starts with the valid HELLO and PROOF (so no corruption of them
 * passes, and a valid handshake in pieces does); otherwise the handshake fails once, with a
 * reason, by the timeout at the latest, the connection is closed with "handshake failed: ..."
 * logged, and no sync message was delivered; everything the node sent decodes as a handshake
 * message; an authenticated connection that is closed has a reason; the whole run allocates at
 * most {@value #ALLOCATION_PER_INPUT_BYTE} heap bytes per input byte plus
 * {@value #ALLOCATION_BASE} (the channel's allocator is on the heap, so buffers count: a length
 * field claiming gigabytes is refused, not allocated); and no batch takes longer than
 * {@link #BATCH_TIMEOUT}. Netty's paranoid leak detector checks that every failure path released
 * its buffers.
 */
@ExtendWith(LeakCheck.class)
class HandshakeFuzzTest {

    private static final int INPUTS = Fuzz.inputs(40_000);
    private static final long SEED = Fuzz.seed(0x4A4D5AL);
    private static final int INPUTS_PER_EXAMPLE = 100;
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);
    private static final long ALLOCATION_PER_INPUT_BYTE = 1024;
    private static final long ALLOCATION_BASE = 2 << 20;
    private static final int MAX_FRAME_BYTES = 64 << 10;
    private static final long TIMEOUT_MILLIS = 1_000;

    private static final ReplicaId DIALER_ID = ReplicaId.of(0xD1A1);
    private static final ReplicaId ACCEPTOR_ID = ReplicaId.of(0xACCE);
    private static final SecretKeySpec KEY = Handshake.key(TestNodes.SECRET);
    private static final byte[] WRONG_SECRET = "not the cluster secret, 32 bytes".getBytes(StandardCharsets.UTF_8);

    private static final FixedNonces FIXED_NONCES = new FixedNonces();

    /** A byte stream a peer may send to a node of {@code role}. */
    record Transcript(Role role, byte[] bytes) {
    }

    /** Per role (by ordinal), the peer's side of the one valid handshake: its HELLO and PROOF frames. */
    private static final byte[][] VALID_HANDSHAKE = new byte[2][];
    private static final List<Transcript> CORPUS = corpus();
    private static final Mutator MUTATOR = new Mutator(16 << 10, HandshakeFuzzTest::corruptFrameLength);

    @Test
    void noInputAuthenticatesWithoutTheSecretOrBreaksThePipeline() {
        int examples = Math.max(1, INPUTS / INPUTS_PER_EXAMPLE);
        qt().withFixedSeed(SEED).withExamples(examples).withShrinkCycles(10)
            .forAll(integers().between(0, CORPUS.size() - 1), integers().between(0, CORPUS.size() - 1), longs().all())
            .checkAssert((index, donor, seed) -> assertTimeoutPreemptively(BATCH_TIMEOUT, () ->
                    fuzz(CORPUS.get(index), CORPUS.get(donor), seed)));
        assertThat(LogCapture.get().contains("closing connection: handshake failed: ")).isTrue();
    }

    private static void fuzz(Transcript valid, Transcript donor, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        check(valid.role(), valid.bytes(), random);
        for (int i = 1; i < INPUTS_PER_EXAMPLE; i++) {
            int kind = random.nextInt(20);
            byte[] input;
            if (kind == 0) {
                input = Mutator.randomBytes(random, random.nextInt(600));
            } else if (kind == 1) {
                // A frame header and random bytes: past the framing, into the handshake decoder.
                byte[] payload = Mutator.randomBytes(random, random.nextInt(300));
                input = frames(Mutator.replace(payload, 0, 0, new byte[] {0x43, 0x4E, 0x56, 0x47, (byte) (1 + random.nextInt(3))}));
            } else if (kind < 6 && startsWith(valid.bytes(), VALID_HANDSHAKE[valid.role().ordinal()])) {
                // The handshake intact, the frames behind it mutated: what an authenticated peer reaches.
                int auth = VALID_HANDSHAKE[valid.role().ordinal()].length;
                byte[] tail = Arrays.copyOfRange(valid.bytes(), auth, valid.bytes().length);
                input = Mutator.replace(MUTATOR.mutate(tail, donor.bytes(), random), 0, 0, VALID_HANDSHAKE[valid.role().ordinal()]);
            } else {
                input = MUTATOR.mutate(valid.bytes(), donor.bytes(), random);
            }
            check(valid.role(), input, random);
        }
    }

    /**
     * Feeds {@code input} to a fresh node of {@code role} and checks the oracle. Over the
     * allocation limit, the same run is repeated and measured again: what the first use of a code
     * path allocates once per JVM (class initialisation, the first MAC) is not the input's doing,
     * and a real over-allocation repeats.
     */
    private static void check(Role role, byte[] input, SplittableRandom random) {
        long pieces = random.nextLong();
        long limit = ALLOCATION_BASE + ALLOCATION_PER_INPUT_BYTE * input.length;
        long allocated = run(role, input, pieces, true);
        if (allocated > limit && (allocated = run(role, input, pieces, false)) > limit) {
            throw new AssertionError("as " + role + ": the pipeline allocated " + allocated + " bytes, over the limit of " + limit
                    + "; input " + Fuzz.hex(input));
        }
    }

    /** One run of {@code input} through a fresh node; returns the heap bytes it allocated. */
    private static long run(Role role, byte[] input, long pieces, boolean verify) {
        long before = Fuzz.allocatedBytes();
        Node node = new Node(role);
        try {
            node.feed(input, new SplittableRandom(pieces));
            if (verify) {
                node.verify(input, VALID_HANDSHAKE[role.ordinal()]);
            }
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("as " + role + ": " + e.getMessage() + "; input " + Fuzz.hex(input), e);
        } finally {
            node.close();
        }
        return Fuzz.allocatedBytes() - before;
    }

    /** One end of a connection: the transport's inbound pipeline and a tail that records what comes out. */
    private static final class Node implements HandshakeHandler.Listener {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final Connection connection;
        final List<SyncMessage> received = new ArrayList<>();
        final List<byte[]> sent = new ArrayList<>();
        int failures;
        Reason failure;
        boolean authenticated;
        Throwable escaped;

        Node(Role role) {
            channel.config().setAllocator(new UnpooledByteBufAllocator(false));
            channel.freezeTime();
            ReplicaId self = role == Role.ACCEPTOR ? ACCEPTOR_ID : DIALER_ID;
            connection = Connection.attach(channel, self, role, role == Role.DIALER ? new Endpoint("peer.test", 1) : null, null);
            HandshakeHandler.Settings settings = new HandshakeHandler.Settings(self, TestNodes.CLUSTER, KEY, FIXED_NONCES, TIMEOUT_MILLIS);
            channel.pipeline().addLast(new FrameDecoder(MAX_FRAME_BYTES), new HandshakeHandler(connection, settings, this),
                    new SyncMessageDecoder(), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            if (msg instanceof SyncMessage m) {
                                received.add(m);
                            } else {
                                ReferenceCountUtil.release(msg);
                            }
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            // What the transport's LinkHandler does with the one error it expects once authenticated.
                            if (authenticated && cause instanceof TooLongFrameException) {
                                connection.fail(LinkHandler.reason(cause));
                            } else if (escaped == null) {
                                escaped = cause;
                            }
                        }
                    });
        }

        /** Writes {@code input} in random pieces, letting up to 900 ms pass in between, then lets the timeout pass. */
        void feed(byte[] input, SplittableRandom random) {
            int pieces = input.length == 0 ? 0 : 1 + random.nextInt(Math.min(input.length, random.nextInt(8) == 0 ? 64 : 4));
            int at = 0;
            long waited = 0;
            for (int i = 0; i < pieces && channel.isOpen(); i++) {
                int end = i == pieces - 1 ? input.length : at + random.nextInt(input.length - at + 1);
                // A copy: a decoder may compact its cumulation in place, which would rewrite a wrapped input.
                channel.writeInbound(Unpooled.copiedBuffer(input, at, end - at));
                at = end;
                if (random.nextInt(4) == 0 && waited < 900) {
                    long step = Math.min(900 - waited, random.nextInt(300));
                    advance(step);
                    waited += step;
                }
            }
            advance(TIMEOUT_MILLIS + 2_000);
            drainOutbound();
        }

        private void advance(long millis) {
            channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            channel.runPendingTasks();
        }

        private void drainOutbound() {
            ByteBuf b;
            while ((b = channel.readOutbound()) != null) {
                try {
                    while (b.readableBytes() >= 4) {
                        int length = b.readInt();
                        byte[] payload = new byte[Math.min(length, b.readableBytes())];
                        b.readBytes(payload);
                        sent.add(payload);
                    }
                } finally {
                    b.release();
                }
            }
        }

        void verify(byte[] input, byte[] validHandshake) throws AssertionError {
            if (escaped != null) {
                throw new AssertionError("an exception left the pipeline: " + escaped, escaped);
            }
            if (authenticated != startsWith(input, validHandshake)) {
                throw new AssertionError(authenticated ? "authenticated a peer whose handshake was not the valid one"
                        : "did not authenticate a valid handshake (failure " + failure + ", " + connection.closeReason() + ")");
            }
            for (byte[] frame : sent) {
                try {
                    Handshake.decode(frame);
                } catch (Handshake.Failure f) {
                    throw new AssertionError("the node sent something other than a handshake message: " + f.getMessage());
                }
            }
            if (!authenticated) {
                if (failures != 1 || failure == null) {
                    throw new AssertionError("the handshake failed " + failures + " times");
                }
                if (channel.isOpen()) {
                    throw new AssertionError("the connection stayed open after a failed handshake (" + failure + ")");
                }
                String reason = connection.closeReason();
                if (reason == null || !reason.startsWith("handshake failed: ")) {
                    throw new AssertionError("closed without a handshake failure logged: " + reason);
                }
                if (!received.isEmpty()) {
                    throw new AssertionError("delivered " + received + " from an unauthenticated peer");
                }
            } else if (!channel.isOpen() && connection.closeReason() == null) {
                throw new AssertionError("an authenticated connection closed without a reason");
            }
        }

        void close() {
            channel.finishAndReleaseAll();
        }

        @Override
        public void identified(Connection c, ReplicaId peer) {
            // the claim alone changes nothing
        }

        @Override
        public void authenticated(Connection c) {
            authenticated = true;
        }

        @Override
        public void failed(Connection c, Reason reason, String detail) {
            failures++;
            failure = reason;
        }
    }

    private static boolean startsWith(byte[] input, byte[] prefix) {
        return input.length >= prefix.length && Arrays.equals(input, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The node's nonce is fixed, so a test can compute the peer's valid proof in advance. */
    private static final class FixedNonces extends SecureRandom {
        private static final long serialVersionUID = 1L;

        @Override
        public void nextBytes(byte[] bytes) {
            Arrays.fill(bytes, (byte) 0x5A);
        }
    }

    // ------------------------------------------------------------------ inputs

    private static byte[] nonce(int fill) {
        byte[] n = new byte[Handshake.NONCE_BYTES];
        Arrays.fill(n, (byte) fill);
        return n;
    }

    /** The frames of {@code payloads}, concatenated. */
    private static byte[] frames(byte[]... payloads) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            out.write(p.length >>> 24);
            out.write(p.length >>> 16);
            out.write(p.length >>> 8);
            out.write(p.length);
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static List<Transcript> corpus() {
        byte[] nodeNonce = new byte[Handshake.NONCE_BYTES];
        FIXED_NONCES.nextBytes(nodeNonce);
        List<byte[]> tails = new ArrayList<>();
        tails.add(new byte[0]);
        for (SyncMessage m : List.of(new Ack(7), new Heartbeat(3, List.of(new Progress(ReplicaId.of(9), 4))),
                new DeltaBatch(1, 2, List.of(new Document(Bytes.of("k"), GCounter.empty().increment(ReplicaId.of(3), 5).state())), 1),
                new DigestRequest(1, List.of(KeyHashRange.ALL)), new StateBatch(1, KeyHashRange.ALL, List.of(), 0, true, true))) {
            tails.add(frames(CrdtCodec.encode(m)));
        }
        tails.add(frames(CrdtCodec.encode(new Ack(1)), CrdtCodec.encode(new Ack(2)), CrdtCodec.encode(new Ack(3))));

        List<Transcript> corpus = new ArrayList<>();
        for (Role role : Role.values()) {
            byte[] local = Hello.of(role, role == Role.ACCEPTOR ? ACCEPTOR_ID : DIALER_ID, nodeNonce, TestNodes.CLUSTER).encoded();
            Role peerRole = role.opposite();
            ReplicaId peerId = peerRole == Role.ACCEPTOR ? ACCEPTOR_ID : DIALER_ID;
            byte[] peer = Hello.of(peerRole, peerId, nonce(0x11), TestNodes.CLUSTER).encoded();
            byte[] dialerHello = role == Role.DIALER ? local : peer;
            byte[] acceptorHello = role == Role.DIALER ? peer : local;
            byte[] proof = new Proof(Handshake.proof(KEY, peerRole, dialerHello, acceptorHello)).encode();
            byte[] auth = frames(peer, proof);
            VALID_HANDSHAKE[role.ordinal()] = auth;
            for (byte[] tail : tails) {
                corpus.add(new Transcript(role, Mutator.replace(tail, 0, 0, auth)));
            }
            byte[] wrong = new Proof(Handshake.proof(Handshake.key(WRONG_SECRET), peerRole, dialerHello, acceptorHello)).encode();
            corpus.add(new Transcript(role, Mutator.replace(tails.get(1), 0, 0, frames(peer, wrong))));
            // The node's own proof reflected, a proof for the wrong role, a second HELLO, a REJECT.
            byte[] mine = new Proof(Handshake.proof(KEY, role, dialerHello, acceptorHello)).encode();
            corpus.add(new Transcript(role, frames(peer, mine)));
            corpus.add(new Transcript(role, frames(peer, peer, proof)));
            corpus.add(new Transcript(role, frames(new Reject(Reason.PROOF, "no").encode())));
            String longName = "c".repeat(NettyTransportConfig.MAX_CLUSTER_NAME_BYTES);
            corpus.add(new Transcript(role, frames(Hello.of(peerRole, peerId, nonce(1), longName).encoded(), proof)));
            corpus.add(new Transcript(role, frames(Hello.of(peerRole, peerId, nonce(1), "other-cluster").encoded(), proof)));
        }
        // Foreign protocols and a 2 GiB frame header.
        for (Role role : Role.values()) {
            corpus.add(new Transcript(role, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            corpus.add(new Transcript(role, "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII)));
            corpus.add(new Transcript(role, new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xC8, 0x01, 0x00, 0x00, (byte) 0xC4, 0x03, 0x03}));
            corpus.add(new Transcript(role, new byte[] {(byte) 0x80, 0, 0, 0, 1, 2, 3}));
        }
        return corpus;
    }

    /** A frame's length field (found by walking the frames) set to an interesting or off-by-one value. */
    private static byte[] corruptFrameLength(byte[] input, SplittableRandom random) {
        List<int[]> headers = new ArrayList<>();
        int p = 0;
        while (p + 4 <= input.length) {
            long length = ((input[p] & 0xFFL) << 24) | ((input[p + 1] & 0xFF) << 16) | ((input[p + 2] & 0xFF) << 8) | (input[p + 3] & 0xFF);
            headers.add(new int[] {p, (int) Math.min(length, Integer.MAX_VALUE)});
            if (length > input.length) {
                break;
            }
            p += 4 + (int) length;
        }
        if (headers.isEmpty()) {
            return null;
        }
        int[] h = headers.get(random.nextInt(headers.size()));
        long value = switch (random.nextInt(3)) {
            case 0 -> h[1] + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(4));
            case 1 -> random.nextBoolean() ? Handshake.MAX_MESSAGE_BYTES + random.nextInt(3) - 1 : MAX_FRAME_BYTES + random.nextInt(3) - 1;
            default -> Mutator.interesting(random);
        };
        byte[] out = input.clone();
        out[h[0]] = (byte) (value >>> 24);
        out[h[0] + 1] = (byte) (value >>> 16);
        out[h[0] + 2] = (byte) (value >>> 8);
        out[h[0] + 3] = (byte) value;
        return out;
    }
}
