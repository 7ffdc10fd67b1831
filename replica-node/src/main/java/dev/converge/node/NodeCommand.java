package dev.converge.node;

import dev.converge.crdt.port.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code converge node}: runs one node until SIGINT or SIGTERM. */
@Command(name = "node",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs one node until SIGINT or SIGTERM, then stops cleanly.",
            "",
            "A node is a replica on RocksDB that replicates with its peers, a Redis-protocol port for clients and an HTTP "
                + "port for /metrics, /health and /status. Every option can also come from --config (key: the option's long "
                + "name without dashes; seeds: a list); options on the command line win. Relative paths in the file are "
                + "relative to the file.",
            "",
            "The cluster secret comes from --secret-file or the " + NodeSettings.SECRET_ENV + " environment variable, never from "
                + "the command line; the Redis password from --redis-password-file or " + NodeSettings.REDIS_PASSWORD_ENV
                + ". A file holds the secret's bytes (one trailing newline is ignored); a variable holds its UTF-8 text.",
            ""
        },
        footerHeading = "%nExample:%n",
        footer = {
            "  ./converge node --data-dir /var/lib/converge --node-id n1 --listen 10.0.0.1:7379 \\",
            "      --redis 0.0.0.0:6379 --seed 10.0.0.2:7379 --seed 10.0.0.3:7379 --secret-file /etc/converge/secret",
            "  ./converge node --config /etc/converge/node.yaml"
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:stopped cleanly (130 or 143 when stopped by SIGINT or SIGTERM)",
            "2:invalid option or configuration (the message names it)",
            "3:could not start (a port in use, the data directory)"
        })
