package dev.converge.storage.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Hashing;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import java.util.HashMap;
import org.rocksdb.RocksIterator;
import java.util.List;
import java.util.Map;

/** Invariants of a store that every test can re-check after it ran (as Caffeine's tests do). */
final class StoreChecks {

    private StoreChecks() {
    }

    /**
     * The delta log is contiguous from its head to {@code lastSeq}; when nothing was truncated,
     * each document's state is the join of its logged deltas; keys, count and digests agree.
     */
    static void assertConsistent(DocumentStore store) {
        Map<Bytes, Crdt<?>> folded = new HashMap<>();
        DeltaLogSlice first = store.readDeltaLog(0, 1 << 20);
        long head = first.firstRetainedSeq();
        long expected = head;
        long after = head - 1;
        while (true) {
            DeltaLogSlice slice = store.readDeltaLog(after, 1 << 20);
            if (slice.entries().isEmpty()) {
                break;
            }
            for (DeltaLogEntry e : slice.entries()) {
                assertThat(e.seq()).as("delta-log seq after %s", after).isEqualTo(expected);
                expected++;
                after = e.seq();
                for (Document d : e.deltas()) {
                    folded.merge(d.key(), Crdt.joinAny(d.value().type().bottom(), d.value()), Crdt::joinAny);
                }
            }
        }
        assertThat(after).as("last logged seq").isEqualTo(store.lastSeq());
        List<Bytes> keys = store.keys((Bytes) null, null, Integer.MAX_VALUE);
        assertThat((long) keys.size()).as("keys listed vs documentCount").isEqualTo(store.documentCount());
        long sum = 0;
        for (Bytes key : keys) {
            Crdt<?> state = store.read(key).orElseThrow();
            sum += Hashing.documentHash(key, CrdtCodec.encode(state));
            if (head == 1) {
                assertThat(folded).as("deltas of %s", key).containsKey(key);
                assertThat(CrdtCodec.encode(state)).as("state of %s = fold of its deltas", key).isEqualTo(CrdtCodec.encode(folded.get(key)));
            }
        }
        if (head == 1) {
            assertThat(folded.keySet()).containsExactlyInAnyOrderElementsOf(keys);
        }
        assertThat(store.digests(List.of(KeyHashRange.ALL))).containsExactly(new RangeDigest(KeyHashRange.ALL, sum, keys.size()));
    }

    /**
     * Once everything committed is written and no fold runs: no delta lies at or below its
     * document's snapshot (reads skip such a delta and no fold would ever delete it: a leak).
     */
    static void assertNoDeltaAtOrBelowItsSnapshot(RocksDocumentStore store) {
        RocksHandles h = store.handles();
        try (RocksIterator it = h.db.newIterator(h.docDeltas)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] dk = it.key();
                Bytes key = Layout.docOfDeltaKey(dk);
                byte[] k = key.toByteArray();
                byte[] snapshot;
                try {
                    snapshot = h.db.get(h.docs, k);
                } catch (org.rocksdb.RocksDBException e) {
                    throw new AssertionError(e);
                }
                assertThat(snapshot).as("document of delta %s", Layout.seqOfDeltaKey(dk)).isNotNull();
                long foldedThrough = Documents.decodeSnapshot(k, snapshot, key, "check").foldedThrough();
                assertThat(Layout.seqOfDeltaKey(dk)).as("delta of %s above its snapshot's foldedThrough", key).isGreaterThan(foldedThrough);
            }
        }
    }
}
