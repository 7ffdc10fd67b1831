package dev.converge.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.port.Endpoint;
import dev.converge.replica.ReplicaConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code converge node}'s configuration: options, files, secrets; invalid input fails at start naming the option. */
class NodeConfigurationTest {

    private static final Map<String, String> NO_ENV = Map.of();

    private static Path secret(Path dir) throws Exception {
        Path f = dir.resolve("secret");
        Files.writeString(f, "0123456789abcdef0123456789abcdef\n", StandardCharsets.US_ASCII);
        return f;
    }

    private static Map<String, List<String>> cli(String... kv) {
        Map<String, List<String>> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.computeIfAbsent(kv[i], k -> new java.util.ArrayList<>()).add(kv[i + 1]);
        }
        return m;
    }

    private static String failure(Map<String, List<String>> cli, Map<String, List<String>> file, Map<String, String> env) {
        try {
            NodeSettings.resolve(cli, file, file.isEmpty() ? null : Path.of("node.yaml"), env);
        } catch (ConfigException e) {
            return e.option() + ": " + e.getMessage();
        }
        throw new AssertionError("expected a configuration error");
    }

    @Test
    void defaultsAndOptions(@TempDir Path dir) throws Exception {
        NodeSettings s = NodeSettings.resolve(cli("data-dir", dir.toString(), "secret-file", secret(dir).toString()), Map.of(), null, NO_ENV);
        assertThat(s.listen()).isEqualTo(new Endpoint("127.0.0.1", 7379));
        assertThat(s.redis()).contains(new Endpoint("127.0.0.1", 6379));
        assertThat(s.http()).contains(new Endpoint("127.0.0.1", 8379));
        assertThat(s.secret()).hasSize(32); // the trailing newline is not part of it
        assertThat(s.redisPassword()).isEmpty();
        assertThat(s.durability()).isEqualTo(ReplicaConfig.Durability.BUFFERED);
        assertThat(s.cacheBytes()).isEqualTo(64L << 20);
        assertThat(s.replicaConfig().maxMessageBytes()).isEqualTo(4 << 20);
        assertThat(s.toString()).doesNotContain("0123456789abcdef");

        NodeSettings t = NodeSettings.resolve(cli("data-dir", dir.toString(), "node-id", "n1", "listen", "0.0.0.0:9000",
                "redis", "7000", "http", "off", "seed", "10.0.0.2:9000", "seed", "[::1]:9001", "durability", "SYNC",
                "cache-size", "1g", "max-clients", "10", "cluster-name", "prod", "max-message-size", "64KiB"), Map.of(), null,
                Map.of(NodeSettings.SECRET_ENV, "a secret from the environment", NodeSettings.REDIS_PASSWORD_ENV, "pw"));
        assertThat(t.listen()).isEqualTo(new Endpoint("0.0.0.0", 9000));
        assertThat(t.redis()).contains(new Endpoint("127.0.0.1", 7000));
        assertThat(t.http()).isEmpty();
        assertThat(t.seeds()).containsExactly(new Endpoint("10.0.0.2", 9000), new Endpoint("::1", 9001));
        assertThat(t.durability()).isEqualTo(ReplicaConfig.Durability.SYNC);
        assertThat(t.cacheBytes()).isEqualTo(1L << 30);
        assertThat(new String(t.secret(), StandardCharsets.UTF_8)).isEqualTo("a secret from the environment");
        assertThat(t.redisPassword()).hasValueSatisfying(p -> assertThat(p).isEqualTo("pw".getBytes(StandardCharsets.UTF_8)));
        assertThat(t.replicaConfig().peers()).hasSize(2);
        assertThat(t.replicaConfig().maxMessageBytes()).isEqualTo(64 << 10);
        assertThat(t.replicaConfig().effectiveEngine().sync().maxBatchBytes()).as("a quarter of the message limit").isEqualTo(16 << 10);

        String pem = secret(dir).toString(); // any readable file: TLS material is loaded when the transport starts
        NodeSettings jdk = NodeSettings.resolve(cli("data-dir", dir.toString(), "secret-file", pem, "tls-cert", pem, "tls-key", pem,
                "tls-trust", pem), Map.of(), null, NO_ENV);
        assertThat(jdk.replicaConfig().tls()).hasValueSatisfying(f -> assertThat(f.openssl()).isFalse());
        NodeSettings openssl = NodeSettings.resolve(cli("data-dir", dir.toString(), "secret-file", pem, "tls-cert", pem, "tls-key", pem,
                "tls-trust", pem, "tls-provider", "OpenSSL"), Map.of(), null, NO_ENV);
        assertThat(openssl.replicaConfig().tls()).hasValueSatisfying(f -> assertThat(f.openssl()).isTrue());
    }

    @Test
    void propertiesAndYamlFilesSayTheSameAndOptionsWin(@TempDir Path dir) throws Exception {
        Path secret = secret(dir);
        Path props = dir.resolve("node.properties");
        Files.writeString(props, String.join("\n", "# a node", "data-dir=data", "node-id=from-file", "redis=6400",
                "seeds=10.0.0.2:7379, 10.0.0.3:7379", "secret-file=" + secret, "cache-size=128MiB"));
        Path yaml = dir.resolve("node.yaml");
        Files.writeString(yaml, String.join("\n", "# a node", "data-dir: data", "node-id: 'from-file'  # quoted", "redis: 6400",
                "seeds:", "  - 10.0.0.2:7379", "  - \"10.0.0.3:7379\"", "secret-file: " + secret, "cache-size: 128MiB"));
        Path yamlInline = dir.resolve("inline.yml");
        Files.writeString(yamlInline, String.join("\n", "data-dir: data", "node-id: from-file", "redis: 6400",
                "seeds: [10.0.0.2:7379, 10.0.0.3:7379]", "secret-file: " + secret, "cache-size: 128MiB"));
        NodeSettings a = NodeSettings.resolve(Map.of(), ConfigFile.read(props), props, NO_ENV);
        NodeSettings b = NodeSettings.resolve(Map.of(), ConfigFile.read(yaml), yaml, NO_ENV);
        NodeSettings c = NodeSettings.resolve(Map.of(), ConfigFile.read(yamlInline), yamlInline, NO_ENV);
        for (NodeSettings s : List.of(a, b, c)) {
            assertThat(s.dataDir()).isEqualTo(dir.resolve("data")); // relative to the file
            assertThat(s.nodeId()).isEqualTo("from-file");
            assertThat(s.redis()).contains(new Endpoint("127.0.0.1", 6400));
            assertThat(s.seeds()).containsExactly(new Endpoint("10.0.0.2", 7379), new Endpoint("10.0.0.3", 7379));
            assertThat(s.cacheBytes()).isEqualTo(128L << 20);
        }
        NodeSettings overridden = NodeSettings.resolve(cli("node-id", "from-cli", "seed", "10.9.9.9:1"), ConfigFile.read(yaml), yaml,
                NO_ENV);
        assertThat(overridden.nodeId()).isEqualTo("from-cli");
        assertThat(overridden.seeds()).containsExactly(new Endpoint("10.9.9.9", 1));
    }

    @Test
    void invalidConfigurationNamesTheOption(@TempDir Path dir) throws Exception {
        String d = dir.toString();
        String s = secret(dir).toString();
        assertThat(failure(cli("secret-file", s), Map.of(), NO_ENV)).startsWith("data-dir: --data-dir is required");
        assertThat(failure(cli("data-dir", d), Map.of(), NO_ENV)).startsWith("secret-file: a cluster secret is required");
        assertThat(failure(cli("data-dir", d), Map.of(), Map.of(NodeSettings.SECRET_ENV, "short"))).startsWith(
                "secret-file: the cluster secret from the CONVERGE_SECRET environment variable has 5 bytes; it needs at least 16");
        assertThat(failure(cli("data-dir", d, "secret-file", d + "/missing"), Map.of(), NO_ENV))
                .startsWith("secret-file: invalid value for --secret-file:").contains("is not a readable file");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "redis", "99999"), Map.of(), NO_ENV))
                .isEqualTo("redis: invalid value for --redis: port 99999 is outside 0..65535");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "listen", "host:"), Map.of(), NO_ENV))
                .isEqualTo("listen: invalid value for --listen: expected HOST:PORT or PORT, got 'host:'");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "seed", "nohost"), Map.of(), NO_ENV))
                .isEqualTo("seed: invalid value for --seed: expected HOST:PORT, got 'nohost'");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "durability", "maybe"), Map.of(), NO_ENV))
                .startsWith("durability: invalid value for --durability: expected 'sync'");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "cache-size", "lots"), Map.of(), NO_ENV))
                .startsWith("cache-size: invalid value for --cache-size: expected a size");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "max-message-size", "1k"), Map.of(), NO_ENV))
                .isEqualTo("max-message-size: invalid value for --max-message-size: expected 4KiB to 256MiB, got 1024 bytes");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "max-clients", "0"), Map.of(), NO_ENV))
                .startsWith("max-clients: invalid value for --max-clients");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "node-id", "has space"), Map.of(), NO_ENV))
                .startsWith("node-id: invalid value for --node-id");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "redis", "7379"), Map.of(), NO_ENV))
                .startsWith("redis: --listen, --redis and --http must use different ports");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "tls-cert", s), Map.of(), NO_ENV))
                .startsWith("tls-key: TLS needs --tls-cert, --tls-key and --tls-trust together; missing --tls-key, --tls-trust");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "tls-cert", s, "tls-key", s, "tls-trust", s, "tls-provider", "gnutls"), Map.of(), NO_ENV))
                .startsWith("tls-provider: invalid value for --tls-provider: expected 'jdk' (the JDK's TLS) or 'openssl' (BoringSSL), got 'gnutls'");
        assertThat(failure(cli("data-dir", d, "secret-file", s, "tls-provider", "openssl"), Map.of(), NO_ENV))
                .isEqualTo("tls-provider: --tls-provider needs TLS: give --tls-cert, --tls-key and --tls-trust");
        assertThat(failure(Map.of(), Map.of("data-dir", List.of(d), "secret-file", List.of(s), "tls-provider", List.of("openssl")), NO_ENV))
                .isEqualTo("tls-provider: 'tls-provider' in node.yaml needs TLS: give --tls-cert, --tls-key and --tls-trust");
        assertThat(failure(Map.of(), Map.of("data-dir", List.of(d), "secret-file", List.of(s), "colour", List.of("blue")), NO_ENV))
                .startsWith("colour: unknown key 'colour' in node.yaml");
        assertThat(failure(Map.of(), Map.of("data-dir", List.of(d), "secret-file", List.of(s), "redis", List.of("x:y")), NO_ENV))
                .startsWith("redis: invalid value for 'redis' in node.yaml: expected HOST:PORT or PORT");
        assertThatThrownBy(() -> ConfigFile.yaml("data-dir: x\nnested:\n  key: value\n", "node.yaml"))
                .hasMessage("node.yaml line 3: nested values are not supported; use flat 'key: value' lines");
        assertThatThrownBy(() -> ConfigFile.yaml("- item\n", "node.yaml")).hasMessage("node.yaml line 1: a list item outside a list");
        assertThatThrownBy(() -> ConfigFile.yaml("a: 1\na: 2\n", "node.yaml")).hasMessage("node.yaml line 2: 'a' is given twice");
        assertThatThrownBy(() -> ConfigFile.read(dir.resolve("node.toml"))).isInstanceOf(ConfigException.class);
    }

    @Test
    void theNodeCommandExitsTwoOnBadConfigurationAndThreeWhenAPortIsTaken(@TempDir Path dir) throws Exception {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "node", "--data-dir", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("converge node: a cluster secret is required: --secret-file FILE or the CONVERGE_SECRET");
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "node", "--redis")).isEqualTo(2);
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "node", "--secret", "inline")).isEqualTo(2);
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            StringWriter portErr = new StringWriter();
            int code = Main.run(new PrintWriter(out, true), new PrintWriter(portErr, true), "node", "--data-dir", dir.resolve("d").toString(),
                    "--secret-file", secret(dir).toString(), "--listen", "0", "--http", "0", "--redis", Integer.toString(taken.getLocalPort()));
            assertThat(code).isEqualTo(3);
            assertThat(portErr.toString()).contains("cannot listen for Redis clients on 127.0.0.1:" + taken.getLocalPort() + " (--redis)");
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : List.of("node", "cluster", "demo", "status", "crdt-demo")) {
            StringWriter out = new StringWriter();
            assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), command, "--help")).isZero();
            assertThat(out.toString()).as(command).contains("Usage: converge " + command).contains("Exit codes:");
        }
        StringWriter out = new StringWriter();
        assertThat(Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "--help")).isZero();
        assertThat(out.toString()).contains("node", "cluster", "demo", "status", "sim", "bench", "chaos", "Exit codes:");
    }

    /** Unreadable TLS material stops the start naming the TLS options, not the data directory. */
    @Test
    void badTlsMaterialIsReportedAsTlsNotAsTheDataDirectory(@TempDir Path dir) throws Exception {
        String notPem = secret(dir).toString();
        NodeSettings s = NodeSettings.resolve(cli("data-dir", dir.resolve("data").toString(), "secret-file", notPem, "tls-cert", notPem,
                "tls-key", notPem, "tls-trust", notPem, "listen", "127.0.0.1:0", "redis", "off", "http", "off"), Map.of(), null, NO_ENV);
        assertThatThrownBy(() -> ConvergeNode.start(s)).isInstanceOfSatisfying(ConvergeNode.StartFailure.class, f -> {
            assertThat(f.option()).isEqualTo("tls");
            assertThat(f.getMessage()).contains("invalid TLS configuration").doesNotContain("--data-dir");
        });
    }

    /** An unreadable cluster mark is a data-directory problem, not a port's. */
    @Test
    void anUnreadableClusterMarkIsReportedAsTheDataDirectory(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        NodeSettings s = NodeSettings.resolve(cli("data-dir", data.toString(), "secret-file", secret(dir).toString(),
                "listen", "127.0.0.1:0", "redis", "off", "http", "off"), Map.of(), null, NO_ENV);
        ConvergeNode.start(s).close();
        Files.delete(data.resolve("CLUSTER"));
        Files.createDirectory(data.resolve("CLUSTER"));
        assertThatThrownBy(() -> ConvergeNode.start(s)).isInstanceOfSatisfying(ConvergeNode.StartFailure.class, f -> {
            assertThat(f.option()).isEqualTo("data-dir");
            assertThat(f.getMessage()).contains("--data-dir").contains("CLUSTER").doesNotContain("--listen");
        });
    }
}
