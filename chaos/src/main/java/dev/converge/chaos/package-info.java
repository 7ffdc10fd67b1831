/**
 * The black-box chaos suite: {@code converge chaos} runs real {@code converge node} processes
 * under network and process faults, with Redis clients recording a history, and judges the
 * history with Jepsen-style checkers.
 *
 * <h2>Design note</h2>
 *
 * <p><b>Nothing inside the nodes is touched.</b> Nodes are started exactly as a user starts them
 * (the {@code node} command, a secret in {@code CONVERGE_SECRET}); the suite only sits on the
 * wire ({@link dev.converge.chaos.FaultProxy}: every peer seed of every node points at the
 * proxy, one port per directed link), sends signals ({@link dev.converge.chaos.NodeCluster}),
 * talks the Redis protocol (Jedis) and reads logs.
 *
 * <p><b>One seed, one schedule.</b> {@link dev.converge.chaos.Schedule} is a pure function of the
 * seed and the run's shape, printed before the run with a fingerprint; the clients' choices come
 * from the same seed. Time is real, so two runs of one seed differ in interleavings, not in
 * faults.
 *
 * <p><b>Rounds</b> (Jepsen's nemesis schedule, TigerBeetle's chaos-then-heal): faults under
 * load; heal; wait for every node's {@code CONVERGE.DIGEST} to agree (heal-to-convergence time);
 * a quiet period; final reads of every key on every node; the data checkers
 * ({@link dev.converge.chaos.DataCheckers}). The whole-run checkers
 * ({@link dev.converge.chaos.RunCheckers}) judge convergence, durability, liveness, the nodes'
 * exits and logs, and non-vacuity. The exact rules are in {@link dev.converge.chaos.Rules} and
 * in each checker's comment; {@code docs/RELIABILITY.md} states them for readers.
 *
 * <p><b>Indeterminate operations</b> (an error reply, a connection broken after sending, a
 * timeout) may or may not have taken effect, at any later time; the checkers accept either, as
 * Jepsen treats {@code :info} operations. Operations that never reached a node are certain
 * failures and must never show.
 */
package dev.converge.chaos;
