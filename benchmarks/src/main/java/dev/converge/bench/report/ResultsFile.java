package dev.converge.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The combined results file {@code benchmarks/results/<date>.json}:
 * <pre>
 * {
 *   "date": "2026-11-21", "updated": "...Z",
 *   "machine": {"cpus": 2, "os": "...", "java": "..."},
 *   "suites": {
 *     "crdt": {"status": "ran|skipped|failed", "quick": false, "seconds": 95, "loadAverage": "1.2 1.0 0.9",
 *              "note": "", "benchmarks": [{"suite", "name", "params", "score", "error", "unit", "allocBytesPerOp"}],
 *              "lines": ["what the harness printed", ...]},
 *     ...
 *   },
 *   "comparisons": [{"layer", "label", "converge", "convergeValue", "unit", "baseline", "baselineValue",
 *                    "ratio", "speedup", "target", "met"}]
 * }
 * </pre>
 * Names are JMH benchmark names without {@code dev.converge.bench.}; sizes are {@code *.sizes.*}
 * in bytes; transport rows are {@code transport.<kind>} in msg/s. Running one suite replaces its
 * entry and recomputes the comparisons over every suite in the file.
 */
public final class ResultsFile {

    private final Map<String, Object> root;

    private ResultsFile(Map<String, Object> root) {
        this.root = root;
    }

    public static Path path(Path repo, LocalDate date) {
        return repo.resolve("benchmarks/results").resolve(date + ".json");
    }

    /** The newest {@code <date>.json} under benchmarks/results. */
    public static Path latest(Path repo) throws IOException {
        try (Stream<Path> files = Files.list(repo.resolve("benchmarks/results"))) {
            return files.filter(p -> p.getFileName().toString().matches("\\d{4}-\\d{2}-\\d{2}\\.json"))
                    .max(Comparator.comparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new IOException("no benchmarks/results/<date>.json yet: run ./converge bench first"));
        }
    }

    @SuppressWarnings("unchecked")
    public static ResultsFile read(Path file) throws IOException {
        return new ResultsFile((Map<String, Object>) Json.parse(Files.readString(file, StandardCharsets.UTF_8)));
    }

    public static ResultsFile openOrCreate(Path file, boolean quick) throws IOException {
        if (Files.exists(file)) {
            return read(file);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", file.getFileName().toString().replace(".json", ""));
        root.put("updated", null);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        machine.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        root.put("machine", machine);
        root.put("suites", new LinkedHashMap<String, Object>());
        root.put("comparisons", List.of());
        return new ResultsFile(root);
    }

    /** Replaces a suite's entry (a record of {@code dev.converge.bench.BenchMain}'s run, passed field by field). */
    @SuppressWarnings("unchecked")
    public void put(String suite, String status, String note, double seconds, boolean quick, List<Measure> measures, List<String> lines) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("status", status);
        entry.put("quick", quick);
        entry.put("seconds", Math.round(seconds));
        entry.put("loadAverage", loadAverage());
        entry.put("note", note);
        entry.put("benchmarks", measures.stream().map(Measure::toJson).toList());
        entry.put("lines", lines);
        ((Map<String, Object>) root.get("suites")).put(suite, entry);
        root.put("updated", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("comparisons", Goals.evaluate(measures()));
    }

    /**
     * Reads a raw JMH JSON result file (as {@code -rf json} writes it) into measures of {@code suite},
     * for a JMH run made outside {@code ./converge bench} with its own options.
     */
    @SuppressWarnings("unchecked")
    public static List<Measure> fromJmh(String suite, Path jmhJson) throws IOException {
        List<Measure> out = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(Files.readString(jmhJson, StandardCharsets.UTF_8))) {
            Map<String, Object> b = (Map<String, Object>) o;
            Map<String, Object> primary = (Map<String, Object>) b.get("primaryMetric");
            Map<String, String> params = new LinkedHashMap<>();
            ((Map<String, Object>) b.getOrDefault("params", Map.of())).forEach((k, v) -> params.put(k, String.valueOf(v)));
            params.put("threads", String.valueOf(((Number) b.get("threads")).intValue()));
            Map<String, Object> secondary = (Map<String, Object>) b.getOrDefault("secondaryMetrics", Map.of());
            Map<String, Object> alloc = (Map<String, Object>) secondary.get("gc.alloc.rate.norm");
            Object error = primary.get("scoreError");
            out.add(new Measure(suite, ((String) b.get("benchmark")).replace("dev.converge.bench.", ""), params,
                    ((Number) primary.get("score")).doubleValue(), error instanceof Number n ? n.doubleValue() : Double.NaN,
                    (String) primary.get("scoreUnit"), alloc == null ? null : ((Number) alloc.get("score")).doubleValue()));
        }
        return out;
    }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, Json.write(root), StandardCharsets.UTF_8);
    }

    public String date() {
        return String.valueOf(root.get("date"));
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> machine() {
        return (Map<String, Object>) root.getOrDefault("machine", Map.of());
    }

    @SuppressWarnings("unchecked")
    public Map<String, Map<String, Object>> suites() {
        return (Map<String, Map<String, Object>>) root.getOrDefault("suites", Map.of());
    }

    @SuppressWarnings("unchecked")
    public List<Measure> measures() {
        List<Measure> out = new ArrayList<>();
        for (Map<String, Object> suite : suites().values()) {
            for (Object m : (List<Object>) suite.getOrDefault("benchmarks", List.of())) {
                out.add(Measure.fromJson((Map<String, Object>) m));
            }
        }
        return out;
    }

    public List<Map<String, Object>> comparisons() {
        return Goals.evaluate(measures());
    }

    /** The 1, 5 and 15 minute load averages, from /proc/loadavg where there is one. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return String.join(" ", f[0], f[1], f[2]);
        } catch (IOException | UncheckedIOException | ArrayIndexOutOfBoundsException e) {
            return String.format(Locale.ROOT, "%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
