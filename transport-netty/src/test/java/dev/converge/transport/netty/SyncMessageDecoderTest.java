package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.DigestResponse;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link SyncMessageDecoder} on an {@link EmbeddedChannel}: every message kind from every buffer kind, and codec errors. */
@ExtendWith(LeakCheck.class)
class SyncMessageDecoderTest {

    private static final List<SyncMessage> MESSAGES = List.of(
            new Ack(42),
            new DeltaBatch(3, 9, List.of(), 2),
            new DigestRequest(1, List.of(KeyHashRange.ALL)),
            new DigestResponse(1, List.of(new RangeDigest(KeyHashRange.ALL, 123, 4))),
            TestMessages.withKeyOf(5),
            new StateBatch(2, KeyHashRange.ALL, List.of(), 0, true, false),
            // Past SyncMessageDecoder.MAX_SCRATCH_BYTES: decoded in place from a direct frame.
            TestMessages.withKeyOf(SyncMessageDecoder.MAX_SCRATCH_BYTES),
            new StateBatch(3, KeyHashRange.ALL, List.of(new Document(Bytes.of(new byte[SyncMessageDecoder.MAX_SCRATCH_BYTES + 10]),
                    GCounter.empty())), 0, false, true));

    private static final boolean[] BOTH = {true, false};

    /**
     * The pipeline after authentication: with {@code inPlace}, as the transport builds it (the
     * frame decoder decodes each frame where it lies); without, frames pass as buffers.
     */
    private static EmbeddedChannel channel(boolean inPlace) {
        EmbeddedChannel ch = new EmbeddedChannel();
        Connection.attach(ch, ReplicaId.of(1), Handshake.Role.DIALER, new Endpoint("peer.test", 1), null);
        SyncMessageDecoder messages = new SyncMessageDecoder();
        FrameDecoder frames = inPlace ? new FrameDecoder(1 << 20, messages) : new FrameDecoder(1 << 20);
        frames.authenticated();
        ch.pipeline().addLast(frames, messages);
        return ch;
    }

    @Test
    void decodesEveryMessageKindFromHeapDirectAndCompositeBuffers() {
        for (boolean inPlace : BOTH) {
            for (SyncMessage m : MESSAGES) {
                byte[] payload = CrdtCodec.encode(m);
                EmbeddedChannel ch = channel(inPlace);
                ch.writeInbound(FrameDecoder.frame(Unpooled.buffer().alloc(), payload));
                ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer().writeInt(payload.length).writeBytes(payload);
                ch.writeInbound(direct);
                assertThat(ch.<Object>readInbound()).isEqualTo(m);
                assertThat(ch.<Object>readInbound()).isEqualTo(m);
                ch.finishAndReleaseAll();

                // A composite frame (not contiguous) goes through the copying path.
                EmbeddedChannel bare = new EmbeddedChannel(new SyncMessageDecoder());
                CompositeByteBuf composite = Unpooled.compositeBuffer();
                composite.addComponent(true, Unpooled.wrappedBuffer(payload, 0, 1));
                composite.addComponent(true, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(payload, 1, payload.length - 1));
                bare.writeInbound(composite);
                assertThat(bare.<Object>readInbound()).isEqualTo(m);
                bare.finishAndReleaseAll();
            }
        }
    }

