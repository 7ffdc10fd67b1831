package dev.converge.node;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.LinkStats;
import dev.converge.replica.Member;
import dev.converge.replica.PeerStatus;
import dev.converge.replica.SyncStatus;
import dev.converge.storage.rocksdb.RocksStoreMetrics;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a node says about itself: the Redis {@code INFO} text and the {@code /status} JSON, both
 * from one {@link SyncStatus} of the engine plus the transport's and store's counters.
 */
final class NodeInfo {

    static final String VERSION = "0.1.0-SNAPSHOT";

    private NodeInfo() {
    }

    /**
     * One word for the node's replication state: {@code isolated} (CONVERGE.PARTITION),
     * {@code alone} (no peers known), {@code catching-up} (a digest catch-up runs),
     * {@code disconnected} (some peer has no link), {@code suspected} (a linked peer's heartbeats
     * stopped), {@code replicating} (some peer has not
     * acknowledged the whole log) or {@code in-sync}.
     */
    static String syncState(boolean isolated, SyncStatus status) {
        if (isolated) {
            return "isolated";
        }
        if (status.peers().isEmpty()) {
            return "alone";
        }
        if (status.peers().stream().anyMatch(PeerStatus::catchingUp)) {
            return "catching-up";
        }
        if (status.peers().stream().anyMatch(p -> !p.connected())) {
            return "disconnected";
        }
        if (status.peers().stream().anyMatch(PeerStatus::suspected)) {
            return "suspected";
        }
        if (status.peers().stream().anyMatch(p -> p.unackedEntries() > 0)) {
            return "replicating";
        }
        return "in-sync";
    }

    private static Map<ReplicaId, LinkStats> links(ConvergeNode node) {
        Map<ReplicaId, LinkStats> links = new HashMap<>();
        for (LinkStats l : node.runtime().transport().linkStats()) {
            links.put(l.peer(), l);
        }
        return links;
    }

    /** The {@code /status} document ({@code converge status} prints it). */
    static String statusJson(ConvergeNode node, SyncStatus status) {
        long now = System.currentTimeMillis();
        Map<ReplicaId, LinkStats> links = links(node);
        Json.Writer w = new Json.Writer().beginObject()
                .field("node", node.settings().nodeId())
                .field("replica", status.replica().toString())
                .field("cluster", node.settings().clusterName())
                .field("version", VERSION)
                .field("serving", node.serving())
                .field("isolated", node.isolated())
                .field("sync", syncState(node.isolated(), status))
                .field("uptimeSeconds", node.uptimeMillis() / 1_000)
                .name("endpoints").beginObject()
                .field("peers", node.listenEndpoint().map(Endpoint::toString).orElse(null))
                .field("redis", node.redisEndpoint().map(Endpoint::toString).orElse(null))
                .field("http", node.httpEndpoint().map(Endpoint::toString).orElse(null))
                .endObject()
                .name("seeds").beginArray();
        for (Endpoint s : node.settings().seeds()) {
            w.value(s.toString());
        }
        w.endArray().name("members").beginArray();
        for (Member m : node.replica().members()) {
            w.beginObject().field("replica", m.id().toString()).field("endpoint", m.endpoint().map(Endpoint::toString).orElse(null))
                    .field("removed", m.removed()).endObject();
        }
        w.endArray()
                .field("documents", status.documents())
                .field("lastSeq", status.lastSeq())
                .field("deltaLogEntries", node.deltaLogEntries())
                .field("rejectedMessages", status.rejectedMessages())
                .field("typeConflicts", status.typeConflicts())
                .field("inboundPauses", status.inboundPauses())
                .field("replicationWaits", status.replicationWaits())
                .name("peers").beginArray();
        for (PeerStatus p : status.peers()) {
            LinkStats l = links.get(p.peer());
            w.beginObject()
                    .field("replica", p.peer().toString())
                    .field("connected", p.connected())
                    .field("ackedSeq", p.ackedSeq())
                    .field("unackedEntries", p.unackedEntries())
                    .field("lagMillis", p.lagMillis())
                    .field("lastContactMillisAgo", p.lastContactMillis() < 0 ? -1 : Math.max(0, now - p.lastContactMillis()))
                    .field("catchingUp", p.catchingUp())
                    .field("suspected", p.suspected());
            if (l != null) {
                w.field("bytesSent", l.bytesOut()).field("bytesReceived", l.bytesIn()).field("messagesSent", l.messagesOut())
                        .field("messagesReceived", l.messagesIn()).field("reconnects", l.reconnects());
            }
            w.endObject();
        }
        return w.endArray().endObject().toString();
    }

