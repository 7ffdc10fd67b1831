package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.AttributeKey;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the transport knows about one TCP connection: its direction, the peer once it has said
 * who it is, and the one reason it was closed, logged once. Attached to its channel.
 *
 * <p>Fields are written on the channel's event loop; the few read elsewhere are volatile.
 */
final class Connection {

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);
    private static final long LAST_WORDS_MILLIS = 1_000;
    private static final int MAX_REASON_CHARS = 300;
    private static final AttributeKey<Connection> KEY = AttributeKey.valueOf(Connection.class, "connection");

    final ReplicaId localId;
    final Handshake.Role role;
    /** The endpoint this node dialled; {@code null} for accepted connections. */
    final Endpoint dialled;
    /** The reconnect loop that owns this connection; {@code null} for accepted ones. */
    final Dialer dialer;
    final Channel channel;

    /** Set by the HELLO; authenticated only once {@link #authenticated} is true. */
    volatile ReplicaId peer;
    volatile boolean authenticated;
    /** This connection is (or was) the link the peer's messages flow on. */
    volatile Peer linked;
    /** The claimed peer whose pending-handshake count includes this connection (see {@link Links}). */
    ReplicaId pendingClaim;
    /** Counted against the transport's inbound pending-handshake bound until authenticated or closed. */
    boolean countedAsPending;
    private volatile String closeReason;

    private Connection(ReplicaId localId, Handshake.Role role, Endpoint dialled, Dialer dialer, Channel channel) {
        this.localId = localId;
        this.role = role;
        this.dialled = dialled;
        this.dialer = dialer;
        this.channel = channel;
    }

    static Connection attach(Channel channel, ReplicaId localId, Handshake.Role role, Endpoint dialled, Dialer dialer) {
        Connection c = new Connection(localId, role, dialled, dialer, channel);
        channel.attr(KEY).set(c);
        return c;
    }

    static Connection of(Channel channel) {
        return channel.attr(KEY).get();
    }

    String closeReason() {
        return closeReason;
    }

    /** Closes with {@code reason}, logged at WARN: the peer misbehaved or failed. */
    void fail(String reason) {
        close(reason, true);
    }

    /** Closes with {@code reason}, logged at DEBUG: an ordinary end (superseded, shutdown). */
    void closeQuietly(String reason) {
        close(reason, false);
    }

    /**
     * Closes with {@code reason}, logged at WARN, once {@code lastWords} (a REJECT telling the
     * peer why) is flushed; a peer that does not read gets a second to take it.
     */
    void failAfter(String reason, Object lastWords) {
        record(reason, true);
        if (!channel.isActive()) {
            ReferenceCountUtil.release(lastWords);
            channel.close();
            return;
        }
        channel.writeAndFlush(lastWords).addListener(ChannelFutureListener.CLOSE);
        ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> channel.close(), LAST_WORDS_MILLIS, TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(f -> deadline.cancel(false));
    }

    private void close(String reason, boolean warn) {
        record(reason, warn);
        channel.close();
    }

    private void record(String reason, boolean warn) {
        if (reason.length() > MAX_REASON_CHARS) {
            // Some exception messages carry peer bytes (TLS dumps a bad record in hex): keep logs bounded.
            reason = reason.substring(0, MAX_REASON_CHARS) + "...";
        }
        if (closeReason == null) {
            closeReason = reason;
            if (warn) {
                log.warn("{}: closing connection: {}", this, reason);
            } else {
                log.debug("{}: closing connection: {}", this, reason);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[").append(localId).append("] ");
        if (role == Handshake.Role.DIALER) {
            s.append("connection to ").append(dialled);
        } else {
            s.append("connection from ").append(channel.remoteAddress());
        }
        ReplicaId p = peer;
        if (p != null) {
            s.append(authenticated ? " (peer " : " (claims peer ").append(p).append(')');
        }
        return s.toString();
    }
}
