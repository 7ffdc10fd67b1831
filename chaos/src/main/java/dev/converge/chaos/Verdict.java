package dev.converge.chaos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** One checker's result: pass or fail, what it counted, and every problem it found. */
final class Verdict {

    final String name;
    private final Map<String, Object> counts = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    Verdict(String name) {
        this.name = name;
    }

    Verdict count(String what, Object value) {
        counts.put(what, value);
        return this;
    }

    Verdict fail(String problem) {
        problems.add(problem);
        return this;
    }

    boolean passed() {
        return problems.isEmpty();
    }

    List<String> problems() {
        return List.copyOf(problems);
    }

    /** The counts as one line: {@code what value, what value}. */
    String summary() {
        return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    String json() {
        StringBuilder s = new StringBuilder("{\"checker\":").append(Json.str(name)).append(",\"result\":\"").append(passed() ? "PASS" : "FAIL")
                .append("\",\"counts\":{");
        boolean first = true;
        for (Map.Entry<String, Object> e : counts.entrySet()) {
            if (!first) {
                s.append(',');
            }
            first = false;
            s.append(Json.str(e.getKey())).append(':');
            Object v = e.getValue();
            s.append(v instanceof Number ? v.toString() : Json.str(String.valueOf(v)));
        }
        s.append("},\"problems\":").append(problems.size()).append('}');
        return s.toString();
    }
}
