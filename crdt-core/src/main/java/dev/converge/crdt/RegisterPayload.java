package dev.converge.crdt;

import com.google.protobuf.CodedOutputStream;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.internal.StateEncodingHook;
import java.io.IOException;

/**
 * An LWW register's payload written field by field, byte for byte what the generated
 * {@code LWWRegisterState} writes: physical time ({@code uint64}, 1), logical counter
 * ({@code uint32}, 2), writer ({@code fixed64}, 3), value ({@code bytes}, 4), deleted
 * ({@code bool}, 5), each omitted when zero, empty or false (so bottom is empty). A register write
 * encodes its delta for the size check, the delta log, the store and every push: the generated
 * builder copied the value into a {@code ByteString} and allocated a message each time.
 */
final class RegisterPayload implements StateEncodingHook.Payload {

    private final HybridTimestamp timestamp;
    private final Bytes value;
    private final int size;

    RegisterPayload(LWWRegister register) {
        this.timestamp = register.timestampOrNull();
        this.value = register.valueOrNull();
        int n = 0;
        if (timestamp != null) {
            n += timestamp.physicalMillis() == 0 ? 0 : CodedOutputStream.computeUInt64Size(1, timestamp.physicalMillis());
            n += timestamp.logical() == 0 ? 0 : CodedOutputStream.computeUInt32Size(2, timestamp.logical());
            n += timestamp.replica().value() == 0 ? 0 : CodedOutputStream.computeFixed64Size(3, timestamp.replica().value());
            if (value == null) {
                n += CodedOutputStream.computeBoolSize(5, true);
            } else if (!value.isEmpty()) {
                n += CodedOutputStream.computeByteArraySize(4, value.array());
            }
        }
        this.size = n;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void writeTo(CodedOutputStream out) throws IOException {
        if (timestamp == null) {
            return;
        }
        if (timestamp.physicalMillis() != 0) {
            out.writeUInt64(1, timestamp.physicalMillis());
        }
        if (timestamp.logical() != 0) {
            out.writeUInt32(2, timestamp.logical());
        }
        if (timestamp.replica().value() != 0) {
            out.writeFixed64(3, timestamp.replica().value());
        }
        if (value == null) {
            out.writeBool(5, true);
        } else if (!value.isEmpty()) {
            out.writeByteArray(4, value.array());
        }
    }
}
