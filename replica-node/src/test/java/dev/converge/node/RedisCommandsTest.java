package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Every Redis command of the front end with its error cases, black-box: Jedis against a real
 * node process (node 1 of the shared cluster). Keys are unique per test.
 */
@ExtendWith(SharedCluster.class)
class RedisCommandsTest {

    private Jedis redis;

    @BeforeEach
    void connect() {
        redis = SharedCluster.get().client(1);
    }

    @AfterEach
    void disconnect() {
        redis.close();
    }

    private static void error(Runnable command, String message) {
        assertThatThrownBy(command::run).isInstanceOf(JedisDataException.class).hasMessage(message);
    }

    private Object raw(String... args) {
        byte[][] bytes = new byte[args.length - 1][];
        for (int i = 1; i < args.length; i++) {
            bytes[i - 1] = args[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return redis.sendCommand(() -> args[0].getBytes(java.nio.charset.StandardCharsets.UTF_8), bytes);
    }

    private static String text(Object reply) {
        return reply == null ? null : new String((byte[]) reply, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void countersCountAndGetShowsTheirValueAsABulkString() {
        assertThat(redis.incr("cmd:c")).isEqualTo(1);
        assertThat(redis.incrBy("cmd:c", 41)).isEqualTo(42);
        assertThat(redis.decr("cmd:c")).isEqualTo(41);
        assertThat(redis.decrBy("cmd:c", 50)).isEqualTo(-9);
        assertThat(redis.incrBy("cmd:c", -1)).isEqualTo(-10);
        assertThat(redis.get("cmd:c")).isEqualTo("-10");
        assertThat(redis.type("cmd:c")).isEqualTo("string");
        assertThat(redis.incrBy("cmd:zero", 0)).as("INCRBY 0 creates the key, as in Redis").isZero();
        assertThat(redis.exists("cmd:zero")).isTrue();
        assertThat(redis.get("cmd:zero")).isEqualTo("0");
        assertThat(redis.incrBy("cmd:max", Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        error(() -> redis.incr("cmd:max"), "ERR increment or decrement would overflow");
        assertThat(redis.get("cmd:max")).isEqualTo(Long.toString(Long.MAX_VALUE));
        assertThat(redis.decrBy("cmd:min", Long.MAX_VALUE)).isEqualTo(-Long.MAX_VALUE);
        error(() -> redis.decrBy("cmd:min", 2), "ERR increment or decrement would overflow");
        error(() -> raw("DECRBY", "cmd:min", "-9223372036854775808"), "ERR decrement would overflow");
        for (String bad : List.of("1.5", "+1", " 1", "01", "", "9223372036854775808", "abc", "-0")) {
            error(() -> raw("INCRBY", "cmd:c", bad), "ERR value is not an integer or out of range");
        }
        assertThat(redis.get("cmd:c")).isEqualTo("-10");
        error(() -> raw("INCR"), "ERR wrong number of arguments for 'incr' command");
        error(() -> raw("INCRBY", "cmd:c"), "ERR wrong number of arguments for 'incrby' command");
        error(() -> raw("GET", "a", "b"), "ERR wrong number of arguments for 'get' command");
    }

    @Test
    void registersAreLastWriterWinsAndRefuseOptionsWithoutCrdtMeaning() {
        assertThat(redis.get("cmd:r")).isNull();
        assertThat(redis.set("cmd:r", "one")).isEqualTo("OK");
        assertThat(redis.set("cmd:r", "two")).isEqualTo("OK");
        assertThat(redis.get("cmd:r")).isEqualTo("two");
        assertThat(redis.set("cmd:empty", "")).isEqualTo("OK");
        assertThat(redis.get("cmd:empty")).isEmpty();
        byte[] binary = {0, 1, 2, (byte) 0xff, '\r', '\n'};
        redis.set("cmd:bin".getBytes(java.nio.charset.StandardCharsets.UTF_8), binary);
        assertThat(redis.get("cmd:bin".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(binary);
        for (String option : List.of("NX", "XX", "EX", "PX", "GET", "KEEPTTL")) {
            assertThatThrownBy(() -> raw("SET", "cmd:r", "v", option, "10")).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("ERR SET options (NX, XX, GET, EX, PX, EXAT, PXAT, KEEPTTL) are not supported");
        }
        assertThat(redis.get("cmd:r")).isEqualTo("two");
        redis.incr("cmd:r-counter");
        assertThat(redis.mget("cmd:r", "cmd:r-counter", "cmd:none")).containsExactly("two", "1", null);
        redis.sadd("cmd:r-set", "x");
        assertThat(redis.mget("cmd:r-set", "cmd:r")).containsExactly(null, "two");
        error(() -> raw("SET", "cmd:r"), "ERR wrong number of arguments for 'set' command");
    }

    @Test
    void msetSetsEveryRegisterOrNoneKeysListsExistingMatchesSmismemberAnswersPerElement() {
        String wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
        assertThat(redis.mset("cmd:ms:a", "1", "cmd:ms:b", "2", "cmd:ms:a", "3")).isEqualTo("OK");
        assertThat(redis.mget("cmd:ms:a", "cmd:ms:b")).as("a key named twice takes its last value").containsExactly("3", "2");
        redis.incr("cmd:ms:counter");
        error(() -> redis.mset("cmd:ms:c", "x", "cmd:ms:counter", "y"), wrongType);
        assertThat(redis.exists("cmd:ms:c")).as("an MSET refused for one key sets none").isFalse();
        String tooLarge = "v".repeat(1_500_000); // within the 2 MiB argument limit, past the 1 MiB a delta may have
        assertThatThrownBy(() -> redis.mset("cmd:ms:c", "x", "cmd:ms:large", tooLarge))
                .isInstanceOf(JedisDataException.class).hasMessageContaining("more than maxBatchBytes");
        assertThat(redis.exists("cmd:ms:c")).as("an MSET with a value too large to replicate sets none").isFalse();
        assertThatThrownBy(() -> redis.mset("cmd:ms:c", "x", "\0converge/members", "y"))
                .isInstanceOf(JedisDataException.class).hasMessageContaining("is reserved for the cluster's own documents");
        assertThat(redis.exists("cmd:ms:c")).as("an MSET naming a reserved key sets none").isFalse();
        error(() -> raw("MSET", "cmd:ms:a"), "ERR wrong number of arguments for 'mset' command");
        error(() -> raw("MSET", "cmd:ms:a", "1", "cmd:ms:b"), "ERR wrong number of arguments for 'mset' command");
        assertThat(redis.get("cmd:ms:a")).isEqualTo("3");
        redis.del("cmd:ms:b");
        assertThat(redis.keys("cmd:ms:*")).containsExactlyInAnyOrder("cmd:ms:a", "cmd:ms:counter");
        assertThat(redis.keys("cmd:ms:?")).containsExactly("cmd:ms:a");
        assertThat(redis.keys("cmd:nothing-like-this:*")).isEmpty();
        assertThat(redis.keys("*")).contains("cmd:ms:a", "cmd:ms:counter").doesNotContain("cmd:ms:b");
        error(() -> redis.keys("*".repeat(1025)), "ERR KEYS pattern longer than 1024 bytes");
        redis.sadd("cmd:ms:set", "x", "z");
        assertThat(redis.smismember("cmd:ms:set", "x", "y", "z")).containsExactly(true, false, true);
        assertThat(redis.smismember("cmd:ms:none", "x")).containsExactly(false);
        error(() -> redis.smismember("cmd:ms:a", "x"), wrongType);
        error(() -> raw("SMISMEMBER", "cmd:ms:set"), "ERR wrong number of arguments for 'smismember' command");
    }

    /**
     * KEYS runs on the thread DBSIZE and SCAN share: a long pattern over long keys is refused once
     * its matching work passes the bound, rather than holding that thread. Six keys of 200 KiB
     * against a 1 KiB pattern are past it (the pattern fails at its first byte, so the test is
     * quick: the bound counts pattern × key bytes, as for SCAN).
     */
    @Test
    void keysWithALongPatternOverLongKeysIsRefusedPastItsMatchingBound() {
        String longPattern = "q" + "*".repeat(1_023);
        List<String> big = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            big.add("cmd:keys-big-" + i + ":" + "x".repeat(200 << 10));
        }
        try {
            for (String k : big) {
                redis.set(k, "v");
            }
            assertThatThrownBy(() -> redis.keys(longPattern)).isInstanceOf(JedisDataException.class)
                    .hasMessageStartingWith("ERR KEYS would match its pattern against more than " + RedisCommands.MAX_KEYS_MATCH_STEPS);
            assertThat(redis.keys("cmd:keys-big-0:*")).as("a short pattern over the same keys").hasSize(1);
        } finally {
            redis.del(big.toArray(new String[0]));
        }
    }

    @Test
    void aKeyKeepsItsTypeEveryOtherTypeGetsWrongType() {
        String wrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
        redis.set("cmd:t-register", "v");
        redis.incr("cmd:t-counter");
        redis.sadd("cmd:t-set", "a");
        redis.hset("cmd:t-hash", "f", "v");
        error(() -> redis.incr("cmd:t-register"), wrongType);
        error(() -> redis.set("cmd:t-counter", "v"), wrongType);
        error(() -> redis.sadd("cmd:t-register", "a"), wrongType);
        error(() -> redis.smembers("cmd:t-hash"), wrongType);
        error(() -> redis.sismember("cmd:t-counter", "a"), wrongType);
        error(() -> redis.scard("cmd:t-register"), wrongType);
        error(() -> redis.hset("cmd:t-set", "f", "v"), wrongType);
        error(() -> redis.hget("cmd:t-register", "f"), wrongType);
        error(() -> redis.hgetAll("cmd:t-set"), wrongType);
        error(() -> redis.hincrBy("cmd:t-counter", "f", 1), wrongType);
        error(() -> redis.get("cmd:t-set"), wrongType);
        error(() -> redis.get("cmd:t-hash"), wrongType);
        assertThat(redis.type("cmd:t-register")).isEqualTo("string");
        assertThat(redis.type("cmd:t-counter")).isEqualTo("string");
        assertThat(redis.type("cmd:t-set")).isEqualTo("set");
        assertThat(redis.type("cmd:t-hash")).isEqualTo("hash");
        assertThat(redis.type("cmd:t-none")).isEqualTo("none");
    }

    @Test
    void setsAddRemoveAndAnswer() {
        assertThat(redis.sadd("cmd:s", "a", "b", "c", "a")).isEqualTo(3);
        assertThat(redis.sadd("cmd:s", "c", "d")).isEqualTo(1);
        assertThat(redis.smembers("cmd:s")).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(redis.sismember("cmd:s", "a")).isTrue();
        assertThat(redis.sismember("cmd:s", "z")).isFalse();
        assertThat(redis.scard("cmd:s")).isEqualTo(4);
        assertThat(redis.srem("cmd:s", "a", "z", "a")).isEqualTo(1);
        assertThat(redis.smembers("cmd:s")).containsExactlyInAnyOrder("b", "c", "d");
        assertThat(redis.smembers("cmd:s-none")).isEmpty();
        assertThat(redis.scard("cmd:s-none")).isZero();
        assertThat(redis.srem("cmd:s-none", "a")).isZero();
        error(() -> raw("SADD", "cmd:s"), "ERR wrong number of arguments for 'sadd' command");
        error(() -> raw("SISMEMBER", "cmd:s"), "ERR wrong number of arguments for 'sismember' command");
    }

    @Test
    void hashesHoldRegisterAndCounterFields() {
        assertThat(redis.hset("cmd:h", Map.of("name", "ada", "city", "London"))).isEqualTo(2);
        assertThat(redis.hset("cmd:h", "city", "Paris")).isZero();
        assertThat(redis.hincrBy("cmd:h", "zero", 0)).isZero();
        assertThat(redis.hget("cmd:h", "zero")).as("HINCRBY 0 creates the field, as in Redis").isEqualTo("0");
        assertThat(redis.hdel("cmd:h", "zero")).isEqualTo(1);
        assertThat(redis.hincrBy("cmd:h", "logins", 2)).isEqualTo(2);
        assertThat(redis.hincrBy("cmd:h", "logins", -5)).isEqualTo(-3);
        assertThat(redis.hget("cmd:h", "city")).isEqualTo("Paris");
        assertThat(redis.hget("cmd:h", "logins")).isEqualTo("-3");
        assertThat(redis.hget("cmd:h", "none")).isNull();
        assertThat(redis.hgetAll("cmd:h")).isEqualTo(Map.of("name", "ada", "city", "Paris", "logins", "-3"));
        assertThat(redis.hkeys("cmd:h")).containsExactlyInAnyOrder("name", "city", "logins");
        assertThat(redis.hvals("cmd:h")).containsExactlyInAnyOrder("ada", "Paris", "-3");
        assertThat(redis.hlen("cmd:h")).isEqualTo(3);
        assertThat(redis.hexists("cmd:h", "name")).isTrue();
        assertThat(redis.hmget("cmd:h", "name", "none", "logins")).containsExactly("ada", null, "-3");
        assertThat(redis.hdel("cmd:h", "name", "none")).isEqualTo(1);
        assertThat(redis.hlen("cmd:h")).isEqualTo(2);
        assertThat(text(raw("HMSET", "cmd:h", "a", "1"))).isEqualTo("OK");
        error(() -> redis.hincrBy("cmd:h", "city", 1), "ERR hash value is not an integer");
        assertThatThrownBy(() -> redis.hset("cmd:h", "logins", "x")).isInstanceOf(JedisDataException.class)
                .hasMessageStartingWith("WRONGTYPE hash field holds a counter");
        // After HDEL the field takes another kind.
        redis.hdel("cmd:h", "logins");
        assertThat(redis.hset("cmd:h", "logins", "many")).isEqualTo(1);
        assertThat(redis.hgetAll("cmd:h-none")).isEmpty();
        assertThat(redis.hlen("cmd:h-none")).isZero();
        error(() -> raw("HSET", "cmd:h", "f"), "ERR wrong number of arguments for 'hset' command");
        error(() -> raw("HSET", "cmd:h", "f", "v", "g"), "ERR wrong number of arguments for 'hset' command");
        error(() -> raw("HINCRBY", "cmd:h", "n", "x"), "ERR value is not an integer or out of range");
    }

    @Test
    void delExistsAndTypeFollowDeletion() {
        redis.set("cmd:d1", "v");
        redis.incr("cmd:d2");
        redis.sadd("cmd:d3", "a");
        redis.hset("cmd:d4", "f", "v");
        assertThat(redis.exists("cmd:d1", "cmd:d2", "cmd:d3", "cmd:d4", "cmd:d-none", "cmd:d1")).isEqualTo(5);
        assertThat(redis.del("cmd:d1", "cmd:d2", "cmd:d3", "cmd:d4", "cmd:d-none", "cmd:d1")).isEqualTo(4);
        assertThat(redis.exists("cmd:d1", "cmd:d2", "cmd:d3", "cmd:d4")).isZero();
        assertThat(redis.type("cmd:d1")).isEqualTo("none");
        assertThat(redis.get("cmd:d1")).isNull();
        assertThat(redis.get("cmd:d2")).isNull();
        assertThat(redis.smembers("cmd:d3")).isEmpty();
        assertThat(redis.hgetAll("cmd:d4")).isEmpty();
        // Read as another type, a deleted key shows nothing, as an absent one would in Redis.
        assertThat(redis.get("cmd:d3")).isNull();
        assertThat(redis.smembers("cmd:d2")).isEmpty();
        assertThat(redis.hgetAll("cmd:d3")).isEmpty();
        assertThat(redis.scard("cmd:d4")).isZero();
        // A deleted counter starts over; a deleted key keeps its type until the deletion is collected (README).
        assertThat(redis.incr("cmd:d2")).isEqualTo(1);
        error(() -> redis.incr("cmd:d1"), "WRONGTYPE Operation against a key holding the wrong kind of value");
        assertThat(raw("UNLINK", "cmd:d2")).isEqualTo(1L);
        // A reserved key refuses the whole DEL before anything is deleted.
        redis.set("cmd:d5", "v");
        assertThatThrownBy(() -> raw("DEL", "cmd:d5", "\u0000converge/members")).isInstanceOf(JedisDataException.class)
                .hasMessageContaining("is reserved for the cluster's own documents");
        assertThat(redis.exists("cmd:d5")).isTrue();
        // A key named twice counts once, as in Redis.
        assertThat(raw("DEL", "cmd:d5", "cmd:d5", "cmd:none")).isEqualTo(1L);
    }

    @Test
    void scanVisitsEveryExistingKeyWithNumericCursors() {
        Set<String> written = new HashSet<>();
        var p = redis.pipelined();
        for (int i = 0; i < 300; i++) {
            p.set("scan:" + i, "v");
            written.add("scan:" + i);
        }
        p.sadd("scan:set", "x");
        p.sync();
        redis.del("scan:0");
        written.remove("scan:0");
        Set<String> seen = new HashSet<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        int calls = 0;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match("scan:[0-9]*").count(37));
            assertThat(page.getCursor()).matches("[0-9]+");
            seen.addAll(page.getResult());
            cursor = page.getCursor();
            calls++;
        } while (!cursor.equals("0") && calls < 10_000);
        assertThat(seen).isEqualTo(written);
        assertThat(calls).isGreaterThan(1);
        List<String> sets = new ArrayList<>();
        cursor = "0";
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match("scan:*").count(1000), "set");
            sets.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals("0"));
        assertThat(sets).containsExactly("scan:set");
        error(() -> redis.scan("notanumber"), "ERR invalid cursor");
        error(() -> raw("SCAN", "0", "COUNT", "0"), "ERR syntax error");
        error(() -> raw("SCAN", "0", "BOGUS", "1"), "ERR syntax error");
        assertThat(redis.dbSize()).isGreaterThanOrEqualTo(written.size() + 1);
    }

    /** MATCH costs up to pattern × key length per key: a call stops early rather than hold its event loop. */
    @Test
    void scanMatchOverLongKeysAnswersInSeveralCallsAndLongPatternsAreRefused() {
        String tail = "x".repeat(990);
        Set<String> longKeys = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            String key = "scanlong:" + i + "x".repeat(20_000);
            redis.set(key, "v");
            longKeys.add(key);
        }
        redis.set("scanlong:short", "v");
        Set<String> seen = new HashSet<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        int calls = 0;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match("scanlong:*" + tail).count(10_000));
            assertThat(page.getResult()).as("matching one 20 KB key with a 1,000-byte pattern spends a call's budget").hasSizeLessThanOrEqualTo(1);
            seen.addAll(page.getResult());
            cursor = page.getCursor();
            calls++;
        } while (!cursor.equals("0") && calls < 10_000);
        assertThat(seen).isEqualTo(longKeys);
        error(() -> redis.scan("0", new ScanParams().match("*".repeat(1_025))), "ERR MATCH pattern longer than 1024 bytes");
    }

