package dev.converge.crdt.testkit;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;

/**
 * Settings and measurements shared by the decoders' fuzz tests.
 *
 * <p>The build runs each fuzz test with a fixed seed and its default number of inputs, so a run
 * is repeatable. {@code -Dfuzz.inputs=N} runs {@code N} inputs per decoder instead (the long
 * mode), and {@code -Dfuzz.seed=S} explores from another seed; see {@code docs/SECURITY.md}.
 */
public final class Fuzz {

    private static final com.sun.management.ThreadMXBean THREADS = threads();

    private Fuzz() {
    }

    /** Inputs per decoder: {@code -Dfuzz.inputs}, else {@code ciDefault}. */
    public static int inputs(int ciDefault) {
        String v = System.getProperty("fuzz.inputs", "");
        return v.isBlank() ? ciDefault : Integer.parseInt(v.strip().replace("_", ""));
    }

    /** The seed: {@code -Dfuzz.seed}, else {@code ciDefault}. */
    public static long seed(long ciDefault) {
        String v = System.getProperty("fuzz.seed", "");
        return v.isBlank() ? ciDefault : Long.parseLong(v.strip());
    }

    /** {@code bytes} in hex (the first 4 KiB), for a failure message a regression test can be made from. */
    public static String hex(byte[] bytes) {
        int n = Math.min(bytes.length, 4096);
        return bytes.length + " bytes: " + HexFormat.of().formatHex(bytes, 0, n) + (n < bytes.length ? "..." : "");
    }

    /** Whether {@link #allocatedBytes()} measures anything on this JVM. */
    public static boolean measuresAllocation() {
        return THREADS != null;
    }

    /**
     * Heap bytes the current thread has allocated since it started (HotSpot's exact per-thread
     * counter), or 0 where the JVM does not count them. The difference around a call is what the
     * call allocated.
     */
    public static long allocatedBytes() {
        return THREADS == null ? 0 : THREADS.getCurrentThreadAllocatedBytes();
    }

    private static com.sun.management.ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()) {
            if (!t.isThreadAllocatedMemoryEnabled()) {
                t.setThreadAllocatedMemoryEnabled(true);
            }
            return t;
        }
        return null;
    }
}
