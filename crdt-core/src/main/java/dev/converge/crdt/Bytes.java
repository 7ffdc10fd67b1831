package dev.converge.crdt;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable byte string: document keys, set elements, map field names and register values.
 *
 * <p>Ordered by unsigned lexicographic comparison, the order of every canonical encoding. The
 * array handed to {@link #of(byte[])} is copied; {@link #toByteArray()} returns a copy, so a
 * value can never change after it is made.
 */
public final class Bytes implements Comparable<Bytes> {

    private static final byte[] NONE = new byte[0];
    public static final Bytes EMPTY = new Bytes(NONE);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final byte[] bytes;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A copy of {@code bytes}. */
    public static Bytes of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
    }

    /** A copy of {@code length} bytes of {@code bytes} starting at {@code offset}. */
    public static Bytes of(byte[] bytes, int offset, int length) {
        return length == 0 ? EMPTY : new Bytes(Arrays.copyOfRange(bytes, offset, offset + length));
    }

    /** The UTF-8 encoding of {@code text}. */
    public static Bytes of(String text) {
        return wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Takes ownership of {@code bytes} without copying. Only for arrays nobody else holds,
     * such as a buffer the caller has just filled.
     */
    public static Bytes wrap(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes);
    }

    /** The backing array itself, for encoders in this package that promise not to modify it. */
    byte[] array() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    public byte byteAt(int index) {
        return bytes[index];
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The bytes decoded as UTF-8 (malformed sequences become U+FFFD). */
    public String asString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Copies the bytes into {@code target} at {@code offset}. */
    public void copyTo(byte[] target, int offset) {
        System.arraycopy(bytes, 0, target, offset, bytes.length);
    }

    /** The bytes as lower-case hexadecimal. */
    public String toHex() {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[bytes[i] & 0xF];
        }
        return new String(out);
    }

    @Override
    public int compareTo(Bytes other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The UTF-8 text when every byte is printable ASCII, otherwise {@code 0x} and hex. */
    @Override
    public String toString() {
        for (byte b : bytes) {
            if (b < 0x20 || b > 0x7e) {
                return "0x" + toHex();
            }
        }
        return asString();
    }
}
