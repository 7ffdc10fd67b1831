package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything a {@link NettyTransport} needs: who this node is, how it proves it belongs to the
 * cluster, where it listens, and a named limit for every resource a peer can make it spend.
 *
 * <p>Build one with {@link #builder(ReplicaId, String, byte[])}; every field but the identity
 * has a default. The cluster secret is copied in and out and never printed by
 * {@link #toString()}.
 *
 * @param localId the replica this transport speaks for; sent as the node id of the handshake
 * @param clusterName the cluster this node belongs to, 1 to 255 UTF-8 bytes; peers of another
 *     cluster are refused during the handshake
 * @param clusterSecret the shared secret whose knowledge every peer proves (HMAC-SHA256
 *     challenge–response); at least 16 bytes; never sent over the wire
 * @param listen where to accept connections ({@code port 0}: an ephemeral port), or {@code null}
 *     for a node that only dials; default {@code 127.0.0.1:0}, so nothing is exposed beyond the
 *     host unless asked for
 * @param eventLoopThreads Netty event loop threads for all links; default
 *     {@code min(4, available processors)}
 * @param nativeTransport use epoll when the native library loads (Linux x86_64 and aarch64);
 *     NIO otherwise or when {@code false}; default {@code true}
 * @param maxFrameBytes the largest sync message, encoded, that may cross a link; a bigger
 *     inbound frame closes the connection, a bigger outbound message is refused; default 4 MiB
 * @param maxQueuedMessages per-peer bound of the outbound queue in messages; default 65,536
 * @param maxQueuedBytes per-peer bound of the outbound queue in frame bytes; at least
 *     {@code maxFrameBytes + 4} so any legal message fits an empty queue; default 16 MiB
 * @param maxPendingHandshakes inbound connections allowed to be unauthenticated at once; more
 *     are closed on accept, so a flood of idle sockets costs a bounded amount; default 64
 * @param handshakeTimeoutMillis how long a connection may take to authenticate, TLS included;
 *     default 5,000
 * @param connectTimeoutMillis TCP connect timeout of a dial; default 3,000
 * @param reconnectBaseMillis first reconnect delay; doubles per failed attempt; default 100
 * @param reconnectMaxMillis cap of the reconnect delay; default 10,000
 * @param shutdownDeadlineMillis how long {@link NettyTransport#close()} may spend flushing
 *     queued messages before it drops the rest; default 2,000
 * @param tls mutual TLS 1.3 settings, or {@code null} for plaintext TCP
 */
public record NettyTransportConfig(
        ReplicaId localId,
        String clusterName,
        byte[] clusterSecret,
        Endpoint listen,
        int eventLoopThreads,
        boolean nativeTransport,
        int maxFrameBytes,
        int maxQueuedMessages,
        long maxQueuedBytes,
        int maxPendingHandshakes,
        long handshakeTimeoutMillis,
        long connectTimeoutMillis,
        long reconnectBaseMillis,
        long reconnectMaxMillis,
        long shutdownDeadlineMillis,
        TlsConfig tls) {

    /** Default {@link #maxFrameBytes}: 4 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 4 << 20;
    /** The shortest cluster secret accepted: 128 bits. */
    public static final int MIN_SECRET_BYTES = 16;
    /** Longest cluster name in UTF-8 bytes; it travels in a one-byte length field. */
    public static final int MAX_CLUSTER_NAME_BYTES = 255;
    /** Largest {@link #maxFrameBytes}: 1 GiB, far above any sane message. */
    public static final int MAX_FRAME_BYTES_LIMIT = 1 << 30;
    /** Largest {@link #maxQueuedMessages}: the queue packs its count into 20 bits. */
    public static final int MAX_QUEUED_MESSAGES_LIMIT = (1 << 20) - 1;
    /** Largest {@link #maxQueuedBytes}: the queue packs its byte count into 43 bits. */
    public static final long MAX_QUEUED_BYTES_LIMIT = (1L << 43) - 1;

    public NettyTransportConfig {
        if (localId == null) {
            throw new IllegalArgumentException("a transport needs a local replica id");
        }
        if (clusterName == null || clusterName.isEmpty()
                || clusterName.getBytes(StandardCharsets.UTF_8).length > MAX_CLUSTER_NAME_BYTES) {
            throw new IllegalArgumentException("cluster name must be 1.." + MAX_CLUSTER_NAME_BYTES + " UTF-8 bytes, got '" + clusterName + "'");
        }
        if (clusterSecret == null || clusterSecret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the cluster secret must be at least " + MIN_SECRET_BYTES + " bytes, got "
                    + (clusterSecret == null ? "none" : clusterSecret.length + " bytes"));
        }
        clusterSecret = clusterSecret.clone();
        positive(eventLoopThreads, "eventLoopThreads");
        if (maxFrameBytes < 64 || maxFrameBytes > MAX_FRAME_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxFrameBytes must be in 64.." + MAX_FRAME_BYTES_LIMIT + ", got " + maxFrameBytes);
        }
        if (maxQueuedMessages < 1 || maxQueuedMessages > MAX_QUEUED_MESSAGES_LIMIT) {
            throw new IllegalArgumentException("maxQueuedMessages must be in 1.." + MAX_QUEUED_MESSAGES_LIMIT + ", got " + maxQueuedMessages);
        }
        if (maxQueuedBytes < maxFrameBytes + 4L || maxQueuedBytes > MAX_QUEUED_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxQueuedBytes must be in (maxFrameBytes + 4).." + MAX_QUEUED_BYTES_LIMIT
                    + " so any legal message fits an empty queue, got " + maxQueuedBytes + " with maxFrameBytes " + maxFrameBytes);
        }
        positive(maxPendingHandshakes, "maxPendingHandshakes");
        positive(handshakeTimeoutMillis, "handshakeTimeoutMillis");
        positive(connectTimeoutMillis, "connectTimeoutMillis");
        positive(reconnectBaseMillis, "reconnectBaseMillis");
        if (reconnectMaxMillis < reconnectBaseMillis) {
            throw new IllegalArgumentException("reconnectMaxMillis " + reconnectMaxMillis + " is below reconnectBaseMillis " + reconnectBaseMillis);
        }
        if (shutdownDeadlineMillis < 0) {
            throw new IllegalArgumentException("shutdownDeadlineMillis must not be negative, got " + shutdownDeadlineMillis);
        }
    }

    private static void positive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /** A builder with every default, for the node {@code localId} of cluster {@code clusterName}. */
    public static Builder builder(ReplicaId localId, String clusterName, byte[] clusterSecret) {
        return new Builder(localId, clusterName, clusterSecret);
    }

    /** A copy of the secret: the record's own array never leaves it. */
    @Override
    public byte[] clusterSecret() {
        return clusterSecret.clone();
    }

    /** Hands the secret's array to the transport without a copy it would have to wipe. */
    byte[] secretNoCopy() {
        return clusterSecret;
    }

    /** A builder initialised from this config. */
    public Builder toBuilder() {
        return new Builder(localId, clusterName, clusterSecret).listen(listen).eventLoopThreads(eventLoopThreads)
                .nativeTransport(nativeTransport).maxFrameBytes(maxFrameBytes).maxQueuedMessages(maxQueuedMessages)
                .maxQueuedBytes(maxQueuedBytes).maxPendingHandshakes(maxPendingHandshakes)
                .handshakeTimeoutMillis(handshakeTimeoutMillis).connectTimeoutMillis(connectTimeoutMillis)
                .reconnectBaseMillis(reconnectBaseMillis).reconnectMaxMillis(reconnectMaxMillis)
                .shutdownDeadlineMillis(shutdownDeadlineMillis).tls(tls);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NettyTransportConfig c && localId.equals(c.localId) && clusterName.equals(c.clusterName)
                && Arrays.equals(clusterSecret, c.clusterSecret) && Objects.equals(listen, c.listen)
                && eventLoopThreads == c.eventLoopThreads && nativeTransport == c.nativeTransport
                && maxFrameBytes == c.maxFrameBytes && maxQueuedMessages == c.maxQueuedMessages
                && maxQueuedBytes == c.maxQueuedBytes && maxPendingHandshakes == c.maxPendingHandshakes
                && handshakeTimeoutMillis == c.handshakeTimeoutMillis && connectTimeoutMillis == c.connectTimeoutMillis
                && reconnectBaseMillis == c.reconnectBaseMillis && reconnectMaxMillis == c.reconnectMaxMillis
                && shutdownDeadlineMillis == c.shutdownDeadlineMillis && Objects.equals(tls, c.tls);
    }

    @Override
    public int hashCode() {
        return Objects.hash(localId, clusterName, Arrays.hashCode(clusterSecret), listen, eventLoopThreads,
                nativeTransport, maxFrameBytes, maxQueuedMessages, maxQueuedBytes, maxPendingHandshakes,
                handshakeTimeoutMillis, connectTimeoutMillis, reconnectBaseMillis, reconnectMaxMillis,
                shutdownDeadlineMillis, tls);
    }

    /** Every field but the secret, whose length alone is shown. */
    @Override
    public String toString() {
        return "NettyTransportConfig[localId=" + localId + ", clusterName=" + clusterName + ", clusterSecret=<"
                + clusterSecret.length + " bytes>, listen=" + listen + ", eventLoopThreads=" + eventLoopThreads
                + ", nativeTransport=" + nativeTransport + ", maxFrameBytes=" + maxFrameBytes
                + ", maxQueuedMessages=" + maxQueuedMessages + ", maxQueuedBytes=" + maxQueuedBytes
                + ", maxPendingHandshakes=" + maxPendingHandshakes + ", handshakeTimeoutMillis=" + handshakeTimeoutMillis
                + ", connectTimeoutMillis=" + connectTimeoutMillis + ", reconnectBaseMillis=" + reconnectBaseMillis
                + ", reconnectMaxMillis=" + reconnectMaxMillis + ", shutdownDeadlineMillis=" + shutdownDeadlineMillis
                + ", tls=" + tls + "]";
    }

    /** Collects the optional fields of a {@link NettyTransportConfig}; every setter returns the builder. */
    public static final class Builder {
        private final ReplicaId localId;
        private final String clusterName;
        private final byte[] clusterSecret;
        private Endpoint listen = new Endpoint("127.0.0.1", 0);
        private int eventLoopThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private boolean nativeTransport = true;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private int maxQueuedMessages = 65_536;
        private long maxQueuedBytes = 16L << 20;
        private int maxPendingHandshakes = 64;
        private long handshakeTimeoutMillis = 5_000;
        private long connectTimeoutMillis = 3_000;
        private long reconnectBaseMillis = 100;
        private long reconnectMaxMillis = 10_000;
        private long shutdownDeadlineMillis = 2_000;
        private TlsConfig tls;

        private Builder(ReplicaId localId, String clusterName, byte[] clusterSecret) {
            this.localId = localId;
            this.clusterName = clusterName;
            this.clusterSecret = clusterSecret == null ? null : clusterSecret.clone();
        }

        public Builder listen(Endpoint listen) {
            this.listen = listen;
            return this;
        }

        public Builder eventLoopThreads(int eventLoopThreads) {
            this.eventLoopThreads = eventLoopThreads;
            return this;
        }

        public Builder nativeTransport(boolean nativeTransport) {
            this.nativeTransport = nativeTransport;
            return this;
        }

        public Builder maxFrameBytes(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        public Builder maxQueuedMessages(int maxQueuedMessages) {
            this.maxQueuedMessages = maxQueuedMessages;
            return this;
        }

        public Builder maxQueuedBytes(long maxQueuedBytes) {
            this.maxQueuedBytes = maxQueuedBytes;
            return this;
        }

        public Builder maxPendingHandshakes(int maxPendingHandshakes) {
            this.maxPendingHandshakes = maxPendingHandshakes;
            return this;
        }

        public Builder handshakeTimeoutMillis(long handshakeTimeoutMillis) {
            this.handshakeTimeoutMillis = handshakeTimeoutMillis;
            return this;
        }

        public Builder connectTimeoutMillis(long connectTimeoutMillis) {
            this.connectTimeoutMillis = connectTimeoutMillis;
            return this;
        }

        public Builder reconnectBaseMillis(long reconnectBaseMillis) {
            this.reconnectBaseMillis = reconnectBaseMillis;
            return this;
        }

        public Builder reconnectMaxMillis(long reconnectMaxMillis) {
            this.reconnectMaxMillis = reconnectMaxMillis;
            return this;
        }

        public Builder shutdownDeadlineMillis(long shutdownDeadlineMillis) {
            this.shutdownDeadlineMillis = shutdownDeadlineMillis;
            return this;
        }

        public Builder tls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        /** The config; throws {@link IllegalArgumentException} naming the first bad value. */
        public NettyTransportConfig build() {
            return new NettyTransportConfig(localId, clusterName, clusterSecret, listen, eventLoopThreads, nativeTransport,
                    maxFrameBytes, maxQueuedMessages, maxQueuedBytes, maxPendingHandshakes, handshakeTimeoutMillis,
                    connectTimeoutMillis, reconnectBaseMillis, reconnectMaxMillis, shutdownDeadlineMillis, tls);
        }
    }
}
