package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.ReplicaId;
import java.util.List;

/**
 * What a replica holds when it learns that it was removed from the cluster: the local writes no
 * remaining member is known to have acknowledged (conservatively: an acknowledgement that arrived
 * just before a restart may not have been recorded, and its writes are listed too). Removal is final — the replica no longer replicates and refuses
 * writes — so these would otherwise never reach anyone; {@link Replica#open} exports them to a
 * file next to the data directory.
 *
 * @param replica the removed replica
 * @param unsynced its own writes to user documents, oldest first, that no member is known to have acknowledged
 * @param complete false when the delta log had already dropped some entries past the last
 *     acknowledgement (the {@code retainedLogEntries} bound), so older unacknowledged writes are
 *     only in the documents' states, not listed here
 */
public record Removal(ReplicaId replica, List<UnsyncedWrite> unsynced, boolean complete) {

    public Removal {
        unsynced = List.copyOf(unsynced);
    }

    /** One unacknowledged local write: its log position, the document and the change (a delta). */
    public record UnsyncedWrite(long seq, Bytes key, Crdt<?> delta) {
    }
}
