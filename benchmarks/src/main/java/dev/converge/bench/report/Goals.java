package dev.converge.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The targets of the issue that a results file can decide, and the Converge/baseline ratios of the
 * suites that measure a baseline in the same run. A comparison whose figures are missing from the
 * file (suite not run, benchmark filtered out) is left out rather than guessed.
 */
public final class Goals {

    /** How a figure is held against its target. */
    enum Kind {
        /** converge ≤ target, in the target's unit (ns or bytes). */
        AT_MOST,
        /** baseline time / converge time ≥ target ("n× faster"). */
        FASTER_BY,
        /** converge / baseline ≤ target (bytes). */
        RATIO_AT_MOST,
        /** converge / baseline ≥ target (throughput). */
        RATIO_AT_LEAST,
        /** no target: the ratio converge / baseline, shown for the record. */
        INFO
    }

    record Spec(String layer, String label, Kind kind, double target, String converge, Map<String, String> convergeParams,
            String baseline, Map<String, String> baselineParams) {
    }

    private Goals() {
    }

    private static final List<Spec> SPECS = List.of(
            // crdt-core absolute targets (suite crdt)
            at("crdt", "ORSet one-add delta apply, 1,000-element set (ns)", 2_000, "crdt.ORSetBench.applyOneAddDelta", Map.of("size", "1000")),
            at("crdt", "ORSet one-add delta apply, 10,000-element set (ns)", 2_000, "crdt.ORSetBench.applyOneAddDelta", Map.of("size", "10000")),
            at("crdt", "ORSet one-add delta apply, 100,000-element set (ns)", 2_000, "crdt.ORSetBench.applyOneAddDelta", Map.of("size", "100000")),
            at("crdt", "ORSet full join, 10,000 elements differing by 100 (ns)", 1_000_000, "crdt.ORSetBench.fullJoinOfSetsDifferingBy100", Map.of()),
            at("crdt", "ORSet full-set encoding, 10,000 elements (ns)", 1_500_000, "crdt.ORSetBench.encodeFullSet", Map.of()),
            at("crdt", "ORSet full set encoded, 10,000 elements (bytes)", 150_000, "crdt.sizes.fullSet", Map.of()),
            at("crdt", "ORSet one-add delta encoded (bytes)", 40, "crdt.sizes.oneAddDelta", Map.of()),
            at("crdt", "PNCounter increment with delta (ns)", 30, "crdt.ScalarBench.pnCounterIncrementWithDelta", Map.of()),
            at("crdt", "LWWRegister set with delta (ns)", 50, "crdt.ScalarBench.lwwRegisterSet", Map.of()),
            // Pekko side by side (suite pekko): time ratios are Pekko / Converge ("n× faster")
            faster("ORSet one-add delta apply, 10,000 elements (RR merge vs mergeDelta)", 50, "applyOneAddDelta", "applyOneAddDelta", Map.of("size", "10000")),
            faster("ORSet one-add delta apply, 1,000 elements", 0, "applyOneAddDelta", "applyOneAddDelta", Map.of("size", "1000")),
            faster("ORSet one-add delta plain join, 10,000 elements (join vs mergeDelta)", 0, "joinOneAddDelta", "applyOneAddDelta", Map.of("size", "10000")),
            faster("ORSet one-add delta apply, 100,000 elements", 0, "applyOneAddDelta", "applyOneAddDelta", Map.of("size", "100000")),
            faster("ORSet add with delta, 10,000 elements", 0, "addWithDelta", "addWithDelta", Map.of("size", "10000")),
            faster("ORSet full join, 10,000 elements differing by 100", 3, "fullJoin", "fullJoin", Map.of()),
            faster("ORSet full-set encoding (Pekko: protobuf + gzip, as sent)", 5, "encodeFullSet", "encodeFullSet", Map.of()),
            faster("ORSet full-set encoding (Pekko: protobuf only)", 0, "encodeFullSet", "encodeFullSetUncompressed", Map.of()),
            faster("ORSet full-set decoding (Pekko: gunzip + protobuf)", 0, "decodeFullSet", "decodeFullSet", Map.of()),
            faster("ORSet full-set decoding (Pekko: protobuf only)", 0, "decodeFullSet", "decodeFullSetUncompressed", Map.of()),
            faster("ORSet one-add delta encoding", 0, "encodeOneAddDelta", "encodeOneAddDelta", Map.of()),
            faster("ORSet one-add delta decoding", 0, "decodeOneAddDelta", "decodeOneAddDelta", Map.of()),
            scalar("GCounter increment", "gCounterIncrement"),
            scalar("PNCounter increment", "pnCounterIncrement"),
            scalar("GCounter join, 16 entries", "gCounterJoin16"),
            scalar("PNCounter join, 16 entries", "pnCounterJoin16"),
            scalar("LWWRegister update", "lwwRegisterSet"),
            scalar("LWWRegister join", "lwwRegisterJoin"),
            new Spec("pekko", "ORSet full set encoded size, vs Pekko's raw protobuf", Kind.RATIO_AT_MOST, 0.35,
                    "pekko.sizes.fullSetConverge", Map.of(), "pekko.sizes.fullSetPekkoRaw", Map.of()),
            new Spec("pekko", "ORSet full set gzipped size, vs Pekko as sent (gzip)", Kind.INFO, 0,
                    "pekko.sizes.fullSetConvergeGzipped", Map.of(), "pekko.sizes.fullSetPekkoGzipped", Map.of()),
            new Spec("pekko", "ORSet one-add delta encoded size, vs Pekko", Kind.RATIO_AT_MOST, 0.5,
                    "pekko.sizes.oneAddDeltaConverge", Map.of(), "pekko.sizes.oneAddDeltaPekko", Map.of()),
            // storage-rocksdb against raw RocksDB at the same bytes per operation (suite storage)
            store("counter", "119", "1"), store("set", "180", "1"), store("register", "140", "1"),
            store("counter", "119", "4"), store("set", "180", "4"), store("register", "140", "4"),
            at("storage", "cache-hit read (ns)", 1_000, "storage.CachedReadBench.cachedRead", Map.of()),
            // the replica engine against raw RocksDB (suite replica)
            new Spec("replica", "writes through Replica with 2 peers vs raw RocksDB, 1 thread", Kind.RATIO_AT_LEAST, 0.4,
                    "replica.ReplicaWriteBench.increment1", Map.of(), "storage.RawRocksDbBaseline.put1", Map.of("bytesPerOp", "119")),
            new Spec("replica", "writes through Replica with 2 peers vs raw RocksDB, 4 threads", Kind.RATIO_AT_LEAST, 0.4,
                    "replica.ReplicaWriteBench.increment4", Map.of(), "storage.RawRocksDbBaseline.put4", Map.of("bytesPerOp", "119")),
            // Writes kept in flight are grouped into one RocksDB write by the store: their baseline batches too.
            new Spec("replica", "pipelined writes (64 in flight) through Replica with 2 peers vs raw RocksDB batching 64, 1 thread",
                    Kind.RATIO_AT_LEAST, 0.4, "replica.ReplicaWriteBench.pipelined1", Map.of(), "storage.RawRocksDbBaseline.putBatched1",
                    Map.of("bytesPerOp", "119")),
            new Spec("replica", "pipelined writes (64 in flight per thread) through Replica with 2 peers vs raw RocksDB batching 64, 4 threads",
                    Kind.RATIO_AT_LEAST, 0.4, "replica.ReplicaWriteBench.pipelined4", Map.of(), "storage.RawRocksDbBaseline.putBatched4",
                    Map.of("bytesPerOp", "119")),
            // metadata (suite metadata): delete churn against the same keys live, and departed writers against 3 replicas
            new Spec("metadata", "store after create/delete churn on 1,000 keys, vs the same keys live (bytes)", Kind.RATIO_AT_MOST, 2.0,
                    "metadata.deleteChurn.churnedBytes", Map.of(), "metadata.deleteChurn.liveBytes", Map.of()),
            new Spec("metadata", "OR-set bytes after 1,000 departed writers, vs with 3 replicas", Kind.RATIO_AT_MOST, 1.0,
                    "metadata.afterDeparted.bytes", Map.of("type", "or-set"), "metadata.with3Replicas.bytes", Map.of("type", "or-set")),
            new Spec("metadata", "PN-counter bytes after 1,000 departed writers, vs with 3 replicas", Kind.RATIO_AT_MOST, 1.0,
                    "metadata.afterDeparted.bytes", Map.of("type", "pn-counter"), "metadata.with3Replicas.bytes",
                    Map.of("type", "pn-counter")));