    @Test
    void connectionCommandsAnswerAsRedisDoes() {
        assertThat(redis.ping()).isEqualTo("PONG");
        assertThat(text(raw("PING", "hello"))).isEqualTo("hello");
        assertThat(redis.echo("echo me")).isEqualTo("echo me");
        assertThat(redis.select(0)).isEqualTo("OK");
        error(() -> redis.select(1), "ERR DB index is out of range");
        assertThat(redis.clientSetname("tester")).isEqualTo("OK");
        assertThat(redis.clientGetname()).isEqualTo("tester");
        List<Object> hello = new ArrayList<>((List<?>) raw("HELLO", "2"));
        assertThat(text(hello.get(0))).isEqualTo("server");
        assertThat(hello).contains(2L);
        assertThatThrownBy(() -> raw("HELLO", "3")).hasMessageStartingWith("NOPROTO");
        assertThatThrownBy(() -> raw("FLUSHALL")).isInstanceOf(JedisDataException.class)
                .hasMessage("ERR unknown command 'FLUSHALL', with args beginning with: ");
        assertThatThrownBy(() -> raw("NOSUCH", "a\r\nb", "c")).isInstanceOf(JedisDataException.class)
                .hasMessage("ERR unknown command 'NOSUCH', with args beginning with: 'a\\x0d\\x0ab' 'c' ");
        List<?> config = (List<?>) raw("CONFIG", "GET", "save");
        assertThat(config).hasSize(2);
        assertThatThrownBy(() -> raw("CONFIG", "SET", "save", "")).hasMessageStartingWith("ERR CONFIG SET is not supported");
        assertThat(raw("COMMAND", "COUNT")).isInstanceOf(Long.class);
    }

