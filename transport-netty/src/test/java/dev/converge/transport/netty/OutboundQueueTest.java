package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-peer bounded queue: both bounds, exact accounting, and bounds that hold under concurrent senders. */
class OutboundQueueTest {

    @Test
    void boundedByMessages() {
        OutboundQueue<byte[]> q = new OutboundQueue<>(3, 1_000, b -> b.length);
        assertThat(q.offer(new byte[1])).isTrue();
        assertThat(q.offer(new byte[1])).isTrue();
        assertThat(q.offer(new byte[1])).isTrue();
        assertThat(q.offer(new byte[1])).isFalse();
        assertThat(q.messages()).isEqualTo(3);
        assertThat(q.bytes()).isEqualTo(15);
    }

    @Test
    void boundedByFrameBytesIncludingHeaders() {
        OutboundQueue<byte[]> q = new OutboundQueue<>(100, 30, b -> b.length);
        assertThat(q.offer(new byte[10])).isTrue();  // 14
        assertThat(q.offer(new byte[12])).isTrue();  // 30: exactly the bound
        assertThat(q.offer(new byte[0])).isFalse();  // 34 would exceed
        assertThat(q.bytes()).isEqualTo(30);
    }

    @Test
    void polledMessagesStayCountedUntilReleased() {
        OutboundQueue<byte[]> q = new OutboundQueue<>(2, 1_000, b -> b.length);
        q.offer(new byte[6]);
        q.offer(new byte[6]);
        assertThat(q.poll()).hasSize(6);
        assertThat(q.offer(new byte[1])).as("the polled message is still in hand").isFalse();
        q.release(1, 10);
        assertThat(q.offer(new byte[1])).isTrue();
        assertThat(q.messages()).isEqualTo(2);
        assertThat(q.clear()).isEqualTo(2);
        assertThat(q.messages()).isZero();
        assertThat(q.bytes()).isZero();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void theLargestBoundsFitThePackedCounter() {
        OutboundQueue<byte[]> q = new OutboundQueue<>(NettyTransportConfig.MAX_QUEUED_MESSAGES_LIMIT, NettyTransportConfig.MAX_QUEUED_BYTES_LIMIT, b -> b.length);
        byte[] one = new byte[1 << 20];
        for (int i = 0; i < 1000; i++) {
            assertThat(q.offer(one)).isTrue();
        }
        assertThat(q.messages()).isEqualTo(1000);
        assertThat(q.bytes()).isEqualTo(1000L * ((1 << 20) + 4));
    }

    @Test
    void matchesASimpleModel() {
        qt().forAll(lists().of(integers().between(-1, 40)).ofSizeBetween(0, 200), integers().between(1, 10), integers().between(4, 200))
            .checkAssert((ops, maxMessages, maxBytes) -> {
                OutboundQueue<byte[]> q = new OutboundQueue<>(maxMessages, maxBytes, b -> b.length);
                Deque<Integer> model = new ArrayDeque<>();
                long modelBytes = 0;
                for (int op : ops) {
                    if (op < 0) {
                        byte[] p = q.poll();
                        Integer expected = model.pollFirst();
                        assertThat(p == null ? null : p.length).isEqualTo(expected);
                        if (p != null) {
                            q.release(1, p.length + 4L);
                            modelBytes -= p.length + 4L;
                        }
                    } else {
                        boolean fits = model.size() < maxMessages && modelBytes + op + 4 <= maxBytes;
                        assertThat(q.offer(new byte[op])).isEqualTo(fits);
                        if (fits) {
                            model.addLast(op);
                            modelBytes += op + 4;
                        }
                    }
                    assertThat(q.messages()).isEqualTo(model.size());
                    assertThat(q.bytes()).isEqualTo(modelBytes);
                }
            });
    }

    @Test
    void concurrentSendersNeverPushItPastItsBounds() throws InterruptedException {
        OutboundQueue<byte[]> q = new OutboundQueue<>(500, 20_000, b -> b.length);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong violations = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong drained = new AtomicLong();
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 3; t++) {
            int size = 10 + t * 30;
            Thread sender = new Thread(() -> {
                for (int i = 0; i < 200_000; i++) {
                    if (q.offer(new byte[size])) {
                        accepted.incrementAndGet();
                    }
                }
                done.countDown();
            });
            sender.start();
        }
        Thread drainer = new Thread(() -> {
            while (!stop.get()) {
                if (q.messages() > 500 || q.bytes() > 20_000) {
                    violations.incrementAndGet();
                }
                byte[] p = q.poll();
                if (p != null) {
                    q.release(1, p.length + 4L);
                    drained.incrementAndGet();
                }
            }
            done.countDown();
        });
        drainer.start();
        Thread.sleep(10);
        while (done.getCount() > 1) {
            Thread.sleep(5);
        }
        stop.set(true);
        done.await();
        assertThat(violations.get()).isZero();
        assertThat(accepted.get()).isEqualTo(drained.get() + q.messages());
        q.clear();
        assertThat(q.messages()).isZero();
        assertThat(q.bytes()).isZero();
    }
}
