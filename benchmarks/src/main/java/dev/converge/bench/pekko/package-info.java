/**
 * The crdt-level workloads on crdt-core and on Apache Pekko Distributed Data, side by side in one
 * JMH run so the ratios come from one machine at one time: {@link dev.converge.bench.pekko.ORSetSideBySide},
 * {@link dev.converge.bench.pekko.ScalarSideBySide}, and the encoded sizes
 * ({@link dev.converge.bench.pekko.PekkoSizes}).
 */
package dev.converge.bench.pekko;
