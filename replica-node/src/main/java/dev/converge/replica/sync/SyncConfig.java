package dev.converge.replica.sync;

/**
 * Every limit and interval of the replication protocol, each named with its unit.
 *
 * @param gossipIntervalMillis period of anti-entropy rounds (default 200 ms)
 * @param pushDelayMillis debounce before fresh local writes are pushed to peers
 * @param retransmitAfterMillis resend from the acknowledged point when data has gone unacked this long
 * @param maxBatchBytes encoded delta or state bytes per message, well under the transport's frame limit
 * @param maxDocumentsPerMessage documents per message
 * @param fullFanoutPeers up to this many peers every round reaches all of them; above, ceil(log2 N) + 1 at random
 * @param maxRangesPerMessage hash ranges per digest request or response
 * @param leafDocuments a differing hash range with at most this many documents (both sides together) exchanges states
 * @param catchUpTimeoutMillis a digest catch-up making no progress this long is abandoned and restarted
 * @param antiEntropyIntervalMillis period of a full digest comparison with each peer, a backstop against any
 *     divergence the delta path missed (0 disables it)
 * @param retainedLogEntries the delta log keeps at most this many entries beyond what every peer acknowledged;
 *     a peer further behind catches up by digest
 * @param forwardDelayMillis how long an entry from a third replica is held back from a peer that is linked to
 *     that replica itself (and will get it first-hand), before it is checked again
 * @param ackDelayMillis at most one acknowledgement of a peer's batches per this interval: a batch after a
 *     quiet spell is acknowledged at once, batches that follow within the interval together at its end
 *     (0: every batch at once; below {@code retransmitAfterMillis}). Data never waits for acknowledgements;
 *     a peer holding an entry someone awaits ({@code awaitReplicated}) is asked to acknowledge at once.
 */
