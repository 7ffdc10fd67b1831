package dev.converge.node;

import dev.converge.crdt.port.Endpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.redis.FixedRedisMessagePool;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis-protocol front end (RESP2 over TCP) on Netty. Pipeline per client:
 * {@code RedisDecoder} (Netty's codec-redis, inline commands on) → {@link RequestAssembler}
 * (limits, budget) → {@link RedisConnection} (ordering, replies), with {@code RedisEncoder} for
 * replies. One connection counts against {@code maxClients} from accept to close.
 */
final class RedisServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisServer.class);
    /**
     * Netty's outbound buffer per client: above the high mark the client is not read, its next
     * commands wait, and replies that are ready wait too, their arguments still counted against
     * the node's request budget (it is not reading its replies). With replies under
     * {@link RedisConnection#LARGE_REPLY_BYTES} the only ones not counted node-wide, a client that
     * never reads holds at most about the high mark plus one such reply in Netty's buffer, so
     * even every allowed client together holds a few hundred MiB there at most.
     */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 << 10, 128 << 10);
    private static final ByteBuf MAX_CLIENTS = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer("-ERR max number of clients reached\r\n", StandardCharsets.US_ASCII)).asReadOnly();

    private final RedisLimits limits;
    private final EventLoopGroup group;
    private final ExecutorService slow;
    private final ChannelGroup clients = new DefaultChannelGroup("redis-clients", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicLong sessionIds = new AtomicLong();
    private final AtomicLong budget = new AtomicLong();
    /** Bytes of large replies written to clients and not yet taken by them, all connections together. */
    private final AtomicLong unsentLargeReplies = new AtomicLong();
    private final LongAdder commands = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private Channel server;
    private Endpoint bound;

    private RedisServer(RedisLimits limits, EventLoopGroup group, ExecutorService slow) {
        this.limits = limits;
        this.group = group;
        this.slow = slow;
    }

    static RedisServer start(Endpoint endpoint, ConvergeNode node, RedisLimits limits) {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Integer.getInteger("converge.redis.ioThreads", Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("converge-redis", true), io);
        ExecutorService slow = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "converge-redis-slow");
            t.setDaemon(true);
            return t;
        });
        RedisServer s = new RedisServer(limits, group, slow);
        RedisCommands commands = new RedisCommands(node, slow);
        boolean passwordRequired = node.settings().redisPassword().isPresent();
        Class<? extends ServerSocketChannel> type = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap b = new ServerBootstrap().group(group).channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        s.accepted.increment();
                        if (s.connected.incrementAndGet() > limits.maxClients()) {
                            s.connected.decrementAndGet();
                            s.rejected.increment();
                            ch.writeAndFlush(MAX_CLIENTS.duplicate()).addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        ch.closeFuture().addListener(f -> s.connected.decrementAndGet());
                        s.clients.add(ch);
                        InetSocketAddress remote = ch.remoteAddress();
                        boolean loopback = remote != null && remote.getAddress() != null && remote.getAddress().isLoopbackAddress();
                        ClientSession session = new ClientSession(s.sessionIds.incrementAndGet(), loopback, passwordRequired, ch.eventLoop());
                        addDecoders(ch.pipeline(), limits, s.budget, session::authenticated);
                        ch.pipeline().addLast("encoder", new RedisEncoder());
                        ch.pipeline().addLast("connection", new RedisConnection(s, commands, limits, session));
                    }
                });
        try {
            s.server = b.bind(endpoint.host(), endpoint.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            // Netty rethrows the bind's IOException unchecked.
            s.close();
            throw new IllegalStateException(e.getMessage(), e);
        }
        InetSocketAddress addr = (InetSocketAddress) s.server.localAddress();
        s.bound = new Endpoint(addr.getAddress().getHostAddress(), addr.getPort());
        LOG.info("Redis protocol on {} ({}, password {})", s.bound, epoll ? "epoll" : "nio", passwordRequired ? "required" : "not set");
        return s;
    }

    /**
     * The protocol half of a client's pipeline, everything a client's bytes reach before a
     * command runs: {@link BareLineFeeds} (inline lines may end with a bare LF, until the first
     * RESP array), Netty's RESP decoder (inline commands on, lines up to {@code maxInlineBytes})
     * and the {@link RequestAssembler} that enforces the limits.
     */
    static void addDecoders(ChannelPipeline pipeline, RedisLimits limits, AtomicLong budget, BooleanSupplier authenticated) {
        pipeline.addLast("line-feeds", new BareLineFeeds());
        pipeline.addLast("decoder", new RedisDecoder(limits.maxInlineBytes(), FixedRedisMessagePool.INSTANCE, true));
        pipeline.addLast("assembler", new RequestAssembler(limits, budget, authenticated));
    }

    Endpoint boundEndpoint() {
        return bound;
    }

    int connectedClients() {
        return connected.get();
    }

    long totalConnections() {
        return accepted.sum();
    }

    long rejectedConnections() {
        return rejected.sum();
    }

    long commandsProcessed() {
        return commands.sum();
    }

    long errorReplies() {
        return errors.sum();
    }

    long protocolErrors() {
        return protocolErrors.sum();
    }

    void commandProcessed() {
        commands.increment();
    }

    /**
     * Reply bytes written to the clients' channels that their sockets have not taken yet, all
     * connections together ({@code INFO memory}'s {@code mem_clients_normal}).
     */
    long clientOutputBytes() {
        long bytes = 0;
        for (Channel ch : clients) {
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            if (out != null) {
                bytes += out.totalPendingWriteBytes();
            }
        }
        return bytes;
    }

    long unsentReplyBytes() {
        return unsentLargeReplies.get();
    }

    /** Reserves {@code bytes} for a large reply unless that would pass the node's reply limit; atomic across connections. */
    boolean reserveReply(long bytes) {
        while (true) {
            long now = unsentLargeReplies.get();
            if (now + bytes > RedisCommands.MAX_REPLY_BYTES) {
                return false;
            }
            if (unsentLargeReplies.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** A large reply was taken by its client, or its connection closed. */
    void releaseReply(long bytes) {
        unsentLargeReplies.addAndGet(-bytes);
    }

    void errorReply() {
        errors.increment();
    }

    void protocolError() {
        protocolErrors.increment();
    }

    /** Argument bytes held for all clients now (for tests). */
    long budgetInUse() {
        return budget.get();
    }

    void releaseBudget(long bytes) {
        if (bytes != 0) {
            budget.addAndGet(-bytes);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        slow.shutdownNow();
    }
}
