package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.codec.PreparedMessage;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.SyncMessage;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logical links: which connection carries each peer, the link-up/link-down events the
 * engine sees, and the rule that keeps one link per peer pair.
 *
 * <p><b>One link per pair.</b> When both nodes dial each other, two connections authenticate.
 * Both sides keep the one dialled by the smaller {@link ReplicaId} and close the other, so they
 * agree without talking about it. Two connections dialled by the same side mean that side gave
 * up on the older one: the newer wins. Switching connections is silent: the engine saw one
 * link-up and sees no link-down.
 *
 * <p><b>No spurious link-down.</b> The side that closes the losing connection does so only after
 * the winner authenticated on its end, which is after the other side read the winner's HELLO.
 * So when the connection carrying a link closes while another connection claiming the same
 * peer is past its HELLO (a pending claim), link-down waits for that handshake: it either takes over
 * silently or fails, and only then is link-down emitted. The wait is bounded by the handshake
 * timeout, from the moment the link closed: claims are unauthenticated, and a stranger who kept
 * opening connections claiming the peer would otherwise hold link-down (and every redial) back
 * for as long as it liked.
 */
final class Links implements HandshakeHandler.Listener {

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    private final ReplicaId localId;
    private final int maxFrameBytes;
    private final int maxQueuedMessages;
    private final long maxQueuedBytes;
    private final int maxPendingHandshakes;
    private final long handshakeTimeoutMillis;
    private final Consumer<ReplicaId> onPeerDown;
    private final ConcurrentHashMap<ReplicaId, Peer> peers = new ConcurrentHashMap<>();
    private final AtomicLong handshakeFailures = new AtomicLong();
    private final AtomicInteger pendingInbound = new AtomicInteger();
    private final ConcurrentHashMap<ReplicaId, Integer> pendingClaims = new ConcurrentHashMap<>();
    private volatile Transport.Listener listener;
    private volatile boolean closing;
    /** Whether the listener asked to stop reading (see {@link #pauseInbound}). */
    private volatile boolean inboundPaused;

    Links(NettyTransportConfig config, Consumer<ReplicaId> onPeerDown) {
        this.localId = config.localId();
        this.maxFrameBytes = config.maxFrameBytes();
        this.maxQueuedMessages = config.maxQueuedMessages();
        this.maxQueuedBytes = config.maxQueuedBytes();
        this.maxPendingHandshakes = config.maxPendingHandshakes();
        this.handshakeTimeoutMillis = config.handshakeTimeoutMillis();
        this.onPeerDown = onPeerDown;
    }

    void listener(Transport.Listener listener) {
        this.listener = listener;
    }

    void closing() {
        closing = true;
    }

    // ---- inbound admission

    /** Counts an accepted connection against {@code maxPendingHandshakes}; {@code false}: refuse it. */
    boolean admit(Connection connection) {
        if (pendingInbound.incrementAndGet() > maxPendingHandshakes) {
            pendingInbound.decrementAndGet();
            return false;
        }
        connection.countedAsPending = true;
        return true;
    }

    private void releaseAdmission(Connection connection) {
        if (connection.countedAsPending) {
            connection.countedAsPending = false;
            pendingInbound.decrementAndGet();
        }
    }

    void handshakeFailed() {
        handshakeFailures.incrementAndGet();
    }

    // ---- handshake events (on the connection's event loop)

    @Override
    public void identified(Connection connection, ReplicaId peerId) {
        // Counted per claimed id, not on a Peer: an unauthenticated HELLO must not create a Peer
        // (those live for good). The map is bounded: an entry per unauthenticated connection, of
        // which there are at most maxPendingHandshakes inbound plus one per dialler.
        pendingClaims.merge(peerId, 1, Integer::sum);
        connection.pendingClaim = peerId;
    }

    private int pending(ReplicaId peerId) {
        return pendingClaims.getOrDefault(peerId, 0);
    }

    private void unpend(Connection connection) {
        ReplicaId claim = connection.pendingClaim;
        if (claim != null) {
            connection.pendingClaim = null;
            pendingClaims.computeIfPresent(claim, (id, n) -> n == 1 ? null : n - 1);
        }
    }

