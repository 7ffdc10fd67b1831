package dev.converge.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a live process, from Linux's {@code /proc/<pid>/status}; -1 where it cannot be read. */
final class ProcStatus {

    private ProcStatus() {
    }

    /** Resident set size now ({@code VmRSS}), in bytes. */
    static long rssBytes(long pid) {
        return field(read(pid), "VmRSS");
    }

    /** Peak resident set size ({@code VmHWM}), in bytes. */
    static long peakRssBytes(long pid) {
        return field(read(pid), "VmHWM");
    }

    /** A {@code Name:   1234 kB} line of a status file, in bytes; -1 when missing or not in kB. */
    static long field(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) {
                String[] f = line.substring(name.length() + 1).trim().split("\\s+");
                if (f.length == 2 && f[1].equals("kB")) {
                    try {
                        return Long.parseLong(f[0]) * 1024;
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
                return -1;
            }
        }
        return -1;
    }

    private static String read(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "";
        }
    }
}
