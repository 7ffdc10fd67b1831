package dev.converge.crdt.sync;

/**
 * The sender has merged the receiver's delta log up to and including {@code seq}. Sent at once
 * when a batch is merged and nothing else goes back to carry the acknowledgement.
 */
public record Ack(long seq) implements SyncMessage {

    public Ack {
        if (seq < 0) {
            throw new IllegalArgumentException("negative ack " + seq);
        }
    }
}
