package dev.converge.crdt.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.proto.AckMessage;
import dev.converge.crdt.codec.proto.DeltaBatchMessage;
import dev.converge.crdt.codec.proto.HeartbeatMessage;
import dev.converge.crdt.codec.proto.DigestRequestMessage;
import dev.converge.crdt.codec.proto.DigestResponseMessage;
import dev.converge.crdt.codec.proto.HashRange;
import dev.converge.crdt.codec.proto.ProgressEntry;
import dev.converge.crdt.codec.proto.StateBatchMessage;
import dev.converge.crdt.internal.StateEncodingHook;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.DigestResponse;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.Progress;
import dev.converge.crdt.sync.RangeDigest;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

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
    private static final int RECURSION_LIMIT = 2 * ORMap.MAX_DEPTH + 8;

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
        return frame(value.type().tag(), StateEncodingHook.encoding().toMessage(value));
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

    private static Crdt<?> decodeState(CodedInputStream in) throws CodecException {
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
    private static int readHeader(CodedInputStream in) throws CodecException {
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

    private static byte[] frame(int tag, MessageLite message) {
        int size = message.getSerializedSize();
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

    /** The canonical bytes of {@code message}. */
    public static byte[] encode(SyncMessage message) {
        if (message instanceof DeltaBatch b) {
            DeltaBatchMessage.Builder m = DeltaBatchMessage.newBuilder()
                    .setFromSeq(b.fromSeq()).setToSeq(b.toSeq()).setAckSeq(b.ackSeq());
            for (Document d : b.deltas()) {
                m.addDeltas(document(d));
            }
            return frame(DELTA_BATCH, m.build());
        }
        if (message instanceof Ack a) {
            return frame(ACK, AckMessage.newBuilder().setSeq(a.seq()).build());
        }
        if (message instanceof Heartbeat h) {
            HeartbeatMessage.Builder m = HeartbeatMessage.newBuilder().setAckSeq(h.ackSeq());
            for (Progress p : h.progress()) {
                m.addProgress(ProgressEntry.newBuilder().setOrigin(p.origin().value()).setSeq(p.seq()));
            }
            return frame(HEARTBEAT, m.build());
        }
        if (message instanceof DigestRequest r) {
            DigestRequestMessage.Builder m = DigestRequestMessage.newBuilder().setRequestId(r.requestId());
            for (KeyHashRange range : r.ranges()) {
                m.addRanges(range(range));
            }
            return frame(DIGEST_REQUEST, m.build());
        }
        if (message instanceof DigestResponse r) {
            DigestResponseMessage.Builder m = DigestResponseMessage.newBuilder().setRequestId(r.requestId());
            for (RangeDigest d : r.digests()) {
                m.addDigests(dev.converge.crdt.codec.proto.RangeDigest.newBuilder()
                        .setRange(range(d.range())).setHash(d.hash()).setDocuments(d.documents()));
            }
            return frame(DIGEST_RESPONSE, m.build());
        }
        StateBatch b = (StateBatch) message;
        StateBatchMessage.Builder m = StateBatchMessage.newBuilder().setRequestId(b.requestId()).setLast(b.last())
                .setRange(range(b.range())).setReply(b.reply());
        for (Document d : b.documents()) {
            m.addDocuments(document(d));
        }
        return frame(STATE_BATCH, m.build());
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
        return decodeMessage(CodedInputStream.newInstance(bytes));
    }

    public static SyncMessage decodeMessage(byte[] bytes, int offset, int length) throws CodecException {
        return decodeMessage(CodedInputStream.newInstance(bytes, offset, length));
    }

    /** Decodes the remaining bytes of {@code buffer}, leaving its position unchanged. */
    public static SyncMessage decodeMessage(ByteBuffer buffer) throws CodecException {
        return decodeMessage(CodedInputStream.newInstance(buffer.duplicate()));
    }

    private static SyncMessage decodeMessage(CodedInputStream in) throws CodecException {
        in.setRecursionLimit(RECURSION_LIMIT);
        int tag = readHeader(in);
        try {
            return switch (tag) {
                case DELTA_BATCH -> {
                    DeltaBatchMessage m = DeltaBatchMessage.parser().parseFrom(in);
                    checkSequence(m.getFromSeq(), "from_seq");
                    checkSequence(m.getToSeq(), "to_seq");
                    checkSequence(m.getAckSeq(), "ack_seq");
                    if (m.getToSeq() < m.getFromSeq()) {
                        throw new CodecException("delta batch interval (" + m.getFromSeq() + ", " + m.getToSeq() + "] is empty backwards");
                    }
                    List<Document> deltas = new ArrayList<>(m.getDeltasCount());
                    for (int i = 0; i < m.getDeltasCount(); i++) {
                        deltas.add(document(m.getDeltas(i)));
                    }
                    yield new DeltaBatch(m.getFromSeq(), m.getToSeq(), deltas, m.getAckSeq());
                }
                case ACK -> {
                    AckMessage m = AckMessage.parser().parseFrom(in);
                    checkSequence(m.getSeq(), "seq");
                    yield new Ack(m.getSeq());
                }
                case HEARTBEAT -> {
                    HeartbeatMessage m = HeartbeatMessage.parser().parseFrom(in);
                    checkSequence(m.getAckSeq(), "ack_seq");
                    List<Progress> progress = new ArrayList<>(m.getProgressCount());
                    for (int i = 0; i < m.getProgressCount(); i++) {
                        ProgressEntry p = m.getProgress(i);
                        checkSequence(p.getSeq(), "progress seq");
                        progress.add(new Progress(replica(p.getOrigin()), p.getSeq()));
                    }
                    yield new Heartbeat(m.getAckSeq(), progress);
                }
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
                    yield new StateBatch(m.getRequestId(), range(m.getRange()), documents, m.getLast(), m.getReply());
                }
                default -> throw new CodecException("unknown sync message tag " + Integer.toUnsignedString(tag));
            };
        } catch (IOException e) {
            throw new CodecException("malformed sync message (tag " + tag + "): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CodecException("undecodable sync message (tag " + tag + "): " + e, e);
        }
    }

    private static void checkSequence(long seq, String what) throws CodecException {
        if (seq < 0) {
            throw new CodecException(what + " exceeds 2^63 - 1");
        }
    }

    private static ReplicaId replica(long id) throws CodecException {
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
