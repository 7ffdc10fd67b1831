package dev.converge.chaos;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The run's summary: operations by outcome, faults by kind, one line per checker; as text and as JSON. */
final class Report {

    private static final int PROBLEMS_SHOWN = 15;

    private final ChaosConfig config;
    private final String netMode;
    private final Schedule schedule;
    private final List<Op> ops;
    private final List<History.Fault> faults;
    private final List<Verdict> verdicts;
    private final List<RunCheckers.Convergence> convergence;
    private final String replay;

    Report(ChaosConfig config, String netMode, Schedule schedule, List<Op> ops, List<History.Fault> faults, List<Verdict> verdicts,
           List<RunCheckers.Convergence> convergence, String replay) {
        this.config = config;
        this.netMode = netMode;
        this.schedule = schedule;
        this.ops = ops;
        this.faults = faults;
        this.verdicts = verdicts;
        this.convergence = convergence;
        this.replay = replay;
    }

    private Map<Op.Outcome, Long> outcomes() {
        Map<Op.Outcome, Long> m = new EnumMap<>(Op.Outcome.class);
        for (Op.Outcome o : Op.Outcome.values()) {
            m.put(o, 0L);
        }
        ops.forEach(op -> m.merge(op.outcome(), 1L, Long::sum));
        return m;
    }

    private Map<Op.Kind, long[]> byKind() {
        Map<Op.Kind, long[]> m = new EnumMap<>(Op.Kind.class);
        for (Op op : ops) {
            long[] c = m.computeIfAbsent(op.kind(), k -> new long[Op.Outcome.values().length]);
            c[op.outcome().ordinal()]++;
        }
        return m;
    }

    /** Per fault kind: how many times injected, and the summed effect. */
    private Map<FaultKind, long[]> faultsByKind() {
        Map<FaultKind, long[]> m = new EnumMap<>(FaultKind.class);
        for (History.Fault f : faults) {
            long[] c = m.computeIfAbsent(f.kind(), k -> new long[2]);
            c[0]++;
            c[1] += f.effective();
        }
        return m;
    }

    private static String unit(FaultKind k) {
        return switch (k) {
            case LINK_BLACKHOLE -> "frames swallowed";
            case LINK_DELAY -> "frames delayed";
            case LINK_RESET -> "connections reset";
            case LINK_DROP -> "frames dropped";
            case LINK_DUPLICATE -> "frames duplicated";
            case KILL, PAUSE, RESTART, WIPE, LEAVE -> "done";
            default -> "frames swallowed or connections cut";
        };
    }

    String text(int exit, String failure) {
        StringBuilder s = new StringBuilder("\n");
        String result = exit == 0 ? "PASS" : exit == 1 ? "FAIL" : "ERROR";
        s.append(String.format(Locale.ROOT, "== converge chaos: %s (seed %d, %s) ==%n", result, config.seed(), config.describe()));
        s.append("network        ").append(netMode).append('\n');
        s.append("schedule       fingerprint ").append(schedule.fingerprint()).append("; replay: ").append(replay).append('\n');
        Map<Op.Outcome, Long> o = outcomes();
        s.append(String.format(Locale.ROOT, "operations     %d: ok %d, fail %d, error %d, timeout %d%n", ops.size(), o.get(Op.Outcome.OK),
                o.get(Op.Outcome.FAIL), o.get(Op.Outcome.ERROR), o.get(Op.Outcome.TIMEOUT)));
        for (Map.Entry<Op.Kind, long[]> e : byKind().entrySet()) {
            long[] c = e.getValue();
            s.append(String.format(Locale.ROOT, "  %-13s %6d: ok %d, fail %d, error %d, timeout %d%n", e.getKey().label,
                    c[0] + c[1] + c[2] + c[3], c[0], c[1], c[2], c[3]));
        }
        s.append("faults         ").append(faults.size()).append(" injected\n");
        for (Map.Entry<FaultKind, long[]> e : faultsByKind().entrySet()) {
            s.append(String.format(Locale.ROOT, "  %-20s %3d times, %d %s%n", e.getKey().label, e.getValue()[0], e.getValue()[1], unit(e.getKey())));
        }
        s.append(String.format(Locale.ROOT, "%n%-13s %-6s %s%n", "checker", "result", "counts"));
        for (Verdict v : verdicts) {
            s.append(String.format(Locale.ROOT, "%-13s %-6s %s%n", v.name, v.passed() ? "PASS" : "FAIL", v.summary()));
        }
        if (failure != null) {
            s.append("\nthe run stopped early: ").append(failure).append('\n');
        }
        for (Verdict v : verdicts) {
            List<String> problems = v.problems();
            if (problems.isEmpty()) {
                continue;
            }
            s.append('\n').append(v.name).append(": ").append(problems.size()).append(" problem").append(problems.size() == 1 ? "" : "s").append('\n');
            for (String p : problems.subList(0, Math.min(PROBLEMS_SHOWN, problems.size()))) {
                s.append("  - ").append(p.replace("\n", "\n    ")).append('\n');
            }
            if (problems.size() > PROBLEMS_SHOWN) {
                s.append("  ... ").append(problems.size() - PROBLEMS_SHOWN).append(" more in problems.txt\n");
            }
        }
        s.append("\nRESULT: ").append(result).append('\n');
        return s.toString();
    }

    String json(int exit, String failure) {
        Map<Op.Outcome, Long> o = outcomes();
        StringBuilder s = new StringBuilder("{");
        s.append("\"result\":\"").append(exit == 0 ? "PASS" : exit == 1 ? "FAIL" : "ERROR").append('"');
        s.append(",\"exit\":").append(exit);
        s.append(",\"seed\":").append(config.seed());
        s.append(",\"nodes\":").append(config.nodes());
        s.append(",\"rounds\":").append(config.rounds());
        s.append(",\"roundSeconds\":").append(config.actualRoundMillis() / 1000);
        s.append(",\"syncNodes\":").append(Math.min(config.syncNodes(), config.nodes()));
        s.append(",\"network\":").append(Json.str(netMode));
        s.append(",\"fingerprint\":").append(Json.str(schedule.fingerprint()));
        s.append(",\"failure\":").append(Json.str(failure));
        s.append(",\"operations\":{\"total\":").append(ops.size());
        for (Map.Entry<Op.Outcome, Long> e : o.entrySet()) {
            s.append(",\"").append(e.getKey().label).append("\":").append(e.getValue());
        }
        s.append("},\"faults\":{");
        s.append(faultsByKind().entrySet().stream()
                .map(e -> "\"" + e.getKey().label + "\":{\"times\":" + e.getValue()[0] + ",\"effect\":" + e.getValue()[1] + "}")
                .collect(Collectors.joining(",")));
        s.append("},\"convergenceMillis\":[");
        s.append(convergence.stream().map(c -> Long.toString(c.millis())).collect(Collectors.joining(",")));
        s.append("],\"checkers\":[");
        s.append(verdicts.stream().map(Verdict::json).collect(Collectors.joining(",")));
        return s.append("]}\n").toString();
    }
}
