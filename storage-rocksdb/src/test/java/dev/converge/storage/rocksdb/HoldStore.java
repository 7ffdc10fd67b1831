package dev.converge.storage.rocksdb;

import java.io.IOException;
import java.nio.file.Path;

/** Child process of {@link LifecycleTest}: opens a store, says so, and holds it until killed. */
public final class HoldStore {

    private HoldStore() {
    }

    public static void main(String[] args) throws IOException {
        try (RocksDocumentStore store = RocksDocumentStore.open(Path.of(args[0]))) {
            System.out.println("ready " + store.replicaId());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Hold until the parent closes our stdin or kills us.
            }
        }
    }
}
