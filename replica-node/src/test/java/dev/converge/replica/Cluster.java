package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.replica.store.MemoryDocumentStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** N replicas with in-memory stores on one {@link MemoryNetwork}, all on one virtual time. */
final class Cluster implements AutoCloseable {

    final VirtualTime time = new VirtualTime();
    final MemoryNetwork network;
    final List<Replica> replicas = new ArrayList<>();
    final List<MemoryDocumentStore> stores = new ArrayList<>();

    Cluster(int size, long seed, EngineConfig config) {
        network = new MemoryNetwork(time, seed);
        SplittableRandom random = new SplittableRandom(seed);
        List<ReplicaId> ids = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ids.add(ReplicaId.random(random));
        }
        var transports = ids.stream().map(network::transport).toList();
        for (int i = 0; i < size; i++) {
            MemoryDocumentStore store = new MemoryDocumentStore(ids.get(i));
            stores.add(store);
            Environment env = new Environment(time, random.split(), time.loop(), time.callbacks());
            replicas.add(Replica.create(config, store, transports.get(i), env));
        }
    }

    Replica get(int i) {
        return replicas.get(i);
    }

    ReplicaId id(int i) {
        return replicas.get(i).id();
    }

    void runFor(long millis) {
        time.runFor(millis);
    }

    /** Runs virtual time until {@code stage} completes (at most a minute of it). */
    <T> T await(CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        for (int i = 0; i < 60_000 && !f.isDone(); i++) {
            time.runFor(1);
        }
        assertThat(f).as("completed within a virtual minute").isDone();
        return f.join();
    }

    /** Every document on every replica, byte for byte, as on replica 0. */
    void assertConverged() {
        TreeSet<Bytes> keys = new TreeSet<>();
        for (MemoryDocumentStore s : stores) {
            keys.addAll(s.keys((Bytes) null, null, Integer.MAX_VALUE));
        }
        for (Bytes key : keys) {
            Crdt<?> first = stores.get(0).read(key).orElse(null);
            assertThat(first).as("replica 0 holds %s", key).isNotNull();
            for (int i = 1; i < stores.size(); i++) {
                Crdt<?> other = stores.get(i).read(key).orElse(null);
                assertThat(other).as("replica %d holds %s", i, key).isNotNull();
                if (!java.util.Arrays.equals(CrdtCodec.encode(other), CrdtCodec.encode(first))) {
                    throw new AssertionError("replica " + i + "'s " + key + " differs from replica 0's:\n  0: " + first + "\n  " + i + ": " + other);
                }
            }
        }
    }

    @Override
    public void close() {
        for (Replica r : replicas) {
            await(r.closeAsync());
        }
    }
}
