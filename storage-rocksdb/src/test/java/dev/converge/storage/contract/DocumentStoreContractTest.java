package dev.converge.storage.contract;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Hashing;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link DocumentStore}, for every implementation: extend it, make
 * {@link #newStore()} return a fresh empty store and {@link #reopen(DocumentStore)} close one and
 * open the same data again (as a restart would).
 *
 * <p>Conventions this contract fixes where the port's Javadoc is silent:
 * <ul>
 * <li>{@code keys(KeyHashRange, after, limit)} lists in ascending order of unsigned
 *     {@link Hashing#keyHash}, then of key; {@code after} is a position in that order;
 * <li>{@code readDeltaLog} of a truncated range returns the retained entries from the head on,
 *     with {@code truncated = true};
 * <li>{@code truncateDeltaLog} beyond {@link DocumentStore#lastSeq()} truncates through it;
 * <li>a change whose type differs from the stored document's is refused by a thrown
 *     {@link IllegalArgumentException} or a failed future, and changes nothing.
 * </ul>
 */
public abstract class DocumentStoreContractTest {

    protected static final ReplicaId ME = ReplicaId.of(0x1111);
    protected static final ReplicaId PEER = ReplicaId.of(0x2222);
    protected static final ReplicaId OTHER = ReplicaId.of(0x3333);

    protected DocumentStore store;

    /** A fresh, empty store. */
    protected abstract DocumentStore newStore();

    /** Closes {@code store} and opens its data again. */
    protected abstract DocumentStore reopen(DocumentStore store);

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    protected final void restart() {
        store = reopen(store);
    }

    protected final long commit(Change... changes) {
        return store.commit(Commit.of(ME, List.of(changes))).toCompletableFuture().join();
    }

    protected final long commitFrom(ReplicaId origin, Change... changes) {
        return store.commit(Commit.of(origin, List.of(changes))).toCompletableFuture().join();
    }

    protected final long metadata(Map<ReplicaId, Long> acks, Optional<HybridTimestamp> clock) {
        return store.commit(new Commit(ME, List.of(), acks, clock)).toCompletableFuture().join();
    }

    private static HybridTimestamp at(long millis) {
        return new HybridTimestamp(millis, 0, ME);
    }

    // ---- identity and reads

    @Test
    void replicaIdIsFixedAcrossRestarts() {
        ReplicaId id = store.replicaId();
        commit(Ops.increment(store, bytes("c"), ME, 1));
        restart();
        assertThat(store.replicaId()).isEqualTo(id);
    }

    @Test
    void aFreshStoreIsEmpty() {
        assertThat(store.read(bytes("nothing"))).isEmpty();
        assertThat(store.lastSeq()).isZero();
        assertThat(store.acks()).isEmpty();
        assertThat(store.clockHighWater()).isEmpty();
        assertThat(store.documentCount()).isZero();
        assertThat(store.keys((Bytes) null, null, 10)).isEmpty();
        assertThat(store.keysInHashRange(KeyHashRange.ALL, null, 10)).isEmpty();
        assertThat(store.digests(List.of(KeyHashRange.ALL))).containsExactly(new RangeDigest(KeyHashRange.ALL, 0, 0));
        DeltaLogSlice slice = store.readDeltaLog(0, 1 << 20);
        assertThat(slice.entries()).isEmpty();
        assertThat(slice.truncated()).isFalse();
    }

    @Test
    void readsSeeACommitBeforeItsFutureCompletes() {
        Change c = Ops.setAdd(store, bytes("s"), ME, bytes("x"));
        CompletionStage<Long> pending = store.commit(Commit.of(ME, List.of(c)));
        assertThat(store.read(bytes("s"))).contains(c.state());
        assertThat(store.lastSeq()).isEqualTo(1);
        assertThat(store.readDeltaLog(0, 1 << 20).entries()).extracting(DeltaLogEntry::seq).containsExactly(1L);
        assertThat(store.keys((Bytes) null, null, 10)).containsExactly(bytes("s"));
        assertThat(pending.toCompletableFuture().join()).isEqualTo(1);
    }

    @Test
    void everyTypeReadsBackEqualAndSurvivesARestart() {
        Map<Bytes, Crdt<?>> expected = new LinkedHashMap<>();
        List<Change> changes = List.of(
                Ops.increment(store, bytes("g"), ME, 5),
                Ops.add(store, bytes("pn"), ME, -7),
                Ops.register(store, bytes("lww"), at(1000), bytes("v")),
                Ops.mvWrite(store, bytes("mv"), ME, bytes("m")),
                Ops.setAdd(store, bytes("set"), ME, bytes("e")),
                Ops.enable(store, bytes("flag"), ME),
                Ops.mapIncrement(store, bytes("map"), ME, bytes("f"), 3));
        for (Change c : changes) {
            commit(c);
            expected.put(c.key(), c.state());
        }
        commit(Ops.mapSetAdd(store, bytes("map"), ME, bytes("tags"), bytes("t1")), Ops.setAdd(store, bytes("set"), ME, bytes("e2")));
        expected.put(bytes("map"), store.read(bytes("map")).orElseThrow());
        expected.put(bytes("set"), store.read(bytes("set")).orElseThrow());
        assertStates(expected);
        restart();
        assertStates(expected);
        assertThat(store.documentCount()).isEqualTo(expected.size());
    }

    private void assertStates(Map<Bytes, Crdt<?>> expected) {
        for (Map.Entry<Bytes, Crdt<?>> e : expected.entrySet()) {
            Crdt<?> actual = store.read(e.getKey()).orElseThrow();
            assertThat(actual).as("state of %s", e.getKey()).isEqualTo(e.getValue());
            assertThat(CrdtCodec.encode(actual)).as("encoding of %s", e.getKey()).isEqualTo(CrdtCodec.encode(e.getValue()));
        }
    }

    // ---- commits and metadata

    @Test
    void commitsTakeConsecutiveSequenceNumbers() {
        assertThat(commit(Ops.increment(store, bytes("a"), ME, 1))).isEqualTo(1);
        assertThat(commit(Ops.increment(store, bytes("b"), ME, 1))).isEqualTo(2);
        assertThat(commit(Ops.increment(store, bytes("a"), ME, 1))).isEqualTo(3);
        assertThat(store.lastSeq()).isEqualTo(3);
        restart();
        assertThat(store.lastSeq()).isEqualTo(3);
        assertThat(commit(Ops.increment(store, bytes("a"), ME, 1))).isEqualTo(4);
    }

    @Test
    void aMetadataOnlyCommitTakesNoSequenceNumberAndWritesNoLogEntry() {
        commit(Ops.increment(store, bytes("a"), ME, 1));
        commit(Ops.increment(store, bytes("a"), ME, 1));
        assertThat(metadata(Map.of(PEER, 1L), Optional.empty())).isEqualTo(2);
        assertThat(store.lastSeq()).isEqualTo(2);
        assertThat(store.readDeltaLog(0, 1 << 20).entries()).extracting(DeltaLogEntry::seq).containsExactly(1L, 2L);
        assertThat(commit(Ops.increment(store, bytes("a"), ME, 1))).isEqualTo(3);
    }

    @Test
    void forgottenAcksStayForgottenAcrossARestart() {
        metadata(Map.of(PEER, 5L, OTHER, 2L), Optional.empty());
        store.forgetAcks(Set.of(PEER, ReplicaId.of(0x99)));
        assertThat(store.acks()).isEqualTo(Map.of(OTHER, 2L));
        metadata(Map.of(OTHER, 3L), Optional.empty());
        restart();
        assertThat(store.acks()).isEqualTo(Map.of(OTHER, 3L));
    }

    @Test
    void acksMergeByMaximumAndSurviveARestart() {
        metadata(Map.of(PEER, 5L, OTHER, 2L), Optional.empty());
        metadata(Map.of(PEER, 3L), Optional.empty());
        metadata(Map.of(OTHER, 4L), Optional.empty());
        assertThat(store.acks()).isEqualTo(Map.of(PEER, 5L, OTHER, 4L));
        restart();
        assertThat(store.acks()).isEqualTo(Map.of(PEER, 5L, OTHER, 4L));
    }

    @Test
    void clockHighWaterIsReplacedWhenGivenAndKeptWhenNot() {
        metadata(Map.of(), Optional.of(at(100)));
        commit(Ops.increment(store, bytes("a"), ME, 1));
        assertThat(store.clockHighWater()).contains(at(100));
        store.commit(new Commit(ME, List.of(Ops.increment(store, bytes("a"), ME, 1)), Map.of(), Optional.of(at(200))))
                .toCompletableFuture().join();
        assertThat(store.clockHighWater()).contains(at(200));
        restart();
        assertThat(store.clockHighWater()).contains(at(200));
    }

    @Test
    void oneCommitIsOneLogEntryWithItsOriginAndEveryDelta() {
        Change a = Ops.increment(store, bytes("a"), PEER, 2);
        Change b = Ops.setAdd(store, bytes("b"), PEER, bytes("x"));
        commitFrom(PEER, a, b);
        restart();
        DeltaLogEntry entry = store.readDeltaLog(0, 1 << 20).entries().get(0);
        assertThat(entry.seq()).isEqualTo(1);
        assertThat(entry.origin()).isEqualTo(PEER);
        assertThat(entry.deltas()).containsExactly(new Document(a.key(), a.delta()), new Document(b.key(), b.delta()));
    }

    @Test
    void aChangeOfAnotherTypeIsRefusedAndChangesNothing() {
        commit(Ops.increment(store, bytes("k"), ME, 1));
        Crdt<?> before = store.read(bytes("k")).orElseThrow();
        Change wrong = Ops.setAdd(store, bytes("other"), ME, bytes("x"));
        Change retyped = new Change(bytes("k"), wrong.delta(), wrong.state());
        assertRefused(() -> store.commit(Commit.of(ME, List.of(retyped))));
        assertThat(store.read(bytes("k"))).contains(before);
        assertThat(store.lastSeq()).isEqualTo(1);
        restart();
        assertThat(store.read(bytes("k"))).contains(before);
    }

    private static void assertRefused(java.util.function.Supplier<CompletionStage<Long>> commit) {
        try {
            CompletionStage<Long> result = commit.get();
            assertThatThrownBy(() -> result.toCompletableFuture().join()).isInstanceOf(CompletionException.class);
        } catch (IllegalArgumentException expected) {
            assertThat(expected).hasMessageContaining("k");
        }
    }

    // ---- delta log

    @Test
    void deltaLogReadsRespectTheByteBudgetButReturnAtLeastOneEntry() {
        for (int i = 0; i < 10; i++) {
            commit(Ops.setAdd(store, bytes("s"), ME, bytes("element-" + i)));
        }
        DeltaLogSlice one = store.readDeltaLog(0, 0);
        assertThat(one.entries()).extracting(DeltaLogEntry::seq).containsExactly(1L);
        int entryBytes = CrdtCodec.encode(one.entries().get(0).deltas().get(0).value()).length;
        DeltaLogSlice some = store.readDeltaLog(2, entryBytes * 3);
        assertThat(some.entries()).extracting(DeltaLogEntry::seq).containsExactly(3L, 4L, 5L);
        assertThat(some.truncated()).isFalse();
        assertThat(store.readDeltaLog(7, 1 << 20).entries()).extracting(DeltaLogEntry::seq).containsExactly(8L, 9L, 10L);
        assertThat(store.readDeltaLog(10, 1 << 20).entries()).isEmpty();
        assertThat(store.readDeltaLog(99, 1 << 20).entries()).isEmpty();
    }

    @Test
    void truncationDropsEntriesAndReadsBelowTheHeadSayTruncated() {
        for (int i = 0; i < 10; i++) {
            commit(Ops.increment(store, bytes("c" + (i % 3)), ME, 1));
        }
        store.truncateDeltaLog(4);
        DeltaLogSlice below = store.readDeltaLog(2, 1 << 20);
        assertThat(below.truncated()).isTrue();
        assertThat(below.firstRetainedSeq()).isEqualTo(5);
        assertThat(below.entries()).extracting(DeltaLogEntry::seq).startsWith(5L);
        DeltaLogSlice atHead = store.readDeltaLog(4, 1 << 20);
        assertThat(atHead.truncated()).isFalse();
        assertThat(atHead.entries()).extracting(DeltaLogEntry::seq).containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
        store.truncateDeltaLog(2);
        assertThat(store.readDeltaLog(4, 1 << 20).firstRetainedSeq()).isEqualTo(5);
        restart();
        assertThat(store.readDeltaLog(0, 1 << 20).truncated()).isTrue();
        assertThat(store.readDeltaLog(4, 1 << 20).entries()).extracting(DeltaLogEntry::seq).containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(store.lastSeq()).isEqualTo(10);
        // Documents are untouched by truncation.
        assertThat(((dev.converge.crdt.GCounter) store.read(bytes("c0")).orElseThrow()).value()).isEqualTo(4);
    }

    @Test
    void truncatingEverythingKeepsTheSequence() {
        for (int i = 0; i < 5; i++) {
            commit(Ops.increment(store, bytes("c"), ME, 1));
        }
        store.truncateDeltaLog(Long.MAX_VALUE);
        assertThat(store.readDeltaLog(0, 1 << 20).entries()).isEmpty();
        assertThat(store.readDeltaLog(5, 1 << 20).truncated()).isFalse();
        restart();
        assertThat(store.lastSeq()).isEqualTo(5);
        assertThat(store.readDeltaLog(0, 1 << 20).firstRetainedSeq()).isEqualTo(6);
        assertThat(commit(Ops.increment(store, bytes("c"), ME, 1))).isEqualTo(6);
        assertThat(store.readDeltaLog(5, 1 << 20).entries()).extracting(DeltaLogEntry::seq).containsExactly(6L);
    }

    // ---- iteration

    @Test
    void keysListInOrderWithinBoundsAndLimit() {
        for (String k : List.of("d", "a", "c", "b", "e", "a1")) {
            commit(Ops.increment(store, bytes(k), ME, 1));
        }
        assertThat(store.documentCount()).isEqualTo(6);
        assertThat(store.keys((Bytes) null, null, 100)).containsExactly(bytes("a"), bytes("a1"), bytes("b"), bytes("c"), bytes("d"), bytes("e"));
        assertThat(store.keys(bytes("a1"), bytes("d"), 100)).containsExactly(bytes("a1"), bytes("b"), bytes("c"));
        assertThat(store.keys(bytes("b"), null, 2)).containsExactly(bytes("b"), bytes("c"));
        assertThat(store.keys((Bytes) null, null, 0)).isEmpty();
        restart();
        assertThat(store.keys((Bytes) null, null, 100)).hasSize(6);
        assertThat(store.documentCount()).isEqualTo(6);
    }

    @Test
    void keysByHashRangePartitionTheKeysInHashOrder() {
        List<Bytes> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Bytes k = bytes("key-" + i);
            all.add(k);
            commit(Ops.increment(store, k, ME, 1));
        }
        Comparator<Bytes> hashOrder = Comparator.<Bytes>comparingLong(k -> Hashing.keyHash(k) ^ Long.MIN_VALUE).thenComparing(Comparator.naturalOrder());
        List<Bytes> seen = new ArrayList<>();
        for (int p = 0; p < 16; p++) {
            KeyHashRange range = new KeyHashRange((long) p << 60, 4);
            List<Bytes> inRange = store.keysInHashRange(range, null, 1000);
            assertThat(inRange).allMatch(k -> range.contains(Hashing.keyHash(k))).isSortedAccordingTo(hashOrder);
            seen.addAll(inRange);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(all);
        // Paging with `after` and a small limit visits the same keys in the same order.
        List<Bytes> paged = new ArrayList<>();
        Bytes after = null;
        while (true) {
            List<Bytes> page = store.keysInHashRange(KeyHashRange.ALL, after, 7);
            paged.addAll(page);
            if (page.size() < 7) {
                break;
            }
            after = page.get(page.size() - 1);
        }
        assertThat(paged).isSortedAccordingTo(hashOrder).containsExactlyInAnyOrderElementsOf(all);
        // A full-length range holds exactly the keys of that one hash.
        Bytes one = all.get(17);
        assertThat(store.keysInHashRange(new KeyHashRange(Hashing.keyHash(one), 64), null, 10)).containsExactly(one);
        assertThat(store.digests(List.of(new KeyHashRange(Hashing.keyHash(one), 64))).get(0).documents()).isEqualTo(1);
    }

    // ---- digests

    @Test
    void digestsAreSumsOfDocumentHashesAndTrackCommits() {
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            Bytes key = bytes("k" + random.nextInt(60));
            commit(i % 2 == 0 ? Ops.change(store, key, dev.converge.crdt.ORSet.empty(), s -> s.add(ME, bytes("e" + random.nextInt(5))))
                    : Ops.change(store, bytes("c" + key.asString()), dev.converge.crdt.GCounter.empty(), c -> c.increment(ME, 1)));
            if (i % 50 == 0) {
                assertDigestsMatchStates();
            }
        }
        assertDigestsMatchStates();
        List<RangeDigest> before = store.digests(List.of(KeyHashRange.ALL));
        restart();
        assertThat(store.digests(List.of(KeyHashRange.ALL))).isEqualTo(before);
        assertDigestsMatchStates();
    }

    private void assertDigestsMatchStates() {
        Map<KeyHashRange, long[]> expected = new HashMap<>();
        List<KeyHashRange> ranges = new ArrayList<>(List.of(KeyHashRange.ALL));
        for (KeyHashRange half : KeyHashRange.ALL.split()) {
            ranges.add(half);
            ranges.addAll(List.of(half.split()));
        }
        // A range finer than any tree of leaves an implementation may keep.
        ranges.add(new KeyHashRange(Hashing.keyHash(store.keys((Bytes) null, null, 1).get(0)) & ~(-1L >>> 24), 24));
        for (KeyHashRange r : ranges) {
            expected.put(r, new long[2]);
        }
        for (Bytes key : store.keys((Bytes) null, null, Integer.MAX_VALUE)) {
            long hash = Hashing.documentHash(key, CrdtCodec.encode(store.read(key).orElseThrow()));
            for (KeyHashRange r : ranges) {
                if (r.contains(Hashing.keyHash(key))) {
                    expected.get(r)[0] += hash;
                    expected.get(r)[1]++;
                }
            }
        }
        List<RangeDigest> actual = store.digests(ranges);
        for (int i = 0; i < ranges.size(); i++) {
            KeyHashRange r = ranges.get(i);
            assertThat(actual.get(i)).as("digest of %s", r).isEqualTo(new RangeDigest(r, expected.get(r)[0], expected.get(r)[1]));
        }
    }

    // ---- lifecycle

    @Test
    void aClosedStoreRefusesCalls() {
        commit(Ops.increment(store, bytes("a"), ME, 1));
        DocumentStore closed = store;
        closed.close();
        store = null;
        assertThatThrownBy(() -> closed.read(bytes("a"))).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> closed.commit(Commit.of(ME, List.of()))).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> closed.readDeltaLog(0, 100)).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> closed.keys((Bytes) null, null, 10)).isInstanceOf(RuntimeException.class);
        closed.close();
        store = reopen(closed);
        assertThat(store.read(bytes("a"))).isPresent();
    }

    @Test
    void stateIsTheJoinOfTheLoggedDeltas() {
        Random random = new Random(42);
        for (int i = 0; i < 400; i++) {
            Bytes key = bytes("d" + random.nextInt(20));
            int kind = Math.floorMod(key.hashCode(), 3);
            Change c = switch (kind) {
                case 0 -> Ops.add(store, key, random.nextBoolean() ? ME : PEER, random.nextInt(10) - 5);
                case 1 -> random.nextInt(4) == 0 ? Ops.setRemove(store, key, bytes("e" + random.nextInt(8)))
                        : Ops.setAdd(store, key, random.nextBoolean() ? ME : PEER, bytes("e" + random.nextInt(8)));
                default -> Ops.mapIncrement(store, key, ME, bytes("f" + random.nextInt(3)), 1);
            };
            commit(c);
        }
        Map<Bytes, Crdt<?>> folded = new HashMap<>();
        long after = 0;
        while (true) {
            DeltaLogSlice slice = store.readDeltaLog(after, 4096);
            if (slice.entries().isEmpty()) {
                break;
            }
            for (DeltaLogEntry e : slice.entries()) {
                assertThat(e.seq()).isEqualTo(after + 1);
                after = e.seq();
                for (Document d : e.deltas()) {
                    folded.merge(d.key(), Crdt.joinAny(d.value().type().bottom(), d.value()), Crdt::joinAny);
                }
            }
        }
        assertThat(after).isEqualTo(store.lastSeq());
        for (Map.Entry<Bytes, Crdt<?>> e : folded.entrySet()) {
            Crdt<?> state = store.read(e.getKey()).orElseThrow();
            assertThat(state).as("state of %s", e.getKey()).isEqualTo(e.getValue());
            assertThat(CrdtCodec.encode(state)).as("encoding of %s", e.getKey()).isEqualTo(CrdtCodec.encode(e.getValue()));
        }
    }
}
