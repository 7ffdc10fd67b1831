/**
 * Causality: {@link dev.converge.crdt.causal.ReplicaId}, {@link dev.converge.crdt.causal.Dot},
 * {@link dev.converge.crdt.causal.Dots}, {@link dev.converge.crdt.causal.VersionVector},
 * {@link dev.converge.crdt.causal.DotContext} and the hybrid logical clock.
 *
 * <p>Design note. A version vector has a one-entry representation because most documents have
 * one writer. A dot context is a version vector plus a cloud of ranges for events seen out of
 * order; every constructor compacts, so equal contexts are equal objects. The hybrid clock
 * (Kulkarni et al. 2014) is fed by an injected {@link java.time.InstantSource}; nothing here reads
 * the system clock.
 */
package dev.converge.crdt.causal;
