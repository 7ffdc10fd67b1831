/**
 * JMH benchmarks of storage-rocksdb, with the raw RocksDB baseline they are judged against
 * measured in the same run: {@link dev.converge.bench.storage.RawRocksDbBaseline} (WriteBatch
 * puts of the bytes a Converge update writes), {@link dev.converge.bench.storage.StoreUpdateBench}
 * (counter, set and register updates through the DocumentStore), {@link
 * dev.converge.bench.storage.LargeSetUpdateBench} (one element into a 10- or 100,000-element set)
 * and {@link dev.converge.bench.storage.CachedReadBench}. Each prints the bytes it handed RocksDB
 * per operation (RocksDB's {@code BYTES_WRITTEN} statistic) when its trial ends.
 */
package dev.converge.bench.storage;
