package dev.converge.node;

/** A client broke the Redis protocol or a limit: it gets {@code -ERR Protocol error: ...} and is disconnected. */
final class ProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
        super(message, null, false, false);
    }
}
