package dev.converge.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The checkers on hand-made histories: each passes a correct history and catches the violation
 * it exists for, so a green chaos run means something.
 */
class CheckersTest {

    private static final Keys KEYS = new Keys(1, 1, 1, 1);
    private static final String SET = "set:0";
    private static final String CTR = "ctr:0";
    private static final String REG = "reg:1:0";

    private static Op op(Op.Kind kind, String key, String value, long amount, long invoke, long complete, Op.Outcome outcome, String result) {
        return new Op(1, 0, kind, key, value, amount, invoke, complete, outcome, result, null, 0, 1, 1);
    }

    private static NodeReader.Snapshot snapshot(Set<String> set, long counter, String register) {
        Map<String, Set<String>> sets = new TreeMap<>();
        sets.put(SET, new TreeSet<>(set));
        Map<String, Long> counters = new TreeMap<>();
        counters.put(CTR, counter);
        Map<String, String> registers = new TreeMap<>();
        if (register != null) {
            registers.put(REG, register);
        }
        return new NodeReader.Snapshot(sets, counters, registers);
    }

    // ---- sets

    private static List<Op> adds() {
        return List.of(
                op(Op.Kind.SADD, SET, "c1-1", 0, 10, 20, Op.Outcome.OK, "1"),
                op(Op.Kind.SADD, SET, "c1-2", 0, 30, 40, Op.Outcome.TIMEOUT, null),
                op(Op.Kind.SADD, SET, "c1-3", 0, 50, 60, Op.Outcome.FAIL, null));
    }

    private static Verdict sets(Set<String> read) {
        DataCheckers.SetChecker c = new DataCheckers.SetChecker();
        c.round(1, adds(), List.of(snapshot(read, 0, null)), KEYS);
        return c.verdict(List.of());
    }

    @Test
    void setPassesWithTheIndeterminateAddEitherWay() {
        assertThat(sets(Set.of("c1-1")).passed()).isTrue();
        assertThat(sets(Set.of("c1-1", "c1-2")).passed()).isTrue();
    }

    @Test
    void setCatchesALostAcknowledgedAdd() {
        Verdict v = sets(Set.of("c1-2"));
        assertThat(v.passed()).isFalse();
        assertThat(v.problems()).anyMatch(p -> p.contains("lacks 'c1-1'"));
    }

    /** Every round re-checks the whole history: a loss found again is the same loss, counted and reported once. */
    @Test
    void aLossSeenInEveryRoundCountsOnce() {
        DataCheckers.SetChecker c = new DataCheckers.SetChecker();
        for (int round = 1; round <= 3; round++) {
            c.round(round, adds(), List.of(snapshot(Set.of("c1-2"), 0, null)), KEYS);
        }
        Verdict v = c.verdict(List.of());
        assertThat(v.summary()).contains("lost 1,");
        assertThat(v.problems()).filteredOn(p -> p.contains("lacks 'c1-1'")).hasSize(1);
    }

    @Test
    void setCatchesElementsNeverAddedOrNeverSent() {
        assertThat(sets(Set.of("c1-1", "c9-9")).problems()).anyMatch(p -> p.contains("'c9-9'"));
        assertThat(sets(Set.of("c1-1", "c1-3")).problems()).anyMatch(p -> p.contains("never reached a node"));
    }

    // ---- counters

    private static List<Op> increments(List<Op> reads) {
        List<Op> ops = new ArrayList<>(List.of(
                op(Op.Kind.INCRBY, CTR, null, 3, 10, 20, Op.Outcome.OK, "3"),
                op(Op.Kind.INCRBY, CTR, null, 4, 30, 40, Op.Outcome.TIMEOUT, null),
                op(Op.Kind.INCRBY, CTR, null, 5, 50, 60, Op.Outcome.ERROR, null),
                op(Op.Kind.INCRBY, CTR, null, 100, 70, 80, Op.Outcome.FAIL, null)));
        ops.addAll(reads);
        ops.sort((a, b) -> Long.compare(a.invoke(), b.invoke()));
        return ops;
    }

    private static Verdict counters(long finalValue, List<Op> reads) {
        DataCheckers.CounterChecker c = new DataCheckers.CounterChecker();
        c.round(1, increments(reads), List.of(snapshot(Set.of(), finalValue, null)), KEYS);
        return c.verdict();
    }

    @Test
    void counterAcceptsAcknowledgedPlusAnySubsetOfIndeterminate() {
        for (long v : new long[] {3, 7, 8, 12}) {
            assertThat(counters(v, List.of()).passed()).as("final %d", v).isTrue();
        }
    }

    @Test
    void counterCatchesFinalValuesNoSubsetExplains() {
        for (long v : new long[] {0, 2, 4, 6, 9, 13, 103}) {
            assertThat(counters(v, List.of()).passed()).as("final %d", v).isFalse();
        }
    }

    @Test
    void counterCatchesAReadAboveEverythingInvokedBeforeIt() {
        Op early = op(Op.Kind.GET_COUNTER, CTR, null, 0, 21, 25, Op.Outcome.OK, "3");
        Op tooHigh = op(Op.Kind.GET_COUNTER, CTR, null, 0, 22, 26, Op.Outcome.OK, "4");
        Op later = op(Op.Kind.GET_COUNTER, CTR, null, 0, 61, 65, Op.Outcome.OK, "12");
        assertThat(counters(3, List.of(early, later)).passed()).isTrue();
        assertThat(counters(3, List.of(tooHigh)).problems()).anyMatch(p -> p.contains("returned 4") && p.contains("above the 3"));
    }

