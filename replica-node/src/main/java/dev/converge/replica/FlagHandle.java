package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.EWFlag;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** An enable-wins flag document. */
public final class FlagHandle {

    private final Engine engine;
    private final Bytes key;
    /** Where the futures of this handle's writes run their dependent stages. */
    private final Executor callbacks;

    FlagHandle(Engine engine, Bytes key, Executor callbacks) {
        this.engine = engine;
        this.key = key;
        this.callbacks = callbacks;
    }

    public CompletionStage<Written<Boolean>> enable() {
        return engine.<EWFlag, Boolean>write(key, CrdtType.EW_FLAG, (f, ctx) -> f.enable(ctx.replica()), (before, after) -> after.value(), callbacks);
    }

    public CompletionStage<Written<Boolean>> disable() {
        return engine.<EWFlag, Boolean>write(key, CrdtType.EW_FLAG, (f, ctx) -> f.disable(), (before, after) -> after.value(), callbacks);
    }

    public boolean value() {
        return engine.<EWFlag>viewed(key, CrdtType.EW_FLAG).value();
    }
}
