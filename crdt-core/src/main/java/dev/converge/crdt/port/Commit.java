package dev.converge.crdt.port;

import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One atomic unit of a {@link DocumentStore}: document changes, the delta-log entry that
 * records their deltas for replication, and replication metadata, all or nothing.
 *
 * @param origin the replica whose operation produced the deltas: this replica for a local
 *     write, the sender for merged remote deltas (so they are never echoed back to it)
 * @param changes at most one per key; empty for a metadata-only commit, which writes no
 *     delta-log entry
 * @param acks peer to the highest local sequence number it has acknowledged; merged by maximum
 * @param clockHighWater the greatest hybrid timestamp issued so far, or empty to keep the stored one
 */
public record Commit(ReplicaId origin, List<Change> changes, Map<ReplicaId, Long> acks, Optional<HybridTimestamp> clockHighWater) {

    public Commit {
        if (origin == null) {
            throw new IllegalArgumentException("a commit needs an origin");
        }
        changes = List.copyOf(changes);
        acks = Map.copyOf(acks);
        if (changes.size() > 1) { // most commits change one key: no set to build for them
            var keys = new HashSet<>();
            for (Change c : changes) {
                if (!keys.add(c.key())) {
                    throw new IllegalArgumentException("key '" + c.key() + "' changes twice in one commit");
                }
            }
        }
        for (var e : acks.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("negative ack " + e.getValue() + " from " + e.getKey());
            }
        }
    }

    /** A commit of {@code changes} with no metadata. */
    public static Commit of(ReplicaId origin, List<Change> changes) {
        return new Commit(origin, changes, Map.of(), Optional.empty());
    }
}
