package dev.converge.storage.rocksdb;

/**
 * Counters of a {@link RocksDocumentStore} since it was opened, for a metrics registry: all
 * monotonic except {@code cacheEstimatedBytes} and {@code pendingCommits}.
 *
 * @param cacheHits reads answered by the decoded-state cache
 * @param cacheMisses reads that went to RocksDB (or found no document)
 * @param cacheEvictions states dropped from the cache to respect its byte bound
 * @param cacheEstimatedBytes estimated bytes of the states the cache holds now
 * @param commits commits written
 * @param groups RocksDB write batches that wrote them (group commit)
 * @param pendingCommits commits submitted and not yet written
 * @param folds document folds (pending deltas into the snapshot) done by background compaction
 * @param bytesWritten bytes handed to RocksDB in write batches (its {@code BYTES_WRITTEN}
 *     statistic): commits, folds and truncations
 * @param walBytes bytes RocksDB appended to its write-ahead log
 * @param flushAndCompactionBytes bytes RocksDB wrote to table files by flushes and its own compaction
 */
public record RocksStoreMetrics(
        long cacheHits,
        long cacheMisses,
        long cacheEvictions,
        long cacheEstimatedBytes,
        long commits,
        long groups,
        long pendingCommits,
        long folds,
        long bytesWritten,
        long walBytes,
        long flushAndCompactionBytes) {
}
