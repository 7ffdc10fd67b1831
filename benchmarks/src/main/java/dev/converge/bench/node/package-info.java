/**
 * Redis-protocol throughput of the runnable node: {@link dev.converge.bench.node.NodeThroughput}
 * ({@code ./converge bench node}) drives {@code redis-benchmark} against a {@code redis-server},
 * one Converge node and a three-node Converge cluster, each in its own processes on the same
 * machine and in the same run, and checks that the cluster's nodes converge after every run.
 * Not JMH: the client is an external program and the servers are separate processes.
 */
package dev.converge.bench.node;
