package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.SyncMessage;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Transport} on Netty TCP: authenticated, optionally mutually-TLS-protected links to
 * peers, one per peer pair, with reconnects, bounded outbound queues and per-peer counters.
 *
 * <p>Make one with {@link #create(NettyTransportConfig)}, then {@link #start} it. {@link #send}
 * never blocks: it measures the encoding on the caller's thread (the event loop writes it), queues
 * within the peer's bounds and returns {@link SendResult#BACK_PRESSURED} when they are full.
 * Listener callbacks run on the transport's event loop threads, per peer in order (link-up,
 * messages, link-down), and must not block.
 * See the package documentation for the wire format and the handshake.
 */
public final class NettyTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    /**
     * Netty's outbound buffer per connection: a drain stops at the high mark, so a slow peer
     * holds at most this much besides its queue. 1 MiB keeps a fast loopback or LAN link busy.
     */
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(512 << 10, 1 << 20);

    private enum State { NEW, STARTED, CLOSED }

    private final NettyTransportConfig config;
    private final ReplicaId localId;
    private final Links links;
    private final HandshakeHandler.Settings handshake;
    private final SslContext serverTls;
    private final SslContext clientTls;
    private final boolean epoll;
    private final Backoff backoff;
    private final ConcurrentHashMap<Endpoint, Dialer> dialers = new ConcurrentHashMap<>();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final Object lifecycle = new Object();

    private volatile State state = State.NEW;
    /** Cut off from every peer by {@link #isolate()}: no connection survives initialisation. */
    private volatile boolean isolated;
    private EventLoopGroup group;
    private Bootstrap bootstrap;
    private Channel server;
    private volatile Endpoint listening;

    private NettyTransport(NettyTransportConfig config) {
        this.config = config;
        this.localId = config.localId();
        this.links = new Links(config, this::peerDown);
        this.handshake = new HandshakeHandler.Settings(localId, config.clusterName(), Handshake.key(config.secretNoCopy()),
                new SecureRandom(), config.handshakeTimeoutMillis());
        this.serverTls = config.tls() == null ? null : Tls.server(config.tls());
        this.clientTls = config.tls() == null ? null : Tls.client(config.tls());
        this.epoll = config.nativeTransport() && Epoll.isAvailable();
        if (config.nativeTransport() && !epoll) {
            log.debug("[{}] native epoll transport unavailable, using NIO: {}", localId, Epoll.unavailabilityCause());
        }
        this.backoff = new Backoff(config.reconnectBaseMillis(), config.reconnectMaxMillis());
    }

    /**
     * A transport for {@code config}, not yet started. Reads the TLS material now, so a missing
     * or bad file fails here with an {@link IllegalArgumentException}.
     */
    public static NettyTransport create(NettyTransportConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("a transport needs a config");
        }
        return new NettyTransport(config);
    }

    @Override
    public ReplicaId localId() {
        return localId;
    }

    /**
     * Starts the event loops and, if configured, listens; returns once the port is bound.
     *
     * @throws UncheckedIOException when the listen address cannot be bound
     * @throws IllegalStateException when already started or closed
     */
    @Override
    public void start(Listener listener) {
        if (listener == null) {
            throw new IllegalArgumentException("a transport needs a listener");
        }
        synchronized (lifecycle) {
            if (state != State.NEW) {
                throw new IllegalStateException("transport " + localId + " is " + state.name().toLowerCase(Locale.ROOT));
            }
            links.listener(listener);
            IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            ThreadFactory names = new DefaultThreadFactory("converge-transport-" + localId, true);
            group = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(), r -> {
                // Kept so close() can join them: "terminated" is signalled just before a thread exits.
                Thread t = names.newThread(r);
                threads.add(t);
                return t;
            }, io);
            Class<? extends SocketChannel> channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
            bootstrap = new Bootstrap().group(group).channel(channelType)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, config.connectTimeoutMillis()))
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK);
            if (config.listen() != null) {
                listen(config.listen());
            }
            state = State.STARTED;
            log.info("[{}] transport started: {}, {}, {}", localId, listening == null ? "not listening" : "listening on " + listening,
                    epoll ? "epoll" : "nio", serverTls == null ? "plaintext"
                    : "mutual TLS 1.3 (" + config.tls().provider().name().toLowerCase(java.util.Locale.ROOT) + " provider)");
        }
    }

    private void listen(Endpoint endpoint) {
        Class<? extends ServerSocketChannel> serverType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap sb = new ServerBootstrap().group(group).channel(serverType)
                .option(ChannelOption.SO_BACKLOG, 256)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        initConnection(ch, Handshake.Role.ACCEPTOR, null, null);
                    }
                });
        ChannelFuture bind = sb.bind(endpoint.host(), endpoint.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            joinThreads();
            state = State.CLOSED;
            Throwable cause = bind.cause();
            String message = "transport " + localId + " cannot listen on " + endpoint + ": " + cause.getMessage();
            if (cause instanceof IOException io) {
                throw new UncheckedIOException(message, io);
            }
            throw new IllegalStateException(message, cause);
        }
        server = bind.channel();
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        listening = new Endpoint(bound.getAddress().getHostAddress(), bound.getPort());
    }

    /** Builds the pipeline of a new connection; see the package documentation for the layering. */
    private void initConnection(Channel ch, Handshake.Role role, Endpoint dialled, Dialer dialer) {
        Connection connection = Connection.attach(ch, localId, role, dialled, dialer);
        channels.add(ch);
        ch.closeFuture().addListener(f -> channels.remove(ch));
        if (state == State.CLOSED) {
            connection.closeQuietly("the node is shutting down");
            return;
        }
        // Read after the add above, while isolate() sets the flag before closing what is in the
        // set: every connection is either closed there or refused here.
        if (isolated) {
            connection.closeQuietly("this node is isolated from its peers");
            return;
        }
        if (role == Handshake.Role.ACCEPTOR && !links.admit(connection)) {
            links.handshakeFailed();
            connection.fail("refused: " + config.maxPendingHandshakes() + " handshakes already pending (maxPendingHandshakes)");
            return;
        }
        ChannelPipeline p = ch.pipeline();
        if (serverTls != null) {
            SslHandler tls = role == Handshake.Role.DIALER
                    ? clientTls.newHandler(ch.alloc(), dialled.host(), dialled.port())
                    : serverTls.newHandler(ch.alloc());
            tls.setHandshakeTimeoutMillis(config.handshakeTimeoutMillis());
            p.addLast("tls", tls);
        }
        SyncMessageDecoder decoder = new SyncMessageDecoder();
        p.addLast("frames", new FrameDecoder(config.maxFrameBytes(), decoder));
        p.addLast("handshake", new HandshakeHandler(connection, handshake, links));
        p.addLast("messages", decoder);
        p.addLast("link", new LinkHandler(links, connection, decoder));
    }

    private ChannelFuture dial(Dialer dialer) {
        Endpoint e = dialer.endpoint;
        return bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                initConnection(ch, Handshake.Role.DIALER, e, dialer);
            }
        }).connect(e.host(), e.port());
    }

    private void peerDown(ReplicaId peer) {
        for (Dialer d : dialers.values()) {
            d.peerDown(peer);
        }
    }

    /** Keeps a link to {@code endpoint}; a second call for the same endpoint does nothing. */
    @Override
    public void connect(Endpoint endpoint) {
        if (endpoint == null) {
            throw new IllegalArgumentException("connect needs an endpoint");
        }
        synchronized (lifecycle) {
            if (state != State.STARTED) {
                throw new IllegalStateException("transport " + localId + " is " + state.name().toLowerCase(Locale.ROOT)
                        + "; connect after start and before close");
            }
            if (dialers.containsKey(endpoint)) {
                return;
            }
            Dialer dialer = new Dialer(endpoint, localId, this::dial, group, backoff, links::isUp);
            dialers.put(endpoint, dialer);
            if (isolated) {
                dialer.pause();
            }
            dialer.start();
        }
    }

    /** Stops dialling {@code endpoint} and closes the link to the peer reached there, if any. */
    @Override
    public void disconnect(Endpoint endpoint) {
        Dialer dialer = dialers.remove(endpoint);
        if (dialer == null) {
            return;
        }
        dialer.stop(null);
        Channel ch = dialer.channel();
        if (ch != null) {
            Connection c = Connection.of(ch);
            if (c != null) {
                c.closeQuietly("disconnected from " + endpoint);
            } else {
                ch.close(); // a dial whose pipeline the event loop has not built yet
            }
        }
        ReplicaId peerId = dialer.peer();
        Peer peer = peerId == null ? null : links.peer(peerId);
        Channel active = peer == null ? null : peer.active;
        if (active != null) {
            Connection.of(active).closeQuietly("disconnected from " + endpoint);
        }
    }

    /**
     * Cuts this node off from every peer while it keeps running, as a network partition would:
     * closes every connection, closes each new inbound connection as soon as it is accepted, and
     * stops dialling. Peers see their links go down and their redials fail; the engine sees
     * link-down events and keeps accepting local writes. For fault drills and the demo; undone by
     * {@link #rejoin()}. Idempotent.
     *
     * @throws IllegalStateException when the transport is not started
     */
    public void isolate() {
        synchronized (lifecycle) {
            if (state != State.STARTED) {
                throw new IllegalStateException("transport " + localId + " is " + state.name().toLowerCase(Locale.ROOT)
                        + "; isolate after start and before close");
            }
            if (isolated) {
                return;
            }
            isolated = true;
            for (Dialer d : dialers.values()) {
                d.pause();
            }
        }
        for (Channel ch : channels) {
            Connection c = Connection.of(ch);
            if (c != null) {
                c.closeQuietly("this node is isolated from its peers");
            } else {
                ch.close();
            }
        }
        log.info("[{}] isolated: every peer connection closed, no dialling until rejoin", localId);
    }

    /**
     * Ends {@link #isolate()}: accepts connections again and redials every endpoint at once with
     * its backoff reset. Idempotent.
     */
    public void rejoin() {
        synchronized (lifecycle) {
            if (!isolated || state != State.STARTED) {
                return;
            }
            isolated = false;
            for (Dialer d : dialers.values()) {
                d.resume();
            }
        }
        log.info("[{}] rejoined: accepting and dialling peers again", localId);
    }

    /** Whether {@link #isolate()} is in force. */
    public boolean isolated() {
        return isolated;
    }

    @Override
    public void pauseInbound(boolean paused) {
        links.pauseInbound(paused);
    }

    /**
     * Queues {@code message} for {@code peer}; never blocks.
     *
     * @throws IllegalArgumentException when the encoded message exceeds {@code maxFrameBytes}: the
     *     engine must split it (a peer would close the link on it)
     */
    @Override
    public SendResult send(ReplicaId peer, SyncMessage message) {
        if (state == State.CLOSED) {
            return SendResult.NO_LINK;
        }
        return links.send(peer, message);
    }

    @Override
    public Set<ReplicaId> connectedPeers() {
        return links.connectedPeers();
    }

    /** Per-peer counters, ordered by peer id; see {@link LinkStats}. Bytes are frame bytes (payload and header). */
    @Override
    public List<LinkStats> linkStats() {
        return links.stats();
    }

    /**
     * Failed handshakes since start, every cause counted (bad version, cluster or proof, timeout,
     * TLS failure, garbage, refusal under load, rejection by the peer): transport-wide, because
     * most failures happen before a peer is known.
     */
    public long handshakeFailures() {
        return links.handshakeFailures();
    }

    /** Where this transport listens (the bound port when configured with port 0); {@code null} when it does not. */
    public Endpoint listenEndpoint() {
        return listening;
    }

    /** Whether links run on the native epoll transport rather than NIO. */
    @Override
    public Optional<Endpoint> boundEndpoint() {
        return Optional.ofNullable(listenEndpoint());
    }

    public boolean nativeTransport() {
        return epoll;
    }

    /** Open TCP connections, authenticated or not (for tests and diagnostics). */
    int openConnections() {
        return channels.size();
    }

    Links links() {
        return links;
    }

    /**
     * Stops: no new connections, then up to {@code shutdownDeadlineMillis} to write out what is
     * queued, then closes every connection, drops what is left (counted in {@code dropped}) and
     * waits for the event loop threads to end. Called on an event loop thread (from a listener)
     * it does not wait for the queues. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (state == State.CLOSED) {
                return;
            }
            boolean started = state == State.STARTED;
            state = State.CLOSED;
            if (!started) {
                return;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.shutdownDeadlineMillis());
        links.closing();
        // Read again if paused: a socket closed with unread input is reset, not closed, and a reset
        // can discard the last frames this node flushes to its peers below.
        links.pauseInbound(false);
        for (Dialer d : dialers.values()) {
            d.stop(null);
        }
        dialers.clear();
        if (server != null) {
            server.close().awaitUninterruptibly(remainingMillis(deadline));
        }
        if (!onEventLoop()) {
            flushQueues(deadline);
        }
        List<ChannelFuture> closing = new ArrayList<>();
        for (Channel ch : channels) {
            Connection c = Connection.of(ch);
            if (c != null) {
                c.closeQuietly("the node is shutting down");
            }
            closing.add(ch.close());
        }
        if (!onEventLoop()) {
            for (ChannelFuture f : closing) {
                f.awaitUninterruptibly(Math.max(100, remainingMillis(deadline)));
            }
        }
        long dropped = links.dropAll();
        if (dropped > 0) {
            log.info("[{}] dropped {} queued messages at shutdown", localId, dropped);
        }
        var terminated = group.shutdownGracefully(0, Math.max(100, remainingMillis(deadline)), TimeUnit.MILLISECONDS);
        if (!onEventLoop()) {
            terminated.awaitUninterruptibly(Math.max(1_000, remainingMillis(deadline) + 1_000));
            joinThreads();
        }
        log.info("[{}] transport closed", localId);
    }

    /** Asks every link to write out its queue, and waits until Netty has handed it all to the kernel or the deadline passes. */
    private void flushQueues(long deadline) {
        for (Peer peer : links.peers()) {
            Channel active = peer.active;
            if (active != null) {
                peer.scheduleDrain(active);
            }
        }
        while (remainingMillis(deadline) > 0 && anyQueued()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        List<ChannelFuture> flushed = new ArrayList<>();
        for (Peer peer : links.peers()) {
            Channel active = peer.active;
            if (active != null && active.isActive()) {
                // Completes once everything written before it is out of Netty's buffer.
                flushed.add(active.writeAndFlush(Unpooled.EMPTY_BUFFER));
            }
        }
        for (ChannelFuture f : flushed) {
            f.awaitUninterruptibly(remainingMillis(deadline));
        }
    }

    private boolean anyQueued() {
        for (Peer peer : links.peers()) {
            Channel active = peer.active;
            if (active != null && active.isActive() && !peer.queue.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private void joinThreads() {
        for (Thread t : threads) {
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean onEventLoop() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    private static long remainingMillis(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    @Override
    public String toString() {
        return "NettyTransport[" + localId + (listening == null ? "" : " on " + listening) + "]";
    }
}
