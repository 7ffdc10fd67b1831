/**
 * Throughput of transport-netty against a raw Netty baseline, measured in the same JVM and run:
 * {@link dev.converge.bench.transport.TransportThroughput} streams sync messages over loopback
 * links for a fixed time and counts what arrives. A streaming harness rather than JMH because the
 * quantity is a steady-state rate across several threads (producer, sender loop, receiver loops),
 * which JMH's per-invocation model would interrupt with a drain at every batch.
 */
package dev.converge.bench.transport;
