package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.transport.netty.Handshake.Failure;
import dev.converge.transport.netty.Handshake.Hello;
import dev.converge.transport.netty.Handshake.Message;
import dev.converge.transport.netty.Handshake.Proof;
import dev.converge.transport.netty.Handshake.Reason;
import dev.converge.transport.netty.Handshake.Reject;
import dev.converge.transport.netty.Handshake.Role;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLException;

/**
 * The handshake state machine: the first thing on every connection, after TLS if any. Consumes
 * handshake frames, and once the peer has proved it holds the cluster secret, lifts the frame
 * limit, removes itself and hands the connection to the transport.
 *
 * <pre>
 * dialler:   START --send HELLO--> AWAIT_HELLO --HELLO ok--> AWAIT_PROOF --PROOF ok, send PROOF--> DONE
 * acceptor:  START ---------------> AWAIT_HELLO --HELLO ok, send HELLO+PROOF--> AWAIT_PROOF --PROOF ok--> DONE
 * any state: REJECT received, bad message, close, TLS failure or timeout --> FAILED (closed)
 * </pre>
 *
 * The acceptor says nothing until the dialler has spoken, so a port scan learns nothing, and it
 * proves first (it has both nonces first). A failure this side detects is sent to the peer as a
 * REJECT with a reason before the connection closes, so both sides log the same cause.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {

    /** What the handshake needs to know about this node. */
    /**
     * @param dialing the nonces of this node's dialling handshakes in progress, and their dialers:
     *     a HELLO carrying this node's id and one of them is this node's own dial, answered by its
     *     own acceptor. Anything else claiming this node's id is someone else, and must not stop a
     *     dialer (an unauthenticated REJECT or HELLO would otherwise end dialling for good).
     */
    record Settings(ReplicaId localId, String clusterName, SecretKeySpec key, SecureRandom random, long timeoutMillis,
                    Map<ByteBuffer, Dialer> dialing) {

        Settings(ReplicaId localId, String clusterName, SecretKeySpec key, SecureRandom random, long timeoutMillis) {
            this(localId, clusterName, key, random, timeoutMillis, new ConcurrentHashMap<>());
        }
    }

    /** Where the handshake reports; implemented by {@link Links}. */
    interface Listener {
        /** The peer sent a valid HELLO claiming to be {@code peer}; not yet authenticated. */
        void identified(Connection connection, ReplicaId peer);

        /** The peer proved it holds the secret; the pipeline now carries sync messages. */
        void authenticated(Connection connection);

        /** The handshake failed and the connection is closing; {@code detail} is already logged. */
        void failed(Connection connection, Reason reason, String detail);
    }

    enum State { START, AWAIT_HELLO, AWAIT_PROOF, DONE, FAILED }

    private final Connection connection;
    private final Settings settings;
    private final Listener listener;
    private State state = State.START;
    private ScheduledFuture<?> timeout;
    private byte[] localNonce;
    private Hello localHello;
    private Hello peerHello;

    HandshakeHandler(Connection connection, Settings settings, Listener listener) {
        this.connection = connection;
        this.settings = settings;
        this.listener = listener;
    }

    State state() {
        return state;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (timeout != null) {
            return;
        }
        timeout = ctx.executor().schedule(
                () -> fail(ctx, Reason.TIMEOUT, "no handshake within " + settings.timeoutMillis() + " ms", true),
                settings.timeoutMillis(), TimeUnit.MILLISECONDS);
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) {
            begin(ctx);
        } else {
            tls.handshakeFuture().addListener(f -> {
                if (f.isSuccess()) {
                    begin(ctx);
                } else {
                    fail(ctx, Reason.TLS, "TLS handshake failed: " + describe(f.cause()), false);
                }
            });
        }
    }

    private void begin(ChannelHandlerContext ctx) {
        if (state != State.START) {
            return;
        }
        localNonce = new byte[Handshake.NONCE_BYTES];
        settings.random().nextBytes(localNonce);
        state = State.AWAIT_HELLO;
        if (connection.role == Role.DIALER) {
            if (connection.dialer != null) {
                settings.dialing().put(ByteBuffer.wrap(localNonce), connection.dialer);
            }
            localHello = Hello.of(Role.DIALER, settings.localId(), localNonce, settings.clusterName());
            ctx.writeAndFlush(FrameDecoder.frame(ctx.alloc(), localHello.encoded()));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.DONE) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (state == State.FAILED) {
                return;
            }
            if (state == State.START) {
                throw new Failure(Reason.UNEXPECTED, "handshake data before the connection was ready");
            }
            step(ctx, ByteBufUtil.getBytes(frame));
        } catch (Failure f) {
            fail(ctx, f.reason, f.getMessage(), true);
        } finally {
            frame.release();
        }
    }

    private void step(ChannelHandlerContext ctx, byte[] payload) throws Failure {
        Message message = Handshake.decode(payload);
        if (message instanceof Reject r) {
            // Unauthenticated, so not a reason to stop dialling, not even SELF: this node's own
            // acceptor stops its dialer directly (accept, below).
            fail(ctx, Reason.REJECTED, "rejected by the peer: " + (r.text().isEmpty() ? r.reason().text : r.text()), false);
            return;
        }
        if (state == State.AWAIT_HELLO) {
            if (!(message instanceof Hello hello)) {
                throw new Failure(Reason.UNEXPECTED, "expected HELLO, got " + message.getClass().getSimpleName().toUpperCase(Locale.ROOT));
            }
            accept(ctx, hello);
        } else {
            if (!(message instanceof Proof proof)) {
                throw new Failure(Reason.UNEXPECTED, "expected PROOF, got " + message.getClass().getSimpleName().toUpperCase(Locale.ROOT));
            }
            verify(ctx, proof);
        }
    }

    private void accept(ChannelHandlerContext ctx, Hello hello) throws Failure {
        if (hello.role() != connection.role.opposite()) {
            throw new Failure(Reason.MALFORMED, "peer claims to be the " + hello.role().name().toLowerCase(Locale.ROOT)
                    + " too");
        }
        if (!hello.clusterName().equals(settings.clusterName())) {
            throw new Failure(Reason.CLUSTER, "peer is in cluster '" + Handshake.printable(hello.clusterName())
                    + "', this node in '" + settings.clusterName() + "'");
        }
        if (hello.node().equals(settings.localId())) {
            Dialer own = connection.role == Role.ACCEPTOR ? settings.dialing().get(ByteBuffer.wrap(hello.nonce())) : null;
            if (own != null) {
                own.stop("the endpoint is this node itself");
            }
            throw new Failure(Reason.SELF, "peer has this node's id " + hello.node() + " (a connection to itself?)");
        }
        peerHello = hello;
        connection.peer = hello.node();
        listener.identified(connection, hello.node());
        if (connection.role == Role.ACCEPTOR) {
            localHello = Hello.of(Role.ACCEPTOR, settings.localId(), localNonce, settings.clusterName());
            byte[] proof = Handshake.proof(settings.key(), Role.ACCEPTOR, hello.encoded(), localHello.encoded());
            ctx.write(FrameDecoder.frame(ctx.alloc(), localHello.encoded()));
            ctx.writeAndFlush(FrameDecoder.frame(ctx.alloc(), new Proof(proof).encode()));
        }
        state = State.AWAIT_PROOF;
    }

    private void verify(ChannelHandlerContext ctx, Proof proof) throws Failure {
        Role peerRole = connection.role.opposite();
        byte[] dialerHello = connection.role == Role.DIALER ? localHello.encoded() : peerHello.encoded();
        byte[] acceptorHello = connection.role == Role.DIALER ? peerHello.encoded() : localHello.encoded();
        byte[] expected = Handshake.proof(settings.key(), peerRole, dialerHello, acceptorHello);
        if (!Handshake.verify(expected, proof.mac())) {
            throw new Failure(Reason.PROOF, "proof of the cluster secret from " + peerHello.node()
                    + " did not verify (a wrong secret, or a replayed handshake)");
        }
        if (connection.role == Role.DIALER) {
            byte[] mine = Handshake.proof(settings.key(), Role.DIALER, dialerHello, acceptorHello);
            ctx.writeAndFlush(FrameDecoder.frame(ctx.alloc(), new Proof(mine).encode()));
        }
        succeed(ctx);
    }

    private void succeed(ChannelHandlerContext ctx) {
        state = State.DONE;
        forgetNonce();
        cancelTimeout();
        connection.authenticated = true;
        FrameDecoder frames = ctx.pipeline().get(FrameDecoder.class);
        if (frames != null) {
            frames.authenticated();
        }
        // Later frames of this read (sync messages right behind the PROOF) now flow past us.
        ctx.pipeline().remove(this);
        listener.authenticated(connection);
    }

    private void fail(ChannelHandlerContext ctx, Reason reason, String detail, boolean tellPeer) {
        if (state == State.FAILED || state == State.DONE) {
            return;
        }
        state = State.FAILED;
        forgetNonce();
        cancelTimeout();
        listener.failed(connection, reason, detail);
        if (tellPeer) {
            connection.failAfter("handshake failed: " + detail, FrameDecoder.frame(ctx.alloc(), new Reject(reason, reason.text).encode()));
        } else {
            connection.fail("handshake failed: " + detail);
        }
    }

    private void forgetNonce() {
        if (localNonce != null && connection.role == Role.DIALER) {
            settings.dialing().remove(ByteBuffer.wrap(localNonce));
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, Reason.CLOSED, "connection closed by the peer during the handshake", false);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.DONE) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        boolean tls = cause instanceof SSLException || cause.getCause() instanceof SSLException;
        fail(ctx, tls ? Reason.TLS : Reason.MALFORMED, (tls ? "TLS error: " : "") + describe(cause), !tls);
    }

    static String describe(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        String m = message(c);
        // BoringSSL's engine wraps the reason (say, the certificate check's failure) in "General OpenSslEngine problem": name the root too.
        Throwable root = c;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 16; depth++) {
            root = root.getCause();
        }
        String because = message(root);
        return root == c || m.contains(because) ? m : m + ": " + because;
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
