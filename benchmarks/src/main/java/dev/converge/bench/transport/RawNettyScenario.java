package dev.converge.bench.transport;

import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.SyncMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The raw Netty baseline: the same frames (4-byte length, then a payload of the message size) over
 * the same epoll loopback links and thread layout, with no handshake, no codec, no queue. The
 * sender's event loop writes frames whenever the channel is writable, which is the fastest way
 * raw Netty sends; the receiver splits frames with {@link LengthFieldBasedFrameDecoder} and
 * counts them.
 *
 * <p>{@code packed = false}: one pooled buffer and one {@code write} per frame, flushed per
 * batch (the plain way). {@code packed = true}: frames packed into 64 KiB buffers, as
 * transport-netty does. With a {@code message}, the sender loop encodes it for every frame and
 * the receiver decodes every frame with crdt-core's codec: raw Netty doing the codec work of a
 * sync message but none of the transport's (no handshake, queue, producer thread, counters).
 */
final class RawNettyScenario implements Scenario {

    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(512 << 10, 1 << 20);
    private static final int FRAMES_PER_LOOP = 4_096;

    private final int payloadBytes;
    private final int links;
    private final boolean packed;
    private final byte[] payload;
    /** With a message: encode it for every frame and decode every frame, as transport-netty does. */
    private final SyncMessage message;
    private final List<EventLoopGroup> groups = new ArrayList<>();
    private final List<AtomicLong> counters = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private volatile boolean running = true;

    RawNettyScenario(int payloadBytes, int links, boolean packed) {
        this(payloadBytes, links, packed, null);
    }

    RawNettyScenario(int payloadBytes, int links, boolean packed, SyncMessage message) {
        this.payloadBytes = payloadBytes;
        this.links = links;
        this.packed = packed;
        this.message = message;
        this.payload = new byte[payloadBytes];
        new java.util.SplittableRandom(7).nextBytes(payload);
    }

    @Override
    public void start() throws InterruptedException {
        EventLoopGroup senderGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        groups.add(senderGroup);
        for (int i = 0; i < links; i++) {
            EventLoopGroup receiverGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            groups.add(receiverGroup);
            AtomicLong counter = new AtomicLong();
            counters.add(counter);
            Channel server = new ServerBootstrap().group(receiverGroup).channel(EpollServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(payloadBytes + 4, 0, 4, 0, 4),
                                    new ChannelInboundHandlerAdapter() {
                                        private byte[] scratch = new byte[payloadBytes];

                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            ByteBuf frame = (ByteBuf) msg;
                                            try {
                                                if (message != null) {
                                                    int n = frame.readableBytes();
                                                    frame.getBytes(frame.readerIndex(), scratch, 0, n);
                                                    CrdtCodec.decodeMessage(scratch, 0, n);
                                                }
                                            } catch (CodecException e) {
                                                throw new IllegalStateException(e);
                                            } finally {
                                                frame.release();
                                            }
                                            counter.incrementAndGet();
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            ctx.close();
                                        }
                                    });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            channels.add(server);
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            Channel client = new Bootstrap().group(senderGroup).channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .handler(new Writer())
                    .connect(address).sync().channel();
            channels.add(client);
        }
    }

    /** Writes frames while the channel is writable, yielding the loop every batch. */
    private final class Writer extends ChannelInboundHandlerAdapter {
        private boolean scheduled;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            schedule(ctx);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                schedule(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // writes racing the shutdown: nothing to report
        }

        private void schedule(ChannelHandlerContext ctx) {
            if (!scheduled) {
                scheduled = true;
                ctx.executor().execute(() -> write(ctx));
            }
        }

        private void write(ChannelHandlerContext ctx) {
            scheduled = false;
            Channel ch = ctx.channel();
            int frames = 0;
            ByteBuf batch = null;
            while (running && ch.isWritable() && frames < FRAMES_PER_LOOP) {
                byte[] bytes = message == null ? payload : CrdtCodec.encode(message);
                if (packed) {
                    if (batch != null && batch.writableBytes() < payloadBytes + 4) {
                        ctx.write(batch, ctx.voidPromise());
                        batch = null;
                    }
                    if (batch == null) {
                        batch = ctx.alloc().directBuffer(Math.max(64 << 10, payloadBytes + 4));
                    }
                    batch.writeInt(bytes.length).writeBytes(bytes);
                } else {
                    ctx.write(ctx.alloc().directBuffer(bytes.length + 4).writeInt(bytes.length).writeBytes(bytes), ctx.voidPromise());
                }
                frames++;
            }
            if (batch != null) {
                ctx.write(batch, ctx.voidPromise());
            }
            ctx.flush();
            if (running && ch.isWritable()) {
                schedule(ctx);
            }
        }
    }

    @Override
    public long delivered() {
        long total = 0;
        for (AtomicLong c : counters) {
            total += c.get();
        }
        return total;
    }

    @Override
    public void close() {
        running = false;
        for (Channel ch : channels) {
            ch.close().awaitUninterruptibly();
        }
        for (EventLoopGroup g : groups) {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