    @Test
    void infoReportsServerReplicationKeyspaceAndMemory() {
        redis.incr("cmd:info");
        String info = redis.info();
        assertThat(info).contains("# Server", "redis_version:", "converge_node_id:node-1", "converge_replica_id:",
                "# Clients", "connected_clients:", "# Memory", "used_memory:", "converge_cache_hit_rate:",
                "# Replication", "role:master", "converge_connected_peers:", "peer0:replica=", "lag_ms=",
                "# Keyspace", "db0:keys=");
        assertThat(redis.info("replication")).contains("# Replication").doesNotContain("# Server");
        assertThat(redis.info("server")).contains("uptime_in_seconds:").doesNotContain("# Replication");
    }

    @Test
    void waitCountsThePeersThatAcknowledgedThisConnectionsWrites() {
        redis.incr("cmd:wait");
        assertThat(redis.waitReplicas(2, 10_000)).isEqualTo(2);
        long start = System.nanoTime();
        // Only two peers exist: asking for three waits the timeout and says two.
        assertThat(redis.waitReplicas(3, 300)).isEqualTo(2);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(250);
        error(() -> raw("WAIT", "1", "-1"), "ERR timeout is negative");
        error(() -> raw("WAIT", "x", "1"), "ERR value is not an integer or out of range");
        assertThat(Protocol.Command.WAIT).isNotNull();
    }

