package dev.converge.bench.node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code redis-benchmark --csv} output. Redis 7 prints a header line
 * ({@code "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...}) and one line per
 * test; Redis 6 printed only {@code "TEST","rps"} lines. Columns are looked up by header name, so
 * the reader takes either form; latencies missing from the output are {@code NaN}.
 */
final class RedisBenchmarkCsv {

    /** One test's line: requests per second and latencies in milliseconds. */
    record Row(String test, double rps, double avgMillis, double p50Millis, double p99Millis) {
    }

    private RedisBenchmarkCsv() {
    }

    /**
     * The rows by test name (as redis-benchmark prints it, e.g. {@code SET}), in output order.
     *
     * @throws IllegalArgumentException when a line is not CSV of the expected shape
     */
    static Map<String, Row> parse(String csv) {
        Map<String, Row> rows = new LinkedHashMap<>();
        Map<String, Integer> columns = Map.of("test", 0, "rps", 1);
        int lineNo = 0;
        for (String line : csv.split("\r?\n")) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            List<String> fields = fields(line, lineNo);
            if (fields.get(0).equals("test")) {
                Map<String, Integer> header = new LinkedHashMap<>();
                for (int i = 0; i < fields.size(); i++) {
                    header.put(fields.get(i), i);
                }
                if (!header.containsKey("rps")) {
                    throw new IllegalArgumentException("line " + lineNo + ": a header without an rps column: " + line);
                }
                columns = header;
                continue;
            }
            String test = fields.get(columns.get("test"));
            rows.put(test, new Row(test, number(fields, columns, "rps", lineNo), number(fields, columns, "avg_latency_ms", lineNo),
                    number(fields, columns, "p50_latency_ms", lineNo), number(fields, columns, "p99_latency_ms", lineNo)));
        }
        return rows;
    }

    private static double number(List<String> fields, Map<String, Integer> columns, String name, int lineNo) {
        Integer i = columns.get(name);
        if (i == null) {
            return Double.NaN;
        }
        if (i >= fields.size()) {
            throw new IllegalArgumentException("line " + lineNo + ": no " + name + " field");
        }
        try {
            return Double.parseDouble(fields.get(i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("line " + lineNo + ": " + name + " is not a number: " + fields.get(i), e);
        }
    }

    /** The fields of one line: comma-separated, each optionally in double quotes ({@code ""} inside quotes is one quote). */
    private static List<String> fields(String line, int lineNo) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        while (true) {
            field.setLength(0);
            if (i < line.length() && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= line.length()) {
                        throw new IllegalArgumentException("line " + lineNo + ": unterminated quote: " + line);
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < line.length() && line.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
            } else {
                while (i < line.length() && line.charAt(i) != ',') {
                    field.append(line.charAt(i++));
                }
            }
            fields.add(field.toString().trim());
            if (i >= line.length()) {
                break;
            }
            if (line.charAt(i) != ',') {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "line %d, column %d: expected a comma: %s", lineNo, i + 1, line));
            }
            i++;
        }
        if (fields.size() < 2) {
            throw new IllegalArgumentException("line " + lineNo + ": expected at least a test name and a rate: " + line);
        }
        return fields;
    }
}
