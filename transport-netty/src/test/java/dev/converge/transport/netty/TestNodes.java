package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.Ack;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/** Starts transports on 127.0.0.1 with ephemeral ports and test-friendly timeouts; closes them all. */
final class TestNodes implements AutoCloseable {

    static final String CLUSTER = "test-cluster";
    static final byte[] SECRET = "a test cluster secret of 32 byte".getBytes(StandardCharsets.UTF_8);

    /** A started transport and what its listener saw. */
    record Node(NettyTransport transport, Recorder recorder) {
        ReplicaId id() {
            return transport.localId();
        }

        Endpoint endpoint() {
            return transport.listenEndpoint();
        }

        Recorder.Inbox from(Node other) {
            return recorder.inbox(other.id());
        }

        /**
         * Sends Acks numbered {@code from..to} to {@code peer}, retrying (after a short pause) while
         * back-pressured; returns how many sends were back-pressured.
         */
        long sendSequence(Node peer, long from, long to) {
            // The two ends authenticate one after the other: wait until this end has the link too.
            Waits.until(java.time.Duration.ofSeconds(5), "a link from " + id() + " to " + peer.id(),
                    () -> transport.connectedPeers().contains(peer.id()));
            long backPressured = 0;
            for (long seq = from; seq <= to; seq++) {
                Ack ack = new Ack(seq);
                SendResult r;
                while ((r = transport.send(peer.id(), ack)) == SendResult.BACK_PRESSURED) {
                    backPressured++;
                    LockSupport.parkNanos(50_000);
                }
                if (r != SendResult.QUEUED) {
                    throw new AssertionError("send " + seq + " to " + peer.id() + ": " + r);
                }
            }
            return backPressured;
        }
    }

    private final List<NettyTransport> started = new ArrayList<>();

    static NettyTransportConfig.Builder config(long id) {
        return NettyTransportConfig.builder(ReplicaId.of(id), CLUSTER, SECRET)
                .eventLoopThreads(1)
                .handshakeTimeoutMillis(5_000) // the default: a GC pause or a busy shared machine must not fail a handshake here
                .connectTimeoutMillis(1_000)
                .reconnectBaseMillis(20)
                .reconnectMaxMillis(300)
                .shutdownDeadlineMillis(1_000);
    }

    Node start(long id) {
        return start(config(id).build());
    }

    Node start(NettyTransportConfig config) {
        NettyTransport t = NettyTransport.create(config);
        Recorder r = new Recorder();
        t.start(r);
        synchronized (started) {
            started.add(t);
        }
        return new Node(t, r);
    }

    @Override
    public void close() {
        synchronized (started) {
            for (int i = started.size() - 1; i >= 0; i--) {
                started.get(i).close();
            }
            started.clear();
        }
    }
}
