package dev.converge.replica;

import dev.converge.crdt.port.DocumentStore;
import dev.converge.replica.store.MemoryDocumentStore;
import dev.converge.storage.contract.DocumentStoreContractTest;

/** The in-memory store passes the same contract as the RocksDB store. */
class MemoryDocumentStoreContractTest extends DocumentStoreContractTest {

    @Override
    protected DocumentStore newStore() {
        return new MemoryDocumentStore(ME);
    }

    @Override
    protected DocumentStore reopen(DocumentStore store) {
        store.close();
        return ((MemoryDocumentStore) store).reopened();
    }
}
