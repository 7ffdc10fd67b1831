package dev.converge.bench.replica;

import dev.converge.bench.BenchDirs;
import dev.converge.crdt.port.Endpoint;
import dev.converge.replica.EngineConfig;
import dev.converge.replica.PeerStatus;
import dev.converge.replica.Replica;
import dev.converge.replica.ReplicaConfig;
import dev.converge.replica.SyncStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Three real replicas in this process, each on its own RocksDB (buffered durability) in a temporary
 * directory and its own Netty transport on loopback, linked in a full mesh: what a user's
 * three-node cluster runs, minus the separate machines.
 */
final class BenchCluster implements AutoCloseable {

    private static final byte[] SECRET = "converge-benchmark-cluster-secret".getBytes(StandardCharsets.UTF_8);

    private final List<Path> dirs = new ArrayList<>();
    private final List<Replica> replicas = new ArrayList<>();

    BenchCluster(int size) {
        this(size, EngineConfig.defaults());
    }

    BenchCluster(int size, EngineConfig engine) {
        List<Endpoint> endpoints = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                Path dir = BenchDirs.create("replica-" + i);
                dirs.add(dir);
                ReplicaConfig.Builder config = ReplicaConfig.builder().dataDirectory(dir).listen(new Endpoint("127.0.0.1", 0))
                        .clusterSecret(SECRET).engine(engine);
                endpoints.forEach(config::peer);
                Replica replica = Replica.open(config.build());
                replicas.add(replica);
                endpoints.add(replica.listenEndpoint().orElseThrow());
            }
            awaitMesh();
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw new IllegalStateException("benchmark cluster did not form", e);
        }
    }

    Replica get(int i) {
        return replicas.get(i);
    }

    int size() {
        return replicas.size();
    }

    SyncStatus status(int i) {
        try {
            return replicas.get(i).status().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("no status from replica " + i, e);
        }
    }

    /** Bytes every replica has sent on all its links since the cluster started (framing and acks included). */
    long bytesSent() {
        long total = 0;
        for (int i = 0; i < replicas.size(); i++) {
            for (PeerStatus p : status(i).peers()) {
                total += p.bytesSent();
            }
        }
        return total;
    }

    /** Whether every replica's log is acknowledged by every peer. */
    boolean quiescent() {
        for (int i = 0; i < replicas.size(); i++) {
            if (!acknowledged(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether replica {@code i}'s log is acknowledged by every peer. */
    boolean acknowledged(int i) {
        for (PeerStatus p : status(i).peers()) {
            if (p.unackedEntries() > 0) {
                return false;
            }
        }
        return true;
    }

    void awaitQuiescent(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!quiescent()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("cluster did not settle within " + timeoutMillis + " ms");
            }
            Thread.sleep(10);
        }
    }

    private void awaitMesh() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int i = 0; i < replicas.size(); i++) {
            while (status(i).peers().stream().filter(PeerStatus::connected).count() < replicas.size() - 1) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("replica " + i + " did not link to all peers: " + status(i));
                }
                Thread.sleep(10);
            }
        }
    }

    /** The replicas' data directories, in replica order. */
    List<Path> directories() {
        return List.copyOf(dirs);
    }

    /** Closes the replicas and keeps their data directories, which the caller then owns (and deletes). */
    void closeKeepingData() {
        for (Replica r : replicas) {
            r.close();
        }
        replicas.clear();
        dirs.clear();
    }

    @Override
    public void close() {
        for (Replica r : replicas) {
            r.close();
        }
        replicas.clear();
        dirs.forEach(BenchDirs::delete);
        dirs.clear();
    }
}
