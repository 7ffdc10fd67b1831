package dev.converge.storage.rocksdb;

/**
 * The contract again with no cache and eager folding: every read without a commit in flight
 * joins a snapshot with its deltas from disk, and documents are folded after nearly every write.
 */
class UncachedFoldingContractTest extends RocksDocumentStoreContractTest {

    @Override
    RocksStoreOptions options() {
        return RocksStoreOptions.builder().cacheMaxBytes(0).foldMinBytes(0).foldFraction(0.01).rewriteMaxBytes(0)
                .durability(RocksStoreOptions.Durability.SYNC).build();
    }
}
