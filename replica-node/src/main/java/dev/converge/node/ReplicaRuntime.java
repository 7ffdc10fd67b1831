package dev.converge.node;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.DocumentStore;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.Transport;
import dev.converge.replica.Environment;
import dev.converge.replica.EventLoop;
import dev.converge.replica.Replica;
import dev.converge.replica.ReplicaConfig;
import dev.converge.replica.store.MemoryDocumentStore;
import dev.converge.storage.rocksdb.RocksDocumentStore;
import dev.converge.storage.rocksdb.RocksStoreOptions;
import dev.converge.transport.netty.NettyTransport;
import dev.converge.transport.netty.NettyTransportConfig;
import dev.converge.transport.netty.TlsConfig;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime shell around the engine: RocksDB (or memory) storage, Netty transport, one engine
 * thread, one callback thread and the system clock — the only clock and threads in the process
 * the engine gets, all injected. Closing the replica stops them in order: engine, transport,
 * store, threads.
 */
public final class ReplicaRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRuntime.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private ReplicaRuntime() {
    }

    /** Builds and starts a replica as {@code config} says. */
    public static Replica open(ReplicaConfig config) {
        DocumentStore store = openStore(config);
        Transport transport;
        try {
            transport = openTransport(config, store.replicaId());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        int instance = INSTANCES.incrementAndGet();
        ScheduledExecutorService engineThread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "converge-engine-" + instance));
        ExecutorService callbackThread = Executors.newSingleThreadExecutor(r -> daemon(r, "converge-callbacks-" + instance));
        Environment env = new Environment(Clock.systemUTC(), new SplittableRandom(new SecureRandom().nextLong()),
                loopOn(engineThread), callbackThread);
        Replica replica = Replica.create(config.engine(), store, transport, env, () -> {
            transport.close();
            store.close();
            engineThread.shutdown();
            callbackThread.shutdown();
            try {
                engineThread.awaitTermination(5, TimeUnit.SECONDS);
                callbackThread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        for (Endpoint peer : config.peers()) {
            transport.connect(peer);
        }
        LOG.info("replica {} open: {}{}", replica.id(), config, replica.listenEndpoint().map(e -> " on " + e).orElse(""));
        return replica;
    }

    private static DocumentStore openStore(ReplicaConfig config) {
        if (config.dataDirectory().isEmpty()) {
            return new MemoryDocumentStore(config.newReplicaId().orElseGet(() -> ReplicaId.random(new SecureRandom())));
        }
        RocksStoreOptions.Builder options = RocksStoreOptions.builder()
                .durability(config.durability() == ReplicaConfig.Durability.SYNC
                        ? RocksStoreOptions.Durability.SYNC : RocksStoreOptions.Durability.BUFFERED)
                .cacheMaxBytes(config.cacheBytes());
        config.newReplicaId().ifPresent(options::newReplicaId);
        return RocksDocumentStore.open(config.dataDirectory().get(), options.build());
    }

    private static Transport openTransport(ReplicaConfig config, ReplicaId id) {
        if (!config.networked()) {
            return new OfflineTransport(id);
        }
        NettyTransportConfig.Builder b = NettyTransportConfig.builder(id, config.clusterName(), config.clusterSecret())
                .listen(config.listen().orElse(null));
        config.tls().ifPresent(t -> b.tls(TlsConfig.pem(t.certificateChain(), t.privateKey(), t.trustedCertificates())));
        return NettyTransport.create(b.build());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static EventLoop loopOn(ScheduledExecutorService executor) {
        return new EventLoop() {
            @Override
            public void execute(Runnable task) {
                if (!executor.isShutdown()) {
                    executor.execute(guarded(task));
                }
            }

            @Override
            public Cancellable schedule(long delayMillis, Runnable task) {
                if (executor.isShutdown()) {
                    return () -> { };
                }
                ScheduledFuture<?> f = executor.schedule(guarded(task), delayMillis, TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }
        };
    }

    /** A task that throws must not kill the engine thread's executor. */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("engine task failed", e);
            }
        };
    }
}