final class NodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file: .properties or .yaml/.yml with the keys below.")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where RocksDB keeps this node's data (required).")
    String dataDir;

    @Option(names = "--node-id", paramLabel = "NAME", description = "Name in logs and status (default: the host name). "
            + "The replica id is generated and kept in the data directory.")
    String nodeId;

    @Option(names = "--listen", paramLabel = "[HOST:]PORT", description = "Peer port (default: " + NodeSettings.DEFAULT_LISTEN + ").")
    String listen;

    @Option(names = "--redis", paramLabel = "[HOST:]PORT", description = "Redis client port, or off (default: " + NodeSettings.DEFAULT_REDIS + ").")
    String redis;

    @Option(names = "--http", paramLabel = "[HOST:]PORT", description = "HTTP port for /metrics, /health, /status, or off (default: "
            + NodeSettings.DEFAULT_HTTP + ").")
    String http;

    @Option(names = "--seed", paramLabel = "HOST:PORT", description = "A peer to connect to; repeat for several.")
    List<String> seeds;

    @Option(names = "--cluster-name", paramLabel = "NAME", description = "Name all members share (default: converge).")
    String clusterName;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "File holding the cluster secret (at least 16 bytes); "
            + "else the " + NodeSettings.SECRET_ENV + " variable.")
    String secretFile;

    @Option(names = "--redis-password-file", paramLabel = "FILE", description = "File holding the password Redis clients must AUTH with; "
            + "else the " + NodeSettings.REDIS_PASSWORD_ENV + " variable; neither: no password.")
    String redisPasswordFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "This node's certificate chain, for mutual TLS between peers.")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "This node's private key (PKCS#8).")
    String tlsKey;

    @Option(names = "--tls-trust", paramLabel = "PEM", description = "Certificates trusted to sign peers' certificates.")
    String tlsTrust;

    @Option(names = "--tls-provider", paramLabel = "NAME", description = "jdk (default: the JDK's TLS) or openssl (BoringSSL, "
            + "native, Linux x86_64 and aarch64: about 1.3-1.5x the throughput with large messages); nodes on either interoperate.")
    String tlsProvider;

    @Option(names = "--durability", paramLabel = "MODE", description = "buffered (default: WAL without fsync; a process crash "
            + "loses nothing acknowledged) or sync (fsync every group commit).")
    String durability;

    @Option(names = "--cache-size", paramLabel = "SIZE", description = "Memory for decoded documents, e.g. 64MiB (default), 1g.")
    String cacheSize;

    @Option(names = "--max-clients", paramLabel = "N", description = "Redis client connections at once (default: 1024).")
    String maxClients;

    @Option(names = "--max-message-size", paramLabel = "SIZE", description = "Largest message between peers (default: 4MiB; "
            + "4KiB to 256MiB; the same on every member). Replication sends at most a quarter of it per message, and refuses "
            + "a write whose change is larger than that quarter.")
    String maxMessageSize;

    @Option(names = "--discover", paramLabel = "on|off", description = "Dial every member learnt from the cluster's membership "
            + "document (on, default), or only the seeds (off: e.g. when every peer link must pass through a proxy).")
    String discover;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "trace, debug, info (default), warn, error.")
    String logLevel;

    /** Refused with a hint, never echoed: a value on the command line is in every local user's {@code ps} and in shell history. */
    @Option(names = {"--secret", "--cluster-secret"}, hidden = true, paramLabel = "SECRET")
    String secretOnCommandLine;

    /** Refused like {@link #secretOnCommandLine}. */
    @Option(names = {"--redis-password", "--password"}, hidden = true, paramLabel = "PASSWORD")
    String passwordOnCommandLine;

    /** Used by converge cluster and demo: stop when the parent's end of stdin closes (the parent died). */
    @Option(names = "--exit-on-stdin-eof", hidden = true)
    boolean exitOnStdinEof;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (secretOnCommandLine != null || passwordOnCommandLine != null) {
            err.println("converge node: " + (secretOnCommandLine != null
                    ? "the cluster secret is never taken on the command line (every user of the machine sees it in ps, and "
                        + "it stays in shell history); use --secret-file FILE or the " + NodeSettings.SECRET_ENV + " environment variable"
                    : "the Redis password is never taken on the command line (every user of the machine sees it in ps, and "
                        + "it stays in shell history); use --redis-password-file FILE or the " + NodeSettings.REDIS_PASSWORD_ENV
                        + " environment variable"));
            err.flush();
            return 2;
        }
        NodeSettings settings;
        try {
            settings = NodeSettings.resolve(cliValues(), config == null ? Map.of() : ConfigFile.read(config), config, System.getenv());
        } catch (ConfigException e) {
            err.println("converge node: " + e.getMessage());
            err.flush();
            return 2;
        }
        // Read by logback.xml when logging starts, which is after this point: every line carries the node id.
        System.setProperty("converge.node", settings.nodeId());
        System.setProperty("converge.log.level", settings.logLevel());
        ConvergeNode node;
        try {
            node = ConvergeNode.start(settings);
        } catch (ConvergeNode.StartFailure e) {
            err.println("converge node: " + e.getMessage());
            err.flush();
            return 3;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "converge-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("converge node " + settings.nodeId() + " ready: replica=" + node.replica().id()
                + " peers=" + node.listenEndpoint().map(Endpoint::toString).orElse("off")
                + " redis=" + node.redisEndpoint().map(Endpoint::toString).orElse("off")
                + " http=" + node.httpEndpoint().map(Endpoint::toString).orElse("off")
                + " cluster=" + settings.clusterName());
        out.flush();
        if (exitOnStdinEof) {
            Thread watcher = new Thread(() -> {
                try {
                    InputStream in = System.in;
                    byte[] buf = new byte[256];
                    while (in.read(buf) >= 0) {
                        // the parent writes nothing; wait for the end
                    }
                } catch (IOException ignored) {
                    // the pipe broke: the parent is gone
                }
                node.close();
                stopped.countDown();
            }, "converge-parent-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
        stopped.await();
        return 0;
    }

    /** The options given on the command line, by key (long name without dashes). */
    private Map<String, List<String>> cliValues() {
        Map<String, List<String>> v = new LinkedHashMap<>();
        put(v, "data-dir", dataDir);
        put(v, "node-id", nodeId);
        put(v, "listen", listen);
        put(v, "redis", redis);
        put(v, "http", http);
        if (seeds != null && !seeds.isEmpty()) {
            v.put("seed", List.copyOf(seeds));
        }
        put(v, "cluster-name", clusterName);
        put(v, "secret-file", secretFile);
        put(v, "redis-password-file", redisPasswordFile);
        put(v, "tls-cert", tlsCert);
        put(v, "tls-key", tlsKey);
        put(v, "tls-trust", tlsTrust);
        put(v, "tls-provider", tlsProvider);
        put(v, "durability", durability);
        put(v, "cache-size", cacheSize);
        put(v, "max-clients", maxClients);
        put(v, "max-message-size", maxMessageSize);
        put(v, "log-level", logLevel);
        put(v, "discover", discover);
        return v;
    }

    private static void put(Map<String, List<String>> v, String key, String value) {
        if (value != null) {
            v.put(key, List.of(value));
        }
    }
}
