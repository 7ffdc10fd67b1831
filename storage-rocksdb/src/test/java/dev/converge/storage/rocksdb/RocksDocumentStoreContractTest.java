package dev.converge.storage.rocksdb;

import dev.converge.crdt.port.DocumentStore;
import dev.converge.storage.contract.DocumentStoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The DocumentStore contract on RocksDB with default options. */
class RocksDocumentStoreContractTest extends DocumentStoreContractTest {

    @TempDir
    Path dir;

    RocksStoreOptions options() {
        return RocksStoreOptions.defaults();
    }

    @Override
    protected DocumentStore newStore() {
        return RocksDocumentStore.open(dir.resolve("store"), options());
    }

    @Override
    protected DocumentStore reopen(DocumentStore store) {
        store.close();
        return RocksDocumentStore.open(dir.resolve("store"), options());
    }
}
