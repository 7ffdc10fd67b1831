/**
 * The CRDT types and their lattice contract: {@link dev.converge.crdt.Crdt}, {@link dev.converge.crdt.Mutation},
 * {@link dev.converge.crdt.Merge}, and the types {@code GCounter}, {@code PNCounter}, {@code LWWRegister},
 * {@code MVRegister}, {@code ORSet}, {@code EWFlag} and {@code ORMap}.
 *
 * <p>Design note. Every type is an immutable delta-state CRDT (Almeida, Shoker and Baquero,
 * <i>Delta State Replicated Data Types</i>, 2018). The causal types are a dot store plus a causal
 * context; their stores ({@code DotSetOps}, {@code DotFun}, {@code DotMap}) are package-private.
 * Dot maps carry a <em>partial</em> flag: a delta names every key its context touches, so applying
 * a one-element delta to a large set is a lookup per key rather than a scan; states are always
 * complete. Collections live in a persistent AVL map, so versions share structure. The effective
 * delta of a merge (RR, Enes et al. 2019) is the join decomposition of the delta restricted to
 * what the state lacked. See docs/DESIGN.md for the reasoning and its proof obligations, which
 * the lattice-laws test in the test-jar checks for every type.
 */
package dev.converge.crdt;
