package dev.converge.sim;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The kinds of fault a simulation injects during its chaos phase; each seed enables a random subset ("swarm" testing). */
public enum FaultKind {
    /** Messages lost on a link (per-link probability). */
    LOSS,
    /** Messages delivered twice. */
    DUPLICATION,
    /** Messages overtaking earlier ones on a link (the Transport contract promises order; the protocol should not rely on it). */
    REORDER,
    /** A directed link delivers nothing for a while, then everything at once. */
    CLOG,
    /** One node cut from every other. */
    PARTITION_ISOLATE,
    /** The nodes split in two halves that cannot talk. */
    PARTITION_HALVES,
    /** Messages from one side to the other are dropped, the other way works and both ends see the links up. */
    PARTITION_ONE_WAY,
    /** Two halves that talk only through one bridge node linked to both. */
    PARTITION_BRIDGE,
    /** A connection is reset: what is in flight on it is lost and its ends reconnect. */
    CONNECTION_RESET,
    /** The process dies: unacknowledged work is lost, acknowledged work is kept; it restarts later. */
    PROCESS_CRASH,
    /** The machine loses power: unsynced log bytes may be lost or torn (acknowledged ones too in buffered mode). */
    POWER_LOSS,
    /** The disk is lost: the node comes back empty under a new replica id. */
    WIPE,
    /** Replicas' clocks disagree by a fixed offset. */
    CLOCK_SKEW,
    /** A replica's clock jumps forward or backward. */
    CLOCK_JUMP,
    /**
     * An administrator removes a replica id that no longer runs (its node was wiped, or came back
     * under a new id after a power loss), from one of the running nodes, as operators do once a
     * lost machine's replacement has joined.
     */
    REMOVE_RETIRED;

    /** The partition kinds. */
    public static final Set<FaultKind> PARTITIONS = EnumSet.of(PARTITION_ISOLATE, PARTITION_HALVES, PARTITION_ONE_WAY,
            PARTITION_BRIDGE);

    /** The crash kinds. */
    public static final Set<FaultKind> CRASHES = EnumSet.of(PROCESS_CRASH, POWER_LOSS, WIPE);

    /** The command-line name: lower case with dashes. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code all}, {@code none} or a comma-separated list of names such as {@code loss,power-loss}. */
    public static EnumSet<FaultKind> parseList(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("all")) {
            return EnumSet.allOf(FaultKind.class);
        }
        EnumSet<FaultKind> out = EnumSet.noneOf(FaultKind.class);
        if (t.equals("none") || t.isEmpty()) {
            return out;
        }
        for (String part : t.split(",")) {
            String name = part.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            try {
                out.add(FaultKind.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault kind '" + part.trim() + "'; known: " + knownNames(), e);
            }
        }
        return out;
    }

    private static String knownNames() {
        StringBuilder b = new StringBuilder();
        for (FaultKind k : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(k.cliName());
        }
        return b.toString();
    }
}
