package dev.converge.crdt.codec;

/**
 * Bytes that are not a valid encoding: truncated, corrupt, of an unknown type, written by a
 * newer release, or breaking a limit. The only exception decoding untrusted bytes throws; its
 * message says what was wrong.
 */
public final class CodecException extends Exception {

    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
