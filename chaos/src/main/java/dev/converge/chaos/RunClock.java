package dev.converge.chaos;

/**
 * The run's one time line: microseconds since the run started, from {@link System#nanoTime()}.
 * Every recorded instant (operation invocations and completions, faults, heals) is on it, so
 * real-time order between any two of them is a comparison of two longs.
 */
final class RunClock {

    private final long origin = System.nanoTime();

    long micros() {
        return (System.nanoTime() - origin) / 1_000;
    }

    /** Seconds with millisecond precision, for reports. */
    static String seconds(long micros) {
        return String.format(java.util.Locale.ROOT, "%.3f", micros / 1e6);
    }
}
