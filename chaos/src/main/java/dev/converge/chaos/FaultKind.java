package dev.converge.chaos;

import java.util.Arrays;
import java.util.List;

/** Every fault the nemesis injects, with the track that runs it. */
enum FaultKind {
    /** Frames on the chosen links are swallowed; the connections stay open (a silent network). */
    LINK_BLACKHOLE("link-blackhole", Track.NETWORK),
    /** Frames on the chosen links wait a delay with jitter; order on a connection is kept, as TCP keeps it. */
    LINK_DELAY("link-delay", Track.NETWORK),
    /** The chosen links' connections are reset (RST) repeatedly while the fault lasts. */
    LINK_RESET("link-reset", Track.NETWORK),
    /** Whole frames on the chosen links are dropped with a probability (handshake frames excepted). */
    LINK_DROP("link-drop", Track.NETWORK),
    /** Whole frames on the chosen links are sent twice with a probability (handshake frames excepted). */
    LINK_DUPLICATE("link-duplicate", Track.NETWORK),
    /** The nodes split into two halves that cannot reach each other. */
    PARTITION_HALVES("partition-halves", Track.NETWORK),
    /** One node cut off from all others. */
    PARTITION_ISOLATE("partition-isolate", Track.NETWORK),
    /** One group hears the other, not the other way round (frames one way are swallowed). */
    PARTITION_ASYMMETRIC("partition-asymmetric", Track.NETWORK),
    /** Two sides that cannot reach each other, and one node that reaches both. */
    PARTITION_BRIDGE("partition-bridge", Track.NETWORK),
    /** {@code kill -9} of one node; restarted on the same data directory after a while. */
    KILL("kill-9", Track.PROCESS),
    /** {@code SIGSTOP} of one node, {@code SIGCONT} after a while. */
    PAUSE("pause", Track.PROCESS),
    /** A clean restart (SIGTERM) of one node on the same data directory. */
    RESTART("restart", Track.PROCESS),
    /**
     * Between rounds of a long run: kill -9, delete the data directory, start again (a new replica
     * id); then the lost id is removed at a peer, as an operator does, and every node must list it removed.
     */
    WIPE("wipe-rejoin", Track.BETWEEN_ROUNDS),
    /**
     * Between rounds of a long run: an administrative removal of one node ({@code CONVERGE.REMOVE}
     * at a peer), which must learn of it and refuse writes; then a clean stop, an empty data
     * directory and a start under a new replica id that joins the cluster.
     */
    LEAVE("leave-rejoin", Track.BETWEEN_ROUNDS);

    /** Who runs a fault: the network track, the process track (one node at a time), or the run between rounds. */
    enum Track { NETWORK, PROCESS, BETWEEN_ROUNDS }

    static final List<FaultKind> NETWORK = Arrays.stream(values()).filter(k -> k.track == Track.NETWORK).toList();
    static final List<FaultKind> PROCESS = Arrays.stream(values()).filter(k -> k.track == Track.PROCESS).toList();

    final String label;
    final Track track;

    FaultKind(String label, Track track) {
        this.label = label;
        this.track = track;
    }

    boolean isPartition() {
        return name().startsWith("PARTITION_");
    }
}
