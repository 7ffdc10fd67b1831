package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.port.Endpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A key written over Redis as a counter on one node and as a set on another while they were
 * apart: once linked, both nodes hold both, each command reads its own type, writes are refused
 * until a DEL, and after it one type takes over on both.
 */
class RedisTypeConflictTest {

    private static final String SECRET = "type-conflict-test-secret-0123456789";

    private static ConvergeNode start(Path dir, String name, String... options) {
        return InProcessNode.start(dir, "conflicts", name, Map.of(NodeSettings.SECRET_ENV, SECRET), options);
    }

    private static Jedis client(ConvergeNode node) {
        Endpoint redis = node.redisEndpoint().orElseThrow();
        return new Jedis(redis.host(), redis.port(), 10_000);
    }

    /** Until the other node's write arrives, one of the two reads is WRONGTYPE. */
    private static boolean holdsBoth(Jedis j) {
        try {
            return j.smembers("k").equals(Set.of("x")) && "5".equals(j.get("k"));
        } catch (JedisDataException notYet) {
            return false;
        }
    }

    @Test
    void aKeyWrittenAsTwoTypesApartKeepsBothOnEveryNodeUntilDeleted(@TempDir Path dir) {
        try (ConvergeNode a = start(dir, "node-a"); Jedis ja = client(a)) {
            assertThat(ja.incrBy("k", 5)).isEqualTo(5);
            ConvergeNode alone = start(dir, "node-b");
            try (Jedis jb = client(alone)) {
                assertThat(jb.sadd("k", "x")).isEqualTo(1);
            }
            alone.close();
            // The same data directory, now linked to node-a.
            try (ConvergeNode b = start(dir, "node-b", "seed", a.listenEndpoint().orElseThrow().toString()); Jedis jb = client(b)) {
                Eventually.until("both nodes hold both types", () -> holdsBoth(ja) && holdsBoth(jb));
                for (Jedis j : List.of(ja, jb)) {
                    assertThat(j.get("k")).isEqualTo("5");
                    assertThat(j.smembers("k")).containsExactly("x");
                    assertThat(j.type("k")).as("the first type that shows, by tag: the counter").isEqualTo("string");
                    assertThat(j.exists("k")).isTrue();
                    assertThat(j.scan(ScanParams.SCAN_POINTER_START, new ScanParams(), "set").getResult())
                            .as("SCAN TYPE finds it under each type that shows").contains("k");
                    assertThat(j.scan(ScanParams.SCAN_POINTER_START, new ScanParams(), "string").getResult()).contains("k");
                    assertThatThrownBy(() -> j.incr("k")).isInstanceOf(JedisDataException.class).hasMessageStartingWith("WRONGTYPE");
                    assertThatThrownBy(() -> j.sadd("k", "y")).isInstanceOf(JedisDataException.class).hasMessageStartingWith("WRONGTYPE");
                }
                assertThat(ja.info("stats") + jb.info("stats")).containsPattern("converge_type_conflicts:1");

                assertThat(jb.del("k")).isEqualTo(1);
                Eventually.until("the delete reached node-a", () -> !ja.exists("k"));
                assertThat(ja.sadd("k", "z")).as("after the delete, one type may be written again").isEqualTo(1);
                Eventually.until("node-b sees the set", () -> jb.smembers("k").equals(Set.of("z")));
                assertThatThrownBy(() -> jb.get("k")).as("the counter part stays deleted; the set shows")
                        .isInstanceOf(JedisDataException.class).hasMessageStartingWith("WRONGTYPE");
                assertThat(jb.type("k")).isEqualTo("set");
                assertThatThrownBy(() -> jb.incr("k")).isInstanceOf(JedisDataException.class).hasMessageStartingWith("WRONGTYPE");
            }
        }
    }
}
