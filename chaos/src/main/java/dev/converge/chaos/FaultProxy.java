package dev.converge.chaos;

import dev.converge.chaos.Schedule.Link;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A TCP proxy on every directed peer link of the cluster, frame-aware, with faults per link.
 *
 * <p>Node {@code i} dials node {@code j} at {@link #port(int, int) port(i, j)}; the proxy
 * connects on to {@code j}'s peer port. The connection carries frames both ways: those from the
 * dialler's side are link {@code i -> j}, the others {@code j -> i}, so faults act per direction
 * whichever node dialled. The stream is cut into the transport's frames ({@code u32} big-endian
 * length, then payload), so a fault drops, duplicates or delays whole frames and the stream
 * stays well-formed.
 *
 * <p>Faults per direction ({@link LinkFaults}): swallow every frame (the connection stays open:
 * a silent network), drop or duplicate frames with a probability, delay them with jitter. A
 * delayed frame never overtakes an earlier one (TCP does not reorder). Handshake frames (payload
 * starting with the transport's {@code CNVG} magic) are exempt from random drop and duplication,
 * not from swallowing: a lost handshake frame only ever costs a timeout and a redial, which
 * resets already exercise. Per node pair, connections can be reset (RST) and new ones refused
 * (accepted, then reset: what a firewall's REJECT shows). {@link #hold(int)} swallows everything
 * to and from a node whatever the schedule says; the durability check uses it to read a restarted
 * node before any peer can refill it.
 */
final class FaultProxy implements AutoCloseable {

    /** The transport's handshake magic, {@code "CNVG"}, at the start of a handshake frame's payload. */
    private static final int HANDSHAKE_MAGIC = 0x434E5647;
    /** Far above the nodes' own 4 MiB frame limit: the proxy must never be the one to refuse a frame. */
    private static final int MAX_FRAME_BYTES = 64 << 20;

    /** Faults on one direction of one link. */
    record LinkFaults(boolean swallow, double drop, double duplicate, long delayMillis, long jitterMillis) {
        static final LinkFaults NONE = new LinkFaults(false, 0, 0, 0, 0);
    }

    /** Everything the network track sets at once: faults per directed link, refused node pairs. */
    static final class NetworkState {
        private final int nodes;
        private final LinkFaults[] links;
        private final boolean[] refused;

        NetworkState(int nodes) {
            this.nodes = nodes;
            this.links = new LinkFaults[nodes * nodes];
            Arrays.fill(links, LinkFaults.NONE);
            this.refused = new boolean[nodes * nodes];
        }

        NetworkState with(Link link, LinkFaults faults) {
            NetworkState s = copy();
            s.links[link.from() * nodes + link.to()] = faults;
            return s;
        }

        /** Connections between the two nodes are reset and new ones refused. */
        NetworkState refusing(Link link) {
            NetworkState s = copy();
            s.refused[link.from() * nodes + link.to()] = true;
            s.refused[link.to() * nodes + link.from()] = true;
            return s;
        }

        LinkFaults link(int from, int to) {
            return links[from * nodes + to];
        }

        boolean refused(int a, int b) {
            return refused[a * nodes + b];
        }

        private NetworkState copy() {
            NetworkState s = new NetworkState(nodes);
            System.arraycopy(links, 0, s.links, 0, links.length);
            System.arraycopy(refused, 0, s.refused, 0, refused.length);
            return s;
        }
    }

    /** Counters of what the proxy did, since it started. */
    record Counters(long forwarded, long swallowed, long held, long dropped, long duplicated, long delayed, long accepted,
                    long reset, long refused, long unreachable) {
        Counters minus(Counters o) {
            return new Counters(forwarded - o.forwarded, swallowed - o.swallowed, held - o.held, dropped - o.dropped,
                    duplicated - o.duplicated, delayed - o.delayed, accepted - o.accepted, reset - o.reset, refused - o.refused,
                    unreachable - o.unreachable);
        }
    }

    private final int nodes;
    private volatile int[] targets;
    private final MultiThreadIoEventLoopGroup group;
    private final List<Channel> servers = new ArrayList<>();
    private final int[] ports;
    private final Set<Conn> connections = ConcurrentHashMap.newKeySet();
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    private final SplittableRandom random;
    private volatile NetworkState state;

    private final LongAdder forwarded = new LongAdder();
    private final LongAdder swallowed = new LongAdder();
    private final LongAdder heldFrames = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder duplicated = new LongAdder();
    private final LongAdder delayed = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final LongAdder refusals = new LongAdder();
    private final LongAdder unreachable = new LongAdder();

    private FaultProxy(int nodes, long seed) {
        this.nodes = nodes;
        this.targets = new int[nodes];
        this.ports = new int[nodes * nodes];
        this.random = new SplittableRandom(seed);
        this.state = new NetworkState(nodes);
        this.group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("chaos-proxy", true), NioIoHandler.newFactory());
    }

    /**
     * Listens on a loopback port for every directed link. The nodes' ports come later
     * ({@link #targets(int[])}): the proxy binds first, so the ports picked for the nodes cannot
     * be ones the proxy took.
     *
     * @param seed seeds the per-frame drop and duplicate draws
     */
    static FaultProxy start(int nodes, long seed) {
        FaultProxy proxy = new FaultProxy(nodes, seed);
        try {
            for (int from = 0; from < nodes; from++) {
                for (int to = 0; to < nodes; to++) {
                    if (from != to) {
                        proxy.listen(from, to);
                    }
                }
            }
            return proxy;
        } catch (RuntimeException e) {
            proxy.close();
            throw e;
        }
    }

    /** Each node's peer port, where the proxy connects on to. */
    void targets(int[] peerPorts) {
        this.targets = peerPorts.clone();
    }

    /** Where node {@code from} dials node {@code to}. */
    int port(int from, int to) {
        return ports[from * nodes + to];
    }

    /** Replaces the network faults; connections between pairs that become refused are reset (returns how many). */
    int apply(NetworkState next) {
        state = next;
        int n = 0;
        for (Conn c : connections) {
            if (next.refused(c.from, c.to) && c.reset(true)) {
                n++;
            }
        }
        return n;
    }

    /** Resets every connection between the nodes of each link (either direction); returns how many. */
    int reset(Set<Link> links) {
        int n = 0;
        for (Conn c : connections) {
            for (Link l : links) {
                if ((c.from == l.from() && c.to == l.to()) || (c.from == l.to() && c.to == l.from())) {
                    if (c.reset(true)) {
                        n++;
                    }
                    break;
                }
            }
        }
        return n;
    }

    /** Swallows every frame to and from {@code node} until {@link #release(int)}. */
    void hold(int node) {
        held.add(node);
    }

    void release(int node) {
        held.remove(node);
    }

    Counters counters() {
        return new Counters(forwarded.sum(), swallowed.sum(), heldFrames.sum(), dropped.sum(), duplicated.sum(), delayed.sum(),
                accepted.sum(), resets.sum(), refusals.sum(), unreachable.sum());
    }

    @Override
    public void close() {
        for (Channel s : servers) {
            s.close();
        }
        for (Conn c : connections) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private void listen(int from, int to) {
        ServerBootstrap sb = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel in) {
                        accept(in, from, to);
                    }
                });
        ChannelFuture bind = sb.bind("127.0.0.1", 0).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new IllegalStateException("the fault proxy cannot listen on 127.0.0.1: " + bind.cause().getMessage(), bind.cause());
        }
        servers.add(bind.channel());
        ports[from * nodes + to] = ((InetSocketAddress) bind.channel().localAddress()).getPort();
    }

    private void accept(SocketChannel in, int from, int to) {
        if (state.refused(from, to)) {
            refusals.increment();
            rst(in);
            return;
        }
        Conn c;
        synchronized (random) {
            c = new Conn(from, to, in, random.split(), random.split());
        }
        connections.add(c);
        if (state.refused(from, to)) {
            // apply() refused the pair between the check above and the add, and walked the
            // connections without this one: refuse it here, or it would carry traffic all partition.
            connections.remove(c);
            refusals.increment();
            rst(in);
            return;
        }
        accepted.increment();
        in.closeFuture().addListener(f -> c.close());
        in.pipeline().addLast("frames", frames()).addLast("relay", c.up);
        Bootstrap b = new Bootstrap().group(in.eventLoop()).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel out) {
                        out.pipeline().addLast("frames", frames()).addLast("relay", c.down);
                    }
                });
        ChannelFuture connect = b.connect("127.0.0.1", targets[to]);
        c.out = connect.channel();
        connect.addListener(f -> {
            if (f.isSuccess() && in.isActive()) {
                c.out.closeFuture().addListener(x -> c.close());
                in.config().setAutoRead(true);
                c.out.config().setAutoRead(true);
            } else {
                // Nothing listens (the node is down): the dialler sees its connection reset.
                unreachable.increment();
                c.reset(false);
            }
        });
    }

    private static LengthFieldBasedFrameDecoder frames() {
        return new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 0);
    }

    private static void rst(Channel ch) {
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException ignored) {
            // already closed
        }
        ch.close();
    }

    private static boolean isHandshake(ByteBuf frame) {
        return frame.readableBytes() >= 8 && frame.getInt(frame.readerIndex() + 4) == HANDSHAKE_MAGIC;
    }

    /** One proxied connection: the dialler's side {@code in}, the target's side {@code out}. */
    private final class Conn {
        final int from;
        final int to;
        final Channel in;
        volatile Channel out;
        final Relay up;
        final Relay down;
        private volatile boolean closed;

        Conn(int from, int to, Channel in, SplittableRandom upRandom, SplittableRandom downRandom) {
            this.from = from;
            this.to = to;
            this.in = in;
            this.up = new Relay(this, from, to, true, upRandom);
            this.down = new Relay(this, to, from, false, downRandom);
        }

        /** Closes both sides with RST; {@code injected}: a fault did it (counted). False if already closed. */
        boolean reset(boolean injected) {
            if (closed) {
                return false;
            }
            closed = true;
            if (injected) {
                resets.increment();
            }
            connections.remove(this);
            rst(in);
            Channel o = out;
            if (o != null) {
                rst(o);
            }
            return true;
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            connections.remove(this);
            in.close();
            Channel o = out;
            if (o != null) {
                o.close();
            }
        }
    }

    /** A frame waiting for its delay to pass. */
    private record Pending(long at, ByteBuf frame, boolean twice) {
    }

    /**
     * One direction of a connection: frames read on one channel, written to the other. Both
     * channels of a connection share one event loop, so a relay's state is only touched there.
     */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Conn conn;
        private final int src;
        private final int dst;
        private final boolean upstream;
        private final SplittableRandom rnd;
        /** Delayed frames in arrival order; a frame never leaves before the ones ahead of it (TCP does not reorder). */
        private final ArrayDeque<Pending> pending = new ArrayDeque<>();

        Relay(Conn conn, int src, int dst, boolean upstream, SplittableRandom rnd) {
            this.conn = conn;
            this.src = src;
            this.dst = dst;
            this.upstream = upstream;
            this.rnd = rnd;
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        private Channel target() {
            return upstream ? conn.out : conn.in;
        }

        private Channel source() {
            return upstream ? conn.in : conn.out;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            Channel target = target();
            if (target == null || !target.isActive()) {
                frame.release();
                return;
            }
            if (held.contains(src) || held.contains(dst)) {
                heldFrames.increment();
                frame.release();
                return;
            }
            LinkFaults f = state.link(src, dst);
            if (f.swallow()) {
                swallowed.increment();
                frame.release();
                return;
            }
            boolean handshake = isHandshake(frame);
            if (!handshake && f.drop() > 0 && rnd.nextDouble() < f.drop()) {
                dropped.increment();
                frame.release();
                return;
            }
            boolean twice = !handshake && f.duplicate() > 0 && rnd.nextDouble() < f.duplicate();
            if (twice) {
                duplicated.increment();
            }
            long delayMillis = f.delayMillis();
            if (delayMillis > 0 && f.jitterMillis() > 0) {
                delayMillis = Math.max(0, delayMillis + rnd.nextLong(-f.jitterMillis(), f.jitterMillis() + 1));
            }
            if (delayMillis == 0 && pending.isEmpty()) {
                send(target, frame, twice);
                return;
            }
            delayed.increment();
            long now = System.nanoTime();
            pending.add(new Pending(now + TimeUnit.MILLISECONDS.toNanos(delayMillis), frame, twice));
            if (pending.size() == 1) {
                target.eventLoop().schedule(() -> drain(target), delayMillis, TimeUnit.MILLISECONDS);
            }
        }

        /** Sends every frame at the head whose time has come, then waits for the next head. */
        private void drain(Channel target) {
            long now = System.nanoTime();
            while (!pending.isEmpty() && pending.peek().at() - now <= 0) {
                Pending p = pending.poll();
                if (target.isActive()) {
                    send(target, p.frame(), p.twice());
                } else {
                    p.frame().release();
                }
            }
            if (!pending.isEmpty()) {
                target.eventLoop().schedule(() -> drain(target), pending.peek().at() - now, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            Pending p;
            while ((p = pending.poll()) != null) {
                p.frame().release();
            }
        }

        private void send(Channel target, ByteBuf frame, boolean twice) {
            forwarded.increment();
            if (twice) {
                target.write(frame.retainedDuplicate());
            }
            target.writeAndFlush(frame);
            if (!target.isWritable()) {
                Channel source = source();
                if (source != null) {
                    source.config().setAutoRead(false);
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // This relay reads from ctx.channel(); the other direction writes to it.
            Channel other = upstream ? conn.out : conn.in;
            if (other != null && ctx.channel().isWritable() && other.isActive()) {
                other.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            conn.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset by a killed node, or a frame over the limit: close both sides, as a network would.
            conn.close();
        }
    }
}
