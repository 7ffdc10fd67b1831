package dev.converge.node;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Lets inline commands end with a bare LF, as Redis does ({@code printf 'PING\n' | nc host
 * port}): Netty's {@code RedisDecoder} wants every line to end with CRLF. It puts the missing CR
 * before each bare LF of an inline line, in front of the decoder.
 *
 * <p>It stays in the pipeline only until a line starts with a RESP type byte (an array, in
 * practice: every client library speaks RESP from its first command), then removes itself and
 * passes the rest through untouched: bulk strings are binary and may hold LFs of their own, and a
 * RESP client pays nothing after its first read. A client that mixes inline commands after RESP
 * ones needs CRLF, as before.
 */
final class BareLineFeeds extends ChannelInboundHandlerAdapter {

    private boolean atLineStart = true;
    /** Whether the last byte seen (perhaps in an earlier read) was a CR. */
    private boolean afterCr;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf fixed = null;
        int copiedTo = in.readerIndex();
        int end = in.writerIndex();
        for (int i = in.readerIndex(); i < end; i++) {
            byte b = in.getByte(i);
            if (atLineStart && isRespType(b)) {
                ctx.pipeline().remove(this); // the rest of this read, and every later one, passes untouched
                break;
            }
            atLineStart = b == '\n';
            if (b == '\n' && !afterCr) {
                if (fixed == null) {
                    fixed = ctx.alloc().buffer(in.readableBytes() + 16);
                }
                fixed.writeBytes(in, copiedTo, i - copiedTo).writeByte('\r');
                copiedTo = i;
            }
            afterCr = b == '\r';
        }
        if (fixed == null) {
            ctx.fireChannelRead(in);
        } else {
            fixed.writeBytes(in, copiedTo, end - copiedTo);
            in.release();
            ctx.fireChannelRead(fixed);
        }
    }

    private static boolean isRespType(byte b) {
        return b == '*' || b == '$' || b == '+' || b == '-' || b == ':';
    }
}