    @Test
    void subsetSumAgreesWithBruteForce() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int t = 0; t < 300; t++) {
            int n = rnd.nextInt(12);
            List<Long> amounts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                amounts.add(1L + rnd.nextInt(70));
            }
            Set<Long> sums = new TreeSet<>();
            for (int mask = 0; mask < 1 << n; mask++) {
                long s = 0;
                for (int i = 0; i < n; i++) {
                    if ((mask & 1 << i) != 0) {
                        s += amounts.get(i);
                    }
                }
                sums.add(s);
            }
            long total = amounts.stream().mapToLong(Long::longValue).sum();
            for (long target = -1; target <= total + 1; target++) {
                assertThat(Rules.subsetSum(amounts, target)).as("%s -> %d", amounts, target).isEqualTo(sums.contains(target));
            }
        }
    }

    // ---- registers

    private static final long SLACK = Rules.REGISTER_SLACK_MICROS;

    private static Verdict registers(String finalValue, Op... writes) {
        DataCheckers.RegisterChecker c = new DataCheckers.RegisterChecker();
        c.round(1, List.of(writes), List.of(snapshot(Set.of(), 0, finalValue)), KEYS);
        return c.verdict(List.of());
    }

    private static Op write(String value, long invoke, long complete, Op.Outcome outcome) {
        return op(Op.Kind.SET, REG, value, 0, invoke, complete, outcome, outcome == Op.Outcome.OK ? "OK" : null);
    }

    @Test
    void registerAcceptsTheLastAcknowledgedWrite() {
        Op a = write("c1-1", 0, 1_000, Op.Outcome.OK);
        Op b = write("c1-2", 10_000, 11_000, Op.Outcome.OK);
        assertThat(registers("c1-2", a, b).passed()).isTrue();
    }

    @Test
    void registerCatchesAnEarlierAcknowledgedWriteWinning() {
        Op a = write("c1-1", 0, 1_000, Op.Outcome.OK);
        Op b = write("c1-2", 1_000 + SLACK, 11_000, Op.Outcome.OK);
        assertThat(registers("c1-1", a, b).problems()).anyMatch(p -> p.contains("'c1-2'") && p.contains("was lost"));
    }

    @Test
    void registerAllowsWritesTooCloseToOrder() {
        Op a = write("c1-1", 0, 1_000, Op.Outcome.OK);
        Op b = write("c1-2", 1_000 + SLACK - 1, 11_000, Op.Outcome.OK);
        assertThat(registers("c1-1", a, b).passed()).isTrue();
    }

    @Test
    void registerAllowsAnIndeterminateWriteToWinLate() {
        Op a = write("c1-1", 0, 1_000, Op.Outcome.TIMEOUT);
        Op b = write("c1-2", 50_000, 51_000, Op.Outcome.OK);
        assertThat(registers("c1-1", a, b).passed()).isTrue();
    }

    @Test
    void registerCatchesUnwrittenNeverSentAndMissingValues() {
        Op a = write("c1-1", 0, 1_000, Op.Outcome.OK);
        Op failed = write("c1-2", 5_000, 6_000, Op.Outcome.FAIL);
        assertThat(registers("c7-7", a).passed()).isFalse();
        assertThat(registers("c1-2", a, failed).passed()).isFalse();
        assertThat(registers(null, a).problems()).anyMatch(p -> p.contains("absent"));
        assertThat(registers(null, failed).passed()).isTrue();
    }

    // ---- the whole-run checkers

    @Test
    void percentilesAreNearestRank() {
        List<Long> v = new ArrayList<>();
        for (long i = 1; i <= 100; i++) {
            v.add(i);
        }
        assertThat(RunCheckers.percentile(v, 50)).isEqualTo(50);
        assertThat(RunCheckers.percentile(v, 99)).isEqualTo(99);
        assertThat(RunCheckers.percentile(List.of(7L), 99)).isEqualTo(7);
        assertThat(RunCheckers.percentile(List.of(), 50)).isEqualTo(-1);
    }

    @Test
    void nonVacuityNamesWhatWasNeverInjected() {
        Map<Op.Kind, Integer> min = RunCheckers.MIN_OK;
        List<Op> ops = new ArrayList<>();
        long t = 0;
        for (Map.Entry<Op.Kind, Integer> e : min.entrySet()) {
            for (int i = 0; i < e.getValue(); i++) {
                ops.add(op(e.getKey(), "k", "v" + t, 1, t, t + 1, Op.Outcome.OK, null));
                t++;
            }
        }
        ops.add(op(Op.Kind.SADD, "k", "x", 0, t, t + 1, Op.Outcome.TIMEOUT, null));
        List<History.Fault> faults = new ArrayList<>();
        for (FaultKind k : FaultKind.values()) {
            faults.add(new History.Fault(1, k, "n1", 0, 1, "", "", k == FaultKind.LINK_DROP ? 0 : 1));
        }
        List<Nemesis.Durability> durability = List.of(new Nemesis.Durability("n1", "kill-9", true, 2, 10, 1, 1, List.of()));
        Verdict v = RunCheckers.nonVacuity(ops, faults, List.of(FaultKind.values()), durability, 1, 1);
        assertThat(v.problems()).containsExactly("fault kinds never injected with an effect: link-drop");
    }
}
