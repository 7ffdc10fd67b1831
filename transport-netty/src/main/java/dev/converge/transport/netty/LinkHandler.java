package dev.converge.transport.netty;

import dev.converge.crdt.sync.SyncMessage;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import javax.net.ssl.SSLException;

/**
 * The end of every pipeline: hands decoded messages of an authenticated link to the engine,
 * publishes the link's inbound counters, resumes draining when the socket can take more, reports
 * the connection's end to {@link Links}, and turns any error into a logged reason and a close.
 */
final class LinkHandler extends ChannelInboundHandlerAdapter {

    private final Links links;
    private final Connection connection;
    private final SyncMessageDecoder decoder;

    LinkHandler(Links links, Connection connection, SyncMessageDecoder decoder) {
        this.links = links;
        this.connection = connection;
        this.decoder = decoder;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Peer peer = connection.linked;
        if (msg instanceof SyncMessage message) {
            // A connection that lost the duplicate-link race, or is closing, delivers nothing.
            if (peer != null && peer.active == ctx.channel()) {
                links.deliver(peer, message, decoder.lastFrameBytes);
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        publishCounters();
        ctx.fireChannelReadComplete();
    }

    private void publishCounters() {
        Peer peer = connection.linked;
        if (peer != null && decoder.messagesIn > 0) {
            peer.messagesIn.addAndGet(decoder.messagesIn);
            peer.bytesIn.addAndGet(decoder.bytesIn);
            long largest = decoder.largestIn;
            peer.largestIn.accumulateAndGet(largest, Math::max);
        }
        decoder.messagesIn = 0;
        decoder.bytesIn = 0;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Peer peer = connection.linked;
        if (peer != null && ctx.channel().isWritable()) {
            peer.scheduleDrain(ctx.channel());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        publishCounters();
        links.closed(connection);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            connection.closeQuietly(reason(cause)); // a reset peer is ordinary; the link-down line says it
        } else {
            connection.fail(reason(cause));
        }
    }

    static String reason(Throwable cause) {
        String detail = HandshakeHandler.describe(cause);
        if (cause instanceof TooLongFrameException) {
            return detail;
        }
        if (cause instanceof SSLException || cause.getCause() instanceof SSLException) {
            return "TLS error: " + detail;
        }
        if (cause instanceof IOException) {
            return "I/O error: " + detail;
        }
        return "unexpected " + cause.getClass().getSimpleName() + ": " + detail;
    }
}
