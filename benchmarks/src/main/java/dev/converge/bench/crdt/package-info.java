/** JMH benchmarks of crdt-core: mutators, delta application, joins and the codec. */
package dev.converge.bench.crdt;
