package dev.converge.crdt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The state of a key that replicas wrote as different types without seeing each other's write:
 * one part per type, each joined as its own type, so no replica drops what another wrote and all
 * of them converge to the same value.
 *
 * <p>The keyspace is a map from (key, type) to state, joined pointwise; a key with one type is
 * stored as that type's plain value, and only a key with two or more is a {@code TypeConflict}.
 * {@link Crdt#joinAny} and {@link Crdt#mergeAny} keep that canonical form, so replicas that hold
 * the same parts hold the same bytes. Parts are never bottom and never conflicts themselves, and
 * come in ascending type-tag order. The bottom element, no part at all, exists for the lattice's
 * sake; a replica never stores it.
 */
public final class TypeConflict implements Crdt<TypeConflict> {

    private static final TypeConflict EMPTY = new TypeConflict(new Crdt<?>[0]);

    private final Crdt<?>[] parts;

    private TypeConflict(Crdt<?>[] parts) {
        this.parts = parts;
    }

    public static TypeConflict empty() {
        return EMPTY;
    }

    /**
     * The value {@code parts} join to, as parts: bottom parts dropped, parts of one type joined.
     *
     * @throws IllegalArgumentException when a part is itself a conflict
     */
    static TypeConflict of(List<? extends Crdt<?>> parts) {
        Crdt<?>[] byTag = new Crdt<?>[CrdtType.values().length + 1];
        for (Crdt<?> p : parts) {
            if (p instanceof TypeConflict) {
                throw new IllegalArgumentException("a type conflict's part cannot be a type conflict");
            }
            if (!p.isBottom()) {
                int t = p.type().tag();
                byTag[t] = byTag[t] == null ? p : Crdt.joinAny(byTag[t], p);
            }
        }
        return ofTagged(byTag);
    }

    /** The parts of a document: a conflict's, or the value itself as the only one (none when bottom). */
    public static List<Crdt<?>> partsOf(Crdt<?> document) {
        return asParts(document).parts();
    }

    /** A value as parts: a conflict's own, or the value as its only part (none when bottom). */
    static TypeConflict asParts(Crdt<?> value) {
        if (value instanceof TypeConflict c) {
            return c;
        }
        return value.isBottom() ? EMPTY : new TypeConflict(new Crdt<?>[] {value});
    }

    private static TypeConflict ofTagged(Crdt<?>[] byTag) {
        List<Crdt<?>> out = new ArrayList<>(2);
        for (Crdt<?> p : byTag) {
            if (p != null && !p.isBottom()) {
                out.add(p);
            }
        }
        return out.isEmpty() ? EMPTY : new TypeConflict(out.toArray(new Crdt<?>[0]));
    }

    /**
     * The canonical form of this value in the keyspace: its only part when it has one, else
     * itself. What is stored and sent is always canonical.
     */
    Crdt<?> canonical() {
        return parts.length == 1 ? parts[0] : this;
    }

    @Override
    public CrdtType type() {
        return CrdtType.TYPE_CONFLICT;
    }

    /** The parts, one per type, in ascending type-tag order. */
    public List<Crdt<?>> parts() {
        return List.of(parts);
    }

    /** The part of type {@code type}, if the key holds one. */
    public Optional<Crdt<?>> part(CrdtType type) {
        for (Crdt<?> p : parts) {
            if (p.type() == type) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** This value with its part of {@code value}'s type replaced by {@code value}, canonical. */
    public Crdt<?> with(Crdt<?> value) {
        if (value instanceof TypeConflict) {
            throw new IllegalArgumentException("a type conflict's part cannot be a type conflict");
        }
        Crdt<?>[] byTag = tagged();
        byTag[value.type().tag()] = value;
        return ofTagged(byTag).canonical();
    }

    private Crdt<?>[] tagged() {
        Crdt<?>[] byTag = new Crdt<?>[CrdtType.values().length + 1];
        for (Crdt<?> p : parts) {
            byTag[p.type().tag()] = p;
        }
        return byTag;
    }

    /**
     * Joins part by part. A part only one side holds is joined with its type's bottom, as a plain
     * value of that type would be: a delta-shaped part becomes a state's, so replicas that reached
     * the same value by different orders hold the same bytes.
     */
    @Override
    public TypeConflict join(TypeConflict other) {
        Crdt<?>[] mine = tagged();
        Crdt<?>[] theirs = other.tagged();
        for (int t = 0; t < mine.length; t++) {
            if (mine[t] != null || theirs[t] != null) {
                Crdt<?> a = mine[t] != null ? mine[t] : theirs[t].type().bottom();
                mine[t] = Crdt.joinAny(a, theirs[t] != null ? theirs[t] : a.type().bottom());
            }
        }
        return ofTagged(mine);
    }

    @Override
    public Merge<TypeConflict> merge(TypeConflict delta) {
        Crdt<?>[] state = tagged();
        List<Crdt<?>> effective = new ArrayList<>(delta.parts.length);
        for (Crdt<?> d : delta.parts) {
            int t = d.type().tag();
            Merged m = Crdt.mergeAny(state[t] == null ? d.type().bottom() : state[t], d);
            state[t] = m.state();
            effective.add(m.effectiveDelta());
        }
        return new Merge<>(ofTagged(state), of(effective));
    }

    @Override
    public boolean isBottom() {
        return parts.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TypeConflict other && Arrays.equals(parts, other.parts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(parts);
    }

    @Override
    public String toString() {
        return "TypeConflict" + Arrays.toString(parts);
    }
}
