package dev.converge.sim;

import dev.converge.crdt.port.DocumentStore;
import dev.converge.storage.contract.DocumentStoreContractTest;
import org.junit.jupiter.api.Nested;

/** The simulator's store passes the same contract as the RocksDB store, in both durability modes. */
class SimStoreContractTest {

    private abstract static class Contract extends DocumentStoreContractTest {
        private long epoch = 1;

        abstract SimStore.Durability durability();

        @Override
        protected DocumentStore newStore() {
            return SimStore.inMemory(ME, durability());
        }

        @Override
        protected DocumentStore reopen(DocumentStore store) {
            SimStore s = (SimStore) store;
            s.close();
            return SimStore.open(s.disk(), ++epoch, SimStore.Options.immediate(durability()), SimStore.IMMEDIATE, null, null);
        }
    }

    @Nested
    class Sync extends Contract {
        @Override
        SimStore.Durability durability() {
            return SimStore.Durability.SYNC;
        }
    }

    @Nested
    class Buffered extends Contract {
        @Override
        SimStore.Durability durability() {
            return SimStore.Durability.BUFFERED;
        }
    }
}
