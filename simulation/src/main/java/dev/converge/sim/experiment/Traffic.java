package dev.converge.sim.experiment;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.EWFlag;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.MVRegister;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.codec.CrdtCodec;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What a run transmitted. <b>Elements</b> are the unit of Enes et al.: set elements, counter
 * entries, map keys (an LWW register counts 1). <b>Payload</b> bytes are the documents carried
 * (key plus canonical encoding of the value, its own causal context included); <b>metadata</b>
 * is every other byte on the wire (framing, sequence numbers, acknowledgements, heartbeats and
 * progress reports, digests).
 */
public final class Traffic {

    long elements;
    long payloadBytes;
    long metadataBytes;
    long messages;
    private final Map<Crdt<?>, Integer> sizes = new IdentityHashMap<>();

    /** Counts a document carried in a message. */
    void document(Bytes key, Crdt<?> value) {
        elements += elements(value);
        payloadBytes += key.length() + size(value);
    }

    /** The encoded size of {@code value}, remembered for registers (the same immutable state is sent many times). */
    int size(Crdt<?> value) {
        if (value instanceof LWWRegister) {
            return sizes.computeIfAbsent(value, v -> CrdtCodec.encode(v).length);
        }
        return CrdtCodec.encode(value).length;
    }

    public long elements() {
        return elements;
    }

    public long payloadBytes() {
        return payloadBytes;
    }

    public long metadataBytes() {
        return metadataBytes;
    }

    public long messages() {
        return messages;
    }

    /** The elements of a value, as Enes et al. count transmission. */
    static long elements(Crdt<?> v) {
        if (v instanceof ORSet s) {
            return s.elements().size();
        }
        if (v instanceof PNCounter c) {
            return c.increments().size() + c.decrements().size() + c.resetIncrements().size() + c.resetDecrements().size();
        }
        if (v instanceof GCounter c) {
            return c.counts().size();
        }
        if (v instanceof LWWRegister r) {
            return r.timestamp().isPresent() ? 1 : 0;
        }
        if (v instanceof ORMap m) {
            return m.size();
        }
        if (v instanceof MVRegister r) {
            return r.versions().size();
        }
        return ((EWFlag) v).enablers().size();
    }
}
