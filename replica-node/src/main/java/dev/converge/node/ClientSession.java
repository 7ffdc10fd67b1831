package dev.converge.node;

import dev.converge.replica.Replica;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Redis client connection's state: whether it has authenticated, its name, the local
 * sequence number of its latest write, which {@code WAIT} waits on, and the replica as this
 * connection writes through it. Touched on the connection's event loop ({@link #noteWrite} also
 * on the callback executor, for the cluster's own writes).
 */
final class ClientSession {

    final long id;
    /** The client connects from this host: the only clients admin commands accept when no password is set. */
    final boolean loopback;
    private final boolean passwordRequired;
    private volatile boolean authenticated;
    private String name;
    private final AtomicLong lastWriteSeq = new AtomicLong();
    private final Executor loop;
    private Replica writer;
    /** The replication wait of a {@code WAIT} in progress, if any (a connection runs one at a time). */
    private CompletableFuture<?> waiting;
    private volatile boolean closed;

    ClientSession(long id, boolean loopback, boolean passwordRequired, Executor loop) {
        this.id = id;
        this.loopback = loopback;
        this.passwordRequired = passwordRequired;
        this.authenticated = !passwordRequired;
        this.loop = loop;
    }

    /**
     * {@code replica} with this connection's writes completing on its event loop: the reply is
     * written there anyway, so a write's completion goes to it directly rather than through the
     * replica's callback thread first.
     */
    Replica writer(Replica replica) {
        if (writer == null) {
            writer = replica.completingOn(loop);
        }
        return writer;
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

    /** A {@code WAIT} is waiting on {@code wait}: ended by {@link #close} should the client go. */
    void waiting(CompletableFuture<?> wait) {
        waiting = wait;
    }

    /** Whether the client disconnected: work queued for it (a key count) need not be done. */
    boolean closed() {
        return closed;
    }

    /** The client disconnected: a replication wait it left stops (the engine drops its waiter). */
    void close() {
        closed = true;
        CompletableFuture<?> w = waiting;
        waiting = null;
        if (w != null && !w.isDone()) {
            w.cancel(false);
        }
    }
}
