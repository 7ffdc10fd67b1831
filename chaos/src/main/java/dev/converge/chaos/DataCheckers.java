package dev.converge.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checkers of the data itself, run after every round's heal on every node's final read of
 * every key, and on the reads clients made while the faults went on. Each keeps its violations
 * across rounds; its counts describe the history up to the last round.
 */
final class DataCheckers {

    private DataCheckers() {
    }

    /**
     * Sets (add-only, unique elements): every acknowledged {@code SADD} is in every node's final
     * read; nothing is in any read (final or during the run) that no client sent to that key
     * before the read completed, or whose {@code SADD} never reached a node; an indeterminate add
     * may be present or absent.
     */
    static final class SetChecker {
        private final Verdict v = new Verdict("set");
        /** Node and element of each loss (and each unexpected element) found: a later round finds it again, counted once. */
        private final Set<String> lost = new HashSet<>();
        private final Set<String> unexpected = new HashSet<>();

        void round(int round, List<Op> ops, List<NodeReader.Snapshot> reads, Keys keys) {
            Map<String, Op> byValue = new HashMap<>();
            Map<String, List<Op>> acked = new HashMap<>();
            long ok = 0;
            long maybe = 0;
            long failed = 0;
            long readsOk = 0;
            for (Op op : ops) {
                if (op.kind() == Op.Kind.SMEMBERS && op.outcome() == Op.Outcome.OK) {
                    readsOk++;
                }
                if (op.kind() != Op.Kind.SADD) {
                    continue;
                }
                byValue.put(op.value(), op);
                switch (op.outcome()) {
                    case OK -> {
                        ok++;
                        acked.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
                    }
                    case FAIL -> failed++;
                    default -> maybe++;
                }
            }
            long present = 0;
            long absent = 0;
            for (int node = 0; node < reads.size(); node++) {
                for (String key : keys.sets) {
                    Set<String> read = reads.get(node).sets().get(key);
                    for (Op op : acked.getOrDefault(key, List.of())) {
                        if (!read.contains(op.value()) && lost.add(node + " " + key + " " + op.value())) {
                            v.fail("round " + round + ": n" + (node + 1) + " lacks '" + op.value() + "' in " + key + ", acknowledged by n"
                                    + (op.node() + 1) + " at " + RunClock.seconds(op.complete()) + " s");
                        }
                    }
                    for (String e : read) {
                        Op op = byValue.get(e);
                        if (op == null || !op.key().equals(key) || !op.outcome().maybeApplied()) {
                            if (!unexpected.add(node + " " + key + " " + e)) {
                                continue;
                            }
                            v.fail("round " + round + ": n" + (node + 1) + " has '" + e + "' in " + key + ", which was never added to it"
                                    + (op != null && op.outcome() == Op.Outcome.FAIL ? " (its SADD never reached a node)" : ""));
                        } else if (node == 0 && op.outcome().indeterminate()) {
                            present++;
                        }
                    }
                }
            }
            absent = maybe - present;
            v.count("acknowledged adds", ok).count("indeterminate adds present/absent", present + "/" + absent)
                    .count("failed adds", failed).count("lost", lost.size()).count("unexpected", unexpected.size()).count("reads during the run", readsOk);
        }

        Verdict verdict(List<History.Note> online) {
            long phantoms = online.stream().filter(n -> n.checker().equals("set")).count();
            online.stream().filter(n -> n.checker().equals("set")).forEach(n -> v.fail(n.text()));
            return v.count("reads with phantoms", phantoms);
        }
    }

    /**
     * Counters (increments only, of 1..5): each node's final value is the sum of the acknowledged
     * increments plus the sum of some subset of the indeterminate ones; no read during the run (a
     * {@code GET}, or the value an {@code INCRBY} replied) exceeds the sum of every increment
     * invoked before the read completed that may have taken effect.
     */
    static final class CounterChecker {
        private final Verdict v = new Verdict("counter");
        /** Node and key of each final value off; a later round finding the same is counted once. */
        private final Set<String> badFinal = new HashSet<>();
        private long readsChecked;
        private long readsAbove;

