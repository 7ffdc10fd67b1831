package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.PNCounter;
import java.util.concurrent.CompletionStage;

/** A counter document (PN counter, 64-bit; an update that would overflow fails and changes nothing). */
public final class CounterHandle {

    private final Engine engine;
    private final Bytes key;

    CounterHandle(Engine engine, Bytes key) {
        this.engine = engine;
        this.key = key;
    }

    /** Adds {@code amount} (negative subtracts); completes with the new local value. */
    public CompletionStage<Written<Long>> add(long amount) {
        return engine.<PNCounter, Long>write(key, CrdtType.PN_COUNTER, (c, ctx) -> c.add(ctx.replica(), amount),
                (before, after) -> after.value());
    }

    public CompletionStage<Written<Long>> increment() {
        return add(1);
    }

    public CompletionStage<Written<Long>> decrement() {
        return add(-1);
    }

    /** The current local value, 0 before the first write. */
    public long value() {
        return engine.<PNCounter>current(key, CrdtType.PN_COUNTER).value();
    }
}
