package dev.converge.bench.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time from Linux's {@code /proc}: a live process's user + system time, and the time of this
 * process's children that have exited and been waited for (how the harness measures the
 * redis-benchmark client, which is gone by the time its CPU time could be read directly).
 * Everything is {@code NaN} where {@code /proc} is not there.
 */
public final class ProcCpu {

    private static final double TICKS_PER_SECOND = ticksPerSecond();

    private ProcCpu() {
    }

    /** Seconds of CPU a process has used (user + system), {@code NaN} when it cannot be read. */
    public static double seconds(long pid) {
        long[] f = stat(Path.of("/proc", Long.toString(pid), "stat"));
        return f == null ? Double.NaN : (f[0] + f[1]) / TICKS_PER_SECOND;
    }

    /**
     * Seconds of CPU a process's live threads have used, summed by thread group: the kernel's
     * thread name (Java's, cut to 15 characters) with digits dropped, mapped to a short label
     * ({@code redis I/O}, {@code engine}, {@code RocksDB}, ...). Empty when {@code /proc} cannot be read.
     */
    static Map<String, Double> byThread(long pid) {
        Map<String, Double> groups = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String s = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                    String name = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
                    long[] f = stat(task.resolve("stat"));
                    if (f != null) {
                        groups.merge(threadGroup(name), (f[0] + f[1]) / TICKS_PER_SECOND, Double::sum);
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return groups;
    }

    /** A label for a node's thread, from its kernel name (at most 15 characters of the Java name). */
    static String threadGroup(String kernelName) {
        String n = kernelName.replaceAll("\\d+", "");
        if (n.startsWith("converge-redis")) {
            return "redis I/O";
        } else if (n.startsWith("converge-engine")) {
            return "engine";
        } else if (n.startsWith("converge-rocksd") || n.startsWith("rocksdb:")) {
            return "RocksDB";
        } else if (n.startsWith("converge-callba")) {
            return "callbacks";
        } else if (n.startsWith("converge-transp")) {
            return "transport";
        } else if (n.contains("CompilerThre")) {
            return "JIT";
        } else if (n.startsWith("GC Thread") || n.startsWith("G ") || n.startsWith("VM Thread")) {
            return "GC/VM";
        }
        return "other";
    }

    /** Seconds of CPU used by this process's exited and waited-for children (and theirs). */
    static double reapedChildrenSeconds() {
        long[] f = stat(Path.of("/proc/self/stat"));
        return f == null ? Double.NaN : (f[2] + f[3]) / TICKS_PER_SECOND;
    }

    /** utime, stime, cutime, cstime in clock ticks (fields 14 to 17 of proc(5)), or null. */
    private static long[] stat(Path path) {
        try {
            String s = Files.readString(path, StandardCharsets.US_ASCII);
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            String[] rest = s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
            return new long[] {Long.parseLong(rest[11]), Long.parseLong(rest[12]), Long.parseLong(rest[13]), Long.parseLong(rest[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** {@code getconf CLK_TCK}; 100, what Linux uses everywhere, when that cannot be run. */
    private static double ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor() == 0 ? Double.parseDouble(out) : 100;
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
