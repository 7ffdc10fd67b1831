package dev.converge.crdt.port;

/**
 * A {@link DocumentStore} could not do what was asked: an I/O error, a corrupt value, a store
 * already in use or of a newer format. The message names the operation and, where there is one,
 * the key.
 */
public class StorageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