    @Override
    public void authenticated(Connection connection) {
        releaseAdmission(connection);
        Channel channel = connection.channel;
        Peer peer = peers.computeIfAbsent(connection.peer, id -> new Peer(id, maxQueuedMessages, maxQueuedBytes));
        Channel replaced = null;
        synchronized (peer) {
            unpend(connection);
            if (closing) {
                connection.closeQuietly("the node is shutting down");
                return;
            }
            Channel current = peer.active;
            if (current != null && current.isActive() && !prefersNew(Connection.of(current), connection)) {
                connection.closeQuietly("duplicate link to " + peer.id + ": keeping the connection dialled by "
                        + preferredDialer(peer.id));
                if (connection.dialer != null) {
                    // Its dialler learns the peer is served, and waits for a link-down before dialling again.
                    connection.dialer.authenticated(peer.id);
                }
                return;
            }
            replaced = current;
            peer.active = channel;
            connection.linked = peer;
            applyInboundPause(channel);
            if (!peer.up) {
                peer.up = true;
                if (peer.everUp) {
                    peer.reconnects.incrementAndGet();
                }
                peer.everUp = true;
                log.info("{}: link up{}", connection, tlsSuite(channel));
                notifyListener(peer.id, true);
            } else {
                peer.downDeferred = false;
                log.debug("{}: link moved to this connection", connection);
            }
        }
        if (replaced != null) {
            Connection.of(replaced).closeQuietly("superseded by the connection " + (connection.role == Handshake.Role.DIALER
                    ? "this node dialled" : "the peer dialled") + ", " + channel.localAddress() + " <-> " + channel.remoteAddress());
        }
        peer.scheduleDrain(channel);
        if (connection.dialer != null) {
            connection.dialer.authenticated(peer.id);
        }
    }

    @Override
    public void failed(Connection connection, Handshake.Reason reason, String detail) {
        handshakeFailures.incrementAndGet();
    }

    private ReplicaId preferredDialer(ReplicaId peer) {
        return localId.compareTo(peer) < 0 ? localId : peer;
    }

    /** Whether {@code fresh} should replace {@code current}; see the class comment. */
    private boolean prefersNew(Connection current, Connection fresh) {
        if (current.role == fresh.role) {
            return true;
        }
        ReplicaId freshDialer = fresh.role == Handshake.Role.DIALER ? localId : fresh.peer;
        return freshDialer.equals(preferredDialer(fresh.peer));
    }

    /** A connection closed, authenticated or not (on its event loop, from {@link LinkHandler}). */
    void closed(Connection connection) {
        releaseAdmission(connection);
        ReplicaId down = null;
        ReplicaId claim = connection.pendingClaim;
        if (claim != null) {
            Peer waiting = peers.get(claim);
            if (waiting == null) {
                unpend(connection);
            } else {
                synchronized (waiting) {
                    unpend(connection);
                    if (pending(claim) == 0 && waiting.downDeferred && waiting.active == null) {
                        goDown(waiting, "the connection replacing it failed");
                        down = waiting.id;
                    }
                }
            }
        }
        Peer peer = connection.linked;
        if (peer != null) {
            synchronized (peer) {
                if (peer.active == connection.channel) {
                    peer.active = null;
                    if (pending(peer.id) > 0 && !closing) {
                        peer.downDeferred = true;
                        log.debug("{}: closed; waiting for the pending connection to take the link over", connection);
                        endDeferral(connection, peer);
                    } else {
                        String reason = connection.closeReason();
                        goDown(peer, reason == null ? "connection closed by the peer" : reason);
                        down = peer.id;
                    }
                }
            }
        }
        if (down != null) {
            onPeerDown.accept(down);
        }
    }

