package dev.converge.sim;

import dev.converge.crdt.CrdtType;

/**
 * The operations simulated clients perform, on every document type. Each names the type it
 * writes and its weight in the default mix. Keys are typed by their first letter, and every
 * operation but {@link #CROSS_TYPE_ADD} writes keys of its own type.
 */
public enum OpKind {
    COUNTER_ADD(CrdtType.PN_COUNTER, 6),
    REGISTER_SET(CrdtType.LWW_REGISTER, 5),
    MV_WRITE(CrdtType.MV_REGISTER, 3),
    MV_CLEAR(CrdtType.MV_REGISTER, 1),
    SET_ADD(CrdtType.OR_SET, 6),
    SET_REMOVE(CrdtType.OR_SET, 3),
    FLAG_ENABLE(CrdtType.EW_FLAG, 2),
    FLAG_DISABLE(CrdtType.EW_FLAG, 2),
    MAP_INCREMENT(CrdtType.OR_MAP, 3),
    MAP_SET_REGISTER(CrdtType.OR_MAP, 3),
    MAP_ADD_TO_SET(CrdtType.OR_MAP, 3),
    MAP_REMOVE_FIELD(CrdtType.OR_MAP, 2),
    /** Replica.delete on a key of any type: counter reset, register tombstone, clears. */
    DELETE(null, 2),
    /**
     * A counter increment on a set's key ({@code s…}): refused where the replica holds the set,
     * accepted where it does not (yet), so replicas apart write the key as two types and meet as
     * a type conflict that must converge like any document.
     */
    CROSS_TYPE_ADD(CrdtType.PN_COUNTER, 2);

    private final CrdtType type;
    private final int defaultWeight;

    OpKind(CrdtType type, int defaultWeight) {
        this.type = type;
        this.defaultWeight = defaultWeight;
    }

    /** The document type this operation writes; null for DELETE, which takes any. */
    public CrdtType type() {
        return type;
    }

    public int defaultWeight() {
        return defaultWeight;
    }

    /**
     * Whether an operation of this kind may write several keys in one call ({@code MSET},
     * multi-key {@code DEL}): its scenario line then lists the other keys where others name a map
     * field.
     */
    boolean multiKey() {
        return this == REGISTER_SET || this == DELETE;
    }

    /** The key prefix of documents of {@code type}. */
    public static String prefix(CrdtType type) {
        return switch (type) {
            case PN_COUNTER -> "c";
            case LWW_REGISTER -> "r";
            case MV_REGISTER -> "m";
            case OR_SET -> "s";
            case EW_FLAG -> "f";
            case OR_MAP -> "h";
            case G_COUNTER -> "g";
            case TYPE_CONFLICT -> throw new IllegalArgumentException("the workload writes each key as its prefix's type only");
        };
    }

    /** The type of the documents under {@code key}, from its prefix. */
    public static CrdtType typeOfKey(String key) {
        return switch (key.charAt(0)) {
            case 'c' -> CrdtType.PN_COUNTER;
            case 'r' -> CrdtType.LWW_REGISTER;
            case 'm' -> CrdtType.MV_REGISTER;
            case 's' -> CrdtType.OR_SET;
            case 'f' -> CrdtType.EW_FLAG;
            case 'h' -> CrdtType.OR_MAP;
            case 'g' -> CrdtType.G_COUNTER;
            default -> throw new IllegalArgumentException("key '" + key + "' has no type prefix");
        };
    }
}
