package dev.converge.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.ByteOrder;

/**
 * Splits the byte stream into frames: a 4-byte big-endian unsigned payload length, then the
 * payload. Emits each payload (without its length) as a {@link ByteBuf} the next handler owns;
 * once authenticated, and given the connection's {@link SyncMessageDecoder}, it instead decodes
 * each frame where it lies in the read buffer and emits the {@code SyncMessage} (see
 * {@link #decode}).
 *
 * <p>Two limits: {@link Handshake#MAX_MESSAGE_BYTES} until the connection is authenticated, then
 * {@code maxFrameBytes}. The length is checked the moment its four bytes arrive (fail fast), so a
 * peer announcing 2 GiB costs nothing; the frame error closes the connection (see
 * {@link LinkHandler}) and everything after it on this connection is discarded unread.
 */
final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    static final int HEADER_BYTES = 4;

    private final int maxFrameBytes;
    /** Decodes authenticated frames in place; {@code null}: emit every frame as a buffer. */
    private final SyncMessageDecoder messages;
    private int limit;
    private boolean authenticated;
    private boolean failed;

    FrameDecoder(int maxFrameBytes) {
        this(maxFrameBytes, null);
    }

    FrameDecoder(int maxFrameBytes, SyncMessageDecoder messages) {
        // Netty's own limit (payload + header) never fires first: getUnadjustedFrameLength checks ours.
        super(ByteOrder.BIG_ENDIAN, maxFrameBytes + HEADER_BYTES, 0, HEADER_BYTES, 0, HEADER_BYTES, true);
        this.maxFrameBytes = maxFrameBytes;
        this.messages = messages;
        this.limit = Math.min(Handshake.MAX_MESSAGE_BYTES, maxFrameBytes);
    }

    /** Lifts the limit to {@code maxFrameBytes}; called by the handshake once the peer is authenticated. */
    void authenticated() {
        limit = maxFrameBytes;
        authenticated = true;
    }

    int limit() {
        return limit;
    }

    /**
     * One frame, or {@code null} when the next is not complete yet. Authenticated, with a
     * {@link SyncMessageDecoder}: the frame's sync message, decoded from {@code in} where the
     * frame lies (the same length checks, no frame buffer), or {@code null} for a frame that was
     * consumed but yields nothing (undecodable or arriving while the channel closes; the message
     * decoder has closed the connection).
     */
    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (failed) {
            // The stream is out of sync after a bad length: nothing after it can be trusted.
            in.skipBytes(in.readableBytes());
            return null;
        }
        if (!authenticated || messages == null) {
            return super.decode(ctx, in);
        }
        if (in.readableBytes() < HEADER_BYTES) {
            return null;
        }
        int at = in.readerIndex();
        long payload = getUnadjustedFrameLength(in, at, HEADER_BYTES, ByteOrder.BIG_ENDIAN); // throws past the limit
        if (in.readableBytes() - HEADER_BYTES < payload) {
            return null;
        }
        int start = at + HEADER_BYTES;
        in.readerIndex(start + (int) payload);
        return messages.decodeFrame(ctx, in, start, (int) payload);
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        long payload = buf.getUnsignedInt(offset);
        if (payload > limit) {
            failed = true;
            buf.skipBytes(buf.readableBytes());
            throw new TooLongFrameException("frame of " + payload + " bytes exceeds the limit of " + limit + " bytes"
                    + (limit < maxFrameBytes ? " before authentication" : " (maxFrameBytes)"));
        }
        return payload;
    }

    /** One frame: header and payload in a fresh buffer from {@code alloc}. */
    static ByteBuf frame(ByteBufAllocator alloc, byte[] payload) {
        ByteBuf buf = alloc.buffer(HEADER_BYTES + payload.length);
        buf.writeInt(payload.length).writeBytes(payload);
        return buf;
    }
}
