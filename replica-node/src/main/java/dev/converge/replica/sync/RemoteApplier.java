package dev.converge.replica.sync;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.sync.Document;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Merges documents received from a peer into the local store: the engine's side of the protocol.
 * A document of another type than the key holds joins it as a {@code TypeConflict}; one of another
 * type than the cluster's own documents have is refused (logged, counted as rejected).
 */
public interface RemoteApplier {

    /**
     * Merges {@code documents} (deltas or full states) from {@code peer}, recording the effective
     * parts in the delta log with {@code peer} as their origin.
     *
     * @return completes once everything merged so far is durable, with the local sequence number
     *     of the commit that recorded the effective parts, or -1 when nothing was new
     */
    CompletionStage<Long> apply(ReplicaId peer, List<Document> documents);
}
