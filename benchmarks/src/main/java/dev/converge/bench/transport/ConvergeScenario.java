package dev.converge.bench.transport;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.transport.netty.NettyTransport;
import dev.converge.transport.netty.NettyTransportConfig;
import dev.converge.transport.netty.TlsConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Converge's transport: one sender node linked to {@code links} receiver nodes (each with its own
 * single event loop, as in the baseline), a producer thread calling {@link Transport#send} round
 * robin as the engine would, and receivers counting {@code onMessage} calls. Everything a real
 * link does happens: handshake, codec encode on send and decode on receipt, bounded queues,
 * back-pressure.
 */
final class ConvergeScenario implements Scenario {

    private static final byte[] SECRET = "benchmark cluster secret, 32 B..".getBytes(StandardCharsets.UTF_8);

    private final SyncMessage message;
    private final int links;
    private final TlsConfig tls;
    private final List<NettyTransport> transports = new ArrayList<>();
    private final List<AtomicLong> counters = new ArrayList<>();
    private final AtomicLong backPressured = new AtomicLong();
    private volatile boolean running = true;
    private Thread producer;

    ConvergeScenario(SyncMessage message, int links, TlsConfig tls) {
        this.message = message;
        this.links = links;
        this.tls = tls;
    }

    private NettyTransportConfig config(long id) {
        return NettyTransportConfig.builder(ReplicaId.of(id), "bench", SECRET).eventLoopThreads(1).tls(tls).build();
    }

    @Override
    public void start() throws InterruptedException {
        NettyTransport sender = NettyTransport.create(config(1));
        sender.start(new Counting(new AtomicLong()));
        transports.add(sender);
        List<ReplicaId> peers = new ArrayList<>();
        for (int i = 0; i < links; i++) {
            AtomicLong counter = new AtomicLong();
            counters.add(counter);
            NettyTransport receiver = NettyTransport.create(config(100 + i));
            receiver.start(new Counting(counter));
            transports.add(receiver);
            sender.connect(receiver.listenEndpoint());
            peers.add(receiver.localId());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sender.connectedPeers().size() < links) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("links did not come up: " + sender.connectedPeers());
            }
            Thread.sleep(5);
        }
        producer = new Thread(() -> produce(sender, peers), "bench-producer");
        producer.start();
    }

    /** Sends round robin; when every peer pushes back, waits a little instead of spinning on the 2 shared cores. */
    private void produce(NettyTransport sender, List<ReplicaId> peers) {
        int n = peers.size();
        int refusedInARow = 0;
        long refused = 0;
        for (long i = 0; running; i++) {
            if (sender.send(peers.get((int) (i % n)), message) == SendResult.BACK_PRESSURED) {
                refused++;
                if (++refusedInARow >= n) {
                    LockSupport.parkNanos(100_000);
                    refusedInARow = 0;
                }
            } else {
                refusedInARow = 0;
            }
        }
        backPressured.set(refused);
    }

    long backPressured() {
        return backPressured.get();
    }

    @Override
    public long delivered() {
        long total = 0;
        for (AtomicLong c : counters) {
            total += c.get();
        }
        return total;
    }

    @Override
    public void close() {
        running = false;
        if (producer != null) {
            try {
                producer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (NettyTransport t : transports) {
            t.close();
        }
    }

    private static final class Counting implements Transport.Listener {
        private final AtomicLong counter;

        Counting(AtomicLong counter) {
            this.counter = counter;
        }

        @Override
        public void onLinkUp(ReplicaId peer) {
        }

        @Override
        public void onLinkDown(ReplicaId peer) {
        }

        @Override
        public void onMessage(ReplicaId peer, SyncMessage m) {
            counter.incrementAndGet();
        }
    }
}
