package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.converge.crdt.port.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Hostile and unauthenticated clients against a real node process: each gets an error or a
 * closed connection, never the node's memory, and a well-behaved client on the same node keeps
 * being served throughout.
 */
@ExtendWith(SharedCluster.class)
class RedisRobustnessTest {

    private Jedis bystander;

    @BeforeEach
    void connect() {
        bystander = SharedCluster.get().client(1);
    }

    @AfterEach
    void bystanderStillServed() {
        assertThat(bystander.ping()).isEqualTo("PONG");
        assertThat(bystander.incr("robust:bystander")).isPositive();
        bystander.close();
    }

    private Endpoint redis() {
        return SharedCluster.get().member(1).redis();
    }

    /** What the node answers to {@code bytes} (after AUTH when {@code auth}), and whether it closed the connection. */
    private record Outcome(String reply, boolean closed) {
    }

    private Outcome send(boolean auth, byte[]... chunks) throws IOException {
        try (Socket s = new Socket(redis().host(), redis().port())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            if (auth) {
                out.write(("*2\r\n$4\r\nAUTH\r\n$" + SharedCluster.PASSWORD.length() + "\r\n" + SharedCluster.PASSWORD + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(readLine(in)).isEqualTo("+OK");
            }
            try {
                for (byte[] c : chunks) {
                    out.write(c);
                }
                out.flush();
            } catch (IOException e) {
                // The node closed on us while we were still sending: that is an answer too.
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            boolean closed = false;
            try {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    reply.write(buf, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException e) {
                closed = false;
            } catch (IOException e) {
                closed = true; // reset
            }
            return new Outcome(reply.toString(StandardCharsets.ISO_8859_1), closed);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void garbageGetsAProtocolErrorAndTheConnectionCloses() throws IOException {
        Outcome o = send(true, ascii("*abc\r\n"));
        assertThat(o.reply()).startsWith("-ERR Protocol error");
        assertThat(o.closed()).isTrue();
        o = send(true, ascii("*1\r\n:5\r\n"));
        assertThat(o.reply()).startsWith("-ERR Protocol error: expected '$'");
        assertThat(o.closed()).isTrue();
        o = send(true, ascii("*2\r\n$3\r\nGETxx\r\n"));
        assertThat(o.reply()).startsWith("-ERR Protocol error");
        assertThat(o.closed()).isTrue();
        // Random binary without a line end: refused once it is longer than an inline command may be.
        byte[] random = new byte[256 << 10];
        new Random(7).nextBytes(random);
        for (int i = 0; i < random.length; i++) {
            if (random[i] == '\n' || random[i] == '*' || random[i] == '$') {
                random[i] = 'x';
            }
        }
        o = send(true, random);
        assertThat(o.closed()).isTrue();
        assertThat(o.reply()).satisfiesAnyOf(r -> assertThat(r).isEmpty(), r -> assertThat(r).startsWith("-ERR Protocol error"));
    }

    @Test
    void aOneGibibyteBulkLengthIsRefusedFromItsHeader() throws IOException {
        Outcome o = send(true, ascii("*2\r\n$3\r\nGET\r\n$1073741824\r\n"), new byte[1024]);
        assertThat(o.reply()).startsWith("-ERR Protocol error");
        assertThat(o.closed()).isTrue();
        // Below Netty's own 512 MiB ceiling, our limit (2 MiB) refuses it.
        o = send(true, ascii("*2\r\n$3\r\nGET\r\n$104857600\r\n"), new byte[1024]);
        assertThat(o.reply()).startsWith("-ERR Protocol error: invalid bulk length 104857600 (limit 2097152 bytes)");
        assertThat(o.closed()).isTrue();
    }

    @Test
    void aMillionArgumentsAreRefusedFromTheArrayHeader() throws IOException {
        Outcome o = send(true, ascii("*1000000\r\n$3\r\nGET\r\n"));
        assertThat(o.reply()).startsWith("-ERR Protocol error: invalid multibulk length 1000000 (limit 65536 arguments)");
        assertThat(o.closed()).isTrue();
        // Actually sending them: refused just the same, from the header, whatever follows.
        ByteArrayOutputStream many = new ByteArrayOutputStream();
        many.writeBytes(ascii("*1000000\r\n$4\r\nSADD\r\n$1\r\nk\r\n"));
        byte[] arg = ascii("$1\r\nx\r\n");
        for (int i = 0; i < 200_000; i++) {
            many.writeBytes(arg);
        }
        o = send(true, many.toByteArray());
        assertThat(o.reply()).startsWith("-ERR Protocol error: invalid multibulk length");
        assertThat(o.closed()).isTrue();
    }

    @Test
    void beforeAuthEveryCommandIsRefusedAndRequestsAreSmall() throws IOException {
        try (Jedis anonymous = SharedCluster.get().anonymous(1)) {
            assertThatThrownBy(anonymous::ping).isInstanceOf(JedisDataException.class).hasMessage("NOAUTH Authentication required.");
            assertThatThrownBy(() -> anonymous.get("x")).hasMessage("NOAUTH Authentication required.");
            assertThatThrownBy(() -> anonymous.sendCommand(() -> ascii("CONVERGE.PARTITION")))
                    .hasMessage("NOAUTH Authentication required.");
            assertThatThrownBy(() -> anonymous.auth("wrong")).hasMessage("WRONGPASS invalid username-password pair or user is disabled.");
            assertThatThrownBy(() -> anonymous.auth("someone", SharedCluster.PASSWORD))
                    .hasMessage("WRONGPASS invalid username-password pair or user is disabled.");
            assertThat(anonymous.auth("default", SharedCluster.PASSWORD)).isEqualTo("OK");
            assertThat(anonymous.ping()).isEqualTo("PONG");
        }
        try (Jedis hello = SharedCluster.get().anonymous(2)) {
            assertThatThrownBy(() -> hello.sendCommand(() -> ascii("HELLO"), ascii("2"))).hasMessageStartingWith("NOAUTH HELLO");
            Object reply = hello.sendCommand(() -> ascii("HELLO"), ascii("2"), ascii("AUTH"), ascii("default"),
                    ascii(SharedCluster.PASSWORD));
            assertThat(reply).isInstanceOf(java.util.List.class);
            assertThat(hello.ping()).isEqualTo("PONG");
        }
        // Before AUTH a client may not send more than 10 arguments or 16 KiB in one.
        Outcome o = send(false, ascii("*11\r\n"));
        assertThat(o.reply()).startsWith("-ERR Protocol error: invalid multibulk length 11 (limit 10 arguments before AUTH)");
        o = send(false, ascii("*2\r\n$4\r\nAUTH\r\n$20000\r\n"));
        assertThat(o.reply()).startsWith("-ERR Protocol error: invalid bulk length 20000 (limit 16384 bytes before AUTH)");
    }

    @Test
    void beforeAuthNoCommandReadsOrWritesAnything() throws IOException {
        try (Jedis owner = SharedCluster.get().client(1)) {
            owner.set("auth:register", "classified");
            owner.sadd("auth:set", "member");
            owner.hset("auth:hash", "field", "value");
            owner.incrBy("auth:counter", 41);
        }
        List<List<String>> commands = List.of(
                // reads
                List.of("GET", "auth:register"), List.of("MGET", "auth:register", "auth:counter"), List.of("EXISTS", "auth:register"),
                List.of("TYPE", "auth:register"), List.of("SCAN", "0"), List.of("DBSIZE"), List.of("INFO"), List.of("INFO", "keyspace"),
                List.of("SMEMBERS", "auth:set"), List.of("SISMEMBER", "auth:set", "member"), List.of("SCARD", "auth:set"),
                List.of("SMISMEMBER", "auth:set", "member"), List.of("KEYS", "auth:*"),
                List.of("HGET", "auth:hash", "field"), List.of("HMGET", "auth:hash", "field"), List.of("HGETALL", "auth:hash"),
                List.of("HKEYS", "auth:hash"), List.of("HVALS", "auth:hash"), List.of("HLEN", "auth:hash"),
                List.of("HEXISTS", "auth:hash", "field"), List.of("CONVERGE.DIGEST"), List.of("WAIT", "0", "0"),
                List.of("CONFIG", "GET", "*"), List.of("CLIENT", "LIST"), List.of("CLIENT", "ID"), List.of("COMMAND"),
                List.of("ECHO", "x"), List.of("SELECT", "0"),
                // writes
                List.of("SET", "auth:register", "overwritten"), List.of("SET", "auth:new", "x"), List.of("INCR", "auth:counter"),
                List.of("INCRBY", "auth:counter", "100"), List.of("DECR", "auth:counter"), List.of("DECRBY", "auth:counter", "5"),
                List.of("SADD", "auth:set", "intruder"), List.of("SREM", "auth:set", "member"), List.of("HSET", "auth:hash", "field", "x"),
                List.of("HMSET", "auth:hash", "other", "y"), List.of("HDEL", "auth:hash", "field"), List.of("HINCRBY", "auth:hash", "n", "1"),
                List.of("DEL", "auth:register"), List.of("UNLINK", "auth:set"), List.of("MSET", "auth:register", "x", "auth:other", "y"),
                // administration, unknown commands, wrong arities: nothing tells them apart before AUTH
                List.of("CONVERGE.PARTITION"), List.of("CONVERGE.HEAL"), List.of("FLUSHALL"), List.of("GET"));
        StringBuilder resp = new StringBuilder();
        StringBuilder inline = new StringBuilder();
        for (List<String> c : commands) {
            resp.append('*').append(c.size()).append("\r\n");
            for (String a : c) {
                resp.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
            }
            inline.append(String.join(" ", c)).append("\r\n");
        }
        String refusals = "-NOAUTH Authentication required.\r\n".repeat(commands.size());
        for (StringBuilder pipeline : List.of(resp, inline)) {
            try (Socket s = new Socket(redis().host(), redis().port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(ascii(pipeline.toString()));
                s.getOutputStream().flush();
                byte[] reply = s.getInputStream().readNBytes(refusals.length());
                assertThat(new String(reply, StandardCharsets.ISO_8859_1)).isEqualTo(refusals);
                // The connection stays usable for AUTH, and nothing else was queued behind the refusals.
                s.getOutputStream().write(ascii("PING\r\n"));
                assertThat(readLine(s.getInputStream())).isEqualTo("-NOAUTH Authentication required.");
            }
        }
        try (Jedis owner = SharedCluster.get().client(1); Jedis peer = SharedCluster.get().client(2)) {
            assertThat(owner.get("auth:register")).isEqualTo("classified");
            assertThat(owner.smembers("auth:set")).containsExactly("member");
            assertThat(owner.hgetAll("auth:hash")).isEqualTo(Map.of("field", "value"));
            assertThat(owner.get("auth:counter")).isEqualTo("41");
            assertThat(owner.exists("auth:new")).isFalse();
            assertThat(owner.exists("auth:other")).isFalse();
            // CONVERGE.PARTITION did not run: node 1 still replicates.
            owner.incr("auth:replicated");
            Eventually.equal("a write on node 1 seen on node 2", () -> peer.get("auth:replicated"), "1");
        }
    }

    @Test
    void inlineCommandsWorkForTelnetUsers() throws IOException {
        Outcome o = send(true, ascii("PING\r\nECHO \"two words\"\r\nQUIT\r\n"));
        assertThat(o.reply()).isEqualTo("+PONG\r\n$9\r\ntwo words\r\n+OK\r\n");
        assertThat(o.closed()).isTrue();
        o = send(true, ascii("ECHO \"unbalanced\r\n"));
        assertThat(o.reply()).startsWith("-ERR Protocol error: unbalanced quotes");
        // Lines ended by a bare LF, as `printf ... | nc` sends them, are taken as Redis takes them.
        o = send(false, ascii("AUTH " + SharedCluster.PASSWORD + "\nPING\nECHO \"two words\"\r\nQUIT\n"));
        assertThat(o.reply()).isEqualTo("+OK\r\n+PONG\r\n$9\r\ntwo words\r\n+OK\r\n");
        assertThat(o.closed()).isTrue();
    }

    @Test
    void aClientThatNeverReadsItsRepliesIsPausedNotBuffered() throws IOException {
        try (Socket s = new Socket(redis().host(), redis().port())) {
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write(("*2\r\n$4\r\nAUTH\r\n$" + SharedCluster.PASSWORD.length() + "\r\n" + SharedCluster.PASSWORD + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // Ask for a 100 KiB value again and again without reading: the node stops reading this
            // client once its unsent replies pass the output bound, and our writes then block.
            try (Jedis setup = SharedCluster.get().client(1)) {
                setup.set("robust:big", "x".repeat(100 << 10));
            }
            byte[] get = ascii("*2\r\n$3\r\nGET\r\n$10\r\nrobust:big\r\n");
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 2_000_000; i++) {
                        out.write(get);
                    }
                } catch (IOException ignored) {
                    // closed at the end of the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            writer.join(3_000);
            // 2,000,000 replies would be 200 GB: the writer must be stuck, the node is not.
            assertThat(writer.isAlive()).as("the node pushed back on a client that does not read").isTrue();
            assertThat(bystander.get("robust:big")).hasSize(100 << 10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A write at the head of a pipeline, its reply pending, then commands that need not wait for
     * it ({@code ECHO}, 60 KB each, under the node-wide large-reply mark): once the write
     * completes, their replies go out only as fast as the client takes them, never all into the
     * node's write buffer (about 8 MiB of them here, the per-client bound on unanswered arguments,
     * before the fix). The client reads nothing and has a small receive buffer.
     */
    @Test
    void repliesReadyBehindAWriteWaitForAClientThatDoesNotRead() throws IOException, InterruptedException {
        String echo = "*2\r\n$4\r\nECHO\r\n$60000\r\n" + "e".repeat(60_000) + "\r\n";
        // The write at the head: 1,000 registers of 1,000 bytes in one MSET, a few milliseconds to commit.
        StringBuilder mset = new StringBuilder("*2001\r\n$4\r\nMSET\r\n");
        for (int i = 0; i < 1_000; i++) {
            String key = "robust:before:" + i;
            mset.append('$').append(key.length()).append("\r\n").append(key).append("\r\n$1000\r\n").append("v".repeat(1_000)).append("\r\n");
        }
        byte[] pipeline = ("*2\r\n$4\r\nAUTH\r\n$" + SharedCluster.PASSWORD.length() + "\r\n" + SharedCluster.PASSWORD + "\r\n"
                + mset + echo.repeat(150)).getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress(redis().host(), redis().port()));
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(pipeline);
                } catch (IOException ignored) {
                    // the node stops reading past its per-client bound; closed at the end of the test
                }
            });
            writer.setDaemon(true);
            writer.start();
            long most = 0;
            for (int i = 0; i < 30; i++) {
                Thread.sleep(100);
                most = Math.max(most, infoField(bystander.info("memory"), "mem_clients_normal"));
            }
            assertThat(most).as("reply bytes the node buffered for clients").isPositive().isLessThan(1L << 20);
        }
        assertThat(bystander.get("robust:before:999")).hasSize(1_000);
    }

    private static long infoField(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":")).mapToLong(l -> Long.parseLong(l.substring(name.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("INFO has no " + name + ":\n" + info));
    }

    /**
     * Large replies a client never reads are bounded for the whole node, not per client: once
     * they pass the node's reply limit, another large reply is refused until the first is read or
     * its client gone. Small replies always go.
     */
    @Test
    void largeRepliesNobodyReadsAreBoundedForTheWholeNode() throws IOException {
        byte[] value = new byte[1_000_000];
        java.util.Arrays.fill(value, (byte) 'v');
        long limit;
        try (Jedis setup = SharedCluster.get().client(1)) {
            setup.set(ascii("robust:mb"), value);
            setup.set(ascii("robust:100kb"), java.util.Arrays.copyOf(value, 100_000));
            setup.set(ascii("robust:60kb"), java.util.Arrays.copyOf(value, 60_000));
            byte[][] tooMany = new byte[1_000][];
            java.util.Arrays.fill(tooMany, ascii("robust:mb"));
            String refused = catchThrowable(() -> setup.mget(tooMany)).getMessage();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("limit of (\\d+) bytes").matcher(refused);
            assertThat(m.find()).as(refused).isTrue();
            limit = Long.parseLong(m.group(1));
            // One reply that leaves 70,000 bytes of the limit: 1 MB values and one value for the rest.
            long held = limit - 70_000;
            setup.set(ascii("robust:rest"), java.util.Arrays.copyOf(value, (int) (held % value.length)));
        }
        int keys = (int) ((limit - 70_000) / value.length) + 1;
        StringBuilder mget = new StringBuilder("*" + (keys + 1) + "\r\n$4\r\nMGET\r\n$11\r\nrobust:rest\r\n");
        for (int i = 1; i < keys; i++) {
            mget.append("$9\r\nrobust:mb\r\n");
        }
        byte[][] sameKeys = new byte[keys][];
        java.util.Arrays.fill(sameKeys, ascii("robust:mb"));
        sameKeys[0] = ascii("robust:rest");
        try (Socket s = new Socket(redis().host(), redis().port())) {
            OutputStream out = s.getOutputStream();
            out.write(("*2\r\n$4\r\nAUTH\r\n$" + SharedCluster.PASSWORD.length() + "\r\n" + SharedCluster.PASSWORD + "\r\n"
                    + mget).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Read up to the reply's array header (it is being sent, so its bytes are held), then no more.
            s.setSoTimeout(20_000);
            InputStream in = s.getInputStream();
            String expected = "+OK\r\n*" + keys + "\r\n";
            StringBuilder seen = new StringBuilder();
            while (seen.length() < expected.length()) {
                int b = in.read();
                assertThat(b).as("the reply to the large MGET starts").isNotNegative();
                seen.append((char) b);
            }
            assertThat(seen.toString()).isEqualTo(expected);
            Eventually.until("a second large reply is refused while the first waits for its reader", () -> {
                try {
                    bystander.mget(sameKeys);
                    return false;
                } catch (JedisDataException e) {
                    return e.getMessage().contains("replies clients have not read yet");
                }
            });
            assertThat(catchThrowable(() -> bystander.get("robust:100kb")))
                    .as("a reply of 64 KiB or more counts against the same bound")
                    .hasMessageContaining("replies clients have not read yet");
            assertThat(bystander.get("robust:60kb")).as("smaller replies still go").hasSize(60_000);
        }
        Eventually.until("once its client is gone, its reply no longer counts", () -> {
            try {
                return bystander.mget(sameKeys).size() == keys;
            } catch (JedisDataException e) {
                return false;
            }
        });
    }
}
