package dev.converge.transport.netty;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * The bounded outbound queue of one peer: sync messages, prepared for encoding (their size known),
 * waiting for the event loop to write them. Any thread offers (never blocks); the peer's event
 * loop polls.
 *
 * <p>The bound counts messages and frame bytes (payload plus the 4-byte header). Both counts live
 * in one {@link AtomicLong} (messages in the top 20 bits, bytes in the low 44) so a single
 * compare-and-set admits a message against both bounds at once: the counts never exceed the
 * bounds, not even for an instant, and no lock is taken on the send path. A polled message stays
 * counted until {@link #release} (after the event loop has handed it to Netty), so the bound
 * covers the queue and the batch being written together.
 */
final class OutboundQueue<T> {

    private static final int BYTES_BITS = 44;
    private static final long BYTES_MASK = (1L << BYTES_BITS) - 1;
    private static final long ONE_MESSAGE = 1L << BYTES_BITS;

    private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
    private final AtomicLong reserved = new AtomicLong();
    private final int maxMessages;
    private final long maxBytes;
    private final ToIntFunction<T> payloadBytes;

    /** {@code payloadBytes}: an item's encoded size, without the frame header. */
    OutboundQueue(int maxMessages, long maxBytes, ToIntFunction<T> payloadBytes) {
        if (maxMessages < 1 || maxMessages > NettyTransportConfig.MAX_QUEUED_MESSAGES_LIMIT) {
            throw new IllegalArgumentException("maxMessages " + maxMessages);
        }
        if (maxBytes < 1 || maxBytes > NettyTransportConfig.MAX_QUEUED_BYTES_LIMIT) {
            throw new IllegalArgumentException("maxBytes " + maxBytes);
        }
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.payloadBytes = payloadBytes;
    }

    /** The frame bytes of {@code item}: its payload and the frame header. */
    long frameBytes(T item) {
        return FrameDecoder.HEADER_BYTES + (long) payloadBytes.applyAsInt(item);
    }

    /** Queues {@code payload} if both bounds allow it; {@code false} means back-pressure. */
    boolean offer(T payload) {
        long bytes = frameBytes(payload);
        long current;
        do {
            current = reserved.get();
            if ((current >>> BYTES_BITS) >= maxMessages || (current & BYTES_MASK) + bytes > maxBytes) {
                return false;
            }
        } while (!reserved.compareAndSet(current, current + ONE_MESSAGE + bytes));
        items.offer(payload);
        return true;
    }

    /** The oldest message, still counted until {@link #release}; {@code null} when empty. */
    T poll() {
        return items.poll();
    }

    /** Uncounts {@code messages} polled messages of {@code bytes} frame bytes in total. */
    void release(int messages, long bytes) {
        reserved.addAndGet(-(messages * ONE_MESSAGE + bytes));
    }

    /** Drops everything queued; returns how many messages were dropped. */
    int clear() {
        int messages = 0;
        long bytes = 0;
        T p;
        while ((p = items.poll()) != null) {
            messages++;
            bytes += frameBytes(p);
        }
        if (messages > 0) {
            release(messages, bytes);
        }
        return messages;
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    int messages() {
        return (int) (reserved.get() >>> BYTES_BITS);
    }

    long bytes() {
        return reserved.get() & BYTES_MASK;
    }
}
