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
import org.knowm.xchart.CategorySeries;
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
        writeEndToEnd(measures, dir, written);
        return written;
    }

    /** The e2e suite: latency and lag percentiles, throughput against connections and cluster size, store size against documents. */
    private static void writeEndToEnd(List<Measure> measures, Path dir, List<String> written) throws IOException {
        List<String> percentiles = List.of("p50", "p90", "p99", "p99.9", "max");
        CategoryChart latency = chart("End to end, 3 nodes: write latency and replication lag, ms (log scale)", "percentile", "ms");
        latency.getStyler().setXAxisLabelRotation(0);
        latency.getStyler().setYAxisLogarithmic(true);
        // Bars have no base on a log axis: lines, one per series.
        latency.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        latency.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        boolean any = false;
        for (String name : List.of("e2e.latency", "e2e.lag")) {
            for (String phase : List.of("fixed", "saturation")) {
                List<Number> values = new ArrayList<>();
                for (String p : percentiles) {
                    measures.stream().filter(m -> m.is(name, Map.of("phase", phase, "percentile", p)) && m.score() > 0).findFirst()
                            .ifPresent(m -> values.add(m.score()));
                }
                if (values.size() == percentiles.size()) {
                    latency.addSeries((name.equals("e2e.lag") ? "replication lag, " : "write latency, ")
                            + (phase.equals("fixed") ? "fixed load" : "saturation"), percentiles, values);
                    any = true;
                }
            }
        }
        if (any) {
            save(latency, dir, "e2e-latency", written);
        }
        curve(measures, "e2e.scaling.connections", "connections", "End to end, 3 nodes: write throughput against client connections (closed loop)",
                "client connections", dir, "e2e-connections", written);
        curve(measures, "e2e.scaling.nodes", "nodes", "End to end: write throughput against cluster size (closed loop, 16 connections)",
                "nodes", dir, "e2e-cluster-size", written);
        List<Measure> store = sortedBy(measures, "e2e.store.diskBytes", "documents");
        if (!store.isEmpty()) {
            CategoryChart chart = chart("Store size on disk against document count (LWW registers, 16-byte values), MiB, log scale", "documents",
                    "MiB on disk");
            chart.getStyler().setXAxisLabelRotation(0);
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
            chart.addSeries("bytes on disk", store.stream().map(m -> String.format(java.util.Locale.ROOT, "%,d",
                    Long.parseLong(m.params().get("documents")))).toList(), store.stream().map(m -> (Number) (m.score() / 1048576.0)).toList());
            save(chart, dir, "e2e-store-size", written);
        }
    }

    private static void curve(List<Measure> measures, String name, String param, String title, String x, Path dir, String file,
            List<String> written) throws IOException {
        List<Measure> points = sortedBy(measures, name, param);
        if (points.isEmpty()) {
            return;
        }
        CategoryChart chart = chart(title, x, "writes/s");
        chart.getStyler().setXAxisLabelRotation(0);
        chart.addSeries("writes/s", points.stream().map(m -> m.params().get(param)).toList(), points.stream().map(m -> (Number) m.score()).toList());
        save(chart, dir, file, written);
    }

    /** The measures of one name, in the numeric order of one parameter. */
    private static List<Measure> sortedBy(List<Measure> measures, String name, String param) {
        return measures.stream().filter(m -> m.name().equals(name) && m.params().containsKey(param))
                .sorted(java.util.Comparator.comparingLong(m -> Long.parseLong(m.params().get(param)))).toList();
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
