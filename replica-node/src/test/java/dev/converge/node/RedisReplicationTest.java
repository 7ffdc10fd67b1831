package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Three node processes started through the CLI, written and read with Jedis: what one node
 * takes, the others show; pipelines keep order and read-your-writes; a partition made with
 * CONVERGE.PARTITION diverges and CONVERGE.HEAL converges.
 */
@ExtendWith(SharedCluster.class)
class RedisReplicationTest {

    private static final SharedCluster.Fixture cluster() {
        return SharedCluster.get();
    }

    @Test
    void writesOnNodeOneAreReadOnNodesTwoAndThree() {
        try (Jedis n1 = cluster().client(1); Jedis n2 = cluster().client(2); Jedis n3 = cluster().client(3)) {
            n1.incrBy("rep:counter", 5);
            n1.set("rep:register", "hello");
            n1.sadd("rep:set", "a", "b");
            n1.hset("rep:hash", Map.of("f", "v"));
            n1.hincrBy("rep:hash", "n", 7);
            assertThat(n1.waitReplicas(2, 10_000)).isEqualTo(2);
            // WAIT returned: both peers have acknowledged, so the values are there already.
            for (Jedis other : List.of(n2, n3)) {
                assertThat(other.get("rep:counter")).isEqualTo("5");
                assertThat(other.get("rep:register")).isEqualTo("hello");
                assertThat(other.smembers("rep:set")).containsExactlyInAnyOrder("a", "b");
                assertThat(other.hgetAll("rep:hash")).isEqualTo(Map.of("f", "v", "n", "7"));
            }
            // Writes on every node at once merge: counters add up, sets union.
            n2.incrBy("rep:counter", 10);
            n3.incrBy("rep:counter", 100);
            n2.sadd("rep:set", "c");
            n3.srem("rep:set", "a");
            for (Jedis j : List.of(n1, n2, n3)) {
                Eventually.equal("counter on every node", () -> j.get("rep:counter"), "115");
                Eventually.equal("set on every node", () -> Set.copyOf(j.smembers("rep:set")), Set.of("b", "c"));
            }
            // DEL replicates.
            n3.del("rep:register");
            Eventually.until("the deletion reaches node 1", () -> n1.get("rep:register") == null);
            assertThat(n1.exists("rep:register")).isFalse();
        }
    }

    @Test
    void tenThousandPipelinedCommandsAnswerInOrderAndSeeEarlierWrites() {
        try (Jedis n1 = cluster().client(1)) {
            Pipeline p = n1.pipelined();
            List<Response<Long>> incrs = new ArrayList<>();
            List<Response<String>> gets = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                incrs.add(p.incr("pipe:counter"));
                gets.add(p.get("pipe:counter"));
            }
            p.sync();
            for (int i = 0; i < 5_000; i++) {
                assertThat(incrs.get(i).get()).isEqualTo(i + 1);
                // A read right after a write in the same pipeline sees it.
                assertThat(gets.get(i).get()).isEqualTo(Long.toString(i + 1));
            }
            Pipeline q = n1.pipelined();
            List<Response<String>> values = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                q.set("pipe:register", "v" + i);
                values.add(q.get("pipe:register"));
                q.sadd("pipe:set", "e" + i);
            }
            Response<Long> size = q.scard("pipe:set");
            q.sync();
            for (int i = 0; i < 2_000; i++) {
                assertThat(values.get(i).get()).isEqualTo("v" + i);
            }
            assertThat(size.get()).isEqualTo(2_000);
            assertThat(n1.waitReplicas(2, 10_000)).isEqualTo(2);
        }
        try (Jedis n3 = cluster().client(3)) {
            assertThat(n3.get("pipe:counter")).isEqualTo("5000");
            assertThat(n3.get("pipe:register")).isEqualTo("v1999");
        }
    }

    @Test
    void aPartitionedNodeKeepsTakingWritesAndConvergesAfterTheHeal() throws Exception {
        try (Jedis n1 = cluster().client(1); Jedis n2 = cluster().client(2); Jedis n3 = cluster().client(3)) {
            awaitFullMesh(n1, n2, n3);
            n1.incr("part:counter");
            assertThat(n1.waitReplicas(2, 10_000)).isEqualTo(2);

            assertThat(admin(n3, "CONVERGE.PARTITION")).isEqualTo("OK");
            Eventually.until("node 1 and 2 lose node 3", () -> connectedPeers(n1) == 1 && connectedPeers(n2) == 1);
            assertThat(connectedPeers(n3)).isZero();
            assertThat(n3.info("replication")).contains("converge_sync:isolated", "converge_isolated:1");

            n3.incrBy("part:counter", 10);
            n3.sadd("part:set", "from-3");
            n3.set("part:register", "written on 3");
            // WAIT on the isolated node: nobody acknowledges.
            assertThat(n3.waitReplicas(1, 300)).isZero();
            Thread.sleep(5);
            n1.incrBy("part:counter", 100);
            n1.sadd("part:set", "from-1");
            n1.set("part:register", "written on 1, later");
            Thread.sleep(500);
            assertThat(n3.get("part:counter")).isEqualTo("11");
            assertThat(n2.get("part:counter")).isEqualTo("101");

            long healed = System.nanoTime();
            assertThat(admin(n3, "CONVERGE.HEAL")).isEqualTo("OK");
            for (Jedis j : List.of(n1, n2, n3)) {
                Eventually.equal("counter after the heal", () -> j.get("part:counter"), "111");
                Eventually.equal("set after the heal", () -> Set.copyOf(j.smembers("part:set")), Set.of("from-1", "from-3"));
                Eventually.equal("register after the heal", () -> j.get("part:register"), "written on 1, later");
            }
            System.out.printf("partition healed: converged in %d ms%n", (System.nanoTime() - healed) / 1_000_000);
            awaitFullMesh(n1, n2, n3);
            Eventually.until("byte-identical states", () -> {
                String d1 = admin(n1, "CONVERGE.DIGEST");
                return d1.equals(admin(n2, "CONVERGE.DIGEST")) && d1.equals(admin(n3, "CONVERGE.DIGEST"));
            });
        }
    }

    static void awaitFullMesh(Jedis... nodes) {
        Eventually.until("every node connected to the two others", () -> {
            for (Jedis j : nodes) {
                if (connectedPeers(j) != 2) {
                    return false;
                }
            }
            return true;
        });
    }

    static long connectedPeers(Jedis j) {
        for (String line : j.info("replication").split("\r\n")) {
            if (line.startsWith("converge_connected_peers:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1));
            }
        }
        throw new AssertionError("no converge_connected_peers in INFO");
    }

    static String admin(Jedis j, String command) {
        Object reply = j.sendCommand(() -> command.getBytes(StandardCharsets.UTF_8));
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }
}
