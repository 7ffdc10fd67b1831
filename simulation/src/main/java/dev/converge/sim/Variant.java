package dev.converge.sim;

import java.util.Locale;

/**
 * The system under test: the real engine as built, or a deliberately broken variant of it, to
 * prove the oracle has teeth. The defects are injected at the ports (the simulator must not edit
 * the engine): in the store a merge result or a recovery, on the wire a delta batch.
 */
public enum Variant {
    /** The engine as it is. */
    REAL(SimStore.Bug.NONE),
    /** A join that drops a dot: merging a remote delta into a set loses one element it added. */
    JOIN_DROPS_DOT(SimStore.Bug.JOIN_DROPS_DOT),
    /**
     * A BP filter that drops more than echoes: delta batches carry only the sender's own writes,
     * never what it merged from third replicas (forwarding is lost).
     */
    BP_DROPS_FORWARDED(SimStore.Bug.NONE),
    /** A store that loses an acknowledged write: on reopening, the last fsynced local write is skipped. */
    STORE_LOSES_ACKED_WRITE(SimStore.Bug.LOSES_ACKED_WRITE),
    /** A multi-key write ({@code MSET}, {@code DEL k1 k2}) that keeps all its keys but the last and is acknowledged whole. */
    MULTI_KEY_WRITE_DROPS_A_KEY(SimStore.Bug.MULTI_KEY_WRITE_DROPS_A_KEY);

    private final SimStore.Bug storeBug;

    Variant(SimStore.Bug storeBug) {
        this.storeBug = storeBug;
    }

    SimStore.Bug storeBug() {
        return storeBug;
    }

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Variant parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown variant '" + text + "'; known: real, join-drops-dot, bp-drops-forwarded, "
                    + "store-loses-acked-write, multi-key-write-drops-a-key", e);
        }
    }
}