    /** The {@code INFO} reply: the sections asked for (default: all). */
    static String redisInfo(ConvergeNode node, SyncStatus status, List<String> sections) {
        boolean all = sections.isEmpty() || sections.contains("all") || sections.contains("everything")
                || sections.contains("default");
        StringBuilder out = new StringBuilder();
        if (all || sections.contains("server")) {
            Runtime rt = Runtime.getRuntime();
            section(out, "Server");
            line(out, "redis_version", RedisCommands.REDIS_VERSION);
            line(out, "converge_version", VERSION);
            line(out, "redis_mode", "standalone");
            line(out, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
            line(out, "arch_bits", System.getProperty("sun.arch.data.model", "64"));
            line(out, "process_id", ProcessHandle.current().pid());
            line(out, "java_version", System.getProperty("java.version"));
            line(out, "available_processors", rt.availableProcessors());
            line(out, "tcp_port", node.redisEndpoint().map(Endpoint::port).orElse(0));
            line(out, "uptime_in_seconds", node.uptimeMillis() / 1_000);
            line(out, "uptime_in_days", node.uptimeMillis() / 86_400_000);
            line(out, "converge_node_id", node.settings().nodeId());
            line(out, "converge_replica_id", status.replica());
            line(out, "converge_cluster", node.settings().clusterName());
            line(out, "converge_listen", node.listenEndpoint().map(Endpoint::toString).orElse(""));
            line(out, "converge_http", node.httpEndpoint().map(Endpoint::toString).orElse(""));
        }
        if (all || sections.contains("clients")) {
            section(out, "Clients");
            node.redis().ifPresent(r -> {
                line(out, "connected_clients", r.connectedClients());
                line(out, "maxclients", node.settings().maxClients());
                line(out, "blocked_clients", status.replicationWaits()); // WAIT is the one blocking command
            });
        }
        if (all || sections.contains("memory")) {
            Runtime rt = Runtime.getRuntime();
            long used = rt.totalMemory() - rt.freeMemory();
            section(out, "Memory");
            line(out, "used_memory", used);
            line(out, "used_memory_human", human(used));
            line(out, "maxmemory", rt.maxMemory());
            line(out, "maxmemory_human", human(rt.maxMemory()));
            line(out, "maxmemory_policy", "noeviction");
            node.redis().ifPresent(r -> line(out, "mem_clients_normal", r.clientOutputBytes()));
            line(out, "converge_heap_committed", rt.totalMemory());
            line(out, "converge_direct_and_mapped", ManagementFactory.getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class)
                    .stream().mapToLong(java.lang.management.BufferPoolMXBean::getMemoryUsed).sum());
            node.runtime().rocks().ifPresent(r -> {
                RocksStoreMetrics m = r.metrics();
                long reads = m.cacheHits() + m.cacheMisses();
                line(out, "converge_cache_bytes", m.cacheEstimatedBytes());
                line(out, "converge_cache_max_bytes", node.settings().cacheBytes());
                line(out, "converge_cache_hits", m.cacheHits());
                line(out, "converge_cache_misses", m.cacheMisses());
                line(out, "converge_cache_hit_rate", reads == 0 ? "0.00" : String.format(Locale.ROOT, "%.4f", (double) m.cacheHits() / reads));
                line(out, "converge_store_commits", m.commits());
                line(out, "converge_store_write_groups", m.groups());
                line(out, "converge_store_pending_commits", m.pendingCommits());
                line(out, "converge_store_folds", m.folds());
                line(out, "converge_store_bytes_written", m.bytesWritten());
                line(out, "converge_store_wal_bytes", m.walBytes());
                line(out, "converge_store_flush_compaction_bytes", m.flushAndCompactionBytes());
            });
        }
        if (all || sections.contains("stats")) {
            section(out, "Stats");
            node.redis().ifPresent(r -> {
                line(out, "total_connections_received", r.totalConnections());
                line(out, "total_commands_processed", r.commandsProcessed());
                line(out, "rejected_connections", r.rejectedConnections());
                line(out, "total_error_replies", r.errorReplies());
                line(out, "converge_protocol_errors", r.protocolErrors());
            });
            node.runtime().netty().ifPresent(t -> line(out, "converge_handshake_failures", t.handshakeFailures()));
            line(out, "converge_rejected_messages", status.rejectedMessages());
            line(out, "converge_type_conflicts", status.typeConflicts());
            line(out, "converge_inbound_pauses", status.inboundPauses());
        }
        if (all || sections.contains("replication")) {
            long now = System.currentTimeMillis();
            Map<ReplicaId, LinkStats> links = links(node);
            section(out, "Replication");
            // Every node accepts writes (multi-master, as Redis Active-Active): each is a "master".
            line(out, "role", "master");
            line(out, "connected_slaves", 0);
            line(out, "converge_sync", syncState(node.isolated(), status));
            line(out, "converge_isolated", node.isolated() ? 1 : 0);
            line(out, "converge_last_seq", status.lastSeq());
            line(out, "converge_delta_log_entries", node.deltaLogEntries());
            line(out, "converge_peers", status.peers().size());
            line(out, "converge_connected_peers", status.peers().stream().filter(PeerStatus::connected).count());
            int i = 0;
            for (PeerStatus p : status.peers()) {
                Optional<LinkStats> l = Optional.ofNullable(links.get(p.peer()));
                line(out, "peer" + i++, "replica=" + p.peer() + ",connected=" + (p.connected() ? 1 : 0) + ",acked_seq=" + p.ackedSeq()
                        + ",unacked=" + p.unackedEntries() + ",lag_ms=" + p.lagMillis() + ",last_contact_ms_ago="
                        + (p.lastContactMillis() < 0 ? -1 : Math.max(0, now - p.lastContactMillis())) + ",catching_up="
                        + (p.catchingUp() ? 1 : 0) + ",bytes_sent=" + l.map(LinkStats::bytesOut).orElse(0L) + ",bytes_received="
                        + l.map(LinkStats::bytesIn).orElse(0L));
            }
        }
        if (all || sections.contains("keyspace")) {
            section(out, "Keyspace");
            // documents() counts deleted documents until their deletion is collected; DBSIZE counts exactly.
            if (status.documents() > 0) {
                line(out, "db0", "keys=" + status.documents() + ",expires=0,avg_ttl=0");
            }
        }
        return out.toString();
    }

    private static void section(StringBuilder out, String name) {
        if (out.length() > 0) {
            out.append("\r\n");
        }
        out.append("# ").append(name).append("\r\n");
    }

    private static void line(StringBuilder out, String key, Object value) {
        out.append(key).append(':').append(value).append("\r\n");
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        String units = "KMGTPE";
        int u = Math.min(units.length(), (63 - Long.numberOfLeadingZeros(bytes)) / 10);
        return String.format(Locale.ROOT, "%.2f%c", bytes / Math.pow(1024, u), units.charAt(u - 1));
    }
}
