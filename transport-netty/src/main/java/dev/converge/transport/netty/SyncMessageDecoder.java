package dev.converge.transport.netty;

import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.SyncMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Turns each authenticated frame into a {@link SyncMessage} with crdt-core's canonical codec.
 * A frame that does not decode closes the connection with the codec's reason: the stream is
 * not trusted after it, and the protocol recovers from the loss.
 *
 * <p>Frames reach it two ways: once the connection is authenticated, the {@link FrameDecoder}
 * in front of it calls {@link #decodeFrame} on each frame where it lies in the read buffer and
 * passes the decoded message on (no frame buffer, no reference counting per message); frames
 * split before that (in the read that completed the handshake) arrive as buffers.
 *
 * <p>Counts the frames it decodes; {@link LinkHandler} publishes the counts once per read, which
 * keeps atomic operations off the per-message path.
 */
final class SyncMessageDecoder extends ChannelInboundHandlerAdapter {

    /**
     * Larger frames are decoded in place (or, not contiguous, from a one-off array), so a rare
     * 4 MiB message does not pin 4 MiB per connection.
     */
    static final int MAX_SCRATCH_BYTES = 64 << 10;

    long bytesIn;
    long messagesIn;
    long largestIn;
    /** The frame bytes of the message decoded last: what the listener is told it holds. */
    int lastFrameBytes;
    private byte[] scratch = new byte[256];

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg); // already decoded in place by the frame decoder, or not ours
            return;
        }
        SyncMessage message;
        try {
            message = decodeFrame(ctx, frame, frame.readerIndex(), frame.readableBytes());
        } finally {
            frame.release();
        }
        if (message != null) {
            ctx.fireChannelRead(message);
        }
    }

    /**
     * The message in the frame payload of {@code length} bytes at {@code index} of {@code buf}
     * (a frame of its own, or the frame decoder's cumulation), counted; {@code null} when the
     * channel is closing (the rest of the read is discarded) or the payload does not decode (the
     * connection is then closed with the codec's reason). Leaves {@code buf}'s indices alone.
     */
    SyncMessage decodeFrame(ChannelHandlerContext ctx, ByteBuf buf, int index, int length) {
        if (!ctx.channel().isActive()) {
            return null; // closing: the rest of this read is discarded
        }
        try {
            SyncMessage message = decode(buf, index, length);
            lastFrameBytes = FrameDecoder.HEADER_BYTES + length;
            bytesIn += lastFrameBytes;
            messagesIn++;
            largestIn = Math.max(largestIn, FrameDecoder.HEADER_BYTES + length);
            return message;
        } catch (CodecException | RuntimeException e) {
            Connection connection = Connection.of(ctx.channel());
            String reason = "undecodable sync message of " + length + " bytes: " + e.getMessage();
            if (connection != null) {
                connection.fail(reason);
            } else {
                ctx.close();
            }
            return null;
        }
    }

    /**
     * Decodes from a heap array: the buffer's own, or a copy in this connection's scratch array;
     * a payload larger than {@link #MAX_SCRATCH_BYTES} in place from direct memory. The copy
     * pays for itself: the codec's array path is faster than reading direct memory field by
     * field, and it copies a key out of a heap array without first zeroing the new array
     * (measured in the transport benchmark on JDK 17: decoding 4 KiB delta batches in place cost
     * the receiving event loop as much or more CPU per message than copying them first). The
     * codec copies every byte field it keeps (no aliasing), so neither the buffer nor the
     * scratch array is referenced once decode returns.
     */
    SyncMessage decode(ByteBuf buf, int index, int length) throws CodecException {
        if (buf.hasArray()) {
            return CrdtCodec.decodeMessage(buf.array(), buf.arrayOffset() + index, length);
        }
        if (length > MAX_SCRATCH_BYTES) {
            return buf.nioBufferCount() == 1 ? CrdtCodec.decodeMessage(buf.internalNioBuffer(index, length))
                    : CrdtCodec.decodeMessage(ByteBufUtil.getBytes(buf, index, length));
        }
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, Math.min(MAX_SCRATCH_BYTES, scratch.length * 2))];
        }
        buf.getBytes(index, scratch, 0, length);
        return CrdtCodec.decodeMessage(scratch, 0, length);
    }
}
