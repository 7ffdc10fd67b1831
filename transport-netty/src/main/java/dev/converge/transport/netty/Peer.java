package dev.converge.transport.netty;

import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.PreparedMessage;
import dev.converge.crdt.port.LinkStats;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated peer: its logical link (whichever connection currently carries it), its
 * outbound queue and its counters. Outlives connections, so a reconnect or a switch between two
 * duplicate connections keeps the queue and the counts.
 *
 * <p>Link state ({@code active}, {@code up}, {@code downDeferred}) changes under
 * the peer's monitor, in {@link Links}; the send path only reads the volatile fields.
 */
final class Peer {

    private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

    /** A drain writes at most this much before yielding the event loop to other channels. */
    static final int MAX_MESSAGES_PER_DRAIN = 4_096;
    static final long MAX_BYTES_PER_DRAIN = 1L << 20;
    /**
     * Small frames are packed into buffers of this size: one buffer and one write per 64 KiB
     * rather than per message is most of what makes small messages fast.
     */
    static final int BATCH_BYTES = 64 << 10;

    final ReplicaId id;
    final OutboundQueue<PreparedMessage> queue;

    /** The connection carrying the link now, if any. */
    volatile Channel active;
    /** The engine has been told the link is up (and not yet that it is down). */
    volatile boolean up;
    boolean everUp;
    /** {@code active} closed while a replacement was in its handshake: link-down waits for it. */
    boolean downDeferred;

    final AtomicBoolean drainScheduled = new AtomicBoolean();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    final AtomicLong messagesIn = new AtomicLong();
    final AtomicLong largestIn = new AtomicLong();
    final AtomicLong messagesOut = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();

    Peer(ReplicaId id, int maxQueuedMessages, long maxQueuedBytes) {
        this.id = id;
        this.queue = new OutboundQueue<>(maxQueuedMessages, maxQueuedBytes, PreparedMessage::size);
    }

    /** Asks {@code channel}'s event loop to drain the queue, unless a drain is already on its way. */
    void scheduleDrain(Channel channel) {
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(() -> drain(channel));
        }
    }

    /**
     * Moves queued messages into Netty while the channel is writable, packed into batch buffers,
     * then flushes once: the write coalescing. Stops at the channel's high water mark, so Netty's
     * own outbound buffer stays bounded too, and resumes on writability (see {@link LinkHandler}).
     * Each message is encoded here, straight into the batch buffer, with no array of its own
     * (see {@link Batch}).
     */
    void drain(Channel channel) {
        drainScheduled.set(false);
        Channel current = active;
        if (current != channel) {
            // The link moved to another connection while this drain was on its way.
            if (current != null) {
                scheduleDrain(current);
            }
            return;
        }
        if (!channel.isActive()) {
            return;
        }
        ByteBuf batch = null;
        Batch out = null;
        int messages = 0;
        long bytes = 0;
        while (messages < MAX_MESSAGES_PER_DRAIN && bytes < MAX_BYTES_PER_DRAIN && channel.isWritable()) {
            PreparedMessage message = queue.poll();
            if (message == null) {
                break;
            }
            int frameBytes = FrameDecoder.HEADER_BYTES + message.size();
            if (batch != null && out.remaining() < frameBytes) {
                channel.write(batch, channel.voidPromise());
                batch = null;
            }
            if (batch == null) {
                // Sized to what is queued, up to a batch: one small message does not take 64 KiB.
                batch = channel.alloc().heapBuffer(Math.max(frameBytes, (int) Math.min(BATCH_BYTES, queue.bytes())));
                out = new Batch(batch);
            }
            if (!out.write(message)) {
                dropped.incrementAndGet(); // a codec bug: logged by write, the link goes on
            }
            messages++;
            bytes += frameBytes;
        }
        if (batch != null) {
            channel.write(batch, channel.voidPromise());
        }
        if (messages > 0) {
            queue.release(messages, bytes);
            messagesOut.addAndGet(messages);
            bytesOut.addAndGet(bytes);
            channel.flush();
        }
        if (!queue.isEmpty() && channel.isWritable()) {
            // Hit a per-drain cap: go round again after the other channels on this loop.
            scheduleDrain(channel);
        }
    }

    /**
     * Frames appended to one batch buffer, each encoded straight into it
     * ({@link PreparedMessage#writeTo(byte[], int)}). Batch buffers are heap buffers: protobuf's
     * array encoder is much cheaper per field than its direct-buffer one, TLS copies a batch to
     * direct memory at most once beside the cipher's own pass, and without TLS the native transport
     * copies each batch into direct memory for the socket in one bulk copy, as the encoding into
     * a direct buffer would have cost anyway.
     */
    private static final class Batch {
        private final ByteBuf buf;

        Batch(ByteBuf buf) {
            this.buf = buf;
        }

        int remaining() {
            return buf.writableBytes();
        }

        /** Appends one frame; {@code false} (nothing appended) if the codec failed to write the message. */
        boolean write(PreparedMessage message) {
            int size = message.size();
            int at = buf.writerIndex();
            try {
                buf.writeInt(size);
                if (buf.hasArray()) {
                    message.writeTo(buf.array(), buf.arrayOffset() + buf.writerIndex());
                    buf.writerIndex(buf.writerIndex() + size);
                } else {
                    buf.writeBytes(message.toByteArray());
                }
                return true;
            } catch (RuntimeException e) {
                buf.writerIndex(at);
                log.error("a prepared sync message of {} bytes failed to encode; dropped", size, e);
                return false;
            }
        }
    }

    LinkStats stats() {
        return new LinkStats(id, up, bytesIn.get(), bytesOut.get(), messagesIn.get(), messagesOut.get(),
                queue.messages(), queue.bytes(), dropped.get(), reconnects.get(), largestIn.get());
    }
}
