package dev.converge.crdt;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.converge.crdt.causal.VersionVector;
import dev.converge.crdt.internal.StateEncodingHook;
import java.io.IOException;

/**
 * A counter's payload written field by field, byte for byte what the generated
 * {@code GCounterState} / {@code PNCounterState} write: each vector is a pair of packed fields,
 * replica ids ({@code fixed64}, field {@code 2k+1}) then counts ({@code uint64}, field {@code 2k+2}),
 * in field order, an empty vector omitted. A local counter write encodes its delta for the size
 * check and the delta log and its state for the store, and every push encodes the delta again:
 * the generated builders copy each vector into boxed lists first.
 */
final class CounterPayload implements StateEncodingHook.Payload {

    private final VersionVector[] vectors;
    /** The byte length of each vector's packed counts. */
    private final int[] countBytes;
    private final int size;

    CounterPayload(VersionVector... vectors) {
        this.vectors = vectors;
        this.countBytes = new int[vectors.length];
        int total = 0;
        for (int k = 0; k < vectors.length; k++) {
            VersionVector v = vectors[k];
            int n = v.size();
            if (n == 0) {
                continue;
            }
            int counts = 0;
            for (int i = 0; i < n; i++) {
                counts += CodedOutputStream.computeUInt64SizeNoTag(v.counter(i));
            }
            countBytes[k] = counts;
            total += packedSize(2 * k + 1, 8 * n) + packedSize(2 * k + 2, counts);
        }
        this.size = total;
    }

    private static int packedSize(int field, int length) {
        return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void writeTo(CodedOutputStream out) throws IOException {
        for (int k = 0; k < vectors.length; k++) {
            VersionVector v = vectors[k];
            int n = v.size();
            if (n == 0) {
                continue;
            }
            out.writeTag(2 * k + 1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(8 * n);
            for (int i = 0; i < n; i++) {
                out.writeFixed64NoTag(v.replica(i).value());
            }
            out.writeTag(2 * k + 2, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(countBytes[k]);
            for (int i = 0; i < n; i++) {
                out.writeUInt64NoTag(v.counter(i));
            }
        }
    }
}
