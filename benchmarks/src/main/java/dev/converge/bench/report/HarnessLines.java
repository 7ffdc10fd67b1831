package dev.converge.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Figures the replica harnesses print, read back as measures so the report can hold them against targets. */
public final class HarnessLines {

    private static final Pattern LATENCY = Pattern.compile(
            "(.+?): ([\\d,]+) samples of ([\\d,]+) writes .*p50 ([\\d.]+) ms, p90 ([\\d.]+) ms, p99 ([\\d.]+) ms, p99\\.9 ([\\d.]+) ms, max ([\\d.]+) ms");
    private static final Pattern WIRE = Pattern.compile(
            "(.+?)\\s{2,}(\\S+/s|one at a time)\\s+([\\d,]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)x\\s+(met|missed)\\s+([\\d.]+)");

    private HarnessLines() {
    }

    /** Replication latency percentiles per link ({@code replica.latency}, ms) and wire bytes per update ({@code replica.wire}). */
    public static List<Measure> replica(List<String> lines) {
        List<Measure> out = new ArrayList<>();
        String[] names = {"p50", "p90", "p99", "p99.9", "max"};
        for (String line : lines) {
            Matcher m = LATENCY.matcher(line.trim());
            if (m.matches()) {
                for (int i = 0; i < names.length; i++) {
                    out.add(new Measure("replica", "replica.latency", Map.of("link", m.group(1).trim(), "percentile", names[i]),
                            Double.parseDouble(m.group(4 + i)), Double.NaN, "ms", null));
                }
                continue;
            }
            Matcher w = WIRE.matcher(line.trim());
            if (w.matches()) {
                Map<String, String> params = Map.of("workload", w.group(1).trim(), "pace", w.group(2));
                out.add(new Measure("replica", "replica.wire.perPeerOverDelta", params, Double.parseDouble(w.group(7)), Double.NaN, "x", null));
                out.add(new Measure("replica", "replica.wire.bytesPerPeer", params, Double.parseDouble(w.group(6)), Double.NaN, "B", null));
            }
        }
        return out;
    }
}
