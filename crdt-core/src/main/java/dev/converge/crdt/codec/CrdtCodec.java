package dev.converge.crdt.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.proto.DigestRequestMessage;
import dev.converge.crdt.codec.proto.DigestResponseMessage;
import dev.converge.crdt.codec.proto.HashRange;
import dev.converge.crdt.codec.proto.StateBatchMessage;
import dev.converge.crdt.internal.StateEncodingHook;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.DigestResponse;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.RangeDigest;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The one canonical encoding of every CRDT state, delta and sync message.
 *
 * <p>An encoded value is a varint type tag (a {@link CrdtType#tag()} for states and deltas,
 * 16 and up for sync messages), a varint encoding version, then a protobuf message of
 * {@code converge.proto}. Equal values encode to identical bytes. Decoding accepts untrusted
 * input: it throws only {@link CodecException}, allocates no more than the input's length pays
 * for, bounds nesting, and refuses versions newer than {@link #VERSION} by name.
 */
public final class CrdtCodec {

    /** The encoding version this release writes and the newest it reads. */
    public static final int VERSION = 1;

    static final int DELTA_BATCH = 16;
    static final int ACK = 17;
    static final int DIGEST_REQUEST = 18;
    static final int DIGEST_RESPONSE = 19;
    // 20 is reserved: never reuse it.
    static final int STATE_BATCH = 21;
    static final int HEARTBEAT = 22;

    /** Each map level is two protobuf messages deep; the rest is headroom for the wrappers. */
    static final int RECURSION_LIMIT = 2 * ORMap.MAX_DEPTH + 8;

    private CrdtCodec() {
    }

    // ---- states and deltas

    /**
     * The canonical bytes of {@code value}.
     *
     * @throws IllegalArgumentException when the value breaks a limit of the encoding (maps
     *     nested deeper than {@link ORMap#MAX_DEPTH})
     */
    public static byte[] encode(Crdt<?> value) {
        return frame(value.type().tag(), StateEncodingHook.encoding().toPayload(value));
    }

    /**
     * The length of {@link #encode}'s bytes, without making them: for a size check or a budget,
     * where the bytes themselves are not needed.
     */
    public static int encodedSize(Crdt<?> value) {
        int tag = value.type().tag();
        return CodedOutputStream.computeUInt32SizeNoTag(tag) + CodedOutputStream.computeUInt32SizeNoTag(VERSION)
                + StateEncodingHook.encoding().toPayload(value).size();
    }

    /** Decodes a state or delta of any type. */
    public static Crdt<?> decode(byte[] bytes) throws CodecException {
        return decode(bytes, 0, bytes.length);
    }

    /** Decodes a state or delta of any type from {@code length} bytes at {@code offset}. */
    public static Crdt<?> decode(byte[] bytes, int offset, int length) throws CodecException {
        return decodeState(CodedInputStream.newInstance(bytes, offset, length));
    }

    /** Decodes a state or delta that must be of type {@code expected}. */
    public static Crdt<?> decode(byte[] bytes, CrdtType expected) throws CodecException {
        Crdt<?> value = decode(bytes);
        if (value.type() != expected) {
            throw new CodecException("expected a " + expected + " but the bytes hold a " + value.type());
        }
        return value;
    }

    /** The type of an encoded state or delta, read from its header only. */
    public static CrdtType typeOf(byte[] bytes) throws CodecException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        return stateType(readHeader(in));
    }

    static Crdt<?> decodeState(CodedInputStream in) throws CodecException {
        in.setRecursionLimit(RECURSION_LIMIT);
        CrdtType type = stateType(readHeader(in));
        try {
            return StateEncodingHook.encoding().fromMessage(type, in);
        } catch (IOException e) {
            throw new CodecException("malformed " + type + " encoding: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // A decoder bug must not take a node down; the fuzz tests keep this path unused.
            throw new CodecException("undecodable " + type + " encoding: " + e, e);
        }
    }

    private static CrdtType stateType(int tag) throws CodecException {
        return CrdtType.ofTag(tag).orElseThrow(() -> new CodecException("unknown CRDT type tag " + Integer.toUnsignedString(tag)));
    }

    /** Reads tag and version; returns the tag. */
    static int readHeader(CodedInputStream in) throws CodecException {
        int tag;
        int version;
        try {
            tag = in.readUInt32();
            version = in.readUInt32();
        } catch (IOException e) {
            throw new CodecException("truncated header: " + e.getMessage(), e);
        }
        if (version == 0) {
            throw new CodecException("encoding version 0 is not valid");
        }
        if (Integer.compareUnsigned(version, VERSION) > 0) {
            throw new CodecException("encoded with format version " + Integer.toUnsignedString(version)
                    + ", newer than version " + VERSION + " that this release reads; upgrade Converge to read it");
        }
        return tag;
    }

    private static byte[] frame(int tag, StateEncodingHook.Payload message) {
        int size = message.size();
        byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(tag) + CodedOutputStream.computeUInt32SizeNoTag(VERSION) + size];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        try {
            cos.writeUInt32NoTag(tag);
            cos.writeUInt32NoTag(VERSION);
            message.writeTo(cos);
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("encoding into an exactly sized array failed", e);
        }
        return out;
    }

    // ---- sync messages

    /**
     * The canonical bytes of {@code message}. The messages of the replication hot path
     * ({@code DeltaBatch}, {@code Ack}, {@code Heartbeat}) are written field by field
     * ({@link SyncWire}); the others through the generated messages. Both give the same bytes.
     */
    public static byte[] encode(SyncMessage message) {
        PreparedMessage hot = prepareHot(message);
        return hot != null ? hot.toByteArray() : encodeGenerated(message);
    }

    /**
     * {@code message} measured for encoding, its bytes written later: see {@link PreparedMessage}.
     * The bytes are those of {@link #encode(SyncMessage)}.
     *
     * @throws IllegalArgumentException when a value breaks a limit of the encoding, as {@code encode} does
     */
    public static PreparedMessage prepare(SyncMessage message) {
        PreparedMessage hot = prepareHot(message);
        return hot != null ? hot : new PreparedMessage.Encoded(encodeGenerated(message));
    }

    private static PreparedMessage prepareHot(SyncMessage message) {
        if (message instanceof DeltaBatch b) {
            return SyncWire.prepare(b);
        }
        if (message instanceof Ack a) {
            return SyncWire.prepare(a);
        }
        if (message instanceof Heartbeat h) {
            return SyncWire.prepare(h);
        }
        return null;
    }

    private static byte[] encodeGenerated(SyncMessage message) {
        if (message instanceof DigestRequest r) {
            DigestRequestMessage.Builder m = DigestRequestMessage.newBuilder().setRequestId(r.requestId());
            for (KeyHashRange range : r.ranges()) {
                m.addRanges(range(range));
            }
            return frame(DIGEST_REQUEST, StateEncodingHook.Payload.of(m.build()));
        }
        if (message instanceof DigestResponse r) {
            DigestResponseMessage.Builder m = DigestResponseMessage.newBuilder().setRequestId(r.requestId());
            for (RangeDigest d : r.digests()) {
                m.addDigests(dev.converge.crdt.codec.proto.RangeDigest.newBuilder()
                        .setRange(range(d.range())).setHash(d.hash()).setDocuments(d.documents()));
            }
            return frame(DIGEST_RESPONSE, StateEncodingHook.Payload.of(m.build()));
        }
        StateBatch b = (StateBatch) message;
        StateBatchMessage.Builder m = StateBatchMessage.newBuilder().setRequestId(b.requestId()).setLast(b.last())
                .setRange(range(b.range())).setReply(b.reply()).setPart(b.part());
        for (Document d : b.documents()) {
            m.addDocuments(document(d));
        }
        return frame(STATE_BATCH, StateEncodingHook.Payload.of(m.build()));
    }

    private static dev.converge.crdt.codec.proto.Document document(Document d) {
        return dev.converge.crdt.codec.proto.Document.newBuilder()
                .setKey(UnsafeByteOperations.unsafeWrap(d.key().toByteArray()))
                .setValue(UnsafeByteOperations.unsafeWrap(encode(d.value())))
                .build();
    }

    private static HashRange range(KeyHashRange r) {
        return HashRange.newBuilder().setPrefix(r.prefix()).setBits(r.bits()).build();
    }

    public static SyncMessage decodeMessage(byte[] bytes) throws CodecException {
        return decodeMessage(bytes, 0, bytes.length);
    }

    public static SyncMessage decodeMessage(byte[] bytes, int offset, int length) throws CodecException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        // One-byte varints: exactly the tag and version readHeader would read from these bytes.
        if (length >= 2 && bytes[offset] == DELTA_BATCH && bytes[offset + 1] == VERSION) {
            DeltaBatch b = SyncWire.decodeCanonicalDeltaBatch(bytes, offset + 2, offset + length);
            if (b != null) {
                return b;
            }
        }
        return decodeMessage(ByteBuffer.wrap(bytes), offset, CodedInputStream.newInstance(bytes, offset, length));
    }

    /**
     * Decodes the remaining bytes of {@code buffer} (heap or direct, read in place), leaving its
     * position unchanged.
     */
    public static SyncMessage decodeMessage(ByteBuffer buffer) throws CodecException {
        int at = buffer.position();
        DeltaBatch b = canonicalDeltaBatch(buffer, at, buffer.limit());
        return b != null ? b : decodeMessage(buffer, at, CodedInputStream.newInstance(buffer.duplicate()));
    }

    /** The fast path ({@link SyncWire#decodeCanonicalDeltaBatch}) when the header is a delta batch's; {@code null} otherwise. */
    private static DeltaBatch canonicalDeltaBatch(ByteBuffer source, int at, int end) {
        // One-byte varints: exactly the tag and version readHeader would read from these bytes.
        if (end - at >= 2 && source.get(at) == DELTA_BATCH && source.get(at + 1) == VERSION) {
            return SyncWire.decodeCanonicalDeltaBatch(source, at + 2, end);
        }
        return null;
    }

    /** The exact path alone, without the canonical fast path: for tests. */
    static SyncMessage decodeMessageExactly(byte[] bytes) throws CodecException {
        return decodeMessage(ByteBuffer.wrap(bytes), 0, CodedInputStream.newInstance(bytes));
    }

    /**
     * The exact path: every message as the generated classes read it. {@code in} reads
     * {@code source} from index {@code base} on (a document's value is decoded from its bytes in
     * {@code source}, not from a copy).
     */
    private static SyncMessage decodeMessage(ByteBuffer source, int base, CodedInputStream in) throws CodecException {
        in.setRecursionLimit(RECURSION_LIMIT);
        int tag = readHeader(in);
        try {
            return switch (tag) {
                case DELTA_BATCH -> SyncWire.decodeDeltaBatch(source, base, in);
                case ACK -> SyncWire.decodeAck(in);
                case HEARTBEAT -> SyncWire.decodeHeartbeat(in);
                case DIGEST_REQUEST -> {
                    DigestRequestMessage m = DigestRequestMessage.parser().parseFrom(in);
                    List<KeyHashRange> ranges = new ArrayList<>(m.getRangesCount());
                    for (int i = 0; i < m.getRangesCount(); i++) {
                        ranges.add(range(m.getRanges(i)));
                    }
                    yield new DigestRequest(m.getRequestId(), ranges);
                }
                case DIGEST_RESPONSE -> {
                    DigestResponseMessage m = DigestResponseMessage.parser().parseFrom(in);
                    List<RangeDigest> digests = new ArrayList<>(m.getDigestsCount());
                    for (int i = 0; i < m.getDigestsCount(); i++) {
                        dev.converge.crdt.codec.proto.RangeDigest d = m.getDigests(i);
                        if (d.getDocuments() < 0) {
                            throw new CodecException("digest document count exceeds 2^63 - 1");
                        }
                        digests.add(new RangeDigest(range(d.getRange()), d.getHash(), d.getDocuments()));
                    }
                    yield new DigestResponse(m.getRequestId(), digests);
                }
                case STATE_BATCH -> {
                    StateBatchMessage m = StateBatchMessage.parser().parseFrom(in);
                    List<Document> documents = new ArrayList<>(m.getDocumentsCount());
                    for (int i = 0; i < m.getDocumentsCount(); i++) {
                        documents.add(document(m.getDocuments(i)));
                    }
                    if (!m.hasRange()) {
                        throw new CodecException("state batch without a range");
                    }
                    if (m.getPart() < 0) {
                        throw new CodecException("state batch part " + Integer.toUnsignedString(m.getPart()) + " exceeds 2^31 - 1");
                    }
                    yield new StateBatch(m.getRequestId(), range(m.getRange()), documents, m.getPart(), m.getLast(), m.getReply());
                }
                default -> throw new CodecException("unknown sync message tag " + Integer.toUnsignedString(tag));
            };
        } catch (IOException e) {
            throw new CodecException("malformed sync message (tag " + tag + "): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CodecException("undecodable sync message (tag " + tag + "): " + e, e);
        }
    }

    static void checkSequence(long seq, String what) throws CodecException {
        if (seq < 0) {
            throw new CodecException(what + " exceeds 2^63 - 1");
        }
    }

    static ReplicaId replica(long id) throws CodecException {
        if (id == 0) {
            throw new CodecException("replica id 0 is reserved");
        }
        return ReplicaId.of(id);
    }

    private static KeyHashRange range(HashRange r) throws CodecException {
        if (r.getBits() < 0 || r.getBits() > 64) {
            throw new CodecException("hash range of " + Integer.toUnsignedString(r.getBits()) + " bits");
        }
        try {
            return new KeyHashRange(r.getPrefix(), r.getBits());
        } catch (IllegalArgumentException e) {
            throw new CodecException(e.getMessage());
        }
    }

    private static Document document(dev.converge.crdt.codec.proto.Document d) throws CodecException {
        Crdt<?> value = decodeState(d.getValue().newCodedInput());
        return new Document(Bytes.wrap(d.getKey().toByteArray()), value);
    }
}
