package dev.converge.crdt.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.codec.CodecException;
import java.io.IOException;

/**
 * Not API. The CRDT types keep their stores package-private, so the code that maps them to the
 * protobuf schema lives in their package; this hook is how {@code dev.converge.crdt.codec}
 * reaches it without widening the types' public surface. Installed once, when
 * {@link CrdtType} initialises.
 */
public final class StateEncodingHook {

    /** Maps states to and from their protobuf messages (the payload after tag and version). */
    public interface StateEncoding {
        /** The protobuf message of {@code value}, built with the generated classes. */
        MessageLite toMessage(Crdt<?> value);

        /**
         * What encoders write: the same bytes as {@link #toMessage}, written field by field for the
         * types on the write hot path (counters, LWW registers) instead of through a generated builder.
         */
        Payload toPayload(Crdt<?> value);

        Crdt<?> fromMessage(CrdtType type, CodedInputStream in) throws CodecException, IOException;

        /**
         * The array behind {@code bytes}, not a copy, so an encoder can write a key without
         * copying it twice. The caller must not modify it.
         */
        byte[] array(Bytes bytes);
    }

    /** A state's encoded payload (what follows its tag and version), sized before it is written. */
    public interface Payload {
        int size();

        void writeTo(CodedOutputStream out) throws IOException;

        /** The payload of a generated message. */
        static Payload of(MessageLite message) {
            return new Payload() {
                @Override
                public int size() {
                    return message.getSerializedSize();
                }

                @Override
                public void writeTo(CodedOutputStream out) throws IOException {
                    message.writeTo(out);
                }
            };
        }
    }

    private static volatile StateEncoding installed;

    private StateEncodingHook() {
    }

    /** Called once by crdt-core itself. */
    public static synchronized void install(StateEncoding encoding) {
        if (installed != null) {
            throw new IllegalStateException("state encoding already installed");
        }
        installed = encoding;
    }

    public static StateEncoding encoding() {
        StateEncoding e = installed;
        if (e == null) {
            CrdtType.values(); // initialising CrdtType installs the encoding
            e = installed;
        }
        return e;
    }
}