    private static Spec at(String layer, String label, double target, String name, Map<String, String> params) {
        return new Spec(layer, label, Kind.AT_MOST, target, name, params, null, Map.of());
    }

    private static Spec faster(String label, double target, String converge, String pekko, Map<String, String> params) {
        String pekkoName = pekko.endsWith("Uncompressed") ? pekko.replace("Uncompressed", "PekkoUncompressed") : pekko + "Pekko";
        return new Spec("pekko", label, target > 0 ? Kind.FASTER_BY : Kind.INFO, target,
                "pekko.ORSetSideBySide." + converge + "Converge", params, "pekko.ORSetSideBySide." + pekkoName, params);
    }

    private static Spec scalar(String label, String method) {
        return new Spec("pekko", label, Kind.INFO, 0, "pekko.ScalarSideBySide." + method + "Converge", Map.of(),
                "pekko.ScalarSideBySide." + method + "Pekko", Map.of());
    }

    private static Spec store(String workload, String bytes, String threads) {
        return new Spec("storage", "update throughput vs raw RocksDB, " + workload + ", " + threads + " thread" + ("1".equals(threads) ? "" : "s"),
                Kind.RATIO_AT_LEAST, 0.6, "storage.StoreUpdateBench.update" + threads, Map.of("workload", workload),
                "storage.RawRocksDbBaseline.put" + threads, Map.of("bytesPerOp", bytes));
    }

