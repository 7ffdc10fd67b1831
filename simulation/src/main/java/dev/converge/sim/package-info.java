/**
 * A deterministic simulator for Converge: the real engine ({@link dev.converge.replica.Replica#create})
 * on virtual time, with seeded faults, an oracle after every run, replay and shrinking.
 *
 * <p>Design note. Modelled on TigerBeetle's VOPR and FoundationDB's simulation: one root seed is
 * split per subsystem (scenario, network, storage, engines, identities, crash damage), and the
 * fault parameters themselves are drawn from it ("swarm" testing), so each seed stresses its own
 * mix. Everything runs on one {@link dev.converge.sim.VirtualTime} queue ordered by (time,
 * sequence): the engine's loop, timers and callbacks, the store's writer, the network's
 * deliveries. A crashed process owns its tasks and they die with it. Nothing reads the wall
 * clock, nothing draws unseeded randomness, nothing starts a thread, and nothing iterates a
 * JVM-salted order ({@code Map.of}): the same seed gives the same {@link dev.converge.sim.Trace}
 * hash in any JVM. A run is a {@link dev.converge.sim.Scenario} — an explicit list of operations
 * and faults plus the seed's swarm parameters — so a failure shrinks by removing actions, and its
 * minimal scenario is a file that replays exactly. The engine is never edited: broken variants
 * act at the ports (store, wire, clock).
 */
package dev.converge.sim;
