package dev.converge.storage.rocksdb;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import dev.converge.crdt.port.StorageException;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Reads one document from disk: its snapshot in {@code docs} joined with its pending deltas in
 * {@code docdeltas}. Callers pass read options pinned to a RocksDB snapshot, so a fold committing
 * in between can never show a snapshot without its deltas or deltas twice removed.
 *
 * <p>A snapshot value is {@code foldedThrough (8 bytes) ‖ form (1 byte) ‖ encoding}: the state
 * joined with every delta of its document up to sequence number {@code foldedThrough}. Form 0:
 * the {@code CrdtCodec} encoding as is; form 1 (snapshots of {@value #DEFLATE_MIN_BYTES} bytes
 * and up): its length (4 bytes) then its raw deflate. A large document's elements are sorted
 * byte strings with shared prefixes, which deflate to a third or less; a fold rewrites the whole
 * snapshot, so this cuts the amortised bytes an update pays for folding by as much. Folding
 * thresholds use the encoding's length, not the stored one. A read seeks
 * straight to the first delta after it. Folded deltas are deleted too, but RocksDB keeps deleted
 * entries until its own compaction, and an iterator that started at the document's first delta
 * would step over each of them: a document folded a thousand times would take milliseconds to
 * read. Seeking past them costs the same however long the history.
 */
final class Documents {

    private Documents() {
    }

    /** Snapshots from this size are stored deflated. */
    static final int DEFLATE_MIN_BYTES = 16 << 10;
    private static final byte PLAIN = 0;
    private static final byte DEFLATED = 1;
    /** Largest encoding a snapshot may inflate to: refuses a corrupt length before allocating it. */
    private static final int MAX_SNAPSHOT_BYTES = Integer.MAX_VALUE - 16;

    static byte[] snapshot(long foldedThrough, byte[] encoded) {
        if (encoded.length < DEFLATE_MIN_BYTES) {
            byte[] out = new byte[9 + encoded.length];
            Layout.putLong(out, 0, foldedThrough);
            out[8] = PLAIN;
            System.arraycopy(encoded, 0, out, 9, encoded.length);
            return out;
        }
        byte[] deflated = deflate(encoded);
        byte[] out = new byte[13 + deflated.length];
        Layout.putLong(out, 0, foldedThrough);
        out[8] = DEFLATED;
        Layout.putInt(out, 9, encoded.length);
        System.arraycopy(deflated, 0, out, 13, deflated.length);
        return out;
    }

    private static byte[] deflate(byte[] input) {
        Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
        try {
            deflater.setInput(input);
            deflater.finish();
            byte[] buffer = new byte[Math.max(64, input.length / 2)];
            int n = 0;
            while (!deflater.finished()) {
                if (n == buffer.length) {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
                n += deflater.deflate(buffer, n, buffer.length - n);
            }
            return Arrays.copyOf(buffer, n);
        } finally {
            deflater.end();
        }
    }

    /**
     * The most {@code deflatedLength} bytes of a raw deflate stream can inflate to (deflate
     * expands at most about 1032:1), so a corrupt length is refused before it is allocated.
     */
    private static long maxInflated(int deflatedLength) {
        return 1032L * deflatedLength + 64;
    }

    /** Inflates exactly {@code length} bytes, or returns null when the input is not that. */
    private static byte[] inflate(byte[] input, int offset, int inputLength, int length) {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(input, offset, inputLength);
            byte[] out = new byte[length];
            int n = 0;
            while (n < length) {
                int got = inflater.inflate(out, n, length - n);
                if (got == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                n += got;
            }
            return out;
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    /**
     * A decoded {@code docs} value.
     *
     * @param encodedBytes length of the state's encoding (before any deflate): what folding compares
     */
    record Stored(long foldedThrough, Crdt<?> state, int encodedBytes) {
    }

    /**
     * A document read from disk.
     *
     * @param foldedThrough the snapshot holds the deltas up to this sequence number
     * @param snapshotBytes length of the snapshot's encoding (before any deflate)
     * @param deltaBytes stored size of the pending delta values
     * @param deltaCount number of pending deltas
     * @param maxSeq sequence number of the newest pending delta, 0 when there is none
     * @param seqs the pending deltas' sequence numbers, ascending ({@code deltaCount} of them)
     */
    record Loaded(Crdt<?> state, long foldedThrough, long snapshotBytes, long deltaBytes, int deltaCount, long maxSeq, long[] seqs) {
    }

    /**
     * The document under {@code key}, or null when there is none.
     *
     * @throws StorageException naming {@code operation} and the key when a value is corrupt
     */
    static Loaded load(RocksHandles h, ReadOptions read, Bytes key, String operation) throws RocksDBException {
        byte[] k = key.toByteArray();
        byte[] snapshot = h.db.get(h.docs, read, k);
        if (snapshot == null) {
            return null;
        }
        Stored stored = decodeSnapshot(k, snapshot, key, operation);
        Crdt<?> state = stored.state();
        byte[] prefix = Layout.docDeltaPrefix(key);
        long deltaBytes = 0;
        int count = 0;
        long maxSeq = 0;
        long[] seqs = new long[8];
        try (RocksIterator it = h.db.newIterator(h.docDeltas, read)) {
            for (it.seek(Layout.docDeltaKey(prefix, stored.foldedThrough() + 1)); it.isValid(); it.next()) {
                byte[] dk = it.key();
                if (!Layout.hasPrefix(dk, prefix)) {
                    break;
                }
                if (dk.length != prefix.length + 8) {
                    throw corrupt(operation, key, "malformed delta key 0x" + Bytes.wrap(dk).toHex());
                }
                byte[] value = it.value();
                Crdt<?> delta = decode(dk, value, key, operation, "delta seq " + Layout.seqOfDeltaKey(dk));
                state = Crdt.joinAny(state, delta);
                deltaBytes += value.length;
                maxSeq = Layout.seqOfDeltaKey(dk);
                if (count == seqs.length) {
                    seqs = Arrays.copyOf(seqs, count * 2);
                }
                seqs[count++] = maxSeq;
            }
            it.status();
        }
        return new Loaded(state, stored.foldedThrough(), stored.encodedBytes(), deltaBytes, count, maxSeq, Arrays.copyOf(seqs, count));
    }

    /** Checks and decodes a sealed {@code docs} value. */
    static Stored decodeSnapshot(byte[] storedKey, byte[] value, Bytes key, String operation) {
        if (!Values.intact(storedKey, value)) {
            throw corrupt(operation, key, "snapshot fails its checksum (" + value.length + " bytes)");
        }
        if (value.length < Values.HEADER + 9) {
            throw corrupt(operation, key, "snapshot of " + value.length + " bytes is too short");
        }
        long foldedThrough = Layout.getLong(value, Values.HEADER);
        if (foldedThrough < 0) {
            throw corrupt(operation, key, "snapshot folded through a negative sequence number");
        }
        byte form = value[Values.HEADER + 8];
        byte[] encoded = value;
        int at = Values.HEADER + 9;
        int length = value.length - at;
        if (form == DEFLATED) {
            if (length < 4) {
                throw corrupt(operation, key, "deflated snapshot without its length");
            }
            int inflatedLength = Layout.getInt(value, at);
            if (inflatedLength < 0 || inflatedLength > MAX_SNAPSHOT_BYTES || inflatedLength > maxInflated(length - 4)) {
                throw corrupt(operation, key, "deflated snapshot claims " + inflatedLength + " bytes");
            }
            encoded = inflate(value, at + 4, length - 4, inflatedLength);
            if (encoded == null) {
                throw corrupt(operation, key, "deflated snapshot does not inflate to its " + inflatedLength + " bytes");
            }
            at = 0;
            length = inflatedLength;
        } else if (form != PLAIN) {
            throw corrupt(operation, key, "unknown snapshot form " + form);
        }
        try {
            return new Stored(foldedThrough, CrdtCodec.decode(encoded, at, length), length);
        } catch (CodecException e) {
            throw corrupt(operation, key, "snapshot does not decode: " + e.getMessage());
        }
    }

    /** Checks and decodes a sealed {@code docdeltas} value. */
    static Crdt<?> decode(byte[] storedKey, byte[] value, Bytes key, String operation, String what) {
        if (!Values.intact(storedKey, value)) {
            throw corrupt(operation, key, what + " fails its checksum (" + value.length + " bytes)");
        }
        try {
            return CrdtCodec.decode(value, Values.HEADER, value.length - Values.HEADER);
        } catch (CodecException e) {
            throw corrupt(operation, key, what + " does not decode: " + e.getMessage());
        }
    }

    static StorageException corrupt(String operation, Bytes key, String detail) {
        return new StorageException(operation + " of key '" + key + "': corrupt value: " + detail);
    }
}