    /** The comparisons the measures allow, as JSON-ready maps (layer, label, figures, ratio, target, verdict). */
    public static List<Map<String, Object>> evaluate(List<Measure> measures) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Spec spec : SPECS) {
            Optional<Measure> converge = find(measures, spec.layer(), spec.converge(), spec.convergeParams());
            if (converge.isEmpty()) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", spec.layer());
            row.put("label", spec.label());
            Measure c = converge.get();
            row.put("converge", c.name() + (c.paramText().isEmpty() ? "" : " (" + c.paramText() + ")"));
            double cValue = c.unit().endsWith("/op") && !Double.isNaN(c.nanos()) ? c.nanos() : c.score();
            String unit = c.unit().endsWith("/op") && !Double.isNaN(c.nanos()) ? "ns/op" : c.unit();
            row.put("convergeValue", cValue);
            row.put("unit", unit);
            if (spec.kind() == Kind.AT_MOST) {
                row.put("target", "<= " + fmt(spec.target()) + " " + unitWord(unit));
                row.put("met", cValue <= spec.target());
                out.add(row);
                continue;
            }
            Optional<Measure> baseline = find(measures, spec.layer(), spec.baseline(), spec.baselineParams());
            if (baseline.isEmpty()) {
                continue;
            }
            Measure b = baseline.get();
            double bValue = b.unit().endsWith("/op") && !Double.isNaN(b.nanos()) ? b.nanos() : b.score();
            row.put("baseline", b.name() + (b.paramText().isEmpty() ? "" : " (" + b.paramText() + ")"));
            row.put("baselineValue", bValue);
            double ratio = cValue / bValue;
            row.put("ratio", ratio);
            switch (spec.kind()) {
                case FASTER_BY -> {
                    row.put("speedup", bValue / cValue);
                    row.put("target", ">= " + fmt(spec.target()) + "x faster");
                    row.put("met", bValue / cValue >= spec.target());
                }
                case RATIO_AT_MOST -> {
                    row.put("target", "<= " + fmt(spec.target()) + "x");
                    row.put("met", ratio <= spec.target());
                }
                case RATIO_AT_LEAST -> {
                    row.put("target", ">= " + fmt(spec.target()) + "x");
                    row.put("met", ratio >= spec.target());
                }
                default -> {
                    if (unit.equals("ns/op")) {
                        row.put("speedup", bValue / cValue);
                    }
                    row.put("target", "-");
                    row.put("met", null);
                }
            }
            out.add(row);
        }
        for (Measure m : measures) {
            if (m.name().equals("transport.converge") || m.name().startsWith("transport.converge-tls")) {
                String where = m.params().get("bytes") + " B, " + m.params().get("links") + " link(s), round " + m.params().get("round");
                boolean tls = m.name().startsWith("transport.converge-tls");
                String base = tls ? "transport.converge" : "transport.raw";
                measures.stream().filter(b -> b.name().equals(base) && b.params().equals(m.params())).findFirst().ifPresent(b -> {
                    Map<String, Object> row = dynamic("transport", (tls ? (m.name().endsWith("openssl") ? "TLS (openssl provider) vs plaintext, " : "TLS (jdk provider) vs plaintext, ") : "vs raw Netty, one write per frame, ") + where, m,
                            Double.NaN, tls ? ">= 0.5x" : ">= 0.8x");
                    row.put("baseline", b.name() + " (" + b.paramText() + ")");
                    row.put("baselineValue", b.score());
                    row.put("ratio", m.score() / b.score());
                    row.put("met", m.score() / b.score() >= (tls ? 0.5 : 0.8));
                    out.add(row);
                });
                if (!tls) {
                    // The stricter baseline: raw Netty batching frames into large writes, as the transport does.
                    measures.stream().filter(b -> b.name().equals("transport.raw-packed") && b.params().equals(m.params())).findFirst()
                            .ifPresent(b -> {
                                Map<String, Object> row = dynamic("transport", "vs raw Netty packing frames into 64 KiB writes, " + where, m,
                                        Double.NaN, ">= 0.8x");
                                row.put("baseline", b.name() + " (" + b.paramText() + ")");
                                row.put("baselineValue", b.score());
                                row.put("ratio", m.score() / b.score());
                                row.put("met", m.score() / b.score() >= 0.8);
                                out.add(row);
                            });
                }
                if (!tls && "1".equals(m.params().get("links")) && Integer.parseInt(m.params().get("bytes")) <= 64) {
                    Map<String, Object> row = dynamic("transport", "small messages on one link, " + where, m, Double.NaN, ">= 500,000 msg/s");
                    row.put("met", m.score() >= 500_000);
                    out.add(row);
                }
            }
            if (m.name().equals("replica.latency") && "p99".equals(m.params().get("percentile"))) {
                out.add(dynamic("replica", "replication latency p99 at 10,000 writes/s, " + m.params().get("link"), m, 5, "<= 5 ms"));
            }
            if (m.name().equals("e2e.writes")) {
                out.add(info("e2e", "write throughput, 3 nodes, " + m.params().get("connections") + " connections, " + offered(m), m));
            }
            if ((m.name().equals("e2e.latency") || m.name().equals("e2e.lag")) && "p99".equals(m.params().get("percentile"))) {
                String what = m.name().equals("e2e.lag") ? "replication lag p99" : "write latency p99";
                out.add(info("e2e", what + ", " + ("fixed".equals(m.params().get("phase")) ? "fixed load (open loop)" : "saturation (closed loop)"), m));
            }
            if (m.name().equals("replica.wire.perPeerOverDelta")) {
                out.add(dynamic("replica", "wire bytes per peer / delta bytes, " + m.params().get("workload") + ", " + m.params().get("pace"),
                        m, 1.5, "<= 1.5x delta"));
            }
        }
        return out;
    }

    private static Map<String, Object> dynamic(String layer, String label, Measure m, double target, String targetText) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("layer", layer);
        row.put("label", label);
        row.put("converge", m.name() + " (" + m.paramText() + ")");
        row.put("convergeValue", m.score());
        row.put("unit", m.unit());
        row.put("target", targetText);
        row.put("met", m.score() <= target);
        return row;
    }

    /** A figure the issue asks for without a target: shown in the layer's table, no verdict. */
    private static Map<String, Object> info(String layer, String label, Measure m) {
        Map<String, Object> row = dynamic(layer, label, m, Double.NaN, "-");
        row.put("met", null);
        return row;
    }

    private static String offered(Measure m) {
        String offered = m.params().get("offered");
        return offered == null || !offered.matches("\\d+") ? "closed loop" : fmt(Double.parseDouble(offered)) + " writes/s offered";
    }

    private static String unitWord(String unit) {
        return switch (unit) {
            case "B" -> "bytes";
            case "ns/op" -> "ns";
            default -> unit;
        };
    }

    /** The figure from the layer's own suite (its same-run baseline) if it has one, else from any suite. */
    private static Optional<Measure> find(List<Measure> measures, String layer, String name, Map<String, String> params) {
        Optional<Measure> own = measures.stream().filter(m -> layer.equals(m.suite()) && m.is(name, params)).findFirst();
        return own.isPresent() ? own : measures.stream().filter(m -> m.is(name, params)).findFirst();
    }

    static String fmt(double v) {
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
