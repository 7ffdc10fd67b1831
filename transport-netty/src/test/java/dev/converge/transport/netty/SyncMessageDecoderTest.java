package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.DigestResponse;
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
            new StateBatch(2, KeyHashRange.ALL, List.of(), true, false));

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        Connection.attach(ch, ReplicaId.of(1), Handshake.Role.DIALER, new Endpoint("peer.test", 1), null);
        FrameDecoder frames = new FrameDecoder(1 << 16);
        frames.authenticated();
        ch.pipeline().addLast(frames, new SyncMessageDecoder());
        return ch;
    }

    @Test
    void decodesEveryMessageKindFromHeapDirectAndCompositeBuffers() {
        for (SyncMessage m : MESSAGES) {
            byte[] payload = CrdtCodec.encode(m);
            EmbeddedChannel ch = channel();
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

    @Test
    void countsFramesAndBytes() {
        EmbeddedChannel ch = channel();
        SyncMessageDecoder decoder = ch.pipeline().get(SyncMessageDecoder.class);
        byte[] payload = CrdtCodec.encode(MESSAGES.get(0));
        for (int i = 0; i < 3; i++) {
            ch.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, payload));
        }
        assertThat(decoder.messagesIn).isEqualTo(3);
        assertThat(decoder.bytesIn).isEqualTo(3L * (4 + payload.length));
        ch.finishAndReleaseAll();
    }

    @Test
    void anUndecodableFrameClosesTheConnectionWithTheCodecsReason() {
        LogCapture.get().clear();
        EmbeddedChannel ch = channel();
        ch.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, new byte[] {99, 1, 0}));
        assertThat(ch.<Object>readInbound()).isNull();
        assertThat(ch.isOpen()).isFalse();
        String reason = Connection.of(ch).closeReason();
        assertThat(reason).startsWith("undecodable sync message of 3 bytes: ").contains("unknown sync message tag 99");
        assertThat(LogCapture.get().contains("connection to peer.test:1", "closing connection", "undecodable sync message")).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void aTruncatedMessageAndANewerEncodingVersionAreRefused() {
        byte[] payload = CrdtCodec.encode(TestMessages.withKeyOf(10));
        EmbeddedChannel truncated = channel();
        truncated.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, java.util.Arrays.copyOf(payload, payload.length - 3)));
        assertThat(truncated.isOpen()).isFalse();
        assertThat(Connection.of(truncated).closeReason()).startsWith("undecodable sync message");
        truncated.finishAndReleaseAll();

        byte[] newer = payload.clone();
        newer[1] = 2; // the encoding version right after the one-byte tag
        EmbeddedChannel future = channel();
        future.writeInbound(FrameDecoder.frame(ByteBufAllocator.DEFAULT, newer));
        assertThat(Connection.of(future).closeReason()).contains("newer than version 1");
        future.finishAndReleaseAll();
    }

    @Test
    void anEmptyFrameIsUndecodable() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.buffer().writeInt(0));
        assertThat(ch.isOpen()).isFalse();
        assertThat(Connection.of(ch).closeReason()).startsWith("undecodable sync message of 0 bytes");
        ch.finishAndReleaseAll();
    }

    @Test
    void framesAfterTheFailureInTheSameReadAreDiscarded() {
        EmbeddedChannel ch = channel();
        byte[] good = CrdtCodec.encode(MESSAGES.get(0));
        ByteBuf oneRead = Unpooled.buffer().writeInt(1).writeByte(99).writeInt(good.length).writeBytes(good);
        ch.writeInbound(oneRead);
        assertThat(ch.<Object>readInbound()).isNull();
        ch.finishAndReleaseAll();
    }
}
