/**
 * The runnable node: the {@code converge} command line, the Redis-protocol and HTTP front ends,
 * local clusters and the demo.
 *
 * <p>Design note. This package is the runtime shell around the engine; it alone may read the
 * system clock and start threads (forbidden-apis checks the engine packages, not this one).
 *
 * <ul>
 *   <li><b>Parts.</b> {@link dev.converge.node.ReplicaRuntime} builds the replica (RocksDB, Netty,
 *       one engine thread, one callback thread); {@code ConvergeNode} adds the Redis front end
 *       ({@code RedisServer}), the HTTP endpoints ({@code HttpServer}) and the meters
 *       ({@code NodeMetrics}), starting them in that order and stopping them in reverse.</li>
 *   <li><b>Redis.</b> Netty's {@code RedisDecoder} parses RESP; {@code RequestAssembler} builds
 *       commands under {@code RedisLimits}, refusing an argument count or a bulk length from its
 *       header and counting every byte it holds against a node-wide budget (Netty's aggregators
 *       pre-size from the header and know no budget). {@code RedisConnection} keeps a client's
 *       commands in order: writes go to the engine at once (it applies them in submission
 *       order) and are answered when durable; a read waits for the same client's earlier
 *       writes; replies leave in request order, and dispatch stops while the client does not
 *       take its replies, so memory per client is bounded whatever it pipelines.</li>
 *   <li><b>Types.</b> A key's CRDT type is fixed by its first write: INCR family → PN counter,
 *       SET → LWW register, S* → OR-set, H* → OR-map with register (HSET) and counter (HINCRBY)
 *       fields. Deviations from Redis are listed in the README.</li>
 *   <li><b>The partition drill</b> acts on the transport ({@code NettyTransport.isolate()}):
 *       peers see links go down and redials fail, as in a real partition; the engine is not
 *       told anything but the link events.</li>
 *   <li><b>Processes.</b> {@code LocalCluster} runs each node as {@code converge node} in its own
 *       JVM; a node started by it exits when its stdin closes, so no node outlives its parent.</li>
 * </ul>
 */
package dev.converge.node;
