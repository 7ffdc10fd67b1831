package dev.converge.sim;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What happened in a run: every event folded into a 64-bit hash (so two runs can be compared by
 * one number) and, when a sink is given, written as a readable line. The hash is the proof of
 * determinism: a run is a pure function of its scenario, so the same seed must give the same
 * hash, in this JVM or any other.
 */
public final class Trace {

    private static final long P1 = 0x9E3779B97F4A7C15L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;

    private final Consumer<String> sink;
    private final VirtualTime time;
    private long hash = 0x27D4EB2F165667C5L;
    private long events;

    /** A trace of events on {@code time}; {@code sink} receives readable lines, or null for the hash only. */
    public Trace(VirtualTime time, Consumer<String> sink) {
        this.time = time;
        this.sink = sink;
    }

    /** Whether readable lines are wanted: callers build their text only then. */
    public boolean verbose() {
        return sink != null;
    }

    /** Records an event of {@code kind} with its numbers, at the current virtual time. */
    public void event(String kind, long a, long b, long c) {
        mix(time.now());
        mix(kind.hashCode());
        mix(a);
        mix(b);
        mix(c);
        events++;
    }

    /** As {@link #event}, and writes {@code line} (built only when verbose). */
    public void event(String kind, long a, long b, long c, Supplier<String> line) {
        event(kind, a, b, c);
        if (sink != null) {
            write(line.get());
        }
    }

    /** Writes a readable line without changing the hash (commentary, summaries). */
    public void note(Supplier<String> line) {
        if (sink != null) {
            write(line.get());
        }
    }

    private void write(String line) {
        long ms = time.elapsed();
        sink.accept(String.format("%5d.%03d  %s", ms / 1000, ms % 1000, line));
    }

    private void mix(long v) {
        hash = Long.rotateLeft((hash ^ v) * P1, 31) * P2;
    }

    /** The hash of every event so far. */
    public long hash() {
        return hash ^ (hash >>> 29) ^ events;
    }

    public long events() {
        return events;
    }
}
