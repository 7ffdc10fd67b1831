package dev.converge.storage.rocksdb;

import static dev.converge.storage.contract.Ops.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Change;
import dev.converge.crdt.port.Commit;
import dev.converge.crdt.port.DeltaLogSlice;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import dev.converge.storage.contract.Ops;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 10,000 updates over every type, a clean close, a reopen: nothing differs. */
class RestartTest {

    private static final ReplicaId ME = ReplicaId.of(0xA1);
    private static final List<ReplicaId> PEERS = List.of(ReplicaId.of(0xB1), ReplicaId.of(0xB2), ReplicaId.of(0xB3));

    @TempDir
    Path dir;

    @Test
    void tenThousandMixedUpdatesSurviveARestartExactly() {
        Map<Bytes, Crdt<?>> model = new HashMap<>();
        Random random = new Random(20261121);
        long clock = 1_000_000;
        int updates = 0;
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        RocksStoreOptions options = RocksStoreOptions.builder().newReplicaId(ME).foldMinBytes(256).build();
        List<RangeDigest> digests;
        DeltaLogSlice log;
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            while (updates < 10_000) {
                int changes = 1 + random.nextInt(3);
                List<Change> batch = new ArrayList<>();
                List<Bytes> used = new ArrayList<>();
                for (int i = 0; i < changes; i++) {
                    int doc = random.nextInt(700);
                    Bytes key = bytes(kindOf(doc) + ":" + doc);
                    if (used.contains(key)) {
                        continue;
                    }
                    used.add(key);
                    ReplicaId by = random.nextInt(4) == 0 ? PEERS.get(random.nextInt(PEERS.size())) : ME;
                    clock += 1 + random.nextInt(3);
                    Change c = switch (kindOf(doc)) {
                        case "g" -> Ops.increment(store, key, by, 1 + random.nextInt(5));
                        case "pn" -> Ops.add(store, key, by, random.nextInt(11) - 5);
                        case "lww" -> Ops.register(store, key, new HybridTimestamp(clock, 0, by), bytes("v" + random.nextInt(1000)));
                        case "mv" -> Ops.mvWrite(store, key, by, bytes("m" + random.nextInt(50)));
                        case "set" -> random.nextInt(5) == 0 ? Ops.setRemove(store, key, bytes("e" + random.nextInt(40)))
                                : Ops.setAdd(store, key, by, bytes("e" + random.nextInt(40)));
                        case "flag" -> Ops.enable(store, key, by);
                        default -> random.nextBoolean() ? Ops.mapIncrement(store, key, by, bytes("n" + random.nextInt(4)), 1)
                                : Ops.mapSetAdd(store, key, by, bytes("tags"), bytes("t" + random.nextInt(30)));
                    };
                    batch.add(c);
                    model.put(key, c.state());
                    updates++;
                }
                Map<ReplicaId, Long> acks = random.nextInt(10) == 0 ? Map.of(PEERS.get(random.nextInt(PEERS.size())), (long) random.nextInt(updates)) : Map.of();
                Optional<HybridTimestamp> hlc = random.nextInt(7) == 0 ? Optional.of(new HybridTimestamp(clock, 0, ME)) : Optional.empty();
                futures.add(store.commit(new Commit(ME, batch, acks, hlc)).toCompletableFuture());
            }
            store.commit(new Commit(ME, List.of(), Map.of(PEERS.get(0), 17L), Optional.of(new HybridTimestamp(clock + 1, 3, ME))))
                    .toCompletableFuture().join();
            futures.forEach(CompletableFuture::join);
            assertStates(store, model);
            expectedMeta = new Object[] {store.lastSeq(), store.acks(), store.clockHighWater(), store.documentCount()};
            digests = store.digests(List.of(KeyHashRange.ALL, KeyHashRange.ALL.split()[0], KeyHashRange.ALL.split()[1]));
            log = store.readDeltaLog(0, Integer.MAX_VALUE);
            assertThat(store.metrics().folds()).as("folds happened before the restart").isPositive();
        }
        try (RocksDocumentStore store = RocksDocumentStore.open(dir, options)) {
            assertThat(new Object[] {store.lastSeq(), store.acks(), store.clockHighWater(), store.documentCount()}).isEqualTo(expectedMeta);
            assertThat(store.replicaId()).isEqualTo(ME);
            assertStates(store, model);
            assertThat(store.digests(List.of(KeyHashRange.ALL, KeyHashRange.ALL.split()[0], KeyHashRange.ALL.split()[1]))).isEqualTo(digests);
            assertThat(store.readDeltaLog(0, Integer.MAX_VALUE)).isEqualTo(log);
            StoreChecks.assertConsistent(store);
        }
    }

    private Object[] expectedMeta;

    private static String kindOf(int doc) {
        return List.of("g", "pn", "lww", "mv", "set", "flag", "map").get(doc % 7);
    }

    private static void assertStates(RocksDocumentStore store, Map<Bytes, Crdt<?>> model) {
        assertThat(store.documentCount()).isEqualTo(model.size());
        for (Map.Entry<Bytes, Crdt<?>> e : model.entrySet()) {
            Crdt<?> actual = store.read(e.getKey()).orElseThrow();
            assertThat(CrdtCodec.encode(actual)).as("state of %s", e.getKey()).isEqualTo(CrdtCodec.encode(e.getValue()));
        }
    }
}
