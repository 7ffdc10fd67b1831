package dev.converge.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.Jedis;

/**
 * One three-node cluster for every black-box test class of the run: real {@code converge node}
 * processes started through the CLI ({@link LocalCluster}), a Redis password set, data in a
 * temporary directory. Started by the first class that asks, stopped when the run ends (JUnit
 * closes it from the root store).
 */
final class SharedCluster implements BeforeAllCallback {

    static final String PASSWORD = "a-test-password-for-redis";

    private static volatile Fixture fixture;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).computeIfAbsent(Fixture.class, k -> {
            Fixture f = Fixture.start();
            fixture = f;
            return f;
        }, Fixture.class);
    }

    static Fixture get() {
        return fixture;
    }

    /** The running cluster. */
    static final class Fixture implements AutoCloseable {
        final Path dir;
        final LocalCluster cluster;

        private Fixture(Path dir, LocalCluster cluster) {
            this.dir = dir;
            this.cluster = cluster;
        }

        static Fixture start() {
            try {
                Path dir = Files.createTempDirectory("converge-blackbox-");
                Path password = dir.resolve("redis.password");
                Files.writeString(password, PASSWORD + "\n", StandardCharsets.UTF_8);
                LocalCluster cluster = LocalCluster.start(new LocalCluster.Spec(dir, 3, LocalCluster.freePorts(3), "blackbox",
                        Optional.of(password), List.of("-Xmx256m", "-XX:+UseSerialGC"), List.of(), Duration.ofSeconds(90)));
                return new Fixture(dir, cluster);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        LocalCluster.Member member(int node) {
            return cluster.members().get(node - 1);
        }

        /** An authenticated client of node {@code node} (1-based). */
        Jedis client(int node) {
            Jedis j = anonymous(node);
            j.auth(PASSWORD);
            return j;
        }

        /** A client of node {@code node} that has not authenticated. */
        Jedis anonymous(int node) {
            var redis = member(node).redis();
            return new Jedis(redis.host(), redis.port(), 20_000);
        }

        @Override
        public void close() {
            cluster.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory
            }
        }
    }
}
