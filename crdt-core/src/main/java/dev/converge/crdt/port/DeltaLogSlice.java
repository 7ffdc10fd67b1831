package dev.converge.crdt.port;

import java.util.List;

/**
 * The answer to a delta-log read: consecutive entries, and whether the range asked for began
 * below the log's retained head, in which case the entries before {@code firstRetainedSeq} are
 * gone and the reader must catch up by digest instead.
 */
public record DeltaLogSlice(List<DeltaLogEntry> entries, boolean truncated, long firstRetainedSeq) {

    public DeltaLogSlice {
        entries = List.copyOf(entries);
    }
}
