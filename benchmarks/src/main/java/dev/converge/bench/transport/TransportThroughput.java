package dev.converge.bench.transport;

import dev.converge.bench.BenchLogging;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.transport.netty.TlsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Streams sync messages over loopback for a fixed time and prints messages/s and MB/s per
 * configuration, with the raw Netty baseline measured in the same run:
 * <pre>
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     dev.converge.bench.transport.TransportThroughput [--warmup 2] [--measure 4] [--rounds 2]
 *     [--sizes 64,4096] [--links 1,3] [--kinds raw,raw-packed,raw-codec,converge,converge-tls,converge-tls-openssl]
 * </pre>
 * Each round runs every kind back to back for one size and link count, so the kinds compared in
 * a row of the table were measured minutes apart at most; the table shows the median of the
 * rounds. MB/s counts message (payload) bytes; each frame adds a 4-byte header.
 */
public final class TransportThroughput {

    private record Key(String kind, int size, int links) {
    }

    private TransportThroughput() {
    }

    public static void main(String[] args) throws Exception {
        BenchLogging.quiet();
        Map<String, String> opts = new LinkedHashMap<>(Map.of("warmup", "2", "measure", "4", "rounds", "2",
                "sizes", "64,4096", "links", "1,3", "kinds", "raw,raw-packed,raw-codec,converge,converge-tls,converge-tls-openssl"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int warmup = Integer.parseInt(opts.get("warmup"));
        int measure = Integer.parseInt(opts.get("measure"));
        int rounds = Integer.parseInt(opts.get("rounds"));
        int[] sizes = Arrays.stream(opts.get("sizes").split(",")).mapToInt(Integer::parseInt).toArray();
        int[] linkCounts = Arrays.stream(opts.get("links").split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> kinds = new ArrayList<>(List.of(opts.get("kinds").split(",")));
        if (kinds.contains("converge-tls-openssl") && !io.netty.handler.ssl.OpenSsl.isAvailable()) {
            System.out.println("converge-tls-openssl skipped: BoringSSL (netty-tcnative) does not load here");
            kinds.remove("converge-tls-openssl");
        }

        Path dir = Files.createTempDirectory("converge-bench-tls");
        TlsConfig tls = kinds.stream().anyMatch(k -> k.startsWith("converge-tls")) ? selfSignedTls(dir) : null;
        System.out.printf(Locale.ROOT, "transport throughput: %d s warm-up + %d s measured per row, %d round(s), %d cores, %s%n",
                warmup, measure, rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));

        Map<Key, List<double[]>> results = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (int size : sizes) {
                SyncMessage message = BenchMessages.ofEncodedSize(size);
                for (int links : linkCounts) {
                    for (String kind : kinds) {
                        Scenario s = switch (kind) {
                            case "raw" -> new RawNettyScenario(size, links, false);
                            case "raw-packed" -> new RawNettyScenario(size, links, true);
                            case "raw-codec" -> new RawNettyScenario(size, links, true, message);
                            case "converge" -> new ConvergeScenario(message, links, null);
                            case "converge-tls" -> new ConvergeScenario(message, links, tls);
                            case "converge-tls-openssl" -> new ConvergeScenario(message, links, tls.withProvider(TlsConfig.Provider.OPENSSL));
                            default -> throw new IllegalArgumentException("unknown kind " + kind);
                        };
                        double[] r = run(s, warmup, measure, size);
                        results.computeIfAbsent(new Key(kind, size, links), k -> new ArrayList<>()).add(r);
                        System.out.printf(Locale.ROOT, "round %d  %-20s %5d B  %d link(s): %,12.0f msg/s  %8.1f MB/s  %6.0f CPU ns/msg  load %s%n",
                                round, kind, CrdtCodec.encode(message).length, links, r[0], r[1], r[2], loadAverage());
                    }
                }
            }
        }
        printTable(results, sizes, linkCounts, kinds);
        deleteTree(dir);
    }

    private static double[] run(Scenario s, int warmup, int measure, int size) throws Exception {
        try (s) {
            s.start();
            Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
            long c0 = s.delivered();
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(measure));
            long c1 = s.delivered();
            long cpu1 = processCpuNanos();
            long t1 = System.nanoTime();
            double perSecond = (c1 - c0) * 1e9 / (t1 - t0);
            return new double[] {perSecond, perSecond * size / 1e6, (cpu1 - cpu0) / (double) Math.max(1, c1 - c0)};
        }
    }

    /** CPU time of this JVM, all threads: less sensitive than wall-clock rates to other load on a shared machine. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static double median(List<double[]> rs, int column) {
        double[] v = rs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void printTable(Map<Key, List<double[]>> results, int[] sizes, int[] linkCounts, List<String> kinds) {
        System.out.println();
        System.out.println("| message | links | kind | msgs/s | MB/s | CPU ns/msg | vs raw | vs raw-packed | vs raw-codec | TLS vs plaintext |");
        System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int size : sizes) {
            for (int links : linkCounts) {
                for (String kind : kinds) {
                    List<double[]> rs = results.get(new Key(kind, size, links));
                    double rate = median(rs, 0);
                    System.out.printf(Locale.ROOT, "| %s | %d | %s | %,.0f | %.1f | %.0f | %s | %s | %s | %s |%n",
                            size >= 1024 ? size / 1024 + " KiB" : size + " B", links, kind, rate, median(rs, 1), median(rs, 2),
                            ratio(results, new Key("raw", size, links), rate), ratio(results, new Key("raw-packed", size, links), rate),
                            ratio(results, new Key("raw-codec", size, links), rate),
                            kind.startsWith("converge-tls") ? ratio(results, new Key("converge", size, links), rate) : "");
                }
            }
        }
    }

    private static String ratio(Map<Key, List<double[]>> results, Key baseline, double rate) {
        List<double[]> b = results.get(baseline);
        return b == null ? "" : String.format(Locale.ROOT, "%.2f×", rate / median(b, 0));
    }

    /** Logback (on the classpath through replica-node) would print DEBUG; only warnings matter here. */

    /** A self-signed EC certificate made with the JDK's keytool, used as both identity and trust anchor by every node. */
    private static TlsConfig selfSignedTls(Path dir) throws IOException, InterruptedException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path store = dir.resolve("node.p12");
        Path trust = dir.resolve("trust.pem");
        exec(keytool, "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=converge-bench",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "benchpass",
                "-keypass", "benchpass", "-ext", "SAN=ip:127.0.0.1");
        exec(keytool, "-exportcert", "-rfc", "-alias", "node", "-keystore", store.toString(), "-storepass", "benchpass",
                "-file", trust.toString());
        return new TlsConfig(TlsConfig.Format.PKCS12, store, null, "benchpass".toCharArray(), TlsConfig.Format.PEM, trust, null, false, TlsConfig.Provider.JDK);
    }

    private static void exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
