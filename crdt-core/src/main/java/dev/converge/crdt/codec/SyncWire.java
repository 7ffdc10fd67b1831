package dev.converge.crdt.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.internal.StateEncodingHook;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The hot sync messages ({@link DeltaBatch}, {@link Ack}, {@link Heartbeat}) written and read
 * field by field, without the generated message classes of {@code converge.proto}: no builders,
 * no intermediate messages, no {@code ByteString}s, and each key copied once (into the output on
 * encode, out of the input on decode; a document's value is decoded straight from the input).
 *
 * <p><b>The same bytes and the same acceptance as the generated classes</b>, which stay the
 * reference (the codec tests compare both on random messages and on fuzzed input):
 * <ul>
 *   <li>Encode ({@link #prepare}) sizes the message and makes its documents' state messages
 *       first, then writes, with a {@link CodedOutputStream} over the caller's array or buffer,
 *       what the generated {@code writeTo} writes: fields in field-number order, proto3 scalars
 *       and bytes only when not zero or empty, nested messages length-prefixed.
 *   <li>Decode has two paths. The exact path ({@link #decodeDeltaBatch}, {@link #decodeAck},
 *       {@link #decodeHeartbeat}) mirrors the generated {@code mergeFrom} loops call for call:
 *       the same {@code CodedInputStream} reads per tag, the last occurrence of a singular field
 *       wins, unknown fields go through {@link UnknownFieldSet.Builder#mergeFieldFrom} (so an
 *       end-group tag ends a message and groups count against the recursion limit, as there),
 *       and a nested message is entered and left with the checks of
 *       {@code CodedInputStream.readMessage} (length, recursion limit, pushed limit, last tag 0,
 *       nothing left); the nesting depth is tracked by lowering the stream's recursion limit by
 *       one inside a nested message, which is what {@code readMessage}'s depth counter does. The
 *       envelope is parsed completely before any semantic check and before any document value
 *       is decoded, in the order {@link CrdtCodec} checked the generated messages. The fast path
 *       ({@link #decodeCanonicalDeltaBatch}) reads a delta batch laid out exactly as the encoder
 *       writes it with plain array reads, and hands anything else, and anything it would refuse,
 *       to the exact path.
 * </ul>
 */
final class SyncWire {

    // Wire tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited).
    // DeltaBatchMessage
    private static final int DELTA_FROM_SEQ = 2 << 3;
    private static final int DELTA_TO_SEQ = 3 << 3;
    private static final int DELTA_DELTAS = 4 << 3 | 2;
    private static final int DELTA_ACK_SEQ = 5 << 3;
    private static final int DELTA_ACK_NOW = 6 << 3;
    // Document
    private static final int DOCUMENT_KEY = 1 << 3 | 2;
    private static final int DOCUMENT_VALUE = 2 << 3 | 2;
    // AckMessage
    private static final int ACK_SEQ = 2 << 3;
    // HeartbeatMessage
    private static final int HEARTBEAT_ACK_SEQ = 1 << 3;
    private static final int HEARTBEAT_PROGRESS = 2 << 3 | 2;
    // ProgressEntry
    private static final int PROGRESS_ORIGIN = 1 << 3 | 1;
    private static final int PROGRESS_SEQ = 2 << 3;

    private static final int VERSION_SIZE = CodedOutputStream.computeUInt32SizeNoTag(CrdtCodec.VERSION);

    private SyncWire() {
    }

    // ---------------------------------------------------------------- encode

    private static int headerSize(int tag) {
        return CodedOutputStream.computeUInt32SizeNoTag(tag) + VERSION_SIZE;
    }

    /** A proto3 {@code uint64} field: absent when zero. */
    private static int uint64Size(int field, long value) {
        return value == 0 ? 0 : CodedOutputStream.computeUInt64Size(field, value);
    }

    /** A length-delimited field or repeated element of {@code length} bytes, tag included (all tags here are one byte). */
    private static int delimitedSize(int length) {
        return 1 + CodedOutputStream.computeUInt32SizeNoTag(length) + length;
    }

    private static void writeHeader(CodedOutputStream out, int tag) throws IOException {
        out.writeUInt32NoTag(tag);
        out.writeUInt32NoTag(CrdtCodec.VERSION);
    }

    private static void writeUInt64(CodedOutputStream out, int field, long value) throws IOException {
        if (value != 0) {
            out.writeUInt64(field, value);
        }
    }

    /** A document's {@code key} field: absent when the key is empty. */
    private static int keyFieldSize(int keyLength) {
        return keyLength == 0 ? 0 : delimitedSize(keyLength);
    }

    static PreparedMessage prepare(DeltaBatch b) {
        return new PreparedDeltaBatch(b);
    }

    static PreparedMessage prepare(Ack a) {
        return new PreparedAck(a);
    }

    static PreparedMessage prepare(Heartbeat h) {
        return new PreparedHeartbeat(h);
    }

    /**
     * A delta batch with its documents' values already encoded (each value field, concatenated
     * in one array) and its keys held by reference: writing it only copies. What it keeps alive
     * is about its encoded size (the value bytes, and the keys, which the batch's documents
     * already hold), not the values' objects or their state messages, which take several times
     * more heap than their encoding: a transport queue bounded by encoded bytes stays bounded in
     * memory as well.
     */
    private static final class PreparedDeltaBatch extends PreparedMessage {
        private final long fromSeq;
        private final long toSeq;
        private final long ackSeq;
        private final boolean ackNow;
        private final Bytes[] keys;
        /**
         * Per document, what follows its key on the wire: the value field's tag, length and
         * bytes (the value's own tag, version and state message), back to back.
         */
        private final byte[] values;
        private final int size;

        PreparedDeltaBatch(DeltaBatch b) {
            StateEncodingHook.StateEncoding encoding = StateEncodingHook.encoding();
            List<Document> deltas = b.deltas();
            int n = deltas.size();
            // One document is the usual batch: its state message needs no array.
            StateEncodingHook.Payload single = null;
            StateEncodingHook.Payload[] states = n == 1 ? null : new StateEncodingHook.Payload[n];
            Bytes[] keys = new Bytes[n];
            int size = headerSize(CrdtCodec.DELTA_BATCH) + uint64Size(2, b.fromSeq()) + uint64Size(3, b.toSeq())
                    + uint64Size(5, b.ackSeq()) + (b.ackNow() ? 2 : 0);
            int valueBytes = 0;
            for (int i = 0; i < n; i++) {
                Document d = deltas.get(i);
                StateEncodingHook.Payload state = encoding.toPayload(d.value());
                if (states == null) {
                    single = state;
                } else {
                    states[i] = state;
                }
                keys[i] = d.key();
                int valueField = delimitedSize(headerSize(d.value().type().tag()) + state.size());
                valueBytes += valueField;
                size += delimitedSize(keyFieldSize(d.key().length()) + valueField);
            }
            byte[] values = new byte[valueBytes];
            CodedOutputStream out = CodedOutputStream.newInstance(values);
            try {
                for (int i = 0; i < n; i++) {
                    StateEncodingHook.Payload state = states == null ? single : states[i];
                    int tag = deltas.get(i).value().type().tag();
                    out.writeUInt32NoTag(DOCUMENT_VALUE);
                    out.writeUInt32NoTag(headerSize(tag) + state.size());
                    writeHeader(out, tag);
                    state.writeTo(out);
                }
            } catch (IOException e) {
                throw new IllegalStateException("encoding into an exactly sized array failed", e);
            }
            out.checkNoSpaceLeft();
            this.fromSeq = b.fromSeq();
            this.toSeq = b.toSeq();
            this.ackSeq = b.ackSeq();
            this.ackNow = b.ackNow();
            this.keys = keys;
            this.values = values;
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        void write(CodedOutputStream out) throws IOException {
            StateEncodingHook.StateEncoding encoding = StateEncodingHook.encoding();
            writeHeader(out, CrdtCodec.DELTA_BATCH);
            writeUInt64(out, 2, fromSeq);
            writeUInt64(out, 3, toSeq);
            byte[] v = values;
            int at = 0;
            for (Bytes key : keys) {
                // The value field as prepared: its tag (one byte), then a varint length, then the bytes.
                int length = 0;
                int p = at + 1;
                for (int shift = 0; ; shift += 7) {
                    byte x = v[p++];
                    length |= (x & 0x7F) << shift;
                    if (x >= 0) {
                        break;
                    }
                }
                int valueField = p - at + length;
                int keyLength = key.length();
                out.writeUInt32NoTag(DELTA_DELTAS);
                out.writeUInt32NoTag(keyFieldSize(keyLength) + valueField);
                if (keyLength != 0) {
                    out.writeUInt32NoTag(DOCUMENT_KEY);
                    out.writeUInt32NoTag(keyLength);
                    out.writeRawBytes(encoding.array(key));
                }
                out.writeRawBytes(v, at, valueField);
                at += valueField;
            }
            writeUInt64(out, 5, ackSeq);
            if (ackNow) {
                out.writeBool(6, true);
            }
        }
    }

    private static final class PreparedAck extends PreparedMessage {
        private final long seq;

        PreparedAck(Ack a) {
            this.seq = a.seq();
        }

        @Override
        public int size() {
            return headerSize(CrdtCodec.ACK) + uint64Size(2, seq);
        }

        @Override
        void write(CodedOutputStream out) throws IOException {
            writeHeader(out, CrdtCodec.ACK);
            writeUInt64(out, 2, seq);
        }
    }

    private static int progressSize(Progress p) {
        long origin = p.origin().value();
        return (origin == 0 ? 0 : CodedOutputStream.computeFixed64Size(1, origin)) + uint64Size(2, p.seq());
    }

    private static final class PreparedHeartbeat extends PreparedMessage {
        private final Heartbeat heartbeat;
        private final int size;

        PreparedHeartbeat(Heartbeat h) {
            List<Progress> progress = h.progress();
            int size = headerSize(CrdtCodec.HEARTBEAT) + uint64Size(1, h.ackSeq());
            for (int i = 0; i < progress.size(); i++) {
                size += delimitedSize(progressSize(progress.get(i)));
            }
            this.heartbeat = h;
            this.size = size;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        void write(CodedOutputStream out) throws IOException {
            List<Progress> progress = heartbeat.progress();
            writeHeader(out, CrdtCodec.HEARTBEAT);
            writeUInt64(out, 1, heartbeat.ackSeq());
            for (int i = 0; i < progress.size(); i++) {
                Progress p = progress.get(i);
                out.writeUInt32NoTag(HEARTBEAT_PROGRESS);
                out.writeUInt32NoTag(progressSize(p));
                long origin = p.origin().value();
                if (origin != 0) {
                    out.writeFixed64(1, origin);
                }
                writeUInt64(out, 2, p.seq());
            }
        }
    }

    // ---------------------------------------------------------------- decode

    /** Unknown fields, kept (and bounded) exactly as a generated builder keeps them; made on first need. */
    private static final class Unknown {
        private UnknownFieldSet.Builder fields;

        /** {@code false}: {@code tag} was an end-group tag, which ends the message being read. */
        boolean merge(int tag, CodedInputStream in) throws IOException {
            if (fields == null) {
                fields = UnknownFieldSet.newBuilder();
            }
            return fields.mergeFieldFrom(tag, in);
        }
    }

    /**
     * Enters a length-delimited nested message as {@code CodedInputStream.readMessage} does;
     * returns the limit to restore with {@link #leaveMessage}. Only one level deep here.
     */
    private static int enterMessage(CodedInputStream in) throws IOException {
        int length = in.readRawVarint32();
        in.checkRecursionLimit();
        int oldLimit = in.pushLimit(length);
        in.setRecursionLimit(CrdtCodec.RECURSION_LIMIT - 1);
        return oldLimit;
    }

    private static void leaveMessage(CodedInputStream in, int oldLimit) throws IOException {
        in.checkLastTagWas(0);
        in.setRecursionLimit(CrdtCodec.RECURSION_LIMIT);
        if (in.getBytesUntilLimit() != 0) {
            throw new InvalidProtocolBufferException("While parsing a protocol message, the input ended unexpectedly "
                    + "in the middle of a field.  This could mean either that the input has been truncated or that an "
                    + "embedded message misreported its own length.");
        }
        in.popLimit(oldLimit);
    }

    /**
     * A delta batch in the layout {@link #prepare(DeltaBatch)} writes, read straight from the
     * array; {@code null} when the bytes at {@code [pos, end)} are laid out any other way or fail
     * any check, and then {@link #decodeDeltaBatch} (the exact path) decides, from the start.
     *
     * <p>Takes only what the exact path reads the same way: fields in field-number order, each at
     * most once (documents repeated), one-byte tags, varints of at most nine bytes (every
     * sequence number up to 2^63 - 1; a tenth byte only ever encodes more, or is malformed),
     * lengths inside the enclosing message, every document with its value, and nothing unknown
     * or left over. Each value decodes with the exact path's own call, in the same order; any
     * refusal sends the whole batch to the exact path, so the error reported is always the one
     * the exact path reports.
     */
    static DeltaBatch decodeCanonicalDeltaBatch(byte[] b, int pos, int end) {
        return decodeCanonical(new ArrayReader(b, pos), end);
    }

    /**
     * {@link #decodeCanonicalDeltaBatch(byte[], int, int)} from a buffer's {@code [pos, end)}
     * (absolute indices; its position does not move): in place for a direct buffer.
     */
    static DeltaBatch decodeCanonicalDeltaBatch(ByteBuffer b, int pos, int end) {
        if (b.hasArray()) {
            int offset = b.arrayOffset();
            return decodeCanonical(new ArrayReader(b.array(), offset + pos), offset + end);
        }
        return decodeCanonical(new BufferReader(b, pos), end);
    }

    private static DeltaBatch decodeCanonical(Reader r, int end) {
        long fromSeq = r.at(DELTA_FROM_SEQ, end) ? r.varint63(end) : 0;
        long toSeq = r.at(DELTA_TO_SEQ, end) ? r.varint63(end) : 0;
        if (fromSeq < 0 || toSeq < fromSeq) {
            return null;
        }
        Documents documents = new Documents();
        try {
            while (r.at(DELTA_DELTAS, end)) {
                int docEnd = r.length(end);
                if (docEnd < 0) {
                    return null;
                }
                docEnd += r.pos;
                Bytes key = Bytes.EMPTY;
                if (r.at(DOCUMENT_KEY, docEnd)) {
                    int keyLength = r.length(docEnd);
                    if (keyLength < 0) {
                        return null;
                    }
                    if (keyLength > 0) {
                        key = r.copy(keyLength);
                    }
                    r.pos += keyLength;
                }
                if (!r.at(DOCUMENT_VALUE, docEnd)) {
                    return null;
                }
                int valueLength = r.length(docEnd);
                if (valueLength < 0 || r.pos + valueLength != docEnd) {
                    return null;
                }
                documents.add(new Document(key, CrdtCodec.decodeState(r.input(valueLength))));
                r.pos = docEnd;
            }
        } catch (CodecException e) {
            return null;
        }
        long ackSeq = r.at(DELTA_ACK_SEQ, end) ? r.varint63(end) : 0;
        boolean ackNow = false;
        if (r.at(DELTA_ACK_NOW, end)) {
            if (r.varint63(end) != 1) {
                return null; // the encoder writes a set flag as 1; any other value is the exact path's to read
            }
            ackNow = true;
        }
        return ackSeq >= 0 && r.pos == end ? new DeltaBatch(fromSeq, toSeq, documents.list(), ackSeq, ackNow) : null;
    }

    /** The documents of a batch as they are read; one document (the usual case) takes no array. */
    private static final class Documents {
        private Document first;
        private Document[] more;
        private int n;

        void add(Document d) {
            if (n == 0) {
                first = d;
            } else {
                if (more == null) {
                    more = new Document[4];
                    more[0] = first;
                } else if (n == more.length) {
                    more = Arrays.copyOf(more, 2 * n);
                }
                more[n] = d;
            }
            n++;
        }

        List<Document> list() {
            return n == 0 ? List.of() : n == 1 ? List.of(first) : List.of(Arrays.copyOf(more, n));
        }
    }

    /**
     * A decoder over a document's value, {@code length} bytes at {@code index} of {@code source}:
     * an array decoder for a heap buffer (as the generated classes' {@code ByteString} value would
     * give), else protobuf's decoder for that kind of buffer.
     */
    private static CodedInputStream valueInput(ByteBuffer source, int index, int length) {
        return source.hasArray() ? CodedInputStream.newInstance(source.array(), source.arrayOffset() + index, length)
                : CodedInputStream.newInstance(source.slice(index, length));
    }

    /** A position in an array or a buffer, for {@link #decodeCanonical}. */
    private abstract static class Reader {
        int pos;

        Reader(int pos) {
            this.pos = pos;
        }

        abstract byte byteAt(int index);

        /** A copy of the {@code length} bytes at the position. */
        abstract Bytes copy(int length);

        /** A decoder over the {@code length} bytes at the position: the exact path's ({@link #valueInput}). */
        abstract CodedInputStream input(int length);

        /** Consumes the one-byte {@code tag} if it comes next before {@code limit}. */
        final boolean at(int tag, int limit) {
            if (pos < limit && byteAt(pos) == tag) {
                pos++;
                return true;
            }
            return false;
        }

        /** A varint of at most nine bytes (so at most 2^63 - 1) before {@code limit}; -1 when there is none. */
        final long varint63(int limit) {
            long value = 0;
            int p = pos;
            for (int shift = 0; shift < 63 && p < limit; shift += 7) {
                int x = byteAt(p++);
                value |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    pos = p;
                    return value;
                }
            }
            return -1;
        }

        /** A length whose bytes lie before {@code limit}; -1 when there is none. */
        final int length(int limit) {
            long length = varint63(limit);
            return length < 0 || length > limit - pos ? -1 : (int) length;
        }
    }

    private static final class ArrayReader extends Reader {
        private final byte[] b;

        ArrayReader(byte[] b, int pos) {
            super(pos);
            this.b = b;
        }

        @Override
        byte byteAt(int index) {
            return b[index];
        }

        @Override
        Bytes copy(int length) {
            return Bytes.wrap(Arrays.copyOfRange(b, pos, pos + length));
        }

        @Override
        CodedInputStream input(int length) {
            return CodedInputStream.newInstance(b, pos, length);
        }
    }

    /** Over a direct (or read-only) buffer, by absolute index: its own position never moves. */
    private static final class BufferReader extends Reader {
        private final ByteBuffer b;

        BufferReader(ByteBuffer b, int pos) {
            super(pos);
            this.b = b;
        }

        @Override
        byte byteAt(int index) {
            return b.get(index);
        }

        @Override
        Bytes copy(int length) {
            byte[] k = new byte[length];
            b.get(pos, k);
            return Bytes.wrap(k);
        }

        @Override
        CodedInputStream input(int length) {
            return valueInput(b, pos, length);
        }
    }

    /**
     * A {@code DeltaBatchMessage} from {@code in}, a decoder over {@code source} created at index
     * {@code base} and positioned after the header: the exact path.
     */
    static DeltaBatch decodeDeltaBatch(ByteBuffer source, int base, CodedInputStream in) throws IOException, CodecException {
        long fromSeq = 0;
        long toSeq = 0;
        long ackSeq = 0;
        boolean ackNow = false;
        int n = 0;
        byte[][] keys = null;
        int[] values = null; // per document: start in bytes, length
        Unknown unknown = new Unknown();
        loop:
        while (true) {
            int tag = in.readTag();
            switch (tag) {
                case 0 -> {
                    break loop;
                }
                case DELTA_FROM_SEQ -> fromSeq = in.readUInt64();
                case DELTA_TO_SEQ -> toSeq = in.readUInt64();
                case DELTA_DELTAS -> {
                    if (keys == null) {
                        keys = new byte[2][];
                        values = new int[4];
                    } else if (n == keys.length) {
                        keys = Arrays.copyOf(keys, 2 * n);
                        values = Arrays.copyOf(values, 4 * n);
                    }
                    int oldLimit = enterMessage(in);
                    byte[] key = null;
                    int valueStart = 0;
                    int valueLength = 0;
                    document:
                    while (true) {
                        int field = in.readTag();
                        switch (field) {
                            case 0 -> {
                                break document;
                            }
                            case DOCUMENT_KEY -> key = in.readByteArray();
                            case DOCUMENT_VALUE -> {
                                int length = in.readRawVarint32();
                                int start = base + in.getTotalBytesRead();
                                in.skipRawBytes(length); // the bounds checks of readBytes
                                valueStart = start;
                                valueLength = length;
                            }
                            default -> {
                                if (!unknown.merge(field, in)) {
                                    break document;
                                }
                            }
                        }
                    }
                    leaveMessage(in, oldLimit);
                    keys[n] = key;
                    values[2 * n] = valueStart;
                    values[2 * n + 1] = valueLength;
                    n++;
                }
                case DELTA_ACK_SEQ -> ackSeq = in.readUInt64();
                case DELTA_ACK_NOW -> ackNow = in.readBool();
                default -> {
                    if (!unknown.merge(tag, in)) {
                        break loop;
                    }
                }
            }
        }
        CrdtCodec.checkSequence(fromSeq, "from_seq");
        CrdtCodec.checkSequence(toSeq, "to_seq");
        CrdtCodec.checkSequence(ackSeq, "ack_seq");
        if (toSeq < fromSeq) {
            throw new CodecException("delta batch interval (" + fromSeq + ", " + toSeq + "] is empty backwards");
        }
        Document[] deltas = new Document[n];
        for (int i = 0; i < n; i++) {
            Crdt<?> value = CrdtCodec.decodeState(valueInput(source, values[2 * i], values[2 * i + 1]));
            byte[] key = keys[i];
            deltas[i] = new Document(key == null ? Bytes.EMPTY : Bytes.wrap(key), value);
        }
        return new DeltaBatch(fromSeq, toSeq, List.of(deltas), ackSeq, ackNow);
    }

    static Ack decodeAck(CodedInputStream in) throws IOException, CodecException {
        long seq = 0;
        Unknown unknown = new Unknown();
        loop:
        while (true) {
            int tag = in.readTag();
            switch (tag) {
                case 0 -> {
                    break loop;
                }
                case ACK_SEQ -> seq = in.readUInt64();
                default -> {
                    if (!unknown.merge(tag, in)) {
                        break loop;
                    }
                }
            }
        }
        CrdtCodec.checkSequence(seq, "seq");
        return new Ack(seq);
    }

    static Heartbeat decodeHeartbeat(CodedInputStream in) throws IOException, CodecException {
        long ackSeq = 0;
        int n = 0;
        long[] entries = null; // per entry: origin, seq
        Unknown unknown = new Unknown();
        loop:
        while (true) {
            int tag = in.readTag();
            switch (tag) {
                case 0 -> {
                    break loop;
                }
                case HEARTBEAT_ACK_SEQ -> ackSeq = in.readUInt64();
                case HEARTBEAT_PROGRESS -> {
                    if (entries == null) {
                        entries = new long[4];
                    } else if (2 * n == entries.length) {
                        entries = Arrays.copyOf(entries, 4 * n);
                    }
                    int oldLimit = enterMessage(in);
                    long origin = 0;
                    long seq = 0;
                    entry:
                    while (true) {
                        int field = in.readTag();
                        switch (field) {
                            case 0 -> {
                                break entry;
                            }
                            case PROGRESS_ORIGIN -> origin = in.readFixed64();
                            case PROGRESS_SEQ -> seq = in.readUInt64();
                            default -> {
                                if (!unknown.merge(field, in)) {
                                    break entry;
                                }
                            }
                        }
                    }
                    leaveMessage(in, oldLimit);
                    entries[2 * n] = origin;
                    entries[2 * n + 1] = seq;
                    n++;
                }
                default -> {
                    if (!unknown.merge(tag, in)) {
                        break loop;
                    }
                }
            }
        }
        CrdtCodec.checkSequence(ackSeq, "ack_seq");
        Progress[] progress = new Progress[n];
        for (int i = 0; i < n; i++) {
            long seq = entries[2 * i + 1];
            CrdtCodec.checkSequence(seq, "progress seq");
            progress[i] = new Progress(CrdtCodec.replica(entries[2 * i]), seq);
        }
        return new Heartbeat(ackSeq, List.of(progress));
    }
}
