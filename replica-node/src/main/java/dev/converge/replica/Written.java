package dev.converge.replica;

/**
 * The outcome of a local write, once it is durable locally: the value it left and the local
 * sequence number that records it, the token {@link Replica#awaitReplicated} waits on. A write
 * that changed nothing carries the sequence number of the latest write before it.
 */
public record Written<V>(V value, long seq) {
}
