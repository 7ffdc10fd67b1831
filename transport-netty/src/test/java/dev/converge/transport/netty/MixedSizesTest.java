package dev.converge.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.Transport.SendResult;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.Progress;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.transport.netty.TestNodes.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Messages of every size over a real link, mixed in one stream: small and 4 KiB frames (gathered
 * in the event loop's scratch array), frames around a kilobyte, frames larger than a batch buffer
 * and the scratch arrays (written into their own buffer and decoded in place), and kinds that take
 * the codec's generated-message path. Every message arrives equal to what was sent, in order.
 */
@ExtendWith(LeakCheck.class)
class MixedSizesTest {

    private static final int COUNT = 3_000;

    /** Acks are numbered 1, 2, 3, ... across the stream: the recorder checks that they arrive in that order. */
    private static SyncMessage message(int i, long acks, SplittableRandom random) {
        int keyLength = switch (random.nextInt(10)) {
            case 0 -> 0;
            case 1, 2 -> 1_000 + random.nextInt(80);
            case 3 -> 4_000 + random.nextInt(200);
            case 4 -> i % 100 == 0 ? SyncMessageDecoder.MAX_SCRATCH_BYTES - 200 + random.nextInt(1_000) : 10; // either side
            default -> random.nextInt(200);
        };
        byte[] key = new byte[keyLength];
        random.nextBytes(key);
        Document document = new Document(Bytes.wrap(key), GCounter.empty().increment(ReplicaId.of(1 + random.nextInt(5)), 1 + i).delta());
        return switch (random.nextInt(12)) {
            case 0 -> new Ack(acks + 1);
            case 1 -> new Heartbeat(i, List.of(new Progress(ReplicaId.of(7), i)));
            case 2 -> new StateBatch(i, KeyHashRange.ALL, List.of(document), 0, false, true);
            default -> new DeltaBatch(i, i + 1, List.of(document), i / 2);
        };
    }

    @Test
    void everySizeArrivesIntactAndInOrder() {
        try (TestNodes nodes = new TestNodes()) {
            Node a = nodes.start(TestNodes.config(0xA).maxFrameBytes(1 << 20).build());
            Node b = nodes.start(TestNodes.config(0xB).build());
            a.transport().connect(b.endpoint());
            a.recorder().awaitUp(b.id(), Duration.ofSeconds(10));
            b.recorder().awaitUp(a.id(), Duration.ofSeconds(10));

            SplittableRandom random = new SplittableRandom(0x517E5);
            List<SyncMessage> sent = new ArrayList<>();
            long bytes = 0;
            long acks = 0;
            for (int i = 0; i < COUNT; i++) {
                SyncMessage m = message(i, acks, random);
                if (m instanceof Ack) {
                    acks++;
                }
                SendResult r;
                while ((r = a.transport().send(b.id(), m)) == SendResult.BACK_PRESSURED) {
                    LockSupport.parkNanos(100_000);
                }
                assertThat(r).isEqualTo(SendResult.QUEUED);
                sent.add(m);
                bytes += 4 + CrdtCodec.encode(m).length;
            }
            Recorder.Inbox inbox = b.from(a);
            Waits.until(Duration.ofSeconds(60), "all delivered", () -> inbox.count() == COUNT);
            List<SyncMessage> received = new ArrayList<>(inbox.others());
            List<SyncMessage> expected = sent.stream().filter(m -> !(m instanceof Ack)).toList();
            assertThat(received).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                assertThat(received.get(i)).as("message %d", i).isEqualTo(expected.get(i));
            }
            assertThat(inbox.outOfOrder()).isZero();
            assertThat(inbox.lastSeq()).isEqualTo(acks);
            long out = bytes;
            // Counters are published once per drain (out) and once per read (in), just after the messages move.
            Waits.until(Duration.ofSeconds(10), "counters settled", () -> a.transport().linkStats().get(0).bytesOut() == out
                    && b.transport().linkStats().get(0).bytesIn() == out);
            assertThat(a.transport().linkStats().get(0).dropped()).isZero();
        }
    }
}