        void round(int round, List<Op> ops, List<NodeReader.Snapshot> reads, Keys keys) {
            long acked = 0;
            long maybe = 0;
            for (String key : keys.counters) {
                List<Op> incs = new ArrayList<>();
                long sumAcked = 0;
                List<Long> indeterminate = new ArrayList<>();
                for (Op op : ops) {
                    if (op.kind() == Op.Kind.INCRBY && op.key().equals(key)) {
                        if (op.outcome() == Op.Outcome.OK) {
                            sumAcked += op.amount();
                            acked++;
                        } else if (op.outcome().indeterminate()) {
                            indeterminate.add(op.amount());
                            maybe++;
                        }
                        if (op.outcome().maybeApplied()) {
                            incs.add(op);
                        }
                    }
                }
                Map<Long, Boolean> judged = new HashMap<>();
                for (int node = 0; node < reads.size(); node++) {
                    long value = reads.get(node).counters().get(key);
                    long base = sumAcked;
                    boolean ok = judged.computeIfAbsent(value, x -> Rules.subsetSum(indeterminate, x - base));
                    if (!ok && badFinal.add(node + " " + key)) {
                        v.fail("round " + round + ": n" + (node + 1) + " reads " + key + " = " + value + "; acknowledged increments sum to "
                                + sumAcked + ", and no subset of the " + indeterminate.size() + " indeterminate ones (sum "
                                + indeterminate.stream().mapToLong(Long::longValue).sum() + ") makes up the difference");
                    }
                }
                // Upper bound of reads made during this round: prefix sums over increments by invocation time.
                long[] invokes = incs.stream().mapToLong(Op::invoke).toArray();
                long[] prefix = new long[incs.size() + 1];
                for (int i = 0; i < incs.size(); i++) {
                    prefix[i + 1] = prefix[i] + incs.get(i).amount();
                }
                for (Op op : ops) {
                    boolean read = op.round() == round && op.key().equals(key) && op.outcome() == Op.Outcome.OK
                            && (op.kind() == Op.Kind.GET_COUNTER || op.kind() == Op.Kind.INCRBY);
                    if (!read) {
                        continue;
                    }
                    readsChecked++;
                    long value = op.result() == null ? 0 : Long.parseLong(op.result());
                    int before = upperIndex(invokes, op.complete());
                    if (value > prefix[before]) {
                        readsAbove++;
                        v.fail("round " + round + ": " + op.kind().label + " " + key + " on n" + (op.node() + 1) + " by client " + op.client()
                                + " returned " + value + " at " + RunClock.seconds(op.complete()) + " s, above the " + prefix[before]
                                + " of every increment invoked by then");
                    }
                }
            }
            v.count("acknowledged increments", acked).count("indeterminate", maybe).count("final values off", badFinal.size())
                    .count("reads checked against the bound", readsChecked).count("reads above it", readsAbove);
        }

        /** How many of the sorted {@code invokes} are before {@code t}. */
        private static int upperIndex(long[] invokes, long t) {
            int i = Arrays.binarySearch(invokes, t);
            if (i < 0) {
                return -i - 1;
            }
            while (i > 0 && invokes[i - 1] == t) {
                i--;
            }
            return i;
        }

        Verdict verdict() {
            return v;
        }
    }

    /**
     * Registers (one writer each, unique values): every node's final value satisfies
     * {@link Rules#register}, and every read during the run returned a value sent to that register
     * before the read completed.
     */
    static final class RegisterChecker {
        private final Verdict v = new Verdict("register");
        /** Node and key of each violation; a later round finding the same is counted once. */
        private final Set<String> bad = new HashSet<>();

        void round(int round, List<Op> ops, List<NodeReader.Snapshot> reads, Keys keys) {
            Map<String, Op> byValue = new HashMap<>();
            Map<String, Op> last = new LinkedHashMap<>();
            long acked = 0;
            for (Op op : ops) {
                if (!op.kind().writesRegister()) {
                    continue;
                }
                byValue.put(op.value(), op);
                if (op.outcome() == Op.Outcome.OK) {
                    acked++;
                    last.merge(op.key(), op, (a, b) -> a.invoke() >= b.invoke() ? a : b);
                }
            }
            Rules.RegisterWrites writes = new Rules.RegisterWrites() {
                @Override
                public History.Sent sent(String value) {
                    Op op = byValue.get(value);
                    return op == null || op.outcome() == Op.Outcome.FAIL ? null : new History.Sent(op.key(), op.invoke());
                }

                @Override
                public Op completed(String value) {
                    return byValue.get(value);
                }
            };
            long fromLast = 0;
            long fromIndeterminate = 0;
            long other = 0;
            for (String key : keys.allRegisters()) {
                for (int node = 0; node < reads.size(); node++) {
                    String value = reads.get(node).registers().get(key);
                    String problem = Rules.register(key, value, last.get(key), writes);
                    if (problem != null) {
                        if (bad.add(node + " " + key)) {
                            v.fail("round " + round + ": n" + (node + 1) + ": " + problem);
                        }
                    } else if (node == 0 && value != null) {
                        Op w = byValue.get(value);
                        if (last.get(key) != null && value.equals(last.get(key).value())) {
                            fromLast++;
                        } else if (w != null && w.outcome().indeterminate()) {
                            fromIndeterminate++;
                        } else {
                            other++;
                        }
                    }
                }
            }
            v.count("registers", keys.allRegisters().size()).count("acknowledged writes", acked)
                    .count("final = last acknowledged", fromLast).count("final from an indeterminate write", fromIndeterminate)
                    .count("final from a write within the slack", other).count("violations", bad.size());
        }

        Verdict verdict(List<History.Note> online) {
            online.stream().filter(n -> n.checker().equals("register")).forEach(n -> v.fail(n.text()));
            return v.count("reads of unwritten values", online.stream().filter(n -> n.checker().equals("register")).count());
        }
    }
}
