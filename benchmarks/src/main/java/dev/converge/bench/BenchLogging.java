package dev.converge.bench;

/** Logging for benchmark processes: warnings and errors only, so result lines stay readable. */
public final class BenchLogging {

    private BenchLogging() {
    }

    /** Call before the first logger is created; an explicit {@code -Dlogback.configurationFile} wins. */
    public static void quiet() {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-bench.xml");
        }
    }
}
