package dev.converge.crdt.codec;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnsafeByteOperations;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.codec.proto.AckMessage;
import dev.converge.crdt.codec.proto.DeltaBatchMessage;
import dev.converge.crdt.codec.proto.HeartbeatMessage;
import dev.converge.crdt.codec.proto.ProgressEntry;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.Progress;
import dev.converge.crdt.sync.SyncMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference for {@link SyncWire}: {@code DeltaBatch}, {@code Ack} and {@code Heartbeat}
 * encoded and decoded through the generated classes of {@code converge.proto}, as
 * {@link CrdtCodec} did before it wrote them field by field. Kept verbatim (checks, their order
 * and their messages) so the tests can hold the direct path to it: the same bytes, the same
 * values, and the same inputs refused.
 */
final class GeneratedSyncCodec {

    private GeneratedSyncCodec() {
    }

    static byte[] encode(SyncMessage message) {
        if (message instanceof DeltaBatch b) {
            DeltaBatchMessage.Builder m = DeltaBatchMessage.newBuilder()
                    .setFromSeq(b.fromSeq()).setToSeq(b.toSeq()).setAckSeq(b.ackSeq()).setAckNow(b.ackNow());
            for (Document d : b.deltas()) {
                m.addDeltas(document(d));
            }
            return frame(CrdtCodec.DELTA_BATCH, m.build());
        }
        if (message instanceof Ack a) {
            return frame(CrdtCodec.ACK, AckMessage.newBuilder().setSeq(a.seq()).build());
        }
        if (message instanceof Heartbeat h) {
            HeartbeatMessage.Builder m = HeartbeatMessage.newBuilder().setAckSeq(h.ackSeq());
            for (Progress p : h.progress()) {
                m.addProgress(ProgressEntry.newBuilder().setOrigin(p.origin().value()).setSeq(p.seq()));
            }
            return frame(CrdtCodec.HEARTBEAT, m.build());
        }
        throw new IllegalArgumentException("not a message the direct path writes: " + message);
    }

    private static dev.converge.crdt.codec.proto.Document document(Document d) {
        return dev.converge.crdt.codec.proto.Document.newBuilder()
                .setKey(UnsafeByteOperations.unsafeWrap(d.key().toByteArray()))
                .setValue(UnsafeByteOperations.unsafeWrap(CrdtCodec.encode(d.value())))
                .build();
    }

    private static byte[] frame(int tag, MessageLite message) {
        int size = message.getSerializedSize();
        byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(tag) + CodedOutputStream.computeUInt32SizeNoTag(CrdtCodec.VERSION) + size];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        try {
            cos.writeUInt32NoTag(tag);
            cos.writeUInt32NoTag(CrdtCodec.VERSION);
            message.writeTo(cos);
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("encoding into an exactly sized array failed", e);
        }
        return out;
    }

    /** Decodes any sync message: the three above through the generated classes, the rest through {@link CrdtCodec}. */
    static SyncMessage decodeMessage(byte[] bytes) throws CodecException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setRecursionLimit(CrdtCodec.RECURSION_LIMIT);
        int tag = CrdtCodec.readHeader(in);
        try {
            return switch (tag) {
                case CrdtCodec.DELTA_BATCH -> {
                    DeltaBatchMessage m = DeltaBatchMessage.parser().parseFrom(in);
                    CrdtCodec.checkSequence(m.getFromSeq(), "from_seq");
                    CrdtCodec.checkSequence(m.getToSeq(), "to_seq");
                    CrdtCodec.checkSequence(m.getAckSeq(), "ack_seq");
                    if (m.getToSeq() < m.getFromSeq()) {
                        throw new CodecException("delta batch interval (" + m.getFromSeq() + ", " + m.getToSeq() + "] is empty backwards");
                    }
                    List<Document> deltas = new ArrayList<>(m.getDeltasCount());
                    for (int i = 0; i < m.getDeltasCount(); i++) {
                        deltas.add(document(m.getDeltas(i)));
                    }
                    yield new DeltaBatch(m.getFromSeq(), m.getToSeq(), deltas, m.getAckSeq(), m.getAckNow());
                }
                case CrdtCodec.ACK -> {
                    AckMessage m = AckMessage.parser().parseFrom(in);
                    CrdtCodec.checkSequence(m.getSeq(), "seq");
                    yield new Ack(m.getSeq());
                }
                case CrdtCodec.HEARTBEAT -> {
                    HeartbeatMessage m = HeartbeatMessage.parser().parseFrom(in);
                    CrdtCodec.checkSequence(m.getAckSeq(), "ack_seq");
                    List<Progress> progress = new ArrayList<>(m.getProgressCount());
                    for (int i = 0; i < m.getProgressCount(); i++) {
                        ProgressEntry p = m.getProgress(i);
                        CrdtCodec.checkSequence(p.getSeq(), "progress seq");
                        progress.add(new Progress(CrdtCodec.replica(p.getOrigin()), p.getSeq()));
                    }
                    yield new Heartbeat(m.getAckSeq(), progress);
                }
                default -> CrdtCodec.decodeMessage(bytes);
            };
        } catch (IOException e) {
            throw new CodecException("malformed sync message (tag " + tag + "): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new CodecException("undecodable sync message (tag " + tag + "): " + e, e);
        }
    }

    private static Document document(dev.converge.crdt.codec.proto.Document d) throws CodecException {
        Crdt<?> value = CrdtCodec.decodeState(d.getValue().newCodedInput());
        return new Document(Bytes.wrap(d.getKey().toByteArray()), value);
    }
}
