package dev.converge.node;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One Redis client connection's state: whether it has authenticated, its name, and the local
 * sequence number of its latest write, which {@code WAIT} waits on. Touched on the connection's
 * event loop, except {@link #noteWrite} (the engine's callback thread).
 */
final class ClientSession {

    final long id;
    /** The client connects from this host: the only clients admin commands accept when no password is set. */
    final boolean loopback;
    private final boolean passwordRequired;
    private volatile boolean authenticated;
    private String name;
    private final AtomicLong lastWriteSeq = new AtomicLong();

    ClientSession(long id, boolean loopback, boolean passwordRequired) {
        this.id = id;
        this.loopback = loopback;
        this.passwordRequired = passwordRequired;
        this.authenticated = !passwordRequired;
    }

    boolean authenticated() {
        return authenticated;
    }

    void authenticated(boolean value) {
        authenticated = value || !passwordRequired;
    }

    boolean passwordRequired() {
        return passwordRequired;
    }

    /** May run node administration commands: authenticated by password, or from loopback when the node has no password. */
    boolean admin() {
        return passwordRequired ? authenticated : loopback;
    }

    String name() {
        return name;
    }

    void name(String value) {
        name = value;
    }

    void noteWrite(long seq) {
        lastWriteSeq.accumulateAndGet(seq, Math::max);
    }

    long lastWriteSeq() {
        return lastWriteSeq.get();
    }
}
