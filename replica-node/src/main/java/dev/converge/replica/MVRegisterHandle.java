package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.MVRegister;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** A multi-value register document: concurrent writes stay visible until a write observes them. */
public final class MVRegisterHandle {

    private final Engine engine;
    private final Bytes key;
    /** Where the futures of this handle's writes run their dependent stages. */
    private final Executor callbacks;

    MVRegisterHandle(Engine engine, Bytes key, Executor callbacks) {
        this.engine = engine;
        this.key = key;
        this.callbacks = callbacks;
    }

    /** Writes {@code value}, replacing every value observed here; completes with the values after. */
    public CompletionStage<Written<List<Bytes>>> write(Bytes value) {
        return engine.<MVRegister, List<Bytes>>write(key, CrdtType.MV_REGISTER, (r, ctx) -> r.write(ctx.replica(), value),
                (before, after) -> after.values(), callbacks);
    }

    public CompletionStage<Written<List<Bytes>>> clear() {
        return engine.<MVRegister, List<Bytes>>write(key, CrdtType.MV_REGISTER, (r, ctx) -> r.clear(),
                (before, after) -> after.values(), callbacks);
    }

    /** The concurrent values, ascending. */
    public List<Bytes> values() {
        return engine.<MVRegister>viewed(key, CrdtType.MV_REGISTER).values();
    }

    /** Each concurrent value with the write (and so the replica) that made it. */
    public List<MVRegister.Version> versions() {
        return engine.<MVRegister>viewed(key, CrdtType.MV_REGISTER).versions();
    }
}
