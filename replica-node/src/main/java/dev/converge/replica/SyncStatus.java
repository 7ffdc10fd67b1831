package dev.converge.replica;

import dev.converge.crdt.causal.ReplicaId;
import java.util.List;

/**
 * A replica's replication state: its log position, documents, and each peer's.
 *
 * @param rejectedMessages messages from peers refused as invalid since start
 * @param typeConflicts keys that became a {@link dev.converge.crdt.TypeConflict} here: written as another type
 *     elsewhere while this replica held them (both types are kept); a conflicted document too large for
 *     one message, brought by a catch-up in parts over several messages, may count on its receiver too
 * @param inboundPauses times the transport was told to stop reading because more received
 *     messages waited for the engine than {@link EngineConfig#maxInboundMessages} (or bytes)
 * @param replicationWaits callers of {@link Replica#awaitReplicated} still waiting
 */
public record SyncStatus(ReplicaId replica, long lastSeq, long documents, List<PeerStatus> peers, long rejectedMessages,
                         long typeConflicts, long inboundPauses, int replicationWaits) {

    public SyncStatus {
        peers = List.copyOf(peers);
    }
}
