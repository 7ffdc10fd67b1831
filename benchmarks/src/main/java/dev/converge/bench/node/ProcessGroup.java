package dev.converge.bench.node;

import dev.converge.bench.BenchDirs;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every process the harness starts, and the temporary directory holding their data and logs.
 * {@link #close()} stops them (SIGTERM, a clean shutdown; then whatever they started; SIGKILL for
 * anything still running after a grace period) and deletes the directory, also when the harness failed; a shutdown hook does
 * the same when the harness is stopped by Ctrl-C or SIGTERM or fails.
 */
public final class ProcessGroup implements AutoCloseable {

    /** A started process and the files its stdout and stderr go to (the same file unless started with a separate one). */
    public record Started(String name, Process process, Path log, Path errors) {
    }

    private static final long GRACE_MILLIS = 20_000;
    private static final long KILL_WAIT_MILLIS = 5_000;

    private final Path dir;
    private final PrintStream out;
    private final List<Started> started = new ArrayList<>();
    private final Thread hook;
    private boolean closed;

    private ProcessGroup(Path dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
        this.hook = new Thread(this::closeFromHook, "converge-bench-node-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public static ProcessGroup open(PrintStream out) {
        return open("node", out);
    }

    /** A group whose directory is named after {@code name} (a suite). */
    public static ProcessGroup open(String name, PrintStream out) {
        return new ProcessGroup(BenchDirs.create(name), out);
    }

    public Path dir() {
        return dir;
    }

    /** Starts {@code command} with stdout and stderr appended to {@code <dir>/<name>.log}; stdin stays a pipe to this process. */
    public Started start(String name, List<String> command) throws IOException {
        return start(name, command, false);
    }

    /** As {@link #start(String, List)}; with {@code separateErrors}, stderr goes to {@code <dir>/<name>.err}. */
    synchronized Started start(String name, List<String> command, boolean separateErrors) throws IOException {
        if (closed) {
            throw new IOException("not starting " + name + ": stopping every process");
        }
        Path log = dir.resolve(name + ".log");
        Path errors = separateErrors ? dir.resolve(name + ".err") : log;
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (separateErrors) {
            pb.redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()));
        } else {
            pb.redirectErrorStream(true);
        }
        Started s = new Started(name, pb.start(), log, errors);
        started.add(s);
        return s;
    }

    /** Whether the group is stopping or stopped (the shutdown hook ran, or {@link #close()}). */
    synchronized boolean closing() {
        return closed;
    }

    /** Forgets a process that has exited. */
    synchronized void forget(Started s) {
        started.remove(s);
    }

    /** The last {@code lines} lines of a process's log, indented, for an error message. */
    public static String tail(Started s, int lines) {
        try {
            List<String> all = Files.readAllLines(s.log(), StandardCharsets.UTF_8);
            StringBuilder b = new StringBuilder();
            b.append("last lines of ").append(s.name()).append("'s output");
            if (!s.process().isAlive()) {
                b.append(" (exited with code ").append(s.process().exitValue()).append(')');
            }
            b.append(':');
            for (String l : all.subList(Math.max(0, all.size() - lines), all.size())) {
                b.append(System.lineSeparator()).append("    ").append(l);
            }
            return b.toString();
        } catch (IOException e) {
            return "no output from " + s.name();
        }
    }

    /**
     * SIGTERM to every process, then to whatever they started that is still running once they
     * have exited (a {@code converge cluster} stops its nodes itself), SIGKILL after the grace period.
     */
    private static void stopTrees(List<Process> processes) {
        List<ProcessHandle> descendants = new ArrayList<>();
        for (Process p : processes) {
            descendants.addAll(p.descendants().toList());
            p.destroy();
        }
        for (Process p : processes) {
            waitFor(p.toHandle(), GRACE_MILLIS);
        }
        for (ProcessHandle d : descendants) {
            if (d.isAlive()) {
                d.destroy();
            }
        }
        for (ProcessHandle d : descendants) {
            if (!waitFor(d, GRACE_MILLIS)) {
                d.destroyForcibly();
                waitFor(d, KILL_WAIT_MILLIS);
            }
        }
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
                waitFor(p.toHandle(), KILL_WAIT_MILLIS);
            }
        }
    }

    private static boolean waitFor(ProcessHandle h, long millis) {
        try {
            h.onExit().get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return !h.isAlive();
        } catch (java.util.concurrent.ExecutionException e) {
            return !h.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        }
    }

    private void closeFromHook() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        out.println("converge bench: stopping every process it started");
        out.flush();
        stopAll();
    }

    /** Stops everything still running and deletes the directory. Idempotent. */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs (and finds nothing left to do)
        }
    }

    private void stopAll() {
        List<Started> toStop;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toStop = new ArrayList<>(started);
            started.clear();
        }
        stopTrees(toStop.stream().map(Started::process).toList());
        try {
            BenchDirs.delete(dir);
        } catch (UncheckedIOException e) {
            out.println("converge bench: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
