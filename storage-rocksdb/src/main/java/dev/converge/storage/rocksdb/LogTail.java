package dev.converge.storage.rocksdb;

import dev.converge.crdt.port.DeltaLogEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * The newest delta-log entries as they were committed, decoded. The protocol reads the log right
 * after each commit, once per peer, to push what is new; served from here, those reads skip a
 * RocksDB iterator and decoding every entry again. Bounded by entries and by encoded bytes; an
 * older position is read from RocksDB as before. Thread-safe: appended under the commit lock,
 * read by anyone.
 */
final class LogTail {

    /** A ring of consecutive entries: slot {@code (start + i) % capacity} holds sequence number {@code firstSeq + i}. */
    private final DeltaLogEntry[] entries;
    private final long[] sizes;
    private final long maxBytes;
    private int start;
    private int count;
    private long firstSeq;
    private long bytes;

    LogTail(int maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("a log tail holds at least one entry and one byte");
        }
        this.entries = new DeltaLogEntry[maxEntries];
        this.sizes = new long[maxEntries];
        this.maxBytes = maxBytes;
    }

    /**
     * Appends the entry committed at the next sequence number, with the encoded size of its
     * deltas; a gap (not expected: commits append in order) restarts the tail.
     */
    synchronized void append(DeltaLogEntry entry, long deltaBytes) {
        if (count > 0 && firstSeq + count != entry.seq()) {
            clear();
        }
        if (count == 0) {
            firstSeq = entry.seq();
        }
        if (count == entries.length) {
            dropFirst();
        }
        int slot = slot(count);
        entries[slot] = entry;
        sizes[slot] = deltaBytes;
        count++;
        bytes += deltaBytes;
        while (count > 1 && bytes > maxBytes) {
            dropFirst();
        }
    }

    /**
     * The entries after {@code afterSeq} through {@code throughSeq}, stopping before the one that
     * would take their encoded deltas past {@code maxBytes} (the first is always taken), as
     * {@link dev.converge.crdt.port.DocumentStore#readDeltaLog} counts them; or null when the tail
     * does not hold every entry from {@code afterSeq + 1} to {@code throughSeq}.
     */
    synchronized List<DeltaLogEntry> read(long afterSeq, long throughSeq, int maxBytes) {
        if (count == 0 || afterSeq + 1 < firstSeq || throughSeq > firstSeq + count - 1 || afterSeq >= throughSeq) {
            return null;
        }
        List<DeltaLogEntry> out = new ArrayList<>((int) Math.min(throughSeq - afterSeq, 64));
        long taken = 0;
        for (long seq = afterSeq + 1; seq <= throughSeq; seq++) {
            int slot = slot((int) (seq - firstSeq));
            if (!out.isEmpty() && taken + sizes[slot] > maxBytes) {
                break;
            }
            out.add(entries[slot]);
            taken += sizes[slot];
        }
        return out;
    }

    synchronized void clear() {
        while (count > 0) {
            dropFirst();
        }
        bytes = 0;
    }

    private int slot(int index) {
        return (start + index) % entries.length;
    }

    private void dropFirst() {
        bytes -= sizes[start];
        entries[start] = null;
        start = (start + 1) % entries.length;
        count--;
        firstSeq++;
    }
}
