package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.PNCounter;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** A counter document (PN counter, 64-bit; an update that would overflow fails and changes nothing). */
public final class CounterHandle {

    private final Engine engine;
    private final Bytes key;
    /** Where the futures of this handle's writes run their dependent stages. */
    private final Executor callbacks;

    CounterHandle(Engine engine, Bytes key, Executor callbacks) {
        this.engine = engine;
        this.key = key;
        this.callbacks = callbacks;
    }

    /** Adds {@code amount} (negative subtracts); completes with the new local value. */
    public CompletionStage<Written<Long>> add(long amount) {
        return engine.<PNCounter, Long>write(key, CrdtType.PN_COUNTER, (c, ctx) -> c.add(ctx.replica(), amount),
                (before, after) -> after.value(), callbacks);
    }

    public CompletionStage<Written<Long>> increment() {
        return add(1);
    }

    public CompletionStage<Written<Long>> decrement() {
        return add(-1);
    }

    /** The current local value, 0 before the first write. */
    public long value() {
        return engine.<PNCounter>viewed(key, CrdtType.PN_COUNTER).value();
    }
}
