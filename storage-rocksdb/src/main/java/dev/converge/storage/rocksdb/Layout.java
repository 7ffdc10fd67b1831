package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The on-disk layout, format version {@value #FORMAT_VERSION}: column family names and how keys
 * are built. Every multi-byte number in a key is big-endian so that RocksDB's bytewise order is
 * the numeric order. Changing anything here means a new format version.
 */
final class Layout {

    /** The format this release writes; it refuses to open a newer one. */
    static final int FORMAT_VERSION = 1;

    static final String DOCS = "docs";
    static final String DOC_DELTAS = "docdeltas";
    static final String DELTA_LOG = "deltalog";
    static final String KEY_HASH = "keyhash";
    static final String META = "meta";
    /** RocksDB always has a default column family; Converge leaves it empty. */
    static final String DEFAULT = "default";

    /** Opening order: index i here is handle i. */
    static final List<String> COLUMN_FAMILIES = List.of(DEFAULT, DOCS, DOC_DELTAS, DELTA_LOG, KEY_HASH, META);

    static final byte[] META_FORMAT = ascii("format");
    static final byte[] META_REPLICA = ascii("replica");
    /** The highest sequence number written when the log was last truncated or the store closed. */
    static final byte[] META_SEQ = ascii("seq");
    /** The first retained delta-log sequence number. */
    static final byte[] META_HEAD = ascii("head");
    static final byte[] META_HLC = ascii("hlc");
    /**
     * Present while the store is open: the run's durability mode and the machine's boot id. Still
     * there at the next open: that run did not close cleanly.
     */
    static final byte[] META_RUNNING = ascii("running");
    /**
     * The digest tree and document count saved at a clean close (see {@code DigestTree#save}), so
     * the next open need not read every document. Deleted when a run begins: after a crash the
     * open rebuilds them.
     */
    static final byte[] META_DIGESTS = ascii("digests");
    private static final byte[] META_ACK_PREFIX = ascii("ack/");

    private Layout() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    // ---- docdeltas: varint(len(key)) key seq

    /**
     * The part of a docdeltas key before the sequence number. The length prefix makes it
     * prefix-free: the deltas of "a" and of "ab" never interleave, and a range delete of one
     * key's deltas cannot touch another's.
     */
    static byte[] docDeltaPrefix(Bytes key) {
        int n = key.length();
        byte[] out = new byte[varintSize(n) + n];
        int p = writeVarint(out, 0, n);
        key.copyTo(out, p);
        return out;
    }

    /** {@code docDeltaKey(docDeltaPrefix(key), seq)} in one allocation: the writer's hot path. */
    static byte[] docDeltaKey(Bytes key, long seq) {
        int n = key.length();
        byte[] out = new byte[varintSize(n) + n + 8];
        int p = writeVarint(out, 0, n);
        key.copyTo(out, p);
        putLong(out, p + n, seq);
        return out;
    }

    static byte[] docDeltaKey(byte[] prefix, long seq) {
        byte[] out = Arrays.copyOf(prefix, prefix.length + 8);
        putLong(out, prefix.length, seq);
        return out;
    }

    /** The document key of a docdeltas key, or null when the key is malformed. */
    static Bytes docOfDeltaKey(byte[] deltaKey) {
        ByteReader r = new ByteReader(deltaKey, 0, deltaKey.length);
        int len = r.varint();
        if (len < 0 || r.position() + len + 8 != deltaKey.length) {
            return null;
        }
        return Bytes.of(deltaKey, r.position(), len);
    }

    static long seqOfDeltaKey(byte[] deltaKey) {
        return getLong(deltaKey, deltaKey.length - 8);
    }

    static boolean hasPrefix(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    // ---- deltalog: seq

    static byte[] seqKey(long seq) {
        byte[] out = new byte[8];
        putLong(out, 0, seq);
        return out;
    }

    // ---- keyhash: keyHash(key) key

    static byte[] keyHashKey(long keyHash, Bytes key) {
        byte[] out = new byte[8 + key.length()];
        putLong(out, 0, keyHash);
        key.copyTo(out, 8);
        return out;
    }

    // ---- meta

    static byte[] ackKey(ReplicaId peer) {
        byte[] out = Arrays.copyOf(META_ACK_PREFIX, META_ACK_PREFIX.length + 8);
        putLong(out, META_ACK_PREFIX.length, peer.value());
        return out;
    }

    static boolean isAckKey(byte[] key) {
        return key.length == META_ACK_PREFIX.length + 8 && hasPrefix(key, META_ACK_PREFIX);
    }

    static ReplicaId peerOfAckKey(byte[] key) {
        return ReplicaId.of(getLong(key, META_ACK_PREFIX.length));
    }

    static byte[] encodeTimestamp(HybridTimestamp t) {
        byte[] out = new byte[20];
        putLong(out, 0, t.physicalMillis());
        putInt(out, 8, t.logical());
        putLong(out, 12, t.replica().value());
        return out;
    }

    static HybridTimestamp decodeTimestamp(byte[] b, int offset) {
        return new HybridTimestamp(getLong(b, offset), getInt(b, offset + 8), ReplicaId.of(getLong(b, offset + 12)));
    }

    // ---- numbers

    static void putLong(byte[] b, int p, long v) {
        for (int i = 7; i >= 0; i--) {
            b[p + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long getLong(byte[] b, int p) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[p + i] & 0xFF);
        }
        return v;
    }

    static void putInt(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
    }

    static int getInt(byte[] b, int p) {
        return (b[p] & 0xFF) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
    }

    static byte[] longValue(long v) {
        byte[] out = new byte[8];
        putLong(out, 0, v);
        return out;
    }

    static int varintSize(int v) {
        int n = 1;
        while ((v & ~0x7F) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    /** Writes {@code v} (non-negative) as an unsigned LEB128 varint; returns the next position. */
    static int writeVarint(byte[] b, int p, int v) {
        while ((v & ~0x7F) != 0) {
            b[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
    }
}
