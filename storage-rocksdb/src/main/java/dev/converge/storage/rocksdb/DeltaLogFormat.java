package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.DeltaLogEntry;
import dev.converge.crdt.sync.Document;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of a deltalog value: {@code origin (8 bytes) ‖ varint n ‖ n × (varint len ‖ key ‖
 * varint len ‖ encoded delta)}. The sequence number is the RocksDB key, not repeated here.
 */
final class DeltaLogFormat {

    private DeltaLogFormat() {
    }

    static byte[] encode(ReplicaId origin, Bytes[] keys, byte[][] deltas) {
        int size = 8 + Layout.varintSize(keys.length);
        for (int i = 0; i < keys.length; i++) {
            size += Layout.varintSize(keys[i].length()) + keys[i].length() + Layout.varintSize(deltas[i].length) + deltas[i].length;
        }
        byte[] out = new byte[size];
        Layout.putLong(out, 0, origin.value());
        int p = Layout.writeVarint(out, 8, keys.length);
        for (int i = 0; i < keys.length; i++) {
            p = Layout.writeVarint(out, p, keys[i].length());
            keys[i].copyTo(out, p);
            p += keys[i].length();
            p = Layout.writeVarint(out, p, deltas[i].length);
            System.arraycopy(deltas[i], 0, out, p, deltas[i].length);
            p += deltas[i].length;
        }
        return out;
    }

    /** A decoded entry and the bytes of its encoded deltas, which the read budget counts. */
    record Decoded(DeltaLogEntry entry, long deltaBytes) {
    }

    /** Decodes the payload of a sealed value (after {@link Values#HEADER}). */
    static Decoded decode(long seq, byte[] value) throws CodecException {
        ByteReader r = new ByteReader(value, Values.HEADER, value.length);
        if (!r.hasLong()) {
            throw new CodecException("truncated origin");
        }
        long origin = r.fixedLong();
        if (origin == 0) {
            throw new CodecException("origin replica 0");
        }
        int n = r.varint();
        if (n < 0 || n > r.remaining()) {
            throw new CodecException("bad delta count " + n);
        }
        List<Document> docs = new ArrayList<>(n);
        long deltaBytes = 0;
        for (int i = 0; i < n; i++) {
            int keyLen = r.varint();
            int keyAt = r.skip(keyLen);
            if (keyAt < 0) {
                throw new CodecException("truncated key of delta " + i);
            }
            int deltaLen = r.varint();
            int deltaAt = r.skip(deltaLen);
            if (deltaAt < 0) {
                throw new CodecException("truncated delta " + i);
            }
            Crdt<?> delta = CrdtCodec.decode(value, deltaAt, deltaLen);
            docs.add(new Document(Bytes.of(value, keyAt, keyLen), delta));
            deltaBytes += deltaLen;
        }
        if (r.remaining() != 0) {
            throw new CodecException(r.remaining() + " trailing bytes");
        }
        return new Decoded(new DeltaLogEntry(seq, ReplicaId.of(origin), docs), deltaBytes);
    }
}
