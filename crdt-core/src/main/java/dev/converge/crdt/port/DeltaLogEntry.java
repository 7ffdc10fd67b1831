package dev.converge.crdt.port;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.sync.Document;
import java.util.List;

/** The deltas one commit recorded at local sequence number {@code seq}, and where they came from. */
public record DeltaLogEntry(long seq, ReplicaId origin, List<Document> deltas) {

    public DeltaLogEntry {
        if (seq < 1) {
            throw new IllegalArgumentException("sequence numbers start at 1, got " + seq);
        }
        deltas = List.copyOf(deltas);
    }
}
