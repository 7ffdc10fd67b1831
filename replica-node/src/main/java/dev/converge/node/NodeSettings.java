package dev.converge.node;

import dev.converge.crdt.port.Endpoint;
import dev.converge.replica.EngineConfig;
import dev.converge.replica.ReplicaConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's validated configuration, from command-line options over a configuration file over
 * defaults. Every failure is a {@link ConfigException} naming the option (and the file, for a
 * value from the file). Secrets are read here, from files or environment variables, and never
 * appear in {@link #toString()}.
 *
 * @param redis where the Redis front end listens; empty: disabled ({@code off})
 * @param http where the HTTP endpoints listen; empty: disabled ({@code off})
 * @param secret the cluster secret (at least 16 bytes)
 * @param redisPassword the password Redis clients must AUTH with; empty: none
 */
record NodeSettings(Path dataDir, String nodeId, Endpoint listen, Optional<Endpoint> redis, Optional<Endpoint> http,
                    List<Endpoint> seeds, String clusterName, byte[] secret, Optional<byte[]> redisPassword,
                    Optional<ReplicaConfig.TlsFiles> tls, ReplicaConfig.Durability durability, long cacheBytes, int maxClients,
                    String logLevel, boolean discover, int maxMessageBytes) {

    static final String SECRET_ENV = "CONVERGE_SECRET";
    static final String REDIS_PASSWORD_ENV = "CONVERGE_REDIS_PASSWORD";
    static final int MIN_SECRET_BYTES = 16;
    /** A secret or password file larger than this is a mistake (a wrong path), not a secret. */
    static final int MAX_SECRET_FILE_BYTES = 4096;

    static final String DEFAULT_LISTEN = "127.0.0.1:7379";
    static final String DEFAULT_REDIS = "127.0.0.1:6379";
    static final String DEFAULT_HTTP = "127.0.0.1:8379";

    /** Every key a configuration file may hold (the long option names, without dashes). */
    static final Set<String> KEYS = Set.of("data-dir", "node-id", "listen", "redis", "http", "seeds", "seed", "cluster-name",
            "secret-file", "redis-password-file", "tls-cert", "tls-key", "tls-trust", "tls-provider", "durability", "cache-size", "max-clients",
            "log-level", "discover", "max-message-size");

    /** One configured value and where it came from, for error messages. */
    record Value(List<String> items, String origin, Path baseDir) {
        String single() {
            if (items.size() != 1) {
                throw new ConfigException(key(), "expected one value for " + origin + ", got " + items.size());
            }
            return items.get(0);
        }

        String key() {
            return origin.startsWith("--") ? origin.substring(2) : origin.substring(1, origin.indexOf('\'', 1));
        }
    }

    NodeSettings {
        seeds = List.copyOf(seeds);
        secret = secret.clone();
        redisPassword = redisPassword.map(byte[]::clone);
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public Optional<byte[]> redisPassword() {
        return redisPassword.map(byte[]::clone);
    }

    /**
     * The settings from {@code cli} (values given on the command line, keyed by option name)
     * over {@code file} (from a configuration file; may be empty) over the defaults, with
     * secrets from the files named or from {@code env}.
     */
    static NodeSettings resolve(Map<String, List<String>> cli, Map<String, List<String>> file, Path configFile,
                                Map<String, String> env) {
        Map<String, Value> values = new LinkedHashMap<>();
        Path fileDir = configFile == null ? null : Optional.ofNullable(configFile.toAbsolutePath().getParent()).orElse(Path.of("."));
        for (Map.Entry<String, List<String>> e : file.entrySet()) {
            String key = e.getKey();
            if (!KEYS.contains(key)) {
                throw new ConfigException(key, "unknown key '" + key + "' in " + configFile + "; known keys: " + new TreeSet<>(KEYS));
            }
            String canonical = key.equals("seed") ? "seeds" : key;
            values.put(canonical, new Value(e.getValue(), "'" + key + "' in " + configFile, fileDir));
        }
        for (Map.Entry<String, List<String>> e : cli.entrySet()) {
            if (e.getValue() != null && !e.getValue().isEmpty()) {
                String key = e.getKey().equals("seed") ? "seeds" : e.getKey();
                values.put(key, new Value(e.getValue(), "--" + e.getKey(), null));
            }
        }

        Value dataDirValue = values.get("data-dir");
        if (dataDirValue == null) {
            throw new ConfigException("data-dir", "--data-dir is required (or 'data-dir' in the configuration file)");
        }
        Path dataDir = path(dataDirValue);
        if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
            throw new ConfigException("data-dir", "invalid value for " + dataDirValue.origin() + ": " + dataDir + " is not a directory");
        }
        String nodeId = text(values, "node-id", defaultNodeId());
        if (!nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new ConfigException("node-id", "invalid value for " + origin(values, "node-id")
                    + ": 1 to 64 letters, digits, '.', '_' or '-', got '" + nodeId + "'");
        }
        Endpoint listen = endpoint(values, "listen", DEFAULT_LISTEN, false).orElseThrow();
        Optional<Endpoint> redis = endpoint(values, "redis", DEFAULT_REDIS, true);
        Optional<Endpoint> http = endpoint(values, "http", DEFAULT_HTTP, true);
        checkDistinct(listen, redis, http);
        List<Endpoint> seeds = new ArrayList<>();
        Value seedValue = values.get("seeds");
        if (seedValue != null) {
            for (String s : seedValue.items()) {
                seeds.add(parseEndpoint(s, seedValue, false));
            }
        }
        String clusterName = text(values, "cluster-name", "converge");
        int nameBytes = clusterName.getBytes(StandardCharsets.UTF_8).length;
        if (nameBytes < 1 || nameBytes > 255) {
            throw new ConfigException("cluster-name", "invalid value for " + origin(values, "cluster-name") + ": 1 to 255 UTF-8 bytes");
        }
        byte[] secret = secret(values.get("secret-file"), env.get(SECRET_ENV), "secret-file", SECRET_ENV)
                .orElseThrow(() -> new ConfigException("secret-file", "a cluster secret is required: --secret-file FILE or the "
                        + SECRET_ENV + " environment variable (at least " + MIN_SECRET_BYTES + " bytes)"));
        if (secret.length < MIN_SECRET_BYTES) {
            String from = values.containsKey("secret-file") ? origin(values, "secret-file") : "the " + SECRET_ENV + " environment variable";
            throw new ConfigException("secret-file", "the cluster secret from " + from + " has " + secret.length
                    + " bytes; it needs at least " + MIN_SECRET_BYTES);
        }
        Optional<byte[]> password = secret(values.get("redis-password-file"), env.get(REDIS_PASSWORD_ENV), "redis-password-file",
                REDIS_PASSWORD_ENV);
        if (password.isPresent() && password.get().length == 0) {
            throw new ConfigException("redis-password-file", "the Redis password is empty");
        }
        Optional<ReplicaConfig.TlsFiles> tls = tls(values);
        ReplicaConfig.Durability durability = switch (text(values, "durability", "buffered").toLowerCase(Locale.ROOT)) {
            case "sync" -> ReplicaConfig.Durability.SYNC;
            case "buffered" -> ReplicaConfig.Durability.BUFFERED;
            default -> throw new ConfigException("durability", "invalid value for " + origin(values, "durability")
                    + ": expected 'sync' (fsync every group commit) or 'buffered' (WAL without fsync), got '"
                    + text(values, "durability", "") + "'");
        };
        long cacheBytes = size(values, "cache-size", "64MiB");
        int maxClients = (int) Math.min(Integer.MAX_VALUE, number(values, "max-clients", "1024", 1, 100_000));
        String logLevel = text(values, "log-level", "info").toUpperCase(Locale.ROOT);
        if (!Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(logLevel)) {
            throw new ConfigException("log-level", "invalid value for " + origin(values, "log-level")
                    + ": expected trace, debug, info, warn, error or off");
        }
        boolean discover = switch (text(values, "discover", "on").toLowerCase(Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new ConfigException("discover", "invalid value for " + origin(values, "discover")
                    + ": expected 'on' (dial every member learnt from the membership document) or 'off' (only the seeds)");
        };
        long maxMessage = size(values, "max-message-size", "4MiB");
        if (maxMessage < ReplicaConfig.MIN_MESSAGE_BYTES || maxMessage > ReplicaConfig.MAX_MESSAGE_BYTES) {
            throw new ConfigException("max-message-size", "invalid value for " + origin(values, "max-message-size") + ": expected "
                    + (ReplicaConfig.MIN_MESSAGE_BYTES >> 10) + "KiB to " + (ReplicaConfig.MAX_MESSAGE_BYTES >> 20) + "MiB, got "
                    + maxMessage + " bytes");
        }
        return new NodeSettings(dataDir, nodeId, listen, redis, http, seeds, clusterName, secret, password, tls, durability,
                cacheBytes, maxClients, logLevel, discover, (int) maxMessage);
    }

    /** The replica's configuration. */
    ReplicaConfig replicaConfig() {
        ReplicaConfig.Builder b = ReplicaConfig.builder()
                .dataDirectory(dataDir)
                .durability(durability)
                .cacheBytes(cacheBytes)
                .listen(listen)
                .clusterName(clusterName)
                .clusterSecret(secret)
                .engine(EngineConfig.defaults().withDiscoverMembers(discover))
                .maxMessageBytes(maxMessageBytes);
        seeds.forEach(b::peer);
        tls.ifPresent(b::tls);
        return b.build();
    }

    @Override
    public String toString() {
        return "node " + nodeId + ": data " + dataDir + ", peers on " + listen + ", redis " + redis.map(Endpoint::toString).orElse("off")
                + ", http " + http.map(Endpoint::toString).orElse("off") + ", seeds " + seeds + ", cluster " + clusterName
                + ", tls " + tls.isPresent() + ", redis password " + redisPassword.isPresent() + ", durability "
                + durability.name().toLowerCase(Locale.ROOT) + ", cache " + cacheBytes + " bytes, max clients " + maxClients
                + ", max message " + maxMessageBytes + " bytes";
    }

    // ------------------------------------------------------------------ parsing helpers

    private static String defaultNodeId() {
        try {
            String host = InetAddress.getLocalHost().getHostName();
            String cleaned = host.replaceAll("[^A-Za-z0-9._-]", "-");
            return cleaned.isEmpty() ? "converge" : cleaned.substring(0, Math.min(64, cleaned.length()));
        } catch (IOException e) {
            return "converge";
        }
    }

    private static String origin(Map<String, Value> values, String key) {
        Value v = values.get(key);
        return v == null ? "--" + key : v.origin();
    }

    private static String text(Map<String, Value> values, String key, String dflt) {
        Value v = values.get(key);
        return v == null ? dflt : v.single().strip();
    }

    private static Path path(Value v) {
        String s = v.single().strip();
        if (s.isEmpty()) {
            throw new ConfigException(v.key(), "invalid value for " + v.origin() + ": empty path");
        }
        Path p = Path.of(s);
        return v.baseDir() != null && !p.isAbsolute() ? v.baseDir().resolve(p).normalize() : p;
    }

    private static Optional<Endpoint> endpoint(Map<String, Value> values, String key, String dflt, boolean mayBeOff) {
        Value v = values.get(key);
        String s = v == null ? dflt : v.single().strip();
        if (mayBeOff && s.equalsIgnoreCase("off")) {
            return Optional.empty();
        }
        return Optional.of(parseEndpoint(s, v == null ? new Value(List.of(s), "--" + key, null) : v, true));
    }

    private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)]|([^:\\s]+)):(\\d{1,5})");

    /** {@code HOST:PORT}, {@code [IPV6]:PORT}, or (when {@code portAlone}) a bare {@code PORT} on 127.0.0.1. */
    static Endpoint parseEndpoint(String text, Value from, boolean portAlone) {
        String s = text.strip();
        try {
            if (portAlone && s.matches("\\d{1,5}")) {
                return new Endpoint("127.0.0.1", port(s));
            }
            Matcher m = HOST_PORT.matcher(s);
            if (!m.matches()) {
                throw new IllegalArgumentException("expected HOST:PORT" + (portAlone ? " or PORT" : "") + ", got '" + s + "'");
            }
            return new Endpoint(m.group(1) != null ? m.group(1) : m.group(2), port(m.group(3)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(from.key(), "invalid value for " + from.origin() + ": " + e.getMessage());
        }
    }

    private static int port(String digits) {
        int p = Integer.parseInt(digits);
        if (p > 65535) {
            throw new IllegalArgumentException("port " + p + " is outside 0..65535");
        }
        return p;
    }

    private static void checkDistinct(Endpoint listen, Optional<Endpoint> redis, Optional<Endpoint> http) {
        Set<String> seen = new HashSet<>();
        for (Endpoint e : new Endpoint[] {listen, redis.orElse(null), http.orElse(null)}) {
            if (e != null && e.port() != 0 && !seen.add(e.host() + ":" + e.port())) {
                throw new ConfigException(e == listen ? "listen" : redis.isPresent() && e == redis.get() ? "redis" : "http",
                        "--listen, --redis and --http must use different ports; " + e + " is given twice");
            }
        }
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b?)", Pattern.CASE_INSENSITIVE);

    /** A byte size: {@code 1048576}, {@code 512k}, {@code 64MiB}, {@code 1g} (binary units). */
    private static long size(Map<String, Value> values, String key, String dflt) {
        String s = text(values, key, dflt);
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new ConfigException(key, "invalid value for " + origin(values, key) + ": expected a size such as 64MiB, 512k or 1g, got '" + s + "'");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            if (n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException("too large");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "invalid value for " + origin(values, key) + ": '" + s + "' is too large");
        }
    }

    private static long number(Map<String, Value> values, String key, String dflt, long min, long max) {
        String s = text(values, key, dflt);
        try {
            long n = Long.parseLong(s);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "invalid value for " + origin(values, key) + ": expected a whole number in " + min + ".."
                    + max + ", got '" + s + "'");
        }
    }

    private static Optional<ReplicaConfig.TlsFiles> tls(Map<String, Value> values) {
        List<String> keys = List.of("tls-cert", "tls-key", "tls-trust");
        long given = keys.stream().filter(values::containsKey).count();
        boolean openssl = switch (text(values, "tls-provider", "jdk").toLowerCase(Locale.ROOT)) {
            case "jdk" -> false;
            case "openssl" -> true;
            default -> throw new ConfigException("tls-provider", "invalid value for " + origin(values, "tls-provider")
                    + ": expected 'jdk' (the JDK's TLS) or 'openssl' (BoringSSL), got '" + text(values, "tls-provider", "") + "'");
        };
        if (given == 0) {
            if (values.containsKey("tls-provider")) {
                throw new ConfigException("tls-provider", origin(values, "tls-provider") + " needs TLS: give --tls-cert, --tls-key and --tls-trust");
            }
            return Optional.empty();
        }
        if (given != keys.size()) {
            String missing = keys.stream().filter(k -> !values.containsKey(k)).map(k -> "--" + k).reduce((a, b) -> a + ", " + b).orElse("");
            throw new ConfigException(keys.stream().filter(k -> !values.containsKey(k)).findFirst().orElse("tls-cert"),
                    "TLS needs --tls-cert, --tls-key and --tls-trust together; missing " + missing);
        }
        Path[] files = new Path[3];
        for (int i = 0; i < 3; i++) {
            Value v = values.get(keys.get(i));
            files[i] = path(v);
            if (!Files.isReadable(files[i])) {
                throw new ConfigException(keys.get(i), "invalid value for " + v.origin() + ": cannot read " + files[i]);
            }
        }
        return Optional.of(new ReplicaConfig.TlsFiles(files[0], files[1], files[2], openssl));
    }

    /**
     * A secret from the file {@code fileValue} names, else from the environment variable: the
     * file's bytes, or the variable's UTF-8 bytes, without one trailing line break. Never logged.
     */
    private static Optional<byte[]> secret(Value fileValue, String envValue, String key, String envName) {
        if (fileValue != null) {
            Path p = path(fileValue);
            try {
                if (!Files.isRegularFile(p)) {
                    throw new ConfigException(key, "invalid value for " + fileValue.origin() + ": " + p + " is not a readable file");
                }
                if (Files.size(p) > MAX_SECRET_FILE_BYTES) {
                    throw new ConfigException(key, "invalid value for " + fileValue.origin() + ": " + p + " is larger than "
                            + MAX_SECRET_FILE_BYTES + " bytes; is it the right file?");
                }
                return Optional.of(stripLineBreak(Files.readAllBytes(p)));
            } catch (IOException e) {
                throw new ConfigException(key, "invalid value for " + fileValue.origin() + ": cannot read " + p + ": " + e.getMessage());
            }
        }
        if (envValue != null) {
            return Optional.of(stripLineBreak(envValue.getBytes(StandardCharsets.UTF_8)));
        }
        return Optional.empty();
    }

    static byte[] stripLineBreak(byte[] b) {
        int n = b.length;
        if (n > 0 && b[n - 1] == '\n') {
            n--;
            if (n > 0 && b[n - 1] == '\r') {
                n--;
            }
        }
        byte[] out = Arrays.copyOf(b, n);
        Arrays.fill(b, (byte) 0);
        return out;
    }
}
