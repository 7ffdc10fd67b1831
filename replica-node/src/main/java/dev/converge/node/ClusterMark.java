package dev.converge.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The cluster a data directory belongs to, recorded in it at its first start ({@code CLUSTER}, the
 * name as text): started again under another cluster name, its documents and membership would
 * merge into that cluster, so the start is refused instead. A directory from before the mark is
 * marked at its next start.
 */
final class ClusterMark {

    static final String FILE = "CLUSTER";
    private static final int MAX_BYTES = 4096;

    private ClusterMark() {
    }

    /**
     * Records {@code clusterName} in {@code dataDir}, or checks it against what is recorded.
     *
     * @throws IllegalStateException when the directory belongs to another cluster, or the mark
     *     cannot be read or written (a data-directory problem, never to be taken for a port's)
     */
    static void check(Path dataDir, String clusterName) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                if (Files.size(file) > MAX_BYTES) {
                    throw new IllegalStateException(file + " is not a cluster mark (over " + MAX_BYTES + " bytes)");
                }
                String recorded = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (!recorded.equals(clusterName)) {
                    throw new IllegalStateException("the data directory " + dataDir + " belongs to cluster '" + recorded + "', not '"
                            + clusterName + "': start it with --cluster-name " + recorded + ", or use an empty data directory");
                }
                return;
            }
            Path tmp = dataDir.resolve(FILE + ".tmp");
            Files.writeString(tmp, clusterName + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Not its cause: a start failure reports the root cause's message, which would not name the file.
            IllegalStateException failure = new IllegalStateException("cannot read or record the cluster mark " + file + ": " + e.getMessage());
            failure.addSuppressed(e);
            throw failure;
        }
    }
}