public record SyncConfig(long gossipIntervalMillis, long pushDelayMillis, long retransmitAfterMillis, int maxBatchBytes,
                         int maxDocumentsPerMessage, int fullFanoutPeers, int maxRangesPerMessage, int leafDocuments,
                         long catchUpTimeoutMillis, long antiEntropyIntervalMillis, long retainedLogEntries,
                         long forwardDelayMillis, long ackDelayMillis) {

    public SyncConfig {
        // Each named with its value: in a compact constructor the fields are not set yet, so the
        // record's own toString would show zeros.
        atLeast("gossipIntervalMillis", gossipIntervalMillis, 1);
        atLeast("pushDelayMillis", pushDelayMillis, 0);
        atLeast("retransmitAfterMillis", retransmitAfterMillis, 1);
        atLeast("maxBatchBytes", maxBatchBytes, 1024);
        atLeast("maxDocumentsPerMessage", maxDocumentsPerMessage, 1);
        atLeast("fullFanoutPeers", fullFanoutPeers, 1);
        atLeast("maxRangesPerMessage", maxRangesPerMessage, 16);
        atLeast("leafDocuments", leafDocuments, 1);
        atLeast("catchUpTimeoutMillis", catchUpTimeoutMillis, 1);
        atLeast("antiEntropyIntervalMillis", antiEntropyIntervalMillis, 0);
        atLeast("retainedLogEntries", retainedLogEntries, 0);
        atLeast("forwardDelayMillis", forwardDelayMillis, 0);
        atLeast("ackDelayMillis", ackDelayMillis, 0);
        if (ackDelayMillis >= retransmitAfterMillis) {
            throw new IllegalArgumentException("invalid sync configuration: ackDelayMillis " + ackDelayMillis
                    + " must be below retransmitAfterMillis " + retransmitAfterMillis);
        }
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException("invalid sync configuration: " + name + " must be at least " + min + ", got " + value);
        }
    }

    /** The configuration with the default forwarding delay of two gossip intervals and acknowledgement delay of 10 ms. */
    public SyncConfig(long gossipIntervalMillis, long pushDelayMillis, long retransmitAfterMillis, int maxBatchBytes,
                      int maxDocumentsPerMessage, int fullFanoutPeers, int maxRangesPerMessage, int leafDocuments,
                      long catchUpTimeoutMillis, long antiEntropyIntervalMillis, long retainedLogEntries) {
        this(gossipIntervalMillis, pushDelayMillis, retransmitAfterMillis, maxBatchBytes, maxDocumentsPerMessage, fullFanoutPeers,
                maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, antiEntropyIntervalMillis, retainedLogEntries,
                2 * gossipIntervalMillis, DEFAULT_ACK_DELAY_MILLIS);
    }

    private static final long DEFAULT_ACK_DELAY_MILLIS = 10;

    public static SyncConfig defaults() {
        return new SyncConfig(200, 2, 1_000, 1 << 20, 10_000, 8, 256, 8, 3_000, 60_000, 1_000_000, 400, DEFAULT_ACK_DELAY_MILLIS);
    }

    public SyncConfig withForwardDelayMillis(long millis) {
        return new SyncConfig(gossipIntervalMillis, pushDelayMillis, retransmitAfterMillis, maxBatchBytes, maxDocumentsPerMessage,
                fullFanoutPeers, maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, antiEntropyIntervalMillis,
                retainedLogEntries, millis, ackDelayMillis);
    }

    public SyncConfig withPushDelayMillis(long millis) {
        return new SyncConfig(gossipIntervalMillis, millis, retransmitAfterMillis, maxBatchBytes, maxDocumentsPerMessage,
                fullFanoutPeers, maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, antiEntropyIntervalMillis,
                retainedLogEntries, forwardDelayMillis, ackDelayMillis);
    }

    public SyncConfig withGossipIntervalMillis(long millis) {
        return new SyncConfig(millis, pushDelayMillis, retransmitAfterMillis, maxBatchBytes, maxDocumentsPerMessage,
                fullFanoutPeers, maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, antiEntropyIntervalMillis,
                retainedLogEntries, forwardDelayMillis, ackDelayMillis);
    }

    public SyncConfig withRetainedLogEntries(long entries) {
        return new SyncConfig(gossipIntervalMillis, pushDelayMillis, retransmitAfterMillis, maxBatchBytes, maxDocumentsPerMessage,
                fullFanoutPeers, maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, antiEntropyIntervalMillis, entries, forwardDelayMillis, ackDelayMillis);
    }

    public SyncConfig withMaxBatchBytes(int bytes) {
        return new SyncConfig(gossipIntervalMillis, pushDelayMillis, retransmitAfterMillis, bytes, maxDocumentsPerMessage,
                fullFanoutPeers, maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, antiEntropyIntervalMillis,
                retainedLogEntries, forwardDelayMillis, ackDelayMillis);
    }

    public SyncConfig withMaxDocumentsPerMessage(int documents) {
        return new SyncConfig(gossipIntervalMillis, pushDelayMillis, retransmitAfterMillis, maxBatchBytes, documents,
                fullFanoutPeers, maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, antiEntropyIntervalMillis,
                retainedLogEntries, forwardDelayMillis, ackDelayMillis);
    }

    public SyncConfig withAntiEntropyIntervalMillis(long millis) {
        return new SyncConfig(gossipIntervalMillis, pushDelayMillis, retransmitAfterMillis, maxBatchBytes, maxDocumentsPerMessage,
                fullFanoutPeers, maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, millis, retainedLogEntries, forwardDelayMillis, ackDelayMillis);
    }

    public SyncConfig withAckDelayMillis(long millis) {
        return new SyncConfig(gossipIntervalMillis, pushDelayMillis, retransmitAfterMillis, maxBatchBytes, maxDocumentsPerMessage,
                fullFanoutPeers, maxRangesPerMessage, leafDocuments, catchUpTimeoutMillis, antiEntropyIntervalMillis,
                retainedLogEntries, forwardDelayMillis, millis);
    }
}
