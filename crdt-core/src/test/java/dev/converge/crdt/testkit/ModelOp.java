package dev.converge.crdt.testkit;

import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import java.util.List;

/**
 * One update as the reference model records it: who made it, on which path (a set element, a
 * map field, a field inside a nested map...), its kind and payload. Ops that create a dot in the
 * real CRDT are the model's "dots".
 *
 * @param path the element or field path the op acts on (empty for whole-value ops)
 * @param kind what it is: "inc", "dec", "write", "add", "enable", "counter", ...
 * @param amount increment amount, or a counter entry's cumulative increments
 * @param amount2 a counter entry's cumulative decrements
 */
public record ModelOp(int id, ReplicaId replica, List<String> path, String kind, long amount, long amount2,
                      HybridTimestamp timestamp, String value) {
}
