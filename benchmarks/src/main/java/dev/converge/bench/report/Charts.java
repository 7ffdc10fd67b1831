package dev.converge.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** The PNG charts of the report, drawn with XChart from the results file. */
final class Charts {

    private Charts() {
    }

    /** Writes every chart the file has figures for; returns their file names. */
    static List<String> write(ResultsFile results, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<String> written = new ArrayList<>();
        List<Map<String, Object>> comparisons = results.comparisons();
        List<Measure> measures = results.measures();

        // Converge against Pekko: how many times faster (Pekko time / Converge time), log scale.
        List<String> labels = new ArrayList<>();
        List<Number> speedups = new ArrayList<>();
        for (Map<String, Object> c : comparisons) {
            if ("pekko".equals(c.get("layer")) && c.get("speedup") instanceof Number n) {
                labels.add(shorten((String) c.get("label")));
                speedups.add(Math.log10(n.doubleValue()));
            }
        }
        if (!labels.isEmpty()) {
            CategoryChart chart = chart("Converge vs Apache Pekko Distributed Data: log10(Pekko time / Converge time); 1 = 10x, 2 = 100x faster, "
                    + "below 0 = slower", "", "log10(x faster)");
            chart.addSeries("speed-up", labels, speedups);
            save(chart, dir, "pekko-speedup", written);
        }

        // Ratios to the same-run baselines, with their targets (throughput and bytes).
        labels = new ArrayList<>();
        List<Number> ratios = new ArrayList<>();
        List<Number> targets = new ArrayList<>();
        for (Map<String, Object> c : comparisons) {
            if (c.get("speedup") == null && c.get("ratio") instanceof Number n) {
                labels.add(shorten(c.get("layer") + ": " + c.get("label")));
                ratios.add(n);
                targets.add(targetValue(String.valueOf(c.get("target"))));
            }
        }
        if (!labels.isEmpty()) {
            CategoryChart chart = chart("Converge / baseline, same run", "", "ratio");
            chart.addSeries("Converge / baseline", labels, ratios);
            chart.addSeries("target", labels, targets);
            save(chart, dir, "baseline-ratios", written);
        }

        // Throughput per layer: Converge and its raw baseline, operations or messages per second.
        labels = new ArrayList<>();
        List<Number> converge = new ArrayList<>();
        List<Number> baseline = new ArrayList<>();
        for (Map<String, Object> c : comparisons) {
            if ("ops/s".equals(c.get("unit")) && c.get("baselineValue") instanceof Number b) {
                labels.add(shorten(c.get("layer") + ": " + c.get("label")));
                converge.add((Number) c.get("convergeValue"));
                baseline.add(b);
            }
        }
        for (Measure m : measures) {
            if (m.name().equals("transport.converge")) {
                for (Measure r : measures) {
                    if (r.name().equals("transport.raw") && r.params().equals(m.params())) {
                        labels.add("transport: " + m.params().get("bytes") + " B, " + m.params().get("links") + " link(s), round "
                                + m.params().get("round") + " (msg/s)");
                        converge.add(m.score());
                        baseline.add(r.score());
                    }
                }
            }
        }
        if (!labels.isEmpty()) {
            CategoryChart chart = chart("Throughput per layer: Converge and the raw baseline of the same run", "", "per second");
            chart.addSeries("Converge", labels, converge);
            chart.addSeries("raw baseline (RocksDB / Netty)", labels, baseline);
            save(chart, dir, "throughput", written);
        }

        // Replication latency percentiles per link.
        List<String> percentiles = List.of("p50", "p90", "p99", "p99.9", "max");
        List<String> links = measures.stream().filter(m -> m.name().equals("replica.latency")).map(m -> m.params().get("link"))
                .distinct().toList();
        if (!links.isEmpty()) {
            CategoryChart chart = chart("Replication latency at 10,000 writes/s (3 replicas, loopback), target p99 <= 5 ms", "percentile", "ms");
            chart.getStyler().setXAxisLabelRotation(0);
            for (String link : links) {
                List<Number> values = new ArrayList<>();
                for (String p : percentiles) {
                    values.add(measures.stream().filter(m -> m.is("replica.latency", Map.of("link", link, "percentile", p)))
                            .findFirst().map(Measure::score).orElse(0.0));
                }
                chart.addSeries(link, percentiles, values);
            }
            save(chart, dir, "replication-latency", written);
        }

        // crdt-core operation times against their targets, log scale.
        labels = new ArrayList<>();
        List<Number> times = new ArrayList<>();
        targets = new ArrayList<>();
        for (Map<String, Object> c : comparisons) {
            if ("crdt".equals(c.get("layer")) && "ns/op".equals(c.get("unit"))) {
                labels.add(shorten((String) c.get("label")));
                times.add(Math.log10(((Number) c.get("convergeValue")).doubleValue()));
                targets.add(Math.log10(targetValue(String.valueOf(c.get("target")))));
            }
        }
        if (!labels.isEmpty()) {
            CategoryChart chart = chart("crdt-core operation times and targets: log10(ns); 3 = 1 us, 6 = 1 ms", "", "log10(ns/op)");
            chart.addSeries("measured", labels, times);
            chart.addSeries("target (at most)", labels, targets);
            save(chart, dir, "crdt-times", written);
        }
        return written;
    }

    private static CategoryChart chart(String title, String x, String y) {
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(800).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return chart;
    }

    private static void save(CategoryChart chart, Path dir, String name, List<String> written) throws IOException {
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        written.add(name + ".png");
    }

    /** The number in a target such as {@code >= 0.6x} or {@code <= 2,000 ns}. */
    private static double targetValue(String target) {
        String digits = target.replace(",", "").replaceAll("[^0-9.]", " ").trim().split("\\s+")[0];
        return digits.isEmpty() ? 0 : Double.parseDouble(digits.replace(",", ""));
    }

    private static String shorten(String label) {
        String s = label.replace(" (ns)", "").replace(" (bytes)", "");
        return s.length() > 64 ? s.substring(0, 61) + "..." : s;
    }
}
