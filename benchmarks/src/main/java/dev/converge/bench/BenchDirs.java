package dev.converge.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories for benchmark stores, deleted when the trial ends. */
public final class BenchDirs {

    private BenchDirs() {
    }

    public static Path create(String name) {
        try {
            return Files.createTempDirectory("converge-bench-" + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line the report can grep: {@code bytes/op <benchmark> <value>}. */
    public static void reportBytes(String benchmark, long bytes, long ops) {
        System.out.printf("%nbytes/op %s %.1f (%d bytes over %d ops)%n", benchmark, ops == 0 ? 0.0 : (double) bytes / ops, bytes, ops);
    }
}
