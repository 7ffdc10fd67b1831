package dev.converge.chaos;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private network namespace for the whole run, where the machine allows it: as root, with
 * {@code unshare} and {@code ip} on the PATH, the chaos process re-executes itself under
 * {@code unshare --net} (loopback brought up, nothing else), so the proxy, the nodes and the
 * clients see only each other and nothing inside can reach outside. Otherwise the run uses the
 * host's loopback.
 */
final class NetNamespace {

    /** Set in the re-executed process: it is already inside the namespace. */
    static final String INSIDE_ENV = "CONVERGE_CHAOS_NETNS";

    private NetNamespace() {
    }

    static boolean inside() {
        return "1".equals(System.getenv(INSIDE_ENV));
    }

    /** Why a namespace cannot be had here, or null when it can (checked once, by trying). */
    static String unavailable() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) {
                return "not running as root";
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "cannot tell the user id (" + e.getMessage() + ")";
        }
        if (find("unshare") == null) {
            return "no unshare on the PATH";
        }
        if (find("ip") == null) {
            return "no ip on the PATH";
        }
        try {
            Process p = new ProcessBuilder(find("unshare").toString(), "--net", "--", find("ip").toString(), "link", "set", "lo", "up")
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "unshare --net failed: " + output;
            }
        } catch (IOException e) {
            return "unshare --net failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        return null;
    }

    /** Runs this same command inside a new network namespace and returns its exit code. */
    static int reexec(String mainClass, String[] args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(find("unshare").toString(), "--net", "--", "/bin/sh", "-c",
                "\"$0\" link set lo up && shift && exec \"$@\"", find("ip").toString(), "-"));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(INSIDE_ENV, "1");
        Process p = pb.start();
        Thread waiter = new Thread(() -> {
            // Ctrl-C reaches the child too (same process group); give it time to stop its nodes.
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "chaos-netns-wait");
        Runtime.getRuntime().addShutdownHook(waiter);
        int code = p.waitFor();
        Runtime.getRuntime().removeShutdownHook(waiter);
        return code;
    }

    private static Path find(String command) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(List.of((path == null ? "" : path).split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, command);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
