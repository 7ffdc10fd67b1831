package dev.converge.replica;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How {@link Replica#open} builds a replica: where it keeps data, how durable a write is before
 * it is acknowledged, whom it replicates with and how it proves it belongs to the cluster.
 * Start from {@link #builder()}.
 *
 * @param dataDirectory RocksDB directory; empty keeps everything in memory (tests, caches)
 * @param durability when a write counts as durable (default {@link Durability#BUFFERED})
 * @param cacheBytes bound on decoded document states kept in memory (RocksDB only)
 * @param listen where to accept peers; empty: this replica replicates only by dialling {@code peers}
 * @param peers endpoints of peers to keep links to
 * @param clusterName name every member shares; a peer of another cluster is refused
 * @param clusterSecret shared secret (at least 16 bytes) the handshake proves without sending it;
 *     required when there is any networking
 * @param tls mutual TLS material, PEM files; empty: plaintext (authenticated at connect only)
 * @param engine the engine's limits and the replication protocol's intervals
 * @param newReplicaId the id for a replica created by this call; empty: random
 * @param maxMessageBytes the largest sync message, encoded, that crosses a peer link (default 4 MiB, at least
 *     {@link #MIN_MESSAGE_BYTES}); every member should use the same value. Replication splits what it sends into
 *     messages of at most a quarter of it, so a local write whose delta is larger than that quarter is refused
 */
public record ReplicaConfig(Optional<Path> dataDirectory, Durability durability, long cacheBytes, Optional<Endpoint> listen,
                            List<Endpoint> peers, String clusterName, byte[] clusterSecret, Optional<TlsFiles> tls,
                            EngineConfig engine, Optional<ReplicaId> newReplicaId, int maxMessageBytes) {

    /** Default {@link #maxMessageBytes}: 4 MiB. */
    public static final int DEFAULT_MESSAGE_BYTES = 4 << 20;
    /** Smallest {@link #maxMessageBytes}: replication's batches (a quarter of it) must hold at least 1 KiB. */
    public static final int MIN_MESSAGE_BYTES = 4 << 10;
    /** Largest {@link #maxMessageBytes}: 256 MiB. */
    public static final int MAX_MESSAGE_BYTES = 256 << 20;

    /** When a local write is acknowledged. */
    public enum Durability {
        /** fsync each group. */
        SYNC,
        /** WAL without fsync — a process crash loses nothing acknowledged; an OS crash may lose the last groups. */
        BUFFERED
    }

    /**
     * PEM files for mutual TLS: this node's certificate chain and key, and the certificates it
     * trusts; and the TLS implementation, {@code openssl} (BoringSSL, native) or {@code jdk}.
     */
    public record TlsFiles(Path certificateChain, Path privateKey, Path trustedCertificates, boolean openssl) {

        /** On the JDK's TLS provider. */
        public TlsFiles(Path certificateChain, Path privateKey, Path trustedCertificates) {
            this(certificateChain, privateKey, trustedCertificates, false);
        }
    }

    public ReplicaConfig {
        peers = List.copyOf(peers);
        clusterSecret = clusterSecret == null ? null : clusterSecret.clone();
        if (durability == null || engine == null || clusterName == null) {
            throw new IllegalArgumentException("durability, engine and clusterName are required");
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must be >= 0, got " + cacheBytes);
        }
        if (maxMessageBytes < MIN_MESSAGE_BYTES || maxMessageBytes > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("maxMessageBytes must be in " + MIN_MESSAGE_BYTES + ".." + MAX_MESSAGE_BYTES + ", got "
                    + maxMessageBytes);
        }
        boolean networked = listen.isPresent() || !peers.isEmpty();
        if (networked && (clusterSecret == null || clusterSecret.length < 16)) {
            throw new IllegalArgumentException("a networked replica needs a cluster secret of at least 16 bytes");
        }
    }

    /**
     * The engine's configuration with replication batches capped at a quarter of
     * {@link #maxMessageBytes}, so every message the protocol builds fits a frame with room for
     * keys and framing.
     */
    public EngineConfig effectiveEngine() {
        int batch = Math.min(engine.sync().maxBatchBytes(), maxMessageBytes / 4);
        return engine.withSync(engine.sync().withMaxBatchBytes(batch));
    }

    /** Whether the replica talks to peers at all. */
    public boolean networked() {
        return listen.isPresent() || !peers.isEmpty();
    }

    @Override
    public byte[] clusterSecret() {
        return clusterSecret == null ? null : clusterSecret.clone();
    }

    @Override
    public String toString() {
        return "ReplicaConfig[data=" + dataDirectory.map(Path::toString).orElse("memory") + ", durability=" + durability
                + ", listen=" + listen.map(Endpoint::toString).orElse("-") + ", peers=" + peers + ", cluster=" + clusterName
                + ", tls=" + tls.isPresent() + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Path dataDirectory;
        private Durability durability = Durability.BUFFERED;
        private long cacheBytes = 64L << 20;
        private Endpoint listen;
        private final List<Endpoint> peers = new ArrayList<>();
        private String clusterName = "converge";
        private byte[] clusterSecret;
        private TlsFiles tls;
        private EngineConfig engine = EngineConfig.defaults();
        private ReplicaId newReplicaId;
        private int maxMessageBytes = DEFAULT_MESSAGE_BYTES;

        public Builder dataDirectory(Path directory) {
            this.dataDirectory = directory;
            return this;
        }

        public Builder durability(Durability durability) {
            this.durability = durability;
            return this;
        }

        public Builder cacheBytes(long bytes) {
            this.cacheBytes = bytes;
            return this;
        }

        public Builder listen(Endpoint endpoint) {
            this.listen = endpoint;
            return this;
        }

        public Builder peer(Endpoint endpoint) {
            this.peers.add(endpoint);
            return this;
        }

        public Builder clusterName(String name) {
            this.clusterName = name;
            return this;
        }

        public Builder clusterSecret(byte[] secret) {
            this.clusterSecret = secret.clone();
            return this;
        }

        public Builder tls(TlsFiles files) {
            this.tls = files;
            return this;
        }

        public Builder engine(EngineConfig config) {
            this.engine = config;
            return this;
        }

        public Builder newReplicaId(ReplicaId id) {
            this.newReplicaId = id;
            return this;
        }

        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = bytes;
            return this;
        }

        public ReplicaConfig build() {
            return new ReplicaConfig(Optional.ofNullable(dataDirectory), durability, cacheBytes, Optional.ofNullable(listen), peers,
                    clusterName, clusterSecret, Optional.ofNullable(tls), engine, Optional.ofNullable(newReplicaId), maxMessageBytes);
        }
    }
}
