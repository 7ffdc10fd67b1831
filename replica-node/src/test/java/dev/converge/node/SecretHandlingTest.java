package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import dev.converge.crdt.port.Endpoint;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The cluster secret and the Redis password stay secret: never in a log line (at any level, in
 * any common encoding), never in {@code INFO}, {@code CONFIG GET}, {@code /status},
 * {@code /metrics}, never on a node's command line ({@code ps}) or in its environment when
 * started by {@code converge cluster}; the command line refuses them without echoing them; and
 * before {@code AUTH} every command of the Redis command table is refused.
 */
@ExtendWith(SharedCluster.class)
class SecretHandlingTest {

    private static final String SECRET = "cluster-secret-marker-0123456789";
    private static final String WRONG_SECRET = "cluster-secret-marker-0123456780";
    private static final String PASSWORD = "redis-password-marker-9876543210";
    /** A near miss: mistyped passwords are usually close to the real one, so they must not be logged either. */
    private static final String WRONG_PASSWORD = "redis-password-marker-9876543211";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Every log event of the JVM while it runs, message and stack trace, as the appender would write them. */
    static final class Capture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
        private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        private final Map<String, Level> saved = new HashMap<>();

        Capture() {
            setContext(context);
            setName("secret-capture");
            start();
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(this);
            // Everything our code logs, at every level, and Netty's debug output.
            level(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.DEBUG);
            level("dev.converge", Level.TRACE);
            level("io.netty", Level.DEBUG);
        }

        private void level(String name, Level level) {
            Logger logger = context.getLogger(name);
            saved.put(name, logger.getLevel());
            logger.setLevel(level);
        }

        @Override
        protected void append(ILoggingEvent event) {
            String thrown = event.getThrowableProxy() == null ? "" : " " + ThrowableProxyUtil.asString(event.getThrowableProxy());
            lines.add(event.getLevel() + " [" + event.getThreadName() + "] " + event.getLoggerName() + " - " + event.getFormattedMessage()
                    + thrown);
        }

        String text() {
            return String.join("\n", lines);
        }

        boolean contains(String fragment) {
            return lines.stream().anyMatch(l -> l.contains(fragment));
        }

