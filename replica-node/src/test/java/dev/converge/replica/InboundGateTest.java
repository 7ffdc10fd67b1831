package dev.converge.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.port.Endpoint;
import dev.converge.crdt.port.LinkStats;
import dev.converge.crdt.port.Transport;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.replica.store.MemoryDocumentStore;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Received messages waiting for the engine are bounded: past the bound the transport is told to stop reading. */
class InboundGateTest {

    /** A transport that only records what the engine asks of it. */
    private static final class PauseRecorder implements Transport {
        final ReplicaId id;
        final List<Boolean> pauses = new ArrayList<>();
        Listener listener;

        PauseRecorder(ReplicaId id) {
            this.id = id;
        }

        @Override
        public synchronized void pauseInbound(boolean paused) {
            pauses.add(paused);
        }

        synchronized List<Boolean> pauses() {
            return List.copyOf(pauses);
        }

        @Override
        public ReplicaId localId() {
            return id;
        }

        @Override
        public void start(Listener l) {
            listener = l;
        }

        @Override
        public void connect(Endpoint endpoint) {
        }

        @Override
        public void disconnect(Endpoint endpoint) {
        }

        @Override
        public SendResult send(ReplicaId peer, SyncMessage message) {
            return SendResult.NO_LINK;
        }

        @Override
        public Set<ReplicaId> connectedPeers() {
            return Set.of();
        }

        @Override
        public List<LinkStats> linkStats() {
            return List.of();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void pausesPastEitherBoundAndResumesAtHalfOfBoth() {
        PauseRecorder transport = new PauseRecorder(ReplicaId.of(1));
        InboundGate gate = new InboundGate(transport, 8, 1_000);
        for (int i = 0; i < 8; i++) {
            gate.admitted(10);
        }
        assertThat(transport.pauses()).as("at the bound, not past it").isEmpty();
        gate.admitted(10);
        assertThat(transport.pauses()).containsExactly(true);
        gate.admitted(10);
        assertThat(transport.pauses()).as("told once").containsExactly(true);
        for (int i = 0; i < 5; i++) {
            gate.done(10);
        }
        assertThat(gate.paused()).as("5 left: above half").isTrue();
        gate.done(10);
        assertThat(transport.pauses()).containsExactly(true, false);
        assertThat(gate.waiting()).isEqualTo(4);

        // The byte bound alone: three large messages.
        gate.admitted(400);
        gate.admitted(400);
        assertThat(gate.paused()).isFalse();
        gate.admitted(400);
        assertThat(transport.pauses()).containsExactly(true, false, true);
        gate.done(400);
        assertThat(gate.paused()).as("840 bytes left: above half").isTrue();
        gate.done(400);
        assertThat(gate.paused()).as("440 bytes but 5 messages: above half of the count").isTrue();
        gate.done(10);
        assertThat(transport.pauses()).containsExactly(true, false, true, false);
        assertThat(gate.pauses()).isEqualTo(2);
    }

    @Test
    void racingAdmitsAndReleasesEndResumedWithNothingWaiting() throws InterruptedException {
        PauseRecorder transport = new PauseRecorder(ReplicaId.of(1));
        InboundGate gate = new InboundGate(transport, 16, 1 << 20);
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        int total = 200_000;
        CountDownLatch producersDone = new CountDownLatch(2);
        Runnable producer = () -> {
            for (int i = 0; i < total / 2; i++) {
                gate.admitted(i % 100);
                synchronized (queue) {
                    queue.add(i % 100);
                }
            }
            producersDone.countDown();
        };
        Thread p1 = new Thread(producer);
        Thread p2 = new Thread(producer);
        p1.start();
        p2.start();
        int consumed = 0;
        while (consumed < total) {
            Integer size;
            synchronized (queue) {
                size = queue.poll();
            }
            if (size != null) {
                gate.done(size);
                consumed++;
            }
        }
        assertThat(producersDone.await(10, TimeUnit.SECONDS)).isTrue();
        p1.join();
        p2.join();
        assertThat(gate.waiting()).isZero();
        assertThat(gate.paused()).isFalse();
        List<Boolean> pauses = transport.pauses();
        assertThat(pauses).isNotEmpty().last().isEqualTo(false);
        for (int i = 0; i < pauses.size(); i++) {
            assertThat(pauses.get(i)).as("pause and resume alternate, starting with a pause").isEqualTo(i % 2 == 0);
        }
    }

    @Test
    void theEngineCountsWhatWaitsOnItsLoopAndResumesAsItWorksItOff() {
        ReplicaId self = ReplicaId.of(0xA);
        PauseRecorder transport = new PauseRecorder(self);
        ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        EventLoop manual = new EventLoop() {
            @Override
            public void execute(Runnable task) {
                tasks.add(task);
            }

            @Override
            public Cancellable schedule(long delayMillis, Runnable task) {
                return () -> { };
            }

            @Override
            public long nowMillis() {
                return 0;
            }
        };
        Environment env = new Environment(Clock.systemUTC(), new SplittableRandom(1), manual, Runnable::run);
        Replica replica = Replica.create(EngineConfig.defaults().withMaxInbound(4, 1 << 20), new MemoryDocumentStore(self), transport, env);
        while (!tasks.isEmpty()) {
            tasks.poll().run();
        }
        for (int i = 0; i < 6; i++) {
            transport.listener.onMessage(ReplicaId.of(0xB), new Heartbeat(0, List.of()), 12);
        }
        assertThat(transport.pauses()).containsExactly(true);
        for (int i = 0; i < 4; i++) {
            tasks.poll().run();
        }
        assertThat(transport.pauses()).as("two left of six: at half").containsExactly(true, false);
        while (!tasks.isEmpty()) {
            tasks.poll().run();
        }
        replica.closeAsync();
    }
}
