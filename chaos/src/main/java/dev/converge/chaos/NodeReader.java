package dev.converge.chaos;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.commands.ProtocolCommand;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The checkers' own connections, one per node, outside the recorded history: digests while
 * waiting for convergence, and full reads of every key (after a heal, and of a restarted node).
 */
final class NodeReader implements AutoCloseable {

    private static final ProtocolCommand DIGEST = () -> "CONVERGE.DIGEST".getBytes(StandardCharsets.US_ASCII);
    private static final ProtocolCommand MEMBERS = () -> "CONVERGE.MEMBERS".getBytes(StandardCharsets.US_ASCII);
    private static final ProtocolCommand REMOVE = () -> "CONVERGE.REMOVE".getBytes(StandardCharsets.US_ASCII);

    /** Every key's value on one node: sets (sorted), counters (an absent counter reads 0), registers (absent: no entry). */
    record Snapshot(Map<String, Set<String>> sets, Map<String, Long> counters, Map<String, String> registers) {
    }

    private final NodeCluster cluster;
    private final JedisClientConfig config;
    private final Jedis[] connections;

    NodeReader(NodeCluster cluster) {
        this.cluster = cluster;
        this.config = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(2_000)
                .socketTimeoutMillis(15_000)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED)
                .build();
        this.connections = new Jedis[cluster.nodes().size()];
    }

    /** The node's {@code CONVERGE.DIGEST}: equal on two nodes exactly when their states are. */
    String digest(int node) {
        return call(node, j -> new String((byte[]) j.sendCommand(DIGEST), StandardCharsets.US_ASCII));
    }

    /** {@code CONVERGE.REMOVE replica} at the node: the reply ({@code OK}, {@code ALREADY REMOVED}). */
    String remove(int node, String replica) {
        return call(node, j -> new String((byte[]) j.sendCommand(REMOVE, replica), StandardCharsets.US_ASCII));
    }

    /** The node's {@code CONVERGE.MEMBERS}: replica id to {@code self}, {@code member} or {@code removed}. */
    Map<String, String> members(int node) {
        return call(node, j -> {
            Map<String, String> members = new TreeMap<>();
            for (Object row : (List<?>) j.sendCommand(MEMBERS)) {
                List<?> fields = (List<?>) row;
                members.put(new String((byte[]) fields.get(0), StandardCharsets.US_ASCII), new String((byte[]) fields.get(2), StandardCharsets.US_ASCII));
            }
            return members;
        });
    }

    /** {@code SADD key member} at the node: true if it was accepted, false if the node answered with an error. */
    boolean tryAdd(int node, String key, String member) {
        return call(node, j -> {
            try {
                j.sadd(key, member);
                return true;
            } catch (JedisDataException e) {
                return false;
            }
        });
    }

    /** The node's {@code INFO} section, as text. */
    String info(int node, String section) {
        return call(node, j -> j.info(section));
    }

    /** Reads every key of the workload. */
    Snapshot read(int node, Keys keys) {
        return call(node, j -> {
            Map<String, Set<String>> sets = new TreeMap<>();
            for (String k : keys.sets) {
                sets.put(k, new TreeSet<>(j.smembers(k)));
            }
            Map<String, Long> counters = new TreeMap<>();
            for (String k : keys.counters) {
                String v = j.get(k);
                counters.put(k, v == null ? 0 : Long.parseLong(v));
            }
            Map<String, String> registers = new TreeMap<>();
            for (String k : keys.allRegisters()) {
                String v = j.get(k);
                if (v != null) {
                    registers.put(k, v);
                }
            }
            return new Snapshot(sets, counters, registers);
        });
    }

    /** Runs {@code f} on the node; a connection broken since the last call (the node restarted) is replaced once. */
    private <T> T call(int node, java.util.function.Function<Jedis, T> f) {
        boolean reused = connections[node] != null;
        try {
            return f.apply(connection(node));
        } catch (JedisConnectionException e) {
            drop(node);
            if (!reused) {
                throw e;
            }
            return f.apply(connection(node));
        }
    }

    private Jedis connection(int node) {
        Jedis j = connections[node];
        if (j == null) {
            j = new Jedis(new HostAndPort("127.0.0.1", cluster.node(node).ports.redis()), config);
            connections[node] = j;
        }
        return j;
    }

    private void drop(int node) {
        Jedis j = connections[node];
        connections[node] = null;
        if (j != null) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // broken already
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < connections.length; i++) {
            drop(i);
        }
    }
}