    @Test
    void membersListTheClusterAndRemovalIsFinalAndChecked() {
        Object members = raw("CONVERGE.MEMBERS");
        assertThat((java.util.List<?>) members).as("the three nodes of the shared cluster").hasSize(3).allSatisfy(row -> {
            java.util.List<?> fields = (java.util.List<?>) row;
            assertThat(text(fields.get(0))).matches("[0-9a-f]{16}");
            assertThat(text(fields.get(1))).startsWith("127.0.0.1:");
        });
        assertThat(((java.util.List<?>) members).stream().map(row -> text(((java.util.List<?>) row).get(2))))
                .containsExactlyInAnyOrder("self", "member", "member");
        // A replica id no node has: removing it harms nothing, and it stays removed.
        assertThat(raw("CONVERGE.REMOVE", "00000000000000aa")).isEqualTo("OK".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(raw("CONVERGE.REMOVE", "00000000000000aa"))
                .isEqualTo("ALREADY REMOVED".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        error(() -> raw("CONVERGE.REMOVE", "node-2"), "ERR not a replica id (16 hex digits, as CONVERGE.MEMBERS shows)");
        error(() -> raw("SADD", "\u0000converge/removed", "x"),
                "ERR key 0x00636f6e76657267652f72656d6f766564 is reserved for the cluster's own documents (they start with "
                        + "0x00636f6e76657267652f)");
    }

    /** A client that disconnects during WAIT leaves no waiter behind (it would wait out its timeout, here forever). */
    @Test
    void aWaitWhoseClientDisconnectsStopsWaiting() throws Exception {
        assertThat(blockedClients()).isZero();
        Jedis waiting = SharedCluster.get().client(1);
        Thread blocked = new Thread(() -> {
            try {
                waiting.waitReplicas(5, 0); // five peers: more than the cluster has, and no timeout
            } catch (RuntimeException closedUnderIt) {
                // the test closes the connection while it waits
            }
        });
        blocked.start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (blockedClients() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(blockedClients()).as("the WAIT is waiting").isEqualTo(1);
        } finally {
            waiting.close();
            blocked.join(10_000);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (blockedClients() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(blockedClients()).as("waiting once its client is gone").isZero();
    }

    /** HSET of several fields is one write: a field of another kind fails it whole, and nothing of it is set. */
    @Test
    void hsetOfSeveralFieldsSetsAllOrNone() {
        redis.hincrBy("cmd:all-or-none", "n", 1);
        assertThatThrownBy(() -> raw("HSET", "cmd:all-or-none", "a", "1", "n", "x")).isInstanceOf(JedisDataException.class)
                .hasMessageStartingWith("WRONGTYPE hash field holds a counter");
        assertThat(redis.hget("cmd:all-or-none", "a")).as("a field of the failed HSET").isNull();
        assertThat(redis.hset("cmd:all-or-none", Map.of("a", "1", "b", "2"))).isEqualTo(2);
        assertThat((Long) raw("HSET", "cmd:all-or-none", "c", "1", "c", "2", "a", "3")).as("new fields, one named twice").isEqualTo(1);
        assertThat(redis.hmget("cmd:all-or-none", "a", "b", "c", "n")).containsExactly("3", "2", "2", "1");
        assertThat(redis.hdel("cmd:all-or-none", "a", "a", "b", "none")).isEqualTo(2);
        assertThat(redis.hkeys("cmd:all-or-none")).containsExactlyInAnyOrder("c", "n");
    }

    /**
     * MGET may name one large value as often as it likes: a reply past the node's limit (a quarter
     * of its heap, here 64 MiB) is refused with a clear error instead of taking the node's memory;
     * smaller ones are answered whole, and the node goes on.
     */
    @Test
    void anMgetReplyLargerThanTheLimitIsRefusedAndTheNodeGoesOn() {
        byte[] key = "cmd:large".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] value = new byte[1_000_000];
        java.util.Arrays.fill(value, (byte) 'v');
        redis.set(key, value);
        byte[][] many = new byte[400][];
        java.util.Arrays.fill(many, key);
        assertThatThrownBy(() -> redis.mget(many)).isInstanceOf(JedisDataException.class)
                .hasMessageStartingWith("ERR reply of 400000000 bytes exceeds the limit of");
        byte[][] some = new byte[20][];
        java.util.Arrays.fill(some, key);
        assertThat(redis.mget(some)).hasSize(20).allSatisfy(v -> assertThat(v).isEqualTo(value));
        assertThat(redis.ping()).isEqualTo("PONG");
    }

    private long blockedClients() {
        for (String line : redis.info("clients").split("\r\n")) {
            if (line.startsWith("blocked_clients:")) {
                return Long.parseLong(line.substring("blocked_clients:".length()));
            }
        }
        throw new AssertionError("INFO clients has no blocked_clients");
    }
}
