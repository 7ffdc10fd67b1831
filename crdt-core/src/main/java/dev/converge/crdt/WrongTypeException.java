package dev.converge.crdt;

/**
 * An operation of one CRDT type was applied to a value of another: a document or map field
 * keeps the type of its first write. Nothing is changed when this is thrown.
 */
public final class WrongTypeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final CrdtType existing;
    private final CrdtType attempted;

    public WrongTypeException(String what, CrdtType existing, CrdtType attempted) {
        super(what + " holds " + existing + ", not " + attempted);
        this.existing = existing;
        this.attempted = attempted;
    }

    /** The type the value has. */
    public CrdtType existing() {
        return existing;
    }

    /** The type the operation needed. */
    public CrdtType attempted() {
        return attempted;
    }
}
