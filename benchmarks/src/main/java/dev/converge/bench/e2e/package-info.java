/**
 * End to end ({@code ./converge bench e2e}): a Java load driver against local Converge nodes, each
 * its own JVM, over the Redis protocol ({@link dev.converge.bench.e2e.EndToEnd}): write throughput
 * and latency at a fixed offered load (open loop) and at saturation (closed loop), replication lag,
 * CPU and RSS per node, throughput against client connections and cluster size; and the store's size
 * on disk against its document count ({@link dev.converge.bench.e2e.StoreSize}).
 */
package dev.converge.bench.e2e;
