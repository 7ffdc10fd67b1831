package dev.converge.crdt;

/** A map field: its name and the type it holds, ordered by name, then type tag. */
record FieldKey(Bytes name, CrdtType kind) implements Comparable<FieldKey> {

    @Override
    public int compareTo(FieldKey other) {
        int c = name.compareTo(other.name);
        return c != 0 ? c : Integer.compare(kind.tag(), other.kind.tag());
    }
}
