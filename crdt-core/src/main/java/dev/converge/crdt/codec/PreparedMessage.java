package dev.converge.crdt.codec;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * A sync message measured for encoding but not yet written: its exact encoded size, and its
 * canonical bytes ({@link CrdtCodec#encode(dev.converge.crdt.sync.SyncMessage)}, byte for byte)
 * written on demand straight into the caller's buffer. Made by {@link CrdtCodec#prepare}.
 *
 * <p>For a transport that admits a message against a byte bound on the sender's thread and
 * writes it into an outbound buffer later, without an intermediate array for the whole message:
 * the work that can fail (mapping values to their state messages, sizing) happens in
 * {@code prepare}, which also encodes the documents' values; writing only copies, the keys
 * straight from the documents. A prepared message keeps alive about its encoded size (the value
 * bytes, and the keys its documents hold anyway), so a queue of them bounded by encoded bytes is
 * bounded in memory too. Immutable; {@link #writeTo} may be called any number of times, from any
 * thread.
 */
public abstract class PreparedMessage {

    PreparedMessage() {
    }

    /** The number of bytes {@link #writeTo} writes. */
    public abstract int size();

    /** Writes the encoding into {@code out}: exactly {@link #size()} bytes. */
    abstract void write(CodedOutputStream out) throws IOException;

    /**
     * Writes the encoding at {@code target}'s position, which advances by {@link #size()}.
     *
     * @throws BufferOverflowException when fewer than {@link #size()} bytes remain (nothing is written)
     * @throws java.nio.ReadOnlyBufferException when {@code target} is read-only
     */
    public void writeTo(ByteBuffer target) {
        int size = size();
        if (target.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        if (target.remaining() < size) {
            throw new BufferOverflowException();
        }
        int start = target.position();
        CodedOutputStream out = CodedOutputStream.newInstance(target);
        try {
            write(out);
            out.flush(); // moves target's position past what was written
        } catch (IOException e) {
            throw new IllegalStateException("encoding into a buffer with room for it failed", e);
        }
        if (target.position() != start + size) {
            throw new IllegalStateException("prepared message wrote " + (target.position() - start) + " bytes, not " + size);
        }
    }

    /**
     * Writes the encoding into {@code target} at {@code offset}; returns the index after it
     * ({@code offset + size()}).
     *
     * @throws IndexOutOfBoundsException when {@code target} has no room for it there (nothing is written)
     */
    public int writeTo(byte[] target, int offset) {
        int size = size();
        java.util.Objects.checkFromIndexSize(offset, size, target.length);
        CodedOutputStream out = CodedOutputStream.newInstance(target, offset, size);
        try {
            write(out);
        } catch (IOException e) {
            throw new IllegalStateException("encoding into an array with room for it failed", e);
        }
        out.checkNoSpaceLeft();
        return offset + size;
    }

    /** The encoding in a new array. */
    public byte[] toByteArray() {
        byte[] bytes = new byte[size()];
        writeTo(bytes, 0);
        return bytes;
    }

    /** A message already encoded: the messages off the hot path go through the generated classes. */
    static final class Encoded extends PreparedMessage {
        private final byte[] bytes;

        Encoded(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int size() {
            return bytes.length;
        }

        @Override
        void write(CodedOutputStream out) throws IOException {
            out.writeRawBytes(bytes);
        }
    }
}
