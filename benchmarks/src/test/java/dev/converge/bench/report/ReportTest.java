package dev.converge.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void jsonRoundTrips() {
        Object value = Map.of("a", List.of(1.5, "x\"y\n", true), "b", Map.of());
        Object back = Json.parse(Json.write(value));
        assertThat(back).isEqualTo(Map.of("a", List.of(1.5, "x\"y\n", true), "b", Map.of()));
        @SuppressWarnings("unchecked")
        Map<String, Object> parsed = (Map<String, Object>) Json.parse("{\"n\": null, \"e\": 1.25e3}");
        assertThat(parsed).containsEntry("e", 1250.0).containsKey("n");
        assertThat(parsed.get("n")).isNull();
        assertThat(Json.write(List.of(35306.022, 1e-5, 3.0))).doesNotContain(".,").doesNotContain(".\n");
        assertThat(Json.write(Map.of("o", Map.of(), "a", List.of()))).contains("{}").contains("[]");
        assertThat(Json.parse(Json.write(List.of(35306.022)))).isEqualTo(List.of(35306.02));
    }

    @Test
    void measuresRoundTrip() {
        Measure m = new Measure("crdt", "crdt.ORSetBench.applyOneAddDelta", Map.of("size", "10000"), 812.5, 12.0, "ns/op", 96.0);
        @SuppressWarnings("unchecked")
        Measure back = Measure.fromJson((Map<String, Object>) Json.parse(Json.write(m.toJson())));
        assertThat(back).isEqualTo(m);
    }

    @Test
    void goalsHoldFiguresAgainstTargetsAndBaselines() {
        List<Measure> ms = List.of(
                new Measure("crdt", "crdt.ORSetBench.applyOneAddDelta", Map.of("size", "10000", "threads", "1"), 1.5, 0.1, "us/op", null),
                new Measure("pekko", "pekko.ORSetSideBySide.applyOneAddDeltaConverge", Map.of("size", "10000"), 500, 1, "ns/op", null),
                new Measure("pekko", "pekko.ORSetSideBySide.applyOneAddDeltaPekko", Map.of("size", "10000"), 20_000, 1, "ns/op", null),
                new Measure("pekko", "pekko.sizes.oneAddDeltaConverge", Map.of(), 37, 0, "B", null),
                new Measure("pekko", "pekko.sizes.oneAddDeltaPekko", Map.of(), 80, 0, "B", null));
        List<Map<String, Object>> rows = Goals.evaluate(ms);
        Map<String, Object> apply = rows.stream().filter(r -> r.get("label").toString().startsWith("ORSet one-add delta apply, 10,000-element"))
                .findFirst().orElseThrow();
        assertThat(apply.get("convergeValue")).isEqualTo(1500.0);
        assertThat(apply.get("met")).isEqualTo(true);
        Map<String, Object> pekko = rows.stream().filter(r -> "pekko".equals(r.get("layer")) && r.get("speedup") != null).findFirst().orElseThrow();
        assertThat((Double) pekko.get("speedup")).isEqualTo(40.0);
        assertThat(pekko.get("met")).isEqualTo(false);
        Map<String, Object> delta = rows.stream().filter(r -> r.get("label").toString().contains("delta encoded size")).findFirst().orElseThrow();
        assertThat(delta.get("met")).isEqualTo(true);
    }

    @Test
    void endToEndFiguresGetRowsWithoutVerdictsAndCharts(@TempDir Path dir) throws Exception {
        List<Measure> ms = new ArrayList<>();
        for (String phase : List.of("fixed", "saturation")) {
            ms.add(new Measure("e2e", "e2e.writes", Map.of("phase", phase, "connections", "16", "offered", phase.equals("fixed") ? "5000" : "closed loop"),
                    phase.equals("fixed") ? 4990 : 12000, Double.NaN, "writes/s", null));
            for (String p : List.of("p50", "p90", "p99", "p99.9", "max")) {
                ms.add(new Measure("e2e", "e2e.latency", Map.of("phase", phase, "percentile", p), 1.5, Double.NaN, "ms", null));
                ms.add(new Measure("e2e", "e2e.lag", Map.of("phase", phase, "percentile", p), 3.0, Double.NaN, "ms", null));
            }
        }
        for (int c : List.of(1, 16, 64)) {
            ms.add(new Measure("e2e", "e2e.scaling.connections", Map.of("connections", String.valueOf(c), "nodes", "3"), 100 * c, Double.NaN,
                    "writes/s", null));
        }
        ms.add(new Measure("e2e", "e2e.store.diskBytes", Map.of("documents", "10000"), 800_000, Double.NaN, "B", null));
        ms.add(new Measure("e2e", "e2e.store.diskBytes", Map.of("documents", "1000000"), 76_000_000, Double.NaN, "B", null));

        List<Map<String, Object>> rows = Goals.evaluate(ms).stream().filter(r -> "e2e".equals(r.get("layer"))).toList();
        assertThat(rows).extracting(r -> r.get("label")).contains("write throughput, 3 nodes, 16 connections, 5,000 writes/s offered",
                "write throughput, 3 nodes, 16 connections, closed loop", "replication lag p99, fixed load (open loop)",
                "write latency p99, saturation (closed loop)");
        assertThat(rows).allSatisfy(r -> assertThat(r.get("met")).isNull());

        Path file = dir.resolve("2026-01-01.json");
        ResultsFile results = ResultsFile.openOrCreate(file, true);
        results.put("e2e", "ran", "", 1, true, ms, List.of());
        // No cluster-size points: that chart is left out rather than drawn empty.
        assertThat(Charts.write(results, dir.resolve("charts"))).contains("e2e-latency.png", "e2e-connections.png", "e2e-store-size.png")
                .doesNotContain("e2e-cluster-size.png");
        assertThat(dir.resolve("charts/e2e-latency.png")).isNotEmptyFile();
    }

    @Test
    void harnessLinesBecomeMeasures() {
        List<Measure> ms = HarnessLines.replica(List.of(
                "A->B: 99,000 samples of 100,000 writes (0 events overflowed): p50 0.41 ms, p90 0.90 ms, p99 2.10 ms, p99.9 7.00 ms, max 9.50 ms",
                "counter increment                    10000/s          100,000     12.0       20.0       14.0   1.17x      met       13.0"));
        assertThat(ms).anyMatch(m -> m.is("replica.latency", Map.of("link", "A->B", "percentile", "p99")) && m.score() == 2.10);
        assertThat(ms).anyMatch(m -> m.name().equals("replica.wire.perPeerOverDelta") && m.score() == 1.17);
    }
}
