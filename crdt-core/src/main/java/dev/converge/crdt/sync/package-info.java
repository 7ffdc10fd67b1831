/**
 * The messages of the replication protocol as immutable records, and the hashes every replica
 * computes alike for anti-entropy ({@link dev.converge.crdt.sync.Hashing}).
 *
 * <p>Design note. Delta batches follow delta-interval anti-entropy (Almeida et al. 2018,
 * Algorithm 2) with a piggybacked ack; digests are sums of document hashes over ranges of the
 * key-hash space, so they update in O(1) per commit and compare top-down.
 */
package dev.converge.crdt.sync;
