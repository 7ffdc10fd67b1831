package dev.converge.chaos;

import java.util.List;

/** The exact rules the checkers apply, in one place so the durability check and the final checks agree. */
final class Rules {

    /**
     * Slack between the client's clock and the nodes' wall clock for real-time order of register
     * writes: a write invoked at least this long after another completed carries a later hybrid
     * timestamp (both clocks are this machine's; the nodes' clock has millisecond resolution).
     */
    static final long REGISTER_SLACK_MICROS = 2_000;

    private Rules() {
    }

    /** What a register read needs to judge a value: how a value was sent, and how its write ended. */
    interface RegisterWrites {
        History.Sent sent(String value);

        /** The completed write of {@code value}, or null while it is still in flight. */
        Op completed(String value);
    }

    /**
     * The register rule. Each register has one writer (a client, one operation at a time), every
     * value is unique, and writes order by hybrid logical clock. With {@code last} the last
     * acknowledged write to the key (null: none), a value {@code v} read from it is correct when:
     * <ol>
     * <li>{@code v} is absent only if no write was acknowledged;
     * <li>{@code v} was sent as a write to this key and may have taken effect (never a write that
     *     could not reach a node);
     * <li>{@code v} is {@code last}, or its write is indeterminate (an error or a timeout: it may
     *     have been applied later, with a later timestamp), or it completed less than
     *     {@link #REGISTER_SLACK_MICROS} before {@code last} was invoked. An acknowledged write
     *     that completed before {@code last} began lost to it in real time, so it must not win.
     * </ol>
     *
     * @return null when the value is correct, else what is wrong
     */
    static String register(String key, String v, Op last, RegisterWrites writes) {
        if (v == null) {
            return last == null ? null : key + " is absent, but '" + last.value() + "' was acknowledged (n" + (last.node() + 1) + ", "
                    + RunClock.seconds(last.complete()) + " s)";
        }
        History.Sent sent = writes.sent(v);
        if (sent == null || !sent.key().equals(key)) {
            return key + " holds '" + v + "', which was never written to it";
        }
        if (last == null || v.equals(last.value())) {
            return null;
        }
        Op w = writes.completed(v);
        if (w == null || w.outcome().indeterminate()) {
            return null;
        }
        if (w.outcome() == Op.Outcome.FAIL) {
            return key + " holds '" + v + "', whose write never reached a node";
        }
        if (w.complete() + REGISTER_SLACK_MICROS <= last.invoke()) {
            return key + " holds '" + v + "' (acknowledged by n" + (w.node() + 1) + " at " + RunClock.seconds(w.complete())
                    + " s), but the later write '" + last.value() + "' (invoked at " + RunClock.seconds(last.invoke())
                    + " s, acknowledged by n" + (last.node() + 1) + ") was lost";
        }
        return null;
    }

    /**
     * Whether {@code target} is the sum of some subset of {@code amounts} (all positive): the part
     * of a counter's value the indeterminate increments must explain.
     */
    static boolean subsetSum(List<Long> amounts, long target) {
        if (target < 0) {
            return false;
        }
        long total = 0;
        for (long a : amounts) {
            total += a;
        }
        if (target > total) {
            return false;
        }
        if (target == 0 || target == total) {
            return true;
        }
        // Sums reachable so far as bits; each amount shifts the whole set (reachable |= reachable << a), a word at a time.
        int bits = (int) total + 1;
        long[] reachable = new long[(bits + 63) >>> 6];
        reachable[0] = 1;
        for (long a : amounts) {
            shiftOr(reachable, (int) a);
            if ((reachable[(int) (target >>> 6)] & (1L << (target & 63))) != 0) {
                return true;
            }
        }
        return false;
    }

    /** {@code words |= words << shift} over the little-endian bit array. */
    private static void shiftOr(long[] words, int shift) {
        int wordShift = shift >>> 6;
        int bitShift = shift & 63;
        for (int i = words.length - 1; i >= wordShift; i--) {
            int src = i - wordShift;
            long v = words[src] << bitShift;
            if (bitShift != 0 && src > 0) {
                v |= words[src - 1] >>> (64 - bitShift);
            }
            words[i] |= v;
        }
    }
}
