package dev.converge.crdt.internal;

import com.google.protobuf.CodedInputStream;
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
        MessageLite toMessage(Crdt<?> value);

        Crdt<?> fromMessage(CrdtType type, CodedInputStream in) throws CodecException, IOException;

        /**
         * The array behind {@code bytes}, not a copy, so an encoder can write a key without
         * copying it twice. The caller must not modify it.
         */
        byte[] array(Bytes bytes);
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