    @Test
    void framesSplitAnywhereAcrossReadsAndManyInOneReadAllDecode() {
        List<SyncMessage> small = MESSAGES.stream().filter(m -> CrdtCodec.encode(m).length < 1_024).toList();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (boolean inPlace : BOTH) {
            for (int trial = 0; trial < 20; trial++) {
                // Byte-sized pieces for the small messages; pieces up to 16 KiB for all of them.
                List<SyncMessage> sent = trial < 10 ? small : MESSAGES;
                ByteBuf stream = Unpooled.buffer();
                for (SyncMessage m : sent) {
                    byte[] payload = CrdtCodec.encode(m);
                    stream.writeInt(payload.length).writeBytes(payload);
                }
                byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(stream);
                stream.release();
                EmbeddedChannel ch = channel(inPlace);
                int at = 0;
                while (at < bytes.length) {
                    int n = Math.min(bytes.length - at, trial % 10 == 0 ? bytes.length : 1 + random.nextInt(trial < 10 ? 8 : 16_384));
                    ch.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(bytes, at, n));
                    at += n;
                }
                for (SyncMessage m : sent) {
                    assertThat(ch.<Object>readInbound()).isEqualTo(m);
                }
                assertThat(ch.<Object>readInbound()).isNull();
                assertThat(ch.isOpen()).isTrue();
                assertThat(ch.finishAndReleaseAll()).isFalse();
            }
        }
    }

    @Test
    void countsFramesAndBytes() {
        for (boolean inPlace : BOTH) {
            EmbeddedChannel ch = channel(inPlace);
            SyncMessageDecoder decoder = ch.pipeline().get(SyncMessageDecoder.class);
            byte[] payload = CrdtCodec.encode(MESSAGES.get(0));
            for (int i = 0; i < 3; i++) {
                ch.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, payload));
            }
            assertThat(decoder.messagesIn).isEqualTo(3);
            assertThat(decoder.bytesIn).isEqualTo(3L * (4 + payload.length));
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void anUndecodableFrameClosesTheConnectionWithTheCodecsReason() {
        for (boolean inPlace : BOTH) {
            LogCapture.get().clear();
            EmbeddedChannel ch = channel(inPlace);
            ch.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, new byte[] {99, 1, 0}));
            assertThat(ch.<Object>readInbound()).isNull();
            assertThat(ch.isOpen()).isFalse();
            String reason = Connection.of(ch).closeReason();
            assertThat(reason).startsWith("undecodable sync message of 3 bytes: ").contains("unknown sync message tag 99");
            assertThat(LogCapture.get().contains("connection to peer.test:1", "closing connection", "undecodable sync message")).isTrue();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aTruncatedMessageAndANewerEncodingVersionAreRefused() {
        for (boolean inPlace : BOTH) {
            byte[] payload = CrdtCodec.encode(TestMessages.withKeyOf(10));
            EmbeddedChannel truncated = channel(inPlace);
            truncated.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, java.util.Arrays.copyOf(payload, payload.length - 3)));
            assertThat(truncated.isOpen()).isFalse();
            assertThat(Connection.of(truncated).closeReason()).startsWith("undecodable sync message");
            truncated.finishAndReleaseAll();

            byte[] newer = payload.clone();
            newer[1] = 2; // the encoding version right after the one-byte tag
            EmbeddedChannel future = channel(inPlace);
            future.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, newer));
            assertThat(Connection.of(future).closeReason()).contains("newer than version 1");
            future.finishAndReleaseAll();
        }
    }

    @Test
    void aDamagedLargeDirectFrameIsRefusedInPlace() {
        for (boolean inPlace : BOTH) {
            byte[] payload = CrdtCodec.encode(TestMessages.withKeyOf(SyncMessageDecoder.MAX_SCRATCH_BYTES + 100));
            for (int cut : new int[] {1, 3, payload.length / 2}) {
                EmbeddedChannel ch = channel(inPlace);
                int length = payload.length - cut;
                ch.writeInbound(PooledByteBufAllocator.DEFAULT.directBuffer().writeInt(length).writeBytes(payload, 0, length));
                assertThat(ch.<Object>readInbound()).isNull();
                assertThat(ch.isOpen()).isFalse();
                assertThat(Connection.of(ch).closeReason()).startsWith("undecodable sync message of " + length + " bytes");
                ch.finishAndReleaseAll();
            }
        }
    }

    @Test
    void anEmptyFrameIsUndecodable() {
        for (boolean inPlace : BOTH) {
            EmbeddedChannel ch = channel(inPlace);
            ch.writeInbound(Unpooled.buffer().writeInt(0));
            assertThat(ch.isOpen()).isFalse();
            assertThat(Connection.of(ch).closeReason()).startsWith("undecodable sync message of 0 bytes");
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void framesAfterTheFailureInTheSameReadAreDiscarded() {
        for (boolean inPlace : BOTH) {
            EmbeddedChannel ch = channel(inPlace);
            byte[] good = CrdtCodec.encode(MESSAGES.get(0));
            ByteBuf oneRead = Unpooled.buffer().writeInt(1).writeByte(99).writeInt(good.length).writeBytes(good);
            ch.writeInbound(oneRead);
            assertThat(ch.<Object>readInbound()).isNull();
            ch.finishAndReleaseAll();
        }
    }
}
