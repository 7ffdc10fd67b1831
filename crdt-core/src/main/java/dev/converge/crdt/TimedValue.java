package dev.converge.crdt;

import dev.converge.crdt.causal.HybridTimestamp;

/** One write to a register field of a map: the value and its timestamp. */
record TimedValue(HybridTimestamp timestamp, Bytes value) implements Comparable<TimedValue> {

    @Override
    public int compareTo(TimedValue other) {
        int c = timestamp.compareTo(other.timestamp);
        return c != 0 ? c : value.compareTo(other.value);
    }
}
