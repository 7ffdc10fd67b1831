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
import dev.converge.replica.Removal;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.EventExecutor;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime shell around the engine: RocksDB (or memory) storage, Netty transport, one engine
 * thread, one callback thread and the system clock — the only clock and threads in the process
 * the engine gets, all injected. Closing the replica stops them in order: engine, transport,
 * store, threads.
 *
 * <p>{@link #open} is what {@link Replica#open} calls; the node uses {@link #start}, which also
 * hands back the store and transport it built, for metrics and for the partition drill.
 */
public final class ReplicaRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaRuntime.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Replica replica;
    private final DocumentStore store;
    private final Transport transport;

    private ReplicaRuntime(Replica replica, DocumentStore store, Transport transport) {
        this.replica = replica;
        this.store = store;
        this.transport = transport;
    }

    /**
     * The node's {@code RocksStoreOptions.foldMinBytes}: 64 KiB instead of the store's 1 KiB. A
     * document updated at Redis rates (a hot counter or register) is otherwise folded every few
     * dozen updates, and the fold thread took most of a core in {@code redis-benchmark}'s
     * single-key tests; 64 KiB folds it every couple of thousand, and a cold read joins at most
     * 64 KiB of deltas. Measurements in benchmarks/results/node.md.
     */
    static final long NODE_FOLD_MIN_BYTES = 64 << 10;

    /** Builds and starts a replica as {@code config} says. */
    public static Replica open(ReplicaConfig config) {
        return start(config, 0).replica();
    }

    /**
     * As {@link #open}, keeping hold of the store and transport; {@code foldMinBytes} (when
     * positive) overrides the store's default.
     */
    static ReplicaRuntime start(ReplicaConfig config, long foldMinBytes) {
        DocumentStore store = openStore(config, foldMinBytes);
        if (config.dataDirectory().isPresent()) {
            try {
                ClusterMark.check(config.dataDirectory().get(), config.clusterName());
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
        Transport transport;
        try {
            transport = openTransport(config, store.replicaId());
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        int instance = INSTANCES.incrementAndGet();
        // A Netty I/O event loop with no channels: tasks in a lock-free multi-producer queue, and
        // a wake-up (one eventfd write) only when the thread sleeps. Many threads hand the engine
        // work (client connections, peer links, the store's writer): DefaultEventExecutor's
        // LinkedBlockingQueue made each of them take a lock and signal a condition per task.
        // Timers sit in their own heap. At shutdown, tasks already queued run; pending timers
        // (retransmissions, the timeouts of replication waits, which the engine's stop answered)
        // are dropped instead of awaited.
        EventLoopGroup engineGroup = new MultiThreadIoEventLoopGroup(1, (ThreadFactory) r -> daemon(r, "converge-engine-" + instance),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        EventExecutor engineThread = engineGroup.next();
        AtomicReference<Thread> callbackWorker = new AtomicReference<>();
        ExecutorService callbackThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = daemon(r, "converge-callbacks-" + instance);
            callbackWorker.set(t);
            return t;
        });
        Environment env = new Environment(Clock.systemUTC(), new SplittableRandom(new SecureRandom().nextLong()),
                loopOn(engineThread), callbackThread);
        // Known before the start: a removal a peer brings once the links are up is this run's news,
        // exported as it arrives, not a reason to refuse the start.
        boolean removedBefore = Replica.removalRecorded(store);
        Replica replica;
        try {
            replica = Replica.create(config.effectiveEngine(), store, transport, env, () -> {
                transport.close();
                store.close();
                engineGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS);
                callbackThread.shutdown();
                try {
                    // closeAsync runs this where the engine's stop completed, on the engine thread
                    // (or a callback): a thread cannot wait for its own end, which comes once this
                    // returns (Netty's executor refuses to, failing the close; the old one waited 5 s).
                    if (!engineThread.inEventLoop()) {
                        engineGroup.awaitTermination(5, TimeUnit.SECONDS);
                    }
                    if (Thread.currentThread() != callbackWorker.get()) {
                        callbackThread.awaitTermination(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        } catch (RuntimeException e) {
            // A port that cannot be bound fails here, in the transport's start.
            transport.close();
            store.close();
            engineGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            callbackThread.shutdownNow();
            throw e;
        }
        if (config.dataDirectory().isPresent()) {
            Path dataDir = config.dataDirectory().get();
            if (removedBefore) {
                refuseRemoved(replica, dataDir);
            }
            replica.whenRemoved().thenAccept(removal -> {
                try {
                    LOG.error("replica {} was removed from the cluster: its {} unacknowledged writes are exported to {}", removal.replica(),
                            removal.unsynced().size(), UnsyncedExport.write(dataDir, removal));
                } catch (RuntimeException e) {
                    LOG.error("replica {} was removed from the cluster and its unacknowledged writes could not be exported; they stay "
                            + "in {} (do not empty it)", removal.replica(), dataDir, e);
                }
            });
        }
        for (Endpoint peer : config.peers()) {
            transport.connect(peer);
        }
        LOG.info("replica {} open: {}{}", replica.id(), config, replica.listenEndpoint().map(e -> " on " + e).orElse(""));
        return new ReplicaRuntime(replica, store, transport);
    }

    /**
     * A replica whose own store records its removal does not come back under its old id: the
     * cluster dropped it, and its writes would reach no one. Exports what no member acknowledged,
     * closes, and says how to rejoin.
     */
    private static void refuseRemoved(Replica replica, Path dataDir) {
        String where;
        try {
            Removal removal = replica.whenRemoved().toCompletableFuture().get(30, TimeUnit.SECONDS);
            Path export = UnsyncedExport.write(dataDir, removal);
            where = "its " + removal.unsynced().size() + " unacknowledged writes are exported to " + export
                    + (export.toAbsolutePath().startsWith(dataDir.toAbsolutePath()) ? " (inside the data directory: move it out first)" : "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            where = "its unacknowledged writes were not exported (interrupted) and stay in " + dataDir;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            where = "its unacknowledged writes could not be exported (" + e.getMessage() + ") and stay in " + dataDir;
        }
        ReplicaId id = replica.id();
        replica.close();
        throw new IllegalStateException("replica " + id + " was removed from the cluster and cannot take part under its old id; "
                + where + ". To rejoin, start on an empty data directory: the node joins under a new id and is caught up");
    }

    Replica replica() {
        return replica;
    }

    DocumentStore store() {
        return store;
    }

    /** The RocksDB store, when the replica keeps its data on disk. */
    Optional<RocksDocumentStore> rocks() {
        return store instanceof RocksDocumentStore r ? Optional.of(r) : Optional.empty();
    }

    /** The Netty transport, when the replica is networked. */
    Optional<NettyTransport> netty() {
        return transport instanceof NettyTransport n ? Optional.of(n) : Optional.empty();
    }

    Transport transport() {
        return transport;
    }

    @Override
    public void close() {
        replica.close();
    }

    private static DocumentStore openStore(ReplicaConfig config, long foldMinBytes) {
        if (config.dataDirectory().isEmpty()) {
            return new MemoryDocumentStore(config.newReplicaId().orElseGet(() -> ReplicaId.random(new SecureRandom())));
        }
        RocksStoreOptions.Builder options = RocksStoreOptions.builder()
                .durability(config.durability() == ReplicaConfig.Durability.SYNC
                        ? RocksStoreOptions.Durability.SYNC : RocksStoreOptions.Durability.BUFFERED)
                .cacheMaxBytes(config.cacheBytes());
        if (foldMinBytes > 0) {
            options.foldMinBytes(foldMinBytes);
        }
        config.newReplicaId().ifPresent(options::newReplicaId);
        return RocksDocumentStore.open(config.dataDirectory().get(), options.build());
    }

    private static Transport openTransport(ReplicaConfig config, ReplicaId id) {
        if (!config.networked()) {
            return new OfflineTransport(id);
        }
        NettyTransportConfig.Builder b = NettyTransportConfig.builder(id, config.clusterName(), config.clusterSecret())
                .listen(config.listen().orElse(null))
                .maxFrameBytes(config.maxMessageBytes())
                .maxQueuedBytes(Math.max(16L << 20, 4L * config.maxMessageBytes())); // the transport's default, or four messages
        config.tls().ifPresent(t -> b.tls(TlsConfig.pem(t.certificateChain(), t.privateKey(), t.trustedCertificates())
                .withProvider(t.openssl() ? TlsConfig.Provider.OPENSSL : TlsConfig.Provider.JDK)));
        return NettyTransport.create(b.build());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static EventLoop loopOn(EventExecutor executor) {
        return new EventLoop() {
            @Override
            public void execute(Runnable task) {
                // Once stopped, refused (RejectedExecutionException) rather than dropped in silence:
                // the engine fails the call whose task it was, instead of leaving its future open.
                executor.execute(guarded(task));
                if (executor.isShutdown()) {
                    // Offered as the loop made its last pass: an I/O loop's queue cannot take a task
                    // back, so Netty may have kept it without running it. Refused all the same; if
                    // it does run, it finds the engine stopped (the stop ran first) and does nothing.
                    throw new RejectedExecutionException("the engine loop has stopped");
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

            @Override
            public long nowMillis() {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime()); // what the executor's delays are measured in
            }
        };
    }

    /**
     * A task that throws must not kill the engine thread's executor, and must be heard of: the
     * executor would keep an error in a future nobody reads.
     */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RejectedExecutionException stopping) {
                // A task queued before the stop, handing work on to the stopped loop: nothing to do.
                LOG.debug("engine stopping: {}", stopping.getMessage());
            } catch (RuntimeException | Error e) {
                LOG.error("engine task failed", e);
            }
        };
    }
}
