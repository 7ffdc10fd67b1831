package dev.converge.crdt.port;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.sync.SyncMessage;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Moves sync messages between authenticated replicas: the engine's only view of the network.
 * Implementations: Netty TCP ({@code transport-netty}) and the simulator's in-memory network
 * with faults.
 *
 * <p>Delivery is best effort and in order per link; the protocol tolerates loss, so a full
 * outbound queue is a {@link SendResult#BACK_PRESSURED} result rather than a blocked caller or
 * unbounded memory. Listener callbacks run on transport threads and must not block.
 */
public interface Transport extends AutoCloseable {

    /** Outcome of {@link #send}. */
    enum SendResult {
        /** Queued for the peer. */
        QUEUED,
        /** The peer's outbound queue is full; the message was dropped. */
        BACK_PRESSURED,
        /** No authenticated link to the peer; the message was dropped. */
        NO_LINK
    }

    /** What the transport reports to the engine. */
    interface Listener {
        /** A link to {@code peer} is authenticated and ready. */
        void onLinkUp(ReplicaId peer);

        /** The link to {@code peer} is gone; messages to it are dropped until it is back. */
        void onLinkDown(ReplicaId peer);

        /** A message arrived from authenticated {@code peer}. */
        void onMessage(ReplicaId peer, SyncMessage message);

        /**
         * As {@link #onMessage(ReplicaId, SyncMessage)}, from a transport that knows the message's
         * encoded size: what a listener holds unprocessed can then be bounded in bytes too.
         */
        default void onMessage(ReplicaId peer, SyncMessage message, int encodedBytes) {
            onMessage(peer, message);
        }
    }

    /** The replica this transport speaks for. */
    ReplicaId localId();

    /** Starts listening and connecting; events go to {@code listener}. */
    void start(Listener listener);

    /** Keeps a link to the peer at {@code endpoint}, reconnecting with backoff, until {@link #disconnect}. */
    void connect(Endpoint endpoint);

    /** Stops keeping a link to {@code endpoint} and closes it. */
    void disconnect(Endpoint endpoint);

    /**
     * Stops reading from every link ({@code true}) while the listener works off the messages it
     * holds, and resumes ({@code false}). Meanwhile what peers send waits in the kernel's buffers,
     * then in their bounded outbound queues (full, their sends are back-pressured): a peer faster
     * than this replica cannot fill its memory. A transport whose deliveries cannot outrun the
     * listener may ignore it.
     */
    default void pauseInbound(boolean paused) {
    }

    /** Queues {@code message} for {@code peer} without blocking. */
    SendResult send(ReplicaId peer, SyncMessage message);

    /** The peers with an authenticated link now. */
    Set<ReplicaId> connectedPeers();

    /** Per-peer counters. */
    List<LinkStats> linkStats();

    /** Where this transport accepts peers (the actual port when 0 was asked for), once started; empty when it does not listen. */
    default Optional<Endpoint> boundEndpoint() {
        return Optional.empty();
    }

    /** Stops, drops what cannot be sent by the shutdown deadline, and releases every thread and buffer. */
    @Override
    void close();
}
