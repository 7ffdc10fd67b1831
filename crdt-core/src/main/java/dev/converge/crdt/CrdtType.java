package dev.converge.crdt;

import dev.converge.crdt.internal.StateEncodingHook;
import java.util.Optional;

/**
 * The CRDT types, each with the tag that identifies it in every encoding. Tags are never
 * reused or renumbered: a stored value must decode the same forever.
 */
public enum CrdtType {
    G_COUNTER(1),
    PN_COUNTER(2),
    LWW_REGISTER(3),
    MV_REGISTER(4),
    OR_SET(5),
    EW_FLAG(6),
    OR_MAP(7),
    /** A key written as several types concurrently: see {@link TypeConflict}. */
    TYPE_CONFLICT(8);

    private static final CrdtType[] BY_TAG = new CrdtType[9];

    static {
        for (CrdtType t : values()) {
            BY_TAG[t.tag] = t;
        }
        StateEncodingHook.install(new StateEncoding());
    }

    private final int tag;

    CrdtType(int tag) {
        this.tag = tag;
    }

    public int tag() {
        return tag;
    }

    /** The type with {@code tag}, if there is one. */
    public static Optional<CrdtType> ofTag(int tag) {
        return tag > 0 && tag < BY_TAG.length ? Optional.ofNullable(BY_TAG[tag]) : Optional.empty();
    }

    /** The least element of this type: what a document of this type holds before any write. */
    public Crdt<?> bottom() {
        return switch (this) {
            case G_COUNTER -> GCounter.empty();
            case PN_COUNTER -> PNCounter.empty();
            case LWW_REGISTER -> LWWRegister.empty();
            case MV_REGISTER -> MVRegister.empty();
            case OR_SET -> ORSet.empty();
            case EW_FLAG -> EWFlag.empty();
            case OR_MAP -> ORMap.empty();
            case TYPE_CONFLICT -> TypeConflict.empty();
        };
    }
}
