package dev.converge.crdt;

/**
 * One replica's contribution to a counter field of a map: its total increments and decrements
 * so far. Each replica keeps one live entry, replaced (under a new dot) on every update; a field
 * removal drops the entries it observed, which resets the counter (Baquero's causal counter).
 */
record CounterEntry(long increments, long decrements) implements Comparable<CounterEntry> {

    @Override
    public int compareTo(CounterEntry other) {
        int c = Long.compare(increments, other.increments);
        return c != 0 ? c : Long.compare(decrements, other.decrements);
    }
}
