package dev.converge.node;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.LinkStats;
import dev.converge.replica.PeerStatus;
import dev.converge.replica.SyncStatus;
import dev.converge.storage.rocksdb.RocksDocumentStore;
import dev.converge.storage.rocksdb.RocksStoreMetrics;
import dev.converge.transport.netty.NettyTransport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The node's meters in one Prometheus registry (Micrometer), scraped at {@code /metrics}.
 *
 * <p>Store and transport counters are read from their own snapshots when scraped
 * ({@code FunctionCounter}s over {@link RocksStoreMetrics} and {@link LinkStats}); replication
 * state per peer comes from the engine's {@link SyncStatus}, fetched once per scrape. Per-peer
 * meters appear the first time a peer is seen and carry a {@code peer} tag (its replica id).
 * Every name starts with {@code converge_}; JVM and process meters are Micrometer's binders.
 */
final class NodeMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Counter writes;
    private final Counter reads;
    private final Counter authFailures;
    private final Map<String, Counter> redisCommands = new ConcurrentHashMap<>();
    private final Map<ReplicaId, Boolean> peersSeen = new ConcurrentHashMap<>();
    private volatile Map<ReplicaId, PeerStatus> peers = Map.of();
    private volatile long inboundPauses;
    private volatile Map<ReplicaId, LinkStats> links = Map.of();
    private volatile Optional<RocksStoreMetrics> store = Optional.empty();
    private volatile long storeRead;

    NodeMetrics(String nodeId) {
        registry.config().commonTags("node", nodeId);
        writes = Counter.builder("converge.writes").description("Write commands received from clients").register(registry);
        reads = Counter.builder("converge.reads").description("Read commands received from clients").register(registry);
        authFailures = Counter.builder("converge.redis.auth.failures").description("AUTH attempts with a wrong password")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Registers the meters of the running node (called once its parts exist). */
    void bind(ConvergeNode node) {
        var runtime = node.runtime();
        Gauge.builder("converge.documents", runtime.replica(), r -> r.documentCount())
                .description("Documents in the store, deleted ones included until collected, the cluster's own left out").register(registry);
        Gauge.builder("converge.local.seq", runtime.store(), s -> s.lastSeq())
                .description("Sequence number of the latest entry in the local delta log").register(registry);
        Gauge.builder("converge.delta.log.entries", node, ConvergeNode::deltaLogEntries)
                .description("Entries retained in the delta log").register(registry);
        Gauge.builder("converge.isolated", node, n -> n.isolated() ? 1 : 0)
                .description("1 while CONVERGE.PARTITION holds the node apart from its peers").register(registry);
        FunctionCounter.builder("converge.replication.inbound.pauses", this, m -> m.inboundPauses)
                .description("Times reading from peers paused because more received messages waited for the engine than its bound")
                .register(registry);
        runtime.rocks().ifPresent(rocks -> bindStore(rocks));
        runtime.netty().ifPresent(this::bindTransport);
        Gauge.builder("converge.peers.connected", this, m -> m.peers.values().stream().filter(PeerStatus::connected).count())
                .description("Peers with a live link").register(registry);
    }

    private void bindStore(RocksDocumentStore rocks) {
        storeCounter("converge.store.cache.hits", "Reads answered by the decoded-state cache", RocksStoreMetrics::cacheHits, rocks);
        storeCounter("converge.store.cache.misses", "Reads that went to RocksDB", RocksStoreMetrics::cacheMisses, rocks);
        storeCounter("converge.store.cache.evictions", "States evicted from the cache", RocksStoreMetrics::cacheEvictions, rocks);
        storeCounter("converge.store.commits", "Commits written", RocksStoreMetrics::commits, rocks);
        storeCounter("converge.store.write.groups", "RocksDB write batches (group commits)", RocksStoreMetrics::groups, rocks);
        storeCounter("converge.store.folds", "Document folds by background compaction", RocksStoreMetrics::folds, rocks);
        storeCounter("converge.store.written.bytes", "Bytes handed to RocksDB in write batches", RocksStoreMetrics::bytesWritten, rocks);
        storeCounter("converge.store.wal.bytes", "Bytes appended to RocksDB's write-ahead log", RocksStoreMetrics::walBytes, rocks);
        storeCounter("converge.store.flush.compaction.bytes", "Bytes RocksDB wrote to table files",
                RocksStoreMetrics::flushAndCompactionBytes, rocks);
        Gauge.builder("converge.store.cache.size", rocks, r -> storeMetrics(r).cacheEstimatedBytes()).baseUnit("bytes")
                .description("Estimated bytes of the cached states").register(registry);
        Gauge.builder("converge.store.pending.commits", rocks, r -> storeMetrics(r).pendingCommits())
                .description("Commits submitted and not yet written").register(registry);
        Gauge.builder("converge.store.cache.hit.ratio", rocks, r -> {
            RocksStoreMetrics m = storeMetrics(r);
            long total = m.cacheHits() + m.cacheMisses();
            return total == 0 ? Double.NaN : (double) m.cacheHits() / total;
        }).description("Cache hits over all reads since start").register(registry);
    }

    /** One snapshot of the store's counters per scrape (they are read together, not once per meter). */
    private RocksStoreMetrics storeMetrics(RocksDocumentStore rocks) {
        long now = System.nanoTime();
        Optional<RocksStoreMetrics> cached = store;
        if (cached.isEmpty() || now - storeRead > 100_000_000L) {
            cached = Optional.of(rocks.metrics());
            store = cached;
            storeRead = now;
        }
        return cached.get();
    }

    private void storeCounter(String name, String description, ToDoubleFunction<RocksStoreMetrics> f, RocksDocumentStore rocks) {
        FunctionCounter.builder(name, rocks, r -> f.applyAsDouble(storeMetrics(r))).description(description).register(registry);
    }

    private void bindTransport(NettyTransport transport) {
        FunctionCounter.builder("converge.transport.handshake.failures", transport, NettyTransport::handshakeFailures)
                .description("Failed peer handshakes (bad secret, cluster, version, TLS, timeouts)").register(registry);
    }

    /** Takes the engine's status and the links' counters, registering meters for peers seen the first time. */
    void update(SyncStatus status, Iterable<LinkStats> linkStats) {
        Map<ReplicaId, PeerStatus> p = new ConcurrentHashMap<>();
        for (PeerStatus s : status.peers()) {
            p.put(s.peer(), s);
        }
        Map<ReplicaId, LinkStats> l = new ConcurrentHashMap<>();
        for (LinkStats s : linkStats) {
            l.put(s.peer(), s);
        }
        peers = p;
        links = l;
        inboundPauses = status.inboundPauses();
        for (ReplicaId id : p.keySet()) {
            registerPeer(id);
        }
        for (ReplicaId id : l.keySet()) {
            registerPeer(id);
        }
    }

    private void registerPeer(ReplicaId id) {
        if (peersSeen.putIfAbsent(id, Boolean.TRUE) != null) {
            return;
        }
        Tags tags = Tags.of("peer", id.toString());
        Gauge.builder("converge.peer.connected", this, m -> peer(m, id).map(s -> s.connected() ? 1.0 : 0.0).orElse(0.0)).tags(tags)
                .description("1 when the link to the peer is up").register(registry);
        Gauge.builder("converge.peer.suspected", this, m -> peer(m, id).map(s -> s.suspected() ? 1.0 : 0.0).orElse(0.0)).tags(tags)
                .description("1 when the link is up but the peer's heartbeats stopped (phi-accrual)").register(registry);
        Gauge.builder("converge.replication.lag", this, m -> peer(m, id).map(s -> (double) s.lagMillis()).orElse(Double.NaN))
                .baseUnit("milliseconds").tags(tags).description("How long the peer has been behind the local delta log")
                .register(registry);
        Gauge.builder("converge.replication.unacked.entries", this,
                m -> peer(m, id).map(s -> (double) s.unackedEntries()).orElse(Double.NaN)).tags(tags)
                .description("Local delta-log entries the peer has not acknowledged").register(registry);
        Gauge.builder("converge.replication.catching.up", this, m -> peer(m, id).map(s -> s.catchingUp() ? 1.0 : 0.0).orElse(0.0))
                .tags(tags).description("1 while a digest catch-up towards the peer runs").register(registry);
        linkCounter("converge.replication.sent", "bytes", "Frame bytes sent to the peer", id, LinkStats::bytesOut);
        linkCounter("converge.replication.received", "bytes", "Frame bytes received from the peer", id, LinkStats::bytesIn);
        linkCounter("converge.replication.sent.messages", null, "Sync messages sent to the peer", id, LinkStats::messagesOut);
        linkCounter("converge.replication.received.messages", null, "Sync messages received from the peer", id,
                LinkStats::messagesIn);
        linkCounter("converge.replication.dropped.messages", null, "Messages dropped for the peer (queue full, link down)", id,
                LinkStats::dropped);
        linkCounter("converge.replication.reconnects", null, "Times the link to the peer came back", id, LinkStats::reconnects);
        Gauge.builder("converge.replication.received.largest", this, m -> link(m, id).map(s -> (double) s.largestMessageIn()).orElse(0.0))
                .baseUnit("bytes").tags(tags).description("Largest message received from the peer, frame header included")
                .register(registry);
        Gauge.builder("converge.replication.queued.messages", this, m -> link(m, id).map(s -> (double) s.queuedMessages()).orElse(0.0))
                .tags(tags).description("Messages waiting in the peer's outbound queue").register(registry);
    }

    private void linkCounter(String name, String unit, String description, ReplicaId id, ToDoubleFunction<LinkStats> f) {
        FunctionCounter.builder(name, this, m -> link(m, id).map(f::applyAsDouble).orElse(0.0)).baseUnit(unit)
                .tags(Tags.of("peer", id.toString())).description(description).register(registry);
    }

    private static Optional<PeerStatus> peer(NodeMetrics m, ReplicaId id) {
        return Optional.ofNullable(m.peers.get(id));
    }

    private static Optional<LinkStats> link(NodeMetrics m, ReplicaId id) {
        return Optional.ofNullable(m.links.get(id));
    }

    Counter writes() {
        return writes;
    }

    Counter reads() {
        return reads;
    }

    Counter authFailures() {
        return authFailures;
    }

    /** The counter of one Redis command ({@code converge_redis_commands_total{command="get"}}). */
    Counter redisCommand(String name) {
        return redisCommands.computeIfAbsent(name, n -> Counter.builder("converge.redis.commands").tag("command", n)
                .description("Redis commands received, by command").register(registry));
    }

    /** Registers the Redis front end's connection meters. */
    void bindRedis(RedisServer redis) {
        Gauge.builder("converge.redis.clients", redis, RedisServer::connectedClients).description("Connected Redis clients")
                .register(registry);
        Gauge.builder("converge.redis.output", redis, RedisServer::clientOutputBytes).baseUnit("bytes")
                .description("Reply bytes written to Redis clients that their sockets have not taken yet").register(registry);
        FunctionCounter.builder("converge.redis.connections", redis, RedisServer::totalConnections)
                .description("Redis client connections accepted").register(registry);
        FunctionCounter.builder("converge.redis.rejected.connections", redis, RedisServer::rejectedConnections)
                .description("Redis clients refused at maxclients").register(registry);
        FunctionCounter.builder("converge.redis.errors", redis, RedisServer::errorReplies)
                .description("Error replies sent to Redis clients").register(registry);
        FunctionCounter.builder("converge.redis.protocol.errors", redis, RedisServer::protocolErrors)
                .description("Clients disconnected for breaking the protocol or a limit").register(registry);
    }

    /** The Prometheus text exposition, after refreshing the per-peer state from the engine. */
    CompletionStage<String> scrape(ConvergeNode node) {
        CompletionStage<SyncStatus> status = node.replica().status();
        return status.thenApply(s -> {
            update(s, node.runtime().transport().linkStats());
            return registry.scrape();
        }).exceptionally(t -> registry.scrape());
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
