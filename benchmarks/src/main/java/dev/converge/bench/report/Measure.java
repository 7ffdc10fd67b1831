package dev.converge.bench.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One measured figure of the results file: a JMH benchmark's score (short name such as
 * {@code crdt.ORSetBench.applyOneAddDelta}, its parameters, score, error, unit and allocation per
 * operation) or a deterministic size (unit {@code B}, error 0).
 */
public record Measure(String suite, String name, Map<String, String> params, double score, double error, String unit,
        Double allocBytesPerOp) {

    public Measure {
        params = Map.copyOf(params);
    }

    /** True if this is {@code name} and its parameters include every given one. */
    public boolean is(String benchmark, Map<String, String> wanted) {
        if (!name.equals(benchmark)) {
            return false;
        }
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            if (!Objects.equals(params.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** The score in nanoseconds per operation, for time-per-operation units; NaN otherwise. */
    public double nanos() {
        return switch (unit) {
            case "ns/op" -> score;
            case "us/op" -> score * 1e3;
            case "ms/op" -> score * 1e6;
            case "s/op" -> score * 1e9;
            default -> Double.NaN;
        };
    }

    public String paramText() {
        if (params.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        new java.util.TreeMap<>(params).forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append('=').append(v));
        return s.toString();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("suite", suite);
        m.put("name", name);
        m.put("params", new java.util.TreeMap<>(params));
        m.put("score", score);
        m.put("error", error);
        m.put("unit", unit);
        m.put("allocBytesPerOp", allocBytesPerOp);
        return m;
    }

    @SuppressWarnings("unchecked")
    public static Measure fromJson(Map<String, Object> m) {
        Map<String, String> params = new LinkedHashMap<>();
        ((Map<String, Object>) m.getOrDefault("params", Map.of())).forEach((k, v) -> params.put(k, String.valueOf(v)));
        Object alloc = m.get("allocBytesPerOp");
        Object error = m.get("error");
        return new Measure((String) m.get("suite"), (String) m.get("name"), params, ((Number) m.get("score")).doubleValue(),
                error == null ? Double.NaN : ((Number) error).doubleValue(), (String) m.get("unit"),
                alloc == null ? null : ((Number) alloc).doubleValue());
    }
}
