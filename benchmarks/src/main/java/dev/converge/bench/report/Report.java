package dev.converge.bench.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ./converge bench report [json]}: renders {@code benchmarks/RESULTS.md} (per layer, the
 * measured figures against the targets, the baselines and ratios of the same run, every figure of
 * the file, and the target tables of the hand-written write-ups in {@code benchmarks/results/*.md})
 * and the PNG charts under {@code benchmarks/results/charts/}.
 */
public final class Report {

    /** Layers in report order: key, title, hand-written write-up (or null), what it covers. */
    private record Layer(String key, String title, String writeUp) {
    }

    private static final List<Layer> LAYERS = List.of(
            new Layer("crdt", "crdt-core", null),
            new Layer("pekko", "Side by side with Apache Pekko Distributed Data", null),
            new Layer("storage", "storage-rocksdb", "storage.md"),
            new Layer("transport", "transport-netty", "transport.md"),
            new Layer("replica", "Replica engine (3 replicas, RocksDB, Netty loopback)", null),
            new Layer("node", "Node (Redis front end)", "node.md"),
            new Layer("e2e", "End to end (local node clusters driven over the Redis protocol)", "e2e.md"),
            new Layer("metadata", "Metadata (delete churn, departed writers)", "metadata.md"),
            new Layer("simulation", "Simulation", "simulation.md"));

    private Report() {
    }

    public static void render(Path repo, Path json, PrintStream out) throws IOException {
        ResultsFile results = ResultsFile.read(json);
        Path md = repo.resolve("benchmarks/RESULTS.md");
        Path chartDir = repo.resolve("benchmarks/results/charts");
        List<String> charts = Charts.write(results, chartDir);
        Files.writeString(md, markdown(repo, results, json, charts), StandardCharsets.UTF_8);
        out.println("wrote " + repo.relativize(md) + " and " + charts.size() + " chart(s) in " + repo.relativize(chartDir));
    }

    static String markdown(Path repo, ResultsFile results, Path json, List<String> charts) throws IOException {
        StringBuilder s = new StringBuilder();
        Map<String, Map<String, Object>> suites = results.suites();
        boolean anyQuick = suites.values().stream().anyMatch(e -> Boolean.TRUE.equals(e.get("quick")));
        s.append("# Converge benchmark results\n\n");
        s.append("Run of ").append(results.date()).append(anyQuick ? " (some suites with `--quick`: smoke figures, see below)" : "")
                .append(". Rendered by `./converge bench report` from [`results/").append(json.getFileName())
                .append("`](results/").append(json.getFileName()).append("); do not edit by hand.\n\n");
        s.append("Reproduce: `./converge bench` (every suite in sequence), `./converge bench <suite>` for one layer "
                + "(crdt, pekko, storage, transport, replica, node, e2e), `--quick` for a smoke run; then `./converge bench report`. "
                + "The node suite needs `redis-server` and `redis-benchmark` (`apt install redis-tools redis-server`).\n\n");
        s.append("## Machine\n\n");
        Map<String, Object> machine = results.machine();
        s.append(String.format(Locale.ROOT, "%s vCPUs, shared with other jobs and noisy (load average per suite below; it is often above the "
                + "CPU count), %s, %s. Absolute figures move with the load; every ratio is against a baseline measured in the same run, "
                + "and the targets stated as ratios are the ones to trust.%n%n", num(machine.get("cpus")), machine.get("java"), machine.get("os")));
        s.append("## Suites in this file\n\n| suite | status | mode | wall time | load average (1/5/15 min) at its end | note |\n|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Map<String, Object>> e : suites.entrySet()) {
            Map<String, Object> v = e.getValue();
            s.append("| ").append(e.getKey()).append(" | ").append(v.get("status")).append(" | ")
                    .append(Boolean.TRUE.equals(v.get("quick")) ? "--quick" : "full").append(" | ")
                    .append(num(v.get("seconds"))).append(" s | ").append(v.get("loadAverage")).append(" | ")
                    .append(Objects.toString(v.get("note"), "")).append(" |\n");
        }
        s.append('\n');
        if (!charts.isEmpty()) {
            s.append("## Charts\n\n");
            for (String c : charts) {
                s.append("![").append(c.replace(".png", "")).append("](results/charts/").append(c).append(")\n\n");
            }
        }
        List<Map<String, Object>> comparisons = results.comparisons();
        List<Measure> measures = results.measures();
        for (Layer layer : LAYERS) {
            s.append("## ").append(layer.title()).append("\n\n");
            Map<String, Object> suite = suites.get(layer.key());
            List<Map<String, Object>> rows = comparisons.stream().filter(c -> layer.key().equals(c.get("layer"))).toList();
            if (suite == null) {
                s.append(layer.writeUp() == null ? "Not measured in this run.\n\n"
                        : "Not measured in this run; the figures below are from the write-up.\n\n");
            } else if (!rows.isEmpty()) {
                s.append("Targets and ratios, this run (`./converge bench ").append(layer.key()).append("`");
                boolean quick = Boolean.TRUE.equals(suite.get("quick"));
                s.append(quick ? ", `--quick`: a smoke run of one 0.3 s in-process iteration per benchmark, not a measurement; "
                        + "verdicts in italics" + (layer.writeUp() != null ? ", the write-up's measured figures follow" : "") : "")
                        .append("):\n\n");
                comparisonTable(s, rows, quick);
            }
            if (suite != null) {
                List<Measure> ofSuite = measures.stream().filter(m -> layer.key().equals(m.suite())).toList();
                if (!ofSuite.isEmpty()) {
                    s.append("<details><summary>All ").append(ofSuite.size()).append(" figures of the suite</summary>\n\n");
                    s.append("| benchmark | params | score | ± error (99.9%) | unit | alloc B/op |\n|---|---|---:|---:|---|---:|\n");
                    for (Measure m : ofSuite) {
                        s.append("| ").append(m.name()).append(" | ").append(m.paramText()).append(" | ").append(fig(m.score()))
                                .append(" | ").append(Double.isNaN(m.error()) || m.error() == 0 ? "" : fig(m.error())).append(" | ")
                                .append(m.unit()).append(" | ").append(m.allocBytesPerOp() == null ? "" : fig(m.allocBytesPerOp())).append(" |\n");
                    }
                    s.append("\n</details>\n\n");
                }
                if (suite.get("lines") instanceof List<?> lines && !lines.isEmpty()) {
                    s.append("<details><summary>What the suite printed</summary>\n\n```\n");
                    lines.forEach(l -> s.append(l).append('\n'));
                    s.append("```\n\n</details>\n\n");
                }
            }
            if (layer.writeUp() != null) {
                Path writeUp = repo.resolve("benchmarks/results").resolve(layer.writeUp());
                s.append("Write-up with method, tables and analysis: [results/").append(layer.writeUp()).append("](results/")
                        .append(layer.writeUp()).append(").\n\n");
                String targets = targetsSection(writeUp);
                if (!targets.isEmpty()) {
                    s.append("From the write-up:\n\n").append(targets).append("\n\n");
                }
            }
        }
        return s.toString();
    }

    private static void comparisonTable(StringBuilder s, List<Map<String, Object>> rows, boolean quick) {
        s.append("| figure | Converge | baseline | ratio | target | verdict |\n|---|---:|---:|---:|---|---|\n");
        for (Map<String, Object> r : rows) {
            String unit = String.valueOf(r.get("unit"));
            s.append("| ").append(r.get("label")).append(" | ").append(fig(r.get("convergeValue"))).append(' ').append(unit).append(" | ");
            if (r.get("baselineValue") != null) {
                s.append(fig(r.get("baselineValue"))).append(' ').append(unit);
            }
            s.append(" | ");
            if (r.get("speedup") != null) {
                double speedup = ((Number) r.get("speedup")).doubleValue();
                s.append(String.format(Locale.ROOT, "%.3f (%s× %s)", ((Number) r.get("ratio")).doubleValue(),
                        fig(speedup >= 1 ? speedup : 1 / speedup), speedup >= 1 ? "faster" : "slower"));
            } else if (r.get("ratio") != null) {
                s.append(String.format(Locale.ROOT, "%.3f", ((Number) r.get("ratio")).doubleValue()));
            }
            s.append(" | ").append(r.get("target")).append(" | ");
            Object met = r.get("met");
            String verdict = met == null ? "" : Boolean.TRUE.equals(met) ? "met" : "missed";
            s.append(verdict.isEmpty() ? "" : quick ? "*" + verdict + " (quick)*" : "**" + verdict + "**").append(" |\n");
        }
        s.append('\n');
    }

    /** The write-up's "## Targets" section (without its heading), or its first table when it has none. */
    static String targetsSection(Path writeUp) throws IOException {
        if (!Files.exists(writeUp)) {
            return "";
        }
        List<String> lines = Files.readAllLines(writeUp, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        boolean in = false;
        for (String line : lines) {
            if (line.startsWith("## ")) {
                if (in) {
                    break;
                }
                in = line.trim().equals("## Targets");
                continue;
            }
            if (in && !line.startsWith("### ")) {
                out.add(line);
            } else if (in) {
                break;
            }
        }
        if (out.isEmpty()) {
            boolean table = false;
            for (String line : lines) {
                if (line.startsWith("|")) {
                    table = true;
                    out.add(line);
                } else if (table) {
                    break;
                }
            }
        }
        return String.join("\n", out).strip();
    }

    static String fig(Object value) {
        if (value == null) {
            return "";
        }
        double v = ((Number) value).doubleValue();
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    private static String num(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%,d", n.longValue()) : String.valueOf(value);
    }

    static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
