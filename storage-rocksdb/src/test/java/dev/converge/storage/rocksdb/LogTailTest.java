package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.sync.Document;
import dev.converge.storage.contract.Ops;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory tail of the delta log, alone and behind {@link RocksDocumentStore#readDeltaLog}. */
class LogTailTest {

    private static final ReplicaId ME = ReplicaId.of(0x7A1);

    @TempDir
    Path dir;

    private static DeltaLogEntry entry(long seq) {
        return new DeltaLogEntry(seq, ME, List.of(new Document(bytes("k" + seq), GCounter.empty().increment(ME, seq).delta())));
    }

    private static List<Long> seqs(List<DeltaLogEntry> entries) {
        return entries.stream().map(DeltaLogEntry::seq).toList();
    }

    @Test
    void servesConsecutiveEntriesWithinItsBoundsAndNothingItDoesNotHold() {
        LogTail tail = new LogTail(8, 1_000);
        for (long seq = 1; seq <= 12; seq++) {
            tail.append(entry(seq), 10);
        }
        // Eight entries kept: 5..12.
        assertThat(tail.read(3, 12, 1_000)).isNull();
        assertThat(seqs(tail.read(4, 12, 1_000))).containsExactly(5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(seqs(tail.read(9, 11, 1_000))).containsExactly(10L, 11L);
        assertThat(tail.read(9, 13, 1_000)).as("an entry past the tail").isNull();
        assertThat(tail.read(12, 12, 1_000)).as("nothing after the position").isNull();
        // The byte budget stops before the entry that would pass it, but always takes one.
        assertThat(seqs(tail.read(4, 12, 25))).containsExactly(5L, 6L);
        assertThat(seqs(tail.read(4, 12, 1))).containsExactly(5L);
    }

    @Test
    void staysWithinItsByteBoundAndRestartsAfterAGap() {
        LogTail tail = new LogTail(100, 50);
        for (long seq = 1; seq <= 10; seq++) {
            tail.append(entry(seq), 10);
        }
        assertThat(tail.read(4, 10, 1_000)).isNull();
        assertThat(seqs(tail.read(5, 10, 1_000))).containsExactly(6L, 7L, 8L, 9L, 10L);
        tail.append(entry(1_000), 500);
        assertThat(tail.read(999, 1_000, 1_000)).as("one entry over the byte bound is still kept").hasSize(1);
        assertThat(tail.read(9, 10, 1_000)).as("older entries went with the gap").isNull();
        tail.append(entry(1_001), 10);
        assertThat(seqs(tail.read(1_000, 1_001, 1_000))).containsExactly(1_001L);
        assertThat(tail.read(999, 1_001, 1_000)).as("the large entry left to keep the bound").isNull();
    }

    @Test
    void freshEntriesReadAsTheReopenedStoreDecodesThemFromDisk() {
        List<DeltaLogEntry> fresh;
        List<DeltaLogEntry> budgeted;
        List<DeltaLogEntry> tailReads = new ArrayList<>();
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.defaults())) {
            for (int i = 0; i < 50; i++) {
                store.commit(Commit.of(ME, List.of(Ops.increment(store, bytes("c" + i % 7), ME, i + 1),
                        Ops.setAdd(store, bytes("s" + i % 5), ME, bytes("e" + i))))).toCompletableFuture().join();
                // As a push does: what is new since the previous read.
                DeltaLogSlice next = store.readDeltaLog(i, Integer.MAX_VALUE);
                assertThat(next.truncated()).isFalse();
                tailReads.addAll(next.entries());
            }
            fresh = store.readDeltaLog(0, Integer.MAX_VALUE).entries();
            budgeted = store.readDeltaLog(10, 200).entries();
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.defaults())) {
            List<DeltaLogEntry> fromDisk = store.readDeltaLog(0, Integer.MAX_VALUE).entries();
            assertThat(seqs(fromDisk)).isEqualTo(LongStream.rangeClosed(1, 50).boxed().toList());
            assertThat(fresh).isEqualTo(fromDisk);
            assertThat(tailReads).isEqualTo(fromDisk);
            // The byte budget counts the same bytes from memory as from disk.
            List<DeltaLogEntry> budgetedFromDisk = store.readDeltaLog(10, 200).entries();
            assertThat(budgetedFromDisk).hasSizeBetween(2, 39);
            assertThat(budgeted).isEqualTo(budgetedFromDisk);
        }
    }

    /** A slice's byte budget counts keys with the deltas, from memory and from disk alike: long keys make short slices. */
    @Test
    void aSliceBudgetCountsTheKeys() {
        String longKey = "k".repeat(200);
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.defaults())) {
            for (int i = 0; i < 40; i++) {
                store.commit(Commit.of(ME, List.of(Ops.increment(store, bytes(longKey + i), ME, 1)))).toCompletableFuture().join();
            }
            assertThat(store.readDeltaLog(0, 1_024).entries()).as("from memory").hasSizeBetween(2, 5);
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, RocksStoreOptions.defaults())) {
            assertThat(store.readDeltaLog(0, 1_024).entries()).as("from disk").hasSizeBetween(2, 5);
        }
    }
}
