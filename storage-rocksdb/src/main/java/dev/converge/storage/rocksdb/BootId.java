package dev.converge.storage.rocksdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The identity of the machine's current boot, which tells a process crash (same boot: the OS
 * still writes what the process handed it) from a power loss or OS crash (a new boot: unsynced
 * writes may be gone). Linux publishes one; elsewhere it is unknown and the store assumes the
 * worst.
 */
final class BootId {

    private static final Path LINUX = Path.of("/proc/sys/kernel/random/boot_id");

    private BootId() {
    }

    /** The current boot's id, or empty when the platform does not say. */
    static String current() {
        try {
            return Files.isReadable(LINUX) ? Files.readString(LINUX, StandardCharsets.US_ASCII).trim() : "";
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
