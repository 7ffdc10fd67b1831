package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.groups.Tuple.tuple;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.WrongTypeException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.sync.Document;
import dev.converge.replica.sync.SyncConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Replica#setRegisters} and {@link Replica#delete(java.util.Collection)}: several keys
 * checked as a whole, then written in as few commits as the batch bounds allow.
 */
class MultiKeyWritesTest {

    private static Map<Bytes, Bytes> values(String... keysAndValues) {
        Map<Bytes, Bytes> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(Bytes.of(keysAndValues[i]), Bytes.of(keysAndValues[i + 1]));
        }
        return m;
    }

    private static List<DeltaLogEntry> entriesAfter(DocumentStore store, long seq) {
        return store.readDeltaLog(seq, Integer.MAX_VALUE).entries();
    }

    @Test
    void severalRegistersAreOneCommitAndReachThePeerTogether() {
        try (Cluster cluster = new Cluster(2, 81, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.runFor(1_000);
            long before = cluster.stores.get(0).lastSeq();
            Written<Integer> written = cluster.await(a.setRegisters(values("ms:a", "1", "ms:b", "2", "ms:c", "3")));
            assertThat(written.value()).isEqualTo(3);
            assertThat(written.seq()).as("one commit").isEqualTo(before + 1);
            List<DeltaLogEntry> entries = entriesAfter(cluster.stores.get(0), before);
            assertThat(entries).hasSize(1);
            assertThat(entries.get(0).deltas()).extracting(Document::key)
                    .containsExactly(Bytes.of("ms:a"), Bytes.of("ms:b"), Bytes.of("ms:c"));
            assertThat(a.register("ms:b").value()).contains(Bytes.of("2"));
            cluster.runFor(2_000);
            assertThat(b.register("ms:a").value()).contains(Bytes.of("1"));
            assertThat(b.register("ms:c").value()).contains(Bytes.of("3"));
            cluster.assertConverged();
        }
    }

    @Test
    void anyRefusedKeyLeavesEveryKeyUnwritten() {
        SyncConfig sync = SyncConfig.defaults().withMaxBatchBytes(4096);
        try (Cluster cluster = new Cluster(1, 82, EngineConfig.defaults().withSync(sync))) {
            Replica a = cluster.get(0);
            cluster.await(a.counter("ms:counter").add(1));
            long before = cluster.stores.get(0).lastSeq();

            Throwable wrongType = catchThrowable(() -> cluster.await(a.setRegisters(values("ms:x", "1", "ms:counter", "2"))));
            assertThat(wrongType).hasCauseInstanceOf(WrongTypeException.class);

            Throwable tooLarge = catchThrowable(() -> cluster.await(a.setRegisters(values("ms:x", "1", "ms:large", "v".repeat(5_000)))));
            assertThat(tooLarge).hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than maxBatchBytes");

            Throwable reserved = catchThrowable(() -> cluster.await(a.setRegisters(values("ms:x", "1", "\0converge/members", "2"))));
            assertThat(reserved).hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");

            Throwable longKey = catchThrowable(() -> cluster.await(a.setRegisters(values("ms:x", "1", "k".repeat(1_025), "2"))));
            assertThat(longKey).hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("a quarter of maxBatchBytes");

            assertThat(a.exists(Bytes.of("ms:x"))).as("nothing was written").isFalse();
            assertThat(cluster.stores.get(0).lastSeq()).as("no commit").isEqualTo(before);
            assertThat(a.counter("ms:counter").value()).isEqualTo(1);
        }
    }

    @Test
    void writesPastTheBatchBoundsGoInConsecutiveCommitsEachSendableWhole() {
        SyncConfig sync = SyncConfig.defaults().withMaxBatchBytes(4096).withMaxDocumentsPerMessage(4);
        try (Cluster cluster = new Cluster(2, 83, EngineConfig.defaults().withSync(sync))) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.runFor(1_000);
            long before = cluster.stores.get(0).lastSeq();
            Map<Bytes, Bytes> large = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) {
                large.put(Bytes.of("ms:large:" + i), Bytes.of(Integer.toString(i).repeat(1_000)));
            }
            Map<Bytes, Bytes> many = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) {
                many.put(Bytes.of("ms:many:" + i), Bytes.of(Integer.toString(i)));
            }
            Written<Integer> first = cluster.await(a.setRegisters(large));
            Written<Integer> second = cluster.await(a.setRegisters(many));
            assertThat(first.value()).isEqualTo(10);
            assertThat(second.value()).isEqualTo(10);

            List<DeltaLogEntry> entries = entriesAfter(cluster.stores.get(0), before);
            // 1,000-byte values: three fit 4,096 bytes with their keys, four do not; ten small
            // values: at most four documents per message.
            assertThat(entries).extracting(e -> e.deltas().size()).containsExactly(3, 3, 3, 1, 4, 4, 2);
            for (DeltaLogEntry e : entries) {
                long bytes = e.deltas().stream().mapToLong(d -> d.key().length() + CrdtCodec.encodedSize(d.value())).sum();
                assertThat(bytes).as("entry %d", e.seq()).isLessThanOrEqualTo(4096);
            }
            assertThat(first.seq()).isEqualTo(before + 4);
            assertThat(second.seq()).isEqualTo(before + 7);

            cluster.runFor(3_000);
            for (int i = 0; i < 10; i++) {
                assertThat(b.register(Bytes.of("ms:large:" + i)).value()).contains(large.get(Bytes.of("ms:large:" + i)));
                assertThat(b.register(Bytes.of("ms:many:" + i)).value()).contains(many.get(Bytes.of("ms:many:" + i)));
            }
            cluster.assertConverged();
        }
    }

    @Test
    void severalDeletesAreOneCommitAndAnyRefusalDeletesNone() {
        SyncConfig sync = SyncConfig.defaults().withMaxBatchBytes(4096);
        try (Cluster cluster = new Cluster(2, 84, EngineConfig.defaults().withSync(sync))) {
            Replica a = cluster.get(0);
            Replica b = cluster.get(1);
            cluster.runFor(1_000);
            cluster.await(a.setRegisters(values("del:a", "1", "del:b", "2")));
            cluster.await(a.counter("del:c").add(5));
            // 4,000 elements, then every other one removed: the 2,000 left hold scattered dots,
            // which a clear must name one by one.
            for (int from = 0; from < 4_000; from += 200) {
                List<Bytes> add = new ArrayList<>();
                List<Bytes> remove = new ArrayList<>();
                for (int i = from; i < from + 200; i++) {
                    add.add(Bytes.of("e" + i));
                    if (i % 2 == 0) {
                        remove.add(Bytes.of("e" + i));
                    }
                }
                cluster.await(a.set("del:big").add(add));
                cluster.await(a.set("del:big").remove(remove));
            }
            long before = cluster.stores.get(0).lastSeq();

            // Clearing them takes more than a 4 KiB batch, so the whole call is refused.
            Throwable tooLarge = catchThrowable(() -> cluster.await(a.delete(List.of(Bytes.of("del:a"), Bytes.of("del:big")))));
            assertThat(tooLarge).hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than maxBatchBytes");
            Throwable reserved = catchThrowable(() -> cluster.await(a.delete(List.of(Bytes.of("del:a"), Bytes.of("\0converge/members")))));
            assertThat(reserved).hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
            assertThat(cluster.stores.get(0).lastSeq()).as("nothing deleted").isEqualTo(before);
            assertThat(a.exists(Bytes.of("del:a"))).isTrue();

            Written<Integer> deleted = cluster.await(a.delete(List.of(Bytes.of("del:a"), Bytes.of("del:b"), Bytes.of("del:c"),
                    Bytes.of("del:absent"), Bytes.of("del:a"))));
            assertThat(deleted.value()).as("keys that existed, each once").isEqualTo(3);
            assertThat(deleted.seq()).as("one commit").isEqualTo(before + 1);
            assertThat(entriesAfter(cluster.stores.get(0), before)).singleElement()
                    .satisfies(e -> assertThat(e.deltas()).hasSize(3));
            cluster.runFor(2_000);
            for (String k : List.of("del:a", "del:b", "del:c")) {
                assertThat(a.exists(Bytes.of(k))).as(k).isFalse();
                assertThat(b.exists(Bytes.of(k))).as(k + " on the peer").isFalse();
            }
            assertThat(b.set("del:big").elements()).hasSize(2_000);

            Written<Integer> none = cluster.await(a.delete(List.of(Bytes.of("del:a"), Bytes.of("del:absent"))));
            assertThat(none.value()).isZero();
            assertThat(none.seq()).as("nothing to commit").isEqualTo(before + 1);
            cluster.assertConverged();
        }
    }

    @Test
    void subscribersHearEveryKeyAndAnEmptyCallCommitsNothing() {
        try (Cluster cluster = new Cluster(1, 85, EngineConfig.defaults())) {
            Replica a = cluster.get(0);
            List<ChangeEvent> events = new ArrayList<>();
            a.subscribePrefix(Bytes.of("ev:"), events::add);
            cluster.await(a.setRegisters(values("ev:a", "1", "ev:b", "2")));
            cluster.await(a.delete(List.of(Bytes.of("ev:a"), Bytes.of("ev:b"))));
            cluster.runFor(100);
            assertThat(events).extracting(e -> e.key().toString(), ChangeEvent::local)
                    .containsExactly(tuple("ev:a", true), tuple("ev:b", true), tuple("ev:a", true), tuple("ev:b", true));
            assertThat(events.subList(2, 4)).allSatisfy(e -> assertThat(Replica.showsAnything(e.state())).isFalse());

            long before = cluster.stores.get(0).lastSeq();
            Written<Integer> none = cluster.await(a.setRegisters(Map.of()));
            assertThat(none.value()).isZero();
            assertThat(none.seq()).isEqualTo(before);
            assertThat(cluster.stores.get(0).lastSeq()).isEqualTo(before);
        }
    }
}
