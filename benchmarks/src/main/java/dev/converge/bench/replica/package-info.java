/**
 * Benchmarks of the replica engine (issue 5): embedded write throughput through {@code Replica}
 * with replication running ({@link dev.converge.bench.replica.ReplicaWriteBench}, JMH, against the
 * raw RocksDB baseline in the same run), replication latency on loopback
 * ({@link dev.converge.bench.replica.ReplicationLatency}) and bytes on the wire per update
 * ({@link dev.converge.bench.replica.WireBytes}).
 */
package dev.converge.bench.replica;
