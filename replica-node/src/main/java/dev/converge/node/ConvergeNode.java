package dev.converge.node;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.sync.Hashing;
import dev.converge.replica.Replica;
import dev.converge.transport.netty.NettyTransport;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: the replica (RocksDB, Netty, engine thread), the Redis front end, the HTTP
 * endpoints and the metrics. {@link #start} brings them up in that order and, when a part fails
 * (a port in use), closes what it started and throws with the option to blame; {@link #close}
 * stops them in reverse order. The partition drill ({@link #isolate}/{@link #heal}) acts on the
 * transport: peers see the node disappear.
 */
final class ConvergeNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConvergeNode.class);

    private final NodeSettings settings;
    private final ReplicaRuntime runtime;
    private final NodeMetrics metrics;
    private final long startedNanos = System.nanoTime();
    private volatile RedisServer redis;
    private volatile HttpServer http;
    private volatile boolean serving;
    private volatile boolean closed;

    private ConvergeNode(NodeSettings settings, ReplicaRuntime runtime, NodeMetrics metrics) {
        this.settings = settings;
        this.runtime = runtime;
        this.metrics = metrics;
    }

    /**
     * Starts a node as {@code settings} say.
     *
     * @throws StartFailure naming the option whose resource could not be had (a port, the data directory)
     */
    static ConvergeNode start(NodeSettings settings) {
        ReplicaRuntime runtime;
        try {
            runtime = ReplicaRuntime.start(settings.replicaConfig(), ReplicaRuntime.NODE_FOLD_MIN_BYTES);
        } catch (UncheckedIOException e) {
            throw new StartFailure("listen", "cannot listen for peers on " + settings.listen() + " (--listen): " + rootMessage(e), e);
        } catch (IllegalArgumentException e) {
            if (settings.replicaConfig().tls().isPresent()) {
                // The transport reads the key and certificates as it is created: its message names the files.
                throw new StartFailure("tls", "invalid TLS configuration (--tls-cert, --tls-key, --tls-trust, --tls-provider): "
                        + e.getMessage(), e);
            }
            throw new StartFailure("data-dir", "cannot open the replica in " + settings.dataDir() + " (--data-dir): " + rootMessage(e), e);
        } catch (RuntimeException e) {
            throw new StartFailure("data-dir", "cannot open the replica in " + settings.dataDir() + " (--data-dir): " + rootMessage(e), e);
        }
        NodeMetrics metrics = new NodeMetrics(settings.nodeId());
        ConvergeNode node = new ConvergeNode(settings, runtime, metrics);
        try {
            metrics.bind(node);
            if (settings.redis().isPresent()) {
                Endpoint e = settings.redis().get();
                try {
                    node.redis = RedisServer.start(e, node, RedisLimits.defaults().withMaxClients(settings.maxClients()));
                } catch (RuntimeException ex) {
                    throw new StartFailure("redis", "cannot listen for Redis clients on " + e + " (--redis): " + rootMessage(ex), ex);
                }
                metrics.bindRedis(node.redis);
            }
            if (settings.http().isPresent()) {
                Endpoint e = settings.http().get();
                try {
                    node.http = HttpServer.start(e, node);
                } catch (RuntimeException ex) {
                    throw new StartFailure("http", "cannot listen for HTTP on " + e + " (--http): " + rootMessage(ex), ex);
                }
            }
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        node.serving = true;
        LOG.info("node started: {}, replica {}", settings, runtime.replica().id());
        return node;
    }

    /** A part of the node could not start; {@link #option()} names the option to fix. */
    static final class StartFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String option;

        StartFailure(String option, String message, Throwable cause) {
            super(message, cause);
            this.option = option;
        }

        String option() {
            return option;
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable e = t;
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    NodeSettings settings() {
        return settings;
    }

    ReplicaRuntime runtime() {
        return runtime;
    }

    Replica replica() {
        return runtime.replica();
    }

    DocumentStore store() {
        return runtime.store();
    }

    NodeMetrics metrics() {
        return metrics;
    }

    Optional<RedisServer> redis() {
        return Optional.ofNullable(redis);
    }

    boolean serving() {
        return serving && !closed;
    }

    long uptimeMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }

    Optional<Endpoint> listenEndpoint() {
        return runtime.replica().listenEndpoint();
    }

    Optional<Endpoint> redisEndpoint() {
        return Optional.ofNullable(redis).map(RedisServer::boundEndpoint);
    }

    Optional<Endpoint> httpEndpoint() {
        return Optional.ofNullable(http).map(HttpServer::boundEndpoint);
    }

    /** Cuts the node off from its peers (both directions) while it keeps serving clients; see {@link NettyTransport#isolate()}. */
    void isolate() {
        runtime.netty().ifPresent(t -> {
            if (!t.isolated()) {
                LOG.warn("partition drill: isolating this node from its peers (CONVERGE.PARTITION)");
                t.isolate();
            }
        });
    }

    /** Ends {@link #isolate()}: the node redials its peers at once. */
    void heal() {
        runtime.netty().ifPresent(t -> {
            if (t.isolated()) {
                LOG.warn("partition drill: healing, redialling peers (CONVERGE.HEAL)");
                t.rejoin();
            }
        });
    }

    boolean isolated() {
        return runtime.netty().map(NettyTransport::isolated).orElse(false);
    }

    /** Entries retained in the delta log: from its head (the oldest kept) to the last sequence number. */
    long deltaLogEntries() {
        DocumentStore store = runtime.store();
        long last = store.lastSeq();
        if (last == 0 || closed) {
            return 0;
        }
        // Asking past the end is answered from memory with the head of the log.
        long head = store.readDeltaLog(last, 0).firstRetainedSeq();
        return Math.max(0, last - head + 1);
    }

    /**
     * The sum of every document's hash over its canonical state (the anti-entropy digest of the
     * whole key space): equal on two nodes exactly when they hold the same states. O(documents).
     */
    long stateDigest() {
        Replica replica = runtime.replica();
        long sum = 0;
        Bytes from = null;
        while (true) {
            List<Bytes> keys = replica.keys(from, 1_000);
            for (Bytes key : keys) {
                if (from == null || !key.equals(from)) {
                    Optional<byte[]> state = replica.read(key).map(CrdtCodec::encode);
                    if (state.isPresent()) {
                        sum += Hashing.documentHash(key, state.get());
                    }
                }
            }
            if (keys.size() < 1_000) {
                return sum;
            }
            from = keys.get(keys.size() - 1);
        }
    }

    /** The {@code /status} JSON. */
    CompletionStage<String> statusJson() {
        return runtime.replica().status().thenApply(s -> NodeInfo.statusJson(this, s));
    }

    /** Stops accepting clients, then the replica (engine, transport, store). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        serving = false;
        closed = true;
        LOG.info("node stopping");
        if (http != null) {
            http.close();
        }
        if (redis != null) {
            redis.close();
        }
        try {
            runtime.close();
        } finally {
            metrics.close();
        }
        LOG.info("node stopped");
    }
}