    /** Link-down for {@code peer} after one handshake timeout, if no pending connection took the link over by then. */
    private void endDeferral(Connection connection, Peer peer) {
        try {
            connection.channel.eventLoop().schedule(() -> {
                boolean down = false;
                synchronized (peer) {
                    if (peer.downDeferred && peer.active == null) {
                        goDown(peer, "no pending connection took the link over within " + handshakeTimeoutMillis + " ms");
                        down = true;
                    }
                }
                if (down) {
                    onPeerDown.accept(peer.id);
                }
            }, handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            // The transport is closing: its close emits what is left.
        }
    }

    private void goDown(Peer peer, String reason) {
        peer.up = false;
        peer.downDeferred = false;
        int dropped = peer.queue.clear();
        peer.dropped.addAndGet(dropped);
        log.info("[{}] link to {} down: {}{}", localId, peer.id, reason,
                dropped == 0 ? "" : "; dropped " + dropped + " queued messages");
        notifyListener(peer.id, false);
    }

    /** Link events go out under the peer's monitor (so they stay ordered); an engine exception must not unwind our state changes. */
    private void notifyListener(ReplicaId peer, boolean up) {
        try {
            if (up) {
                listener.onLinkUp(peer);
            } else {
                listener.onLinkDown(peer);
            }
        } catch (RuntimeException e) {
            log.error("[{}] the listener failed on link-{} of {}", localId, up ? "up" : "down", peer, e);
        }
    }

    // ---- data path

    SendResult send(ReplicaId peerId, SyncMessage message) {
        Peer peer = peers.get(peerId);
        if (peer == null || !peer.up) {
            return SendResult.NO_LINK;
        }
        PreparedMessage payload = CrdtCodec.prepare(message);
        if (payload.size() > maxFrameBytes) {
            throw new IllegalArgumentException("a " + message.getClass().getSimpleName() + " of " + payload.size()
                    + " bytes exceeds maxFrameBytes " + maxFrameBytes + "; the sender must split it");
        }
        if (!peer.queue.offer(payload)) {
            peer.dropped.incrementAndGet();
            return SendResult.BACK_PRESSURED;
        }
        Channel channel = peer.active;
        if (channel != null) {
            peer.scheduleDrain(channel);
        }
        return SendResult.QUEUED;
    }

    /** Hands an inbound message to the engine; an engine exception is logged, not fatal to the link. */
    void deliver(Peer peer, SyncMessage message, int frameBytes) {
        try {
            listener.onMessage(peer.id, message, frameBytes);
        } catch (RuntimeException e) {
            log.error("[{}] the listener failed on a message from {}", localId, peer.id, e);
        }
    }

    /**
     * Stops or resumes reading on every link, and on links that come up meanwhile. A connection
     * reads while it handshakes either way; the pause starts once it is a link.
     */
    void pauseInbound(boolean paused) {
        inboundPaused = paused;
        for (Peer peer : peers.values()) {
            Channel channel = peer.active;
            if (channel != null) {
                applyInboundPause(channel);
            }
        }
    }

    /**
     * On the channel's loop, reading the flag there: whichever of a pause, a resume and a link
     * coming up applies last leaves the latest setting.
     */
    private void applyInboundPause(Channel channel) {
        try {
            channel.eventLoop().execute(() -> channel.config().setAutoRead(!inboundPaused));
        } catch (RejectedExecutionException stopped) {
            // The event loop is shutting down with the transport: the channel reads nothing more anyway.
        }
    }

    // ---- queries and shutdown

    boolean isUp(ReplicaId peerId) {
        Peer peer = peers.get(peerId);
        return peer != null && peer.up;
    }

    Peer peer(ReplicaId peerId) {
        return peers.get(peerId);
    }

    Set<ReplicaId> connectedPeers() {
        Set<ReplicaId> up = new HashSet<>();
        for (Peer peer : peers.values()) {
            if (peer.up) {
                up.add(peer.id);
            }
        }
        return Set.copyOf(up);
    }

    List<LinkStats> stats() {
        List<LinkStats> stats = new ArrayList<>(peers.size());
        for (Peer peer : peers.values()) {
            stats.add(peer.stats());
        }
        stats.sort((a, b) -> a.peer().compareTo(b.peer()));
        return List.copyOf(stats);
    }

    long handshakeFailures() {
        return handshakeFailures.get();
    }

    Iterable<Peer> peers() {
        return peers.values();
    }

    /** Drops whatever is still queued after shutdown; returns how many messages. */
    long dropAll() {
        long total = 0;
        for (Peer peer : peers.values()) {
            int n = peer.queue.clear();
            peer.dropped.addAndGet(n);
            total += n;
        }
        return total;
    }

    /** The negotiated TLS protocol and cipher suite, for the link-up line; empty on plaintext links. */
    private static String tlsSuite(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null) {
            return "";
        }
        SSLSession session = tls.engine().getSession();
        return " (" + session.getProtocol() + " " + session.getCipherSuite() + ")";
    }
}