        @Override
        public void close() {
            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.detachAppender(this);
            saved.forEach((name, level) -> context.getLogger(name).setLevel(level));
            stop();
        }
    }

    /** {@code secret} as text and in the encodings a careless log line would use. */
    private static List<String> forms(String secret) {
        byte[] b = secret.getBytes(StandardCharsets.UTF_8);
        return List.of(secret, HexFormat.of().formatHex(b), HexFormat.of().withUpperCase().formatHex(b),
                Base64.getEncoder().encodeToString(b), Base64.getUrlEncoder().withoutPadding().encodeToString(b),
                java.util.Arrays.toString(b));
    }

    private static void assertFree(String where, String text, String... secrets) {
        for (String s : secrets) {
            for (String form : forms(s)) {
                assertThat(text).as("%s must not contain %s", where, form).doesNotContain(form);
            }
        }
    }

    /** An in-process node of the "secrets" cluster; {@code options} (key, value, ...) override the defaults. */
    private static ConvergeNode start(Path dir, String name, Map<String, String> env, String... options) {
        return InProcessNode.start(dir, "secrets", name, env, options);
    }

    private static String get(Endpoint http, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + http + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Sends {@code request} on a fresh connection and returns the first reply line. */
    private static String raw(Endpoint redis, String request) throws IOException {
        try (Socket s = new Socket(redis.host(), redis.port())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                line.append((char) c);
            }
            return line.toString().strip();
        }
    }

    @Test
    void noSecretInLogsInfoStatusOrMetrics(@TempDir Path dir) throws Exception {
        Path passwordFile = dir.resolve("redis.password");
        Files.writeString(passwordFile, PASSWORD + "\n", StandardCharsets.UTF_8);
        Path secretFile = dir.resolve("cluster.secret");
        Files.writeString(secretFile, SECRET + "\n", StandardCharsets.UTF_8);
        List<String> outputs = new ArrayList<>();
        String logs;
        try (Capture capture = new Capture()) {
            // The secret from the environment on one node and from a file on the other; the password the other way round.
            ConvergeNode a = start(dir, "node-a", Map.of(NodeSettings.SECRET_ENV, SECRET), "redis-password-file", passwordFile.toString());
            ConvergeNode b = null;
            ConvergeNode c = null;
            try {
                Endpoint peers = a.listenEndpoint().orElseThrow();
                b = start(dir, "node-b", Map.of(NodeSettings.REDIS_PASSWORD_ENV, PASSWORD), "secret-file", secretFile.toString(),
                        "seed", peers.toString());
                c = start(dir, "node-c", Map.of(NodeSettings.SECRET_ENV, WRONG_SECRET), "seed", peers.toString());
                Endpoint redis = a.redisEndpoint().orElseThrow();
                try (Jedis j = new Jedis(redis.host(), redis.port(), 10_000)) {
                    // A wrong password, in AUTH and in HELLO.
                    for (Runnable wrong : List.<Runnable>of(() -> j.auth(WRONG_PASSWORD), () -> j.auth("default", WRONG_PASSWORD),
                            () -> j.sendCommand(() -> "HELLO".getBytes(StandardCharsets.US_ASCII), "2", "AUTH", "default", WRONG_PASSWORD))) {
                        try {
                            wrong.run();
                            throw new AssertionError("a wrong password was accepted");
                        } catch (JedisDataException expected) {
                            assertThat(expected.getMessage()).startsWith("WRONGPASS");
                        }
                    }
                    assertThat(j.auth(PASSWORD)).isEqualTo("OK");
                    j.set("secrets:key", "value");
                    Eventually.until("node-a linked to node-b", () -> RedisReplicationTest.connectedPeers(j) == 1);
                    for (String section : List.of("", "server", "clients", "memory", "stats", "replication", "keyspace", "everything")) {
                        outputs.add(section.isEmpty() ? j.info() : j.info(section));
                    }
                    outputs.add(String.valueOf(j.configGet("*")));
                    outputs.add(String.valueOf(j.sendCommand(() -> "CLIENT".getBytes(StandardCharsets.US_ASCII), "GETNAME")));
                }
                // Malformed requests that carry the password: Netty quotes such a line in its error; the log must not.
                for (String request : List.of("*2\r\n$4\r\nAUTH\r\n$" + WRONG_PASSWORD + "\r\n", ":" + WRONG_PASSWORD + "\r\n",
                        "AUTH \"" + WRONG_PASSWORD + "\r\n", "*2\r\n$4\r\nAUTH\r\n$" + PASSWORD + "\r\n")) {
                    assertThat(raw(redis, request)).startsWith("-ERR Protocol error");
                }
                Endpoint http = a.httpEndpoint().orElseThrow();
                for (String path : List.of("/status", "/metrics", "/health", "/nope")) {
                    outputs.add(get(http, path));
                }
                outputs.add(get(b.httpEndpoint().orElseThrow(), "/status"));
                Eventually.until("node-c refused for its wrong secret", () -> capture.contains("did not verify"));
            } finally {
                for (ConvergeNode n : new ConvergeNode[] {c, b, a}) {
                    if (n != null) {
                        n.close();
                    }
                }
            }
            logs = capture.text();
            // The levels took: the capture saw the handshakes, the refused client and the protocol errors.
            assertThat(capture.contains("link up")).isTrue();
            assertThat(capture.contains("broke the protocol: malformed RESP")).isTrue();
        }
        assertFree("the log", logs, SECRET, WRONG_SECRET, PASSWORD, WRONG_PASSWORD);
        for (String output : outputs) {
            assertFree("INFO, CONFIG GET, /status or /metrics", output, SECRET, PASSWORD);
        }
    }

    @Test
    void beforeAuthEveryCommandOfTheTableIsRefused(@TempDir Path dir) {
        ConvergeNode node = start(dir, "node-auth", Map.of(NodeSettings.SECRET_ENV, SECRET, NodeSettings.REDIS_PASSWORD_ENV, PASSWORD),
                "redis", "off", "http", "off");
        try {
            RedisCommands commands = new RedisCommands(node, Runnable::run);
            ClientSession anonymous = new ClientSession(1, true, true, Runnable::run);
            Set<String> allowed = new TreeSet<>();
            List<RedisCommands.Spec> specs = new ArrayList<>(commands.commands());
            specs.add(commands.lookup("no-such-command".getBytes(StandardCharsets.US_ASCII)));
            for (RedisCommands.Spec spec : specs) {
                if (spec.beforeAuth()) {
                    allowed.add(spec.name());
                    continue;
                }
                // Every arity, so an argument check cannot answer before the authentication check.
                for (int n = 1; n <= 5; n++) {
                    byte[][] args = new byte[n][];
                    args[0] = spec.name().toUpperCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
                    for (int i = 1; i < n; i++) {
                        args[i] = ("arg" + i).getBytes(StandardCharsets.US_ASCII);
                    }
                    Object reply = commands.dispatch(anonymous, spec, args);
                    assertThat(reply).as("%s with %d words before AUTH", spec.name(), n).isInstanceOfSatisfying(ErrorRedisMessage.class,
                            e -> assertThat(e.content()).isEqualTo(RedisReplies.NOAUTH));
                }
            }
            assertThat(allowed).containsExactly("auth", "hello", "quit");
            // Listed, not counted: the count races the node's own membership commit at start.
            assertThat(node.replica().keys(null, 10)).as("nothing was written").isEmpty();
            assertThat(node.isolated()).isFalse();
        } finally {
            node.close();
        }
    }

    /** Without a password, Redis's default user takes any password when it is named: clients configured with a user connect. */
    @Test
    void withoutAPasswordTheDefaultUserTakesAnyPassword(@TempDir Path dir) {
        ConvergeNode node = start(dir, "node-open", Map.of(NodeSettings.SECRET_ENV, SECRET), "redis", "off", "http", "off");
        try {
            RedisCommands commands = new RedisCommands(node, Runnable::run);
            ClientSession session = new ClientSession(1, true, false, Runnable::run);
            java.util.function.Function<String[], Object> run = words -> {
                byte[][] args = new byte[words.length][];
                for (int i = 0; i < words.length; i++) {
                    args[i] = words[i].getBytes(StandardCharsets.US_ASCII);
                }
                return commands.dispatch(session, commands.lookup(args[0]), args);
            };
            assertThat(run.apply(new String[] {"AUTH", "default", "anything"})).isSameAs(RedisReplies.OK);
            assertThat(run.apply(new String[] {"HELLO", "2", "AUTH", "default", "anything"})).isNotInstanceOf(ErrorRedisMessage.class);
            assertThat(run.apply(new String[] {"AUTH", "someone", "anything"})).isInstanceOfSatisfying(ErrorRedisMessage.class,
                    e -> assertThat(e.content()).startsWith("WRONGPASS"));
            assertThat(run.apply(new String[] {"AUTH", "anything"})).isInstanceOfSatisfying(ErrorRedisMessage.class,
                    e -> assertThat(e.content()).startsWith("ERR AUTH <password> called without any password configured"));
        } finally {
            node.close();
        }
    }

    @Test
    void theCommandLineRefusesSecretsWithoutEchoingThem(@TempDir Path dir) {
        for (List<String> given : List.of(List.of("--secret", SECRET), List.of("--secret=" + SECRET), List.of("--cluster-secret", SECRET),
                List.of("--redis-password", PASSWORD), List.of("--password=" + PASSWORD))) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            List<String> args = new ArrayList<>(List.of("node", "--data-dir", dir.toString()));
            args.addAll(given);
            assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(new String[0]))).isEqualTo(2);
            assertThat(err.toString()).contains("is never taken on the command line").contains("-file FILE");
            assertFree("the error output", out + err.toString(), SECRET, PASSWORD);
        }
        StringWriter help = new StringWriter();
        assertThat(Main.run(new PrintWriter(help, true), new PrintWriter(new StringWriter(), true), "node", "--help")).isZero();
        assertThat(help.toString()).contains("--secret-file").doesNotContainPattern("--(secret|cluster-secret|redis-password|password)[ =,]");
    }

    @Test
    void clusterNodesHaveNoSecretOnTheirCommandLineInTheirEnvironmentOrInTheirLogs() throws IOException {
        SharedCluster.Fixture cluster = SharedCluster.get();
        String secret = Files.readString(cluster.dir.resolve("cluster.secret"), StandardCharsets.US_ASCII).strip();
        assertThat(secret).hasSizeGreaterThanOrEqualTo(32);
        for (LocalCluster.Member m : cluster.cluster.members()) {
            // What ps shows: /proc/PID/cmdline, the arguments separated by NUL bytes.
            Path proc = Path.of("/proc", Long.toString(m.process().pid()));
            assumeThat(Files.isReadable(proc.resolve("cmdline"))).as("a /proc file system").isTrue();
            String commandLine = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.ISO_8859_1).replace('\0', ' ');
            assertThat(commandLine).contains(" node ").contains("--secret-file").contains("--redis-password-file");
            assertFree(m.name() + "'s command line", commandLine, secret, SharedCluster.PASSWORD);
            String environment = new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.ISO_8859_1);
            assertFree(m.name() + "'s environment", environment, secret, SharedCluster.PASSWORD);
            String log = Files.readString(m.log(), StandardCharsets.UTF_8);
            assertThat(log).contains("node started");
            assertFree(m.name() + "'s log", log, secret, SharedCluster.PASSWORD);
        }
    }
}
