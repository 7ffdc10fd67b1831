package dev.converge.replica;

import dev.converge.crdt.port.Transport;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the received messages waiting for the engine's loop. Past {@code maxMessages} or
 * {@code maxBytes} it asks the transport to stop reading, and to resume once both are down to
 * half: peers faster than this replica then meet TCP's flow control and their own bounded
 * outbound queues (the protocol resends what their back-pressure dropped), instead of filling
 * this process's memory with messages it has not reached yet. Counted on transport threads,
 * released on the loop.
 */
final class InboundGate {

    private static final Logger LOG = LoggerFactory.getLogger(InboundGate.class);

    private final Transport transport;
    private final long maxMessages;
    private final long maxBytes;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    /** Changed only in {@link #update}; read without the lock on the fast paths. */
    private volatile boolean paused;

    InboundGate(Transport transport, long maxMessages, long maxBytes) {
        this.transport = transport;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    /** A message of {@code size} encoded bytes (0 when unknown) is queued for the loop. */
    void admitted(int size) {
        long m = messages.incrementAndGet();
        long b = bytes.addAndGet(size);
        if (!paused && (m > maxMessages || b > maxBytes)) {
            update();
        }
    }

    /** The loop is done with a message {@link #admitted} before. */
    void done(int size) {
        long m = messages.decrementAndGet();
        long b = bytes.addAndGet(-size);
        if (paused && m <= maxMessages / 2 && b <= maxBytes / 2) {
            update();
        }
    }

    /**
     * Decides from the counts as they are now, so a pause and a resume racing cannot leave the wrong
     * one last; and looks again after each change: a {@link #done} that ran between this thread's
     * read and its write of {@code paused} saw the old value and did not call here, so a pause
     * decided on counts the loop has since drained would otherwise never be lifted.
     */
    private synchronized void update() {
        while (true) {
            long m = messages.get();
            long b = bytes.get();
            boolean pause = paused ? m > maxMessages / 2 || b > maxBytes / 2 : m > maxMessages || b > maxBytes;
            if (pause == paused) {
                return;
            }
            paused = pause;
            if (pause) {
                pauses.incrementAndGet();
                LOG.debug("{} received messages ({} bytes) wait for the engine: reading paused", m, b);
            } else {
                LOG.debug("received messages down to {} ({} bytes): reading resumed", m, b);
            }
            try {
                transport.pauseInbound(pause);
            } catch (RuntimeException e) {
                // A transport closing under the engine: nothing more is read either way. The gate
                // must not throw into the transport's delivery or the loop's accounting.
                LOG.debug("the transport did not take the {}: {}", pause ? "pause" : "resume", e.toString());
            }
        }
    }

    boolean paused() {
        return paused;
    }

    /** How often reading was paused since the replica started. */
    long pauses() {
        return pauses.get();
    }

    /** Received messages waiting for the loop now. */
    long waiting() {
        return messages.get();
    }
}
