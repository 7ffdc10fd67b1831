package dev.converge.node;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the bytes of encoded replies written to clients and not yet taken by them (a write's
 * promise completes once the socket took it, or fails when the connection closes), over every
 * connection of the node: a client that asks for large replies and never reads them holds that
 * memory, and many such clients together are bounded by this count, not one by one. Buffers
 * under {@link #COUNTED_BYTES} are not counted: the small replies of ordinary traffic cost nothing
 * here (a promise and a listener each), and what matters is held by large values.
 */
@ChannelHandler.Sharable
final class UnsentReplies extends ChannelOutboundHandlerAdapter {

    /** The smallest encoded buffer counted. */
    static final int COUNTED_BYTES = 1 << 10;

    private final AtomicLong unsent = new AtomicLong();

    long bytes() {
        return unsent.get();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b && b.readableBytes() >= COUNTED_BYTES) {
            long n = b.readableBytes();
            unsent.addAndGet(n);
            ChannelPromise counted = promise.unvoid();
            counted.addListener(f -> unsent.addAndGet(-n));
            ctx.write(msg, counted);
        } else {
            ctx.write(msg, promise);
        }
    }
}
