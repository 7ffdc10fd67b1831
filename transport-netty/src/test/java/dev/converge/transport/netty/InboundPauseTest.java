package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.transport.netty.TestNodes.Node;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link NettyTransport#pauseInbound}: a paused node reads nothing more, so a fast sender meets
 * TCP's flow control and then its own bounded queue (back-pressure), not the receiver's memory;
 * resumed, everything the sender queued arrives, in order.
 */
@ExtendWith(LeakCheck.class)
class InboundPauseTest {

    /** Batch {@code n} of 8 KiB, numbered by its range so the order can be checked. */
    private static DeltaBatch numbered(long n) {
        return new DeltaBatch(n, n + 1, List.of(new Document(Bytes.wrap(new byte[8 << 10]), GCounter.empty())), 0);
    }

    @Test
    void aPausedReceiverPushesBackOnItsSenderAndGetsEverythingQueuedOnceResumed() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(1).maxQueuedMessages(256).build());
            Node b = nodes.start(2);
            a.transport().connect(b.endpoint());
            b.recorder().awaitUp(a.id(), Duration.ofSeconds(5));
            Waits.until(Duration.ofSeconds(5), "the link at a", () -> a.transport().connectedPeers().contains(b.id()));

            b.transport().pauseInbound(true);
            Waits.sleep(100); // applied on b's event loop
            long before = b.from(a).count();
            // Until the kernel's buffers on both ends and a's queue are full.
            long queued = 0;
            int backPressured = 0;
            for (long n = 1; n <= 200_000 && backPressured < 100; n++) {
                SendResult r = a.transport().send(b.id(), numbered(n));
                if (r == SendResult.QUEUED) {
                    queued = n;
                } else {
                    assertThat(r).isEqualTo(SendResult.BACK_PRESSURED);
                    backPressured++;
                    n--; // resend the same number: the sequence stays gap-free
                    Waits.sleep(5);
                }
            }
            assertThat(backPressured).as("a's sends were back-pressured while b did not read").isEqualTo(100);
            long paused = b.from(a).count();
            Waits.sleep(300);
            assertThat(b.from(a).count()).as("nothing delivered while paused").isEqualTo(paused);
            assertThat(paused - before).as("what b read before the pause took hold").isLessThan(queued);

            b.transport().pauseInbound(false);
            long all = queued;
            Waits.until(Duration.ofSeconds(20), "every queued batch after the resume", () -> b.from(a).count() == all);
            List<SyncMessage> got = b.from(a).others();
            for (int i = 0; i < got.size(); i++) {
                assertThat(((DeltaBatch) got.get(i)).fromSeq()).as("batch %d in order", i).isEqualTo(i + 1);
            }
            // The link is healthy afterwards.
            a.transport().send(b.id(), numbered(all + 1));
            Waits.until(Duration.ofSeconds(5), "a batch after the resume", () -> b.from(a).count() == all + 1);
        }
    }

    @Test
    void aLinkThatComesUpWhilePausedStartsPaused() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(1);
            Node b = nodes.start(2);
            b.transport().pauseInbound(true);
            a.transport().connect(b.endpoint());
            b.recorder().awaitUp(a.id(), Duration.ofSeconds(5));
            Waits.until(Duration.ofSeconds(5), "the link at a", () -> a.transport().connectedPeers().contains(b.id()));
            Waits.sleep(100);
            a.transport().send(b.id(), numbered(1));
            Waits.sleep(300);
            assertThat(b.from(a).count()).as("paused before the link came up").isZero();
            b.transport().pauseInbound(false);
            Waits.until(Duration.ofSeconds(5), "the batch after the resume", () -> b.from(a).count() == 1);
        }
    }
}
