package dev.converge.crdt.sync;

import java.util.List;

/**
 * Sent every gossip round: the sender has merged the receiver's delta log through
 * {@code ackSeq}, and how far it merged the logs of each other peer it is linked to
 * ({@code progress}: all of them, so an origin missing from the list is one the sender does not
 * hear first-hand), so a forwarder can skip what the receiver gets directly.
 */
public record Heartbeat(long ackSeq, List<Progress> progress) implements SyncMessage {

    public Heartbeat {
        if (ackSeq < 0) {
            throw new IllegalArgumentException("negative ack " + ackSeq);
        }
        progress = List.copyOf(progress);
    }
}
