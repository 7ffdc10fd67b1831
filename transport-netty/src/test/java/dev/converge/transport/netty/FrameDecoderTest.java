package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link FrameDecoder} on an {@link EmbeddedChannel}: the limits, before and after authentication, and reassembly. */
@ExtendWith(LeakCheck.class)
class FrameDecoderTest {

    private static final int MAX = NettyTransportConfig.DEFAULT_MAX_FRAME_BYTES;

    private static EmbeddedChannel authenticated(int maxFrameBytes) {
        FrameDecoder decoder = new FrameDecoder(maxFrameBytes);
        decoder.authenticated();
        return new EmbeddedChannel(decoder);
    }

    private static ByteBuf frame(int payloadBytes, int fill) {
        ByteBuf b = Unpooled.buffer(4 + payloadBytes);
        b.writeInt(payloadBytes);
        for (int i = 0; i < payloadBytes; i++) {
            b.writeByte(fill + i);
        }
        return b;
    }

    @Test
    void aFrameOfExactlyMaxFrameBytesPasses() {
        EmbeddedChannel ch = authenticated(MAX);
        assertThat(ch.writeInbound(frame(MAX, 7))).isTrue();
        ByteBuf out = ch.readInbound();
        assertThat(out.readableBytes()).isEqualTo(MAX);
        assertThat(out.getByte(0)).isEqualTo((byte) 7);
        assertThat(out.getByte(MAX - 1)).isEqualTo((byte) (7 + MAX - 1));
        out.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void oneByteMoreFailsAsSoonAsTheLengthArrivesAndDiscardsTheRest() {
        EmbeddedChannel ch = authenticated(MAX);
        ByteBuf header = Unpooled.buffer(4).writeInt(MAX + 1);
        assertThatThrownBy(() -> ch.writeInbound(header))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessage("frame of " + (MAX + 1) + " bytes exceeds the limit of " + MAX + " bytes (maxFrameBytes)");
        // Whatever follows on this stream is not trusted: nothing more comes out.
        assertThat(ch.writeInbound(frame(10, 0))).isFalse();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aTwoGibibyteLengthIsRefusedWithoutBufferingAnything() {
        EmbeddedChannel ch = authenticated(MAX);
        ByteBuf header = Unpooled.buffer(4).writeInt(Integer.MIN_VALUE); // 2^31 as unsigned
        assertThatThrownBy(() -> ch.writeInbound(header))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("frame of 2147483648 bytes exceeds the limit of " + MAX);
        ByteBuf allOnes = Unpooled.buffer(4).writeInt(-1);
        EmbeddedChannel other = authenticated(MAX);
        assertThatThrownBy(() -> other.writeInbound(allOnes)).hasMessageContaining("frame of 4294967295 bytes");
        ch.finishAndReleaseAll();
        other.finishAndReleaseAll();
    }

    @Test
    void beforeAuthenticationOnlyHandshakeSizedFramesPass() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        assertThat(ch.writeInbound(frame(Handshake.MAX_MESSAGE_BYTES, 1))).isTrue();
        ((ByteBuf) ch.readInbound()).release();
        assertThatThrownBy(() -> ch.writeInbound(frame(Handshake.MAX_MESSAGE_BYTES + 1, 1)))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessage("frame of 513 bytes exceeds the limit of 512 bytes before authentication");
        ch.finishAndReleaseAll();
    }

    @Test
    void theLimitRisesOnAuthentication() {
        FrameDecoder decoder = new FrameDecoder(MAX);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        assertThat(decoder.limit()).isEqualTo(Handshake.MAX_MESSAGE_BYTES);
        decoder.authenticated();
        assertThat(decoder.limit()).isEqualTo(MAX);
        assertThat(ch.writeInbound(frame(100_000, 3))).isTrue();
        ((ByteBuf) ch.readInbound()).release();
        ch.finishAndReleaseAll();
    }

    @Test
    void anEmptyFrameIsAnEmptyPayload() {
        EmbeddedChannel ch = authenticated(MAX);
        assertThat(ch.writeInbound(frame(0, 0))).isTrue();
        ByteBuf out = ch.readInbound();
        assertThat(out.readableBytes()).isZero();
        out.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void framesSplitAnywhereComeOutWhole() {
        qt().withExamples(200).forAll(
                lists().of(integers().between(0, 3_000)).ofSizeBetween(1, 20),
                integers().between(1, 5_000),
                integers().all())
            .checkAssert((sizes, chunk, seed) -> {
                ByteBuf stream = Unpooled.buffer();
                for (int i = 0; i < sizes.size(); i++) {
                    ByteBuf f = frame(sizes.get(i), i);
                    stream.writeBytes(f);
                    f.release();
                }
                EmbeddedChannel ch = authenticated(4_000);
                Random random = new Random(seed);
                while (stream.isReadable()) {
                    int n = Math.min(stream.readableBytes(), 1 + random.nextInt(chunk));
                    ch.writeInbound(stream.readRetainedSlice(n));
                }
                stream.release();
                List<Integer> got = new ArrayList<>();
                ByteBuf out;
                int index = 0;
                while ((out = ch.readInbound()) != null) {
                    got.add(out.readableBytes());
                    if (out.readableBytes() > 0) {
                        assertThat(out.getByte(0)).isEqualTo((byte) index);
                    }
                    index++;
                    out.release();
                }
                assertThat(got).isEqualTo(sizes);
                assertThat(ch.finishAndReleaseAll()).isFalse();
            });
    }

    @Test
    void frameWritesTheLengthThenThePayload() {
        ByteBuf f = FrameDecoder.frame(io.netty.buffer.ByteBufAllocator.DEFAULT, new byte[] {9, 8, 7});
        assertThat(f.readInt()).isEqualTo(3);
        assertThat(f.readByte()).isEqualTo((byte) 9);
        f.release();
    }
}
