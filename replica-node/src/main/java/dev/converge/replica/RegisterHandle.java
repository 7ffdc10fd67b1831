package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.causal.HybridTimestamp;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** A last-writer-wins register document, ordered by hybrid logical clock timestamps. */
public final class RegisterHandle {

    private final Engine engine;
    private final Bytes key;
    /** Where the futures of this handle's writes run their dependent stages. */
    private final Executor callbacks;

    RegisterHandle(Engine engine, Bytes key, Executor callbacks) {
        this.engine = engine;
        this.key = key;
        this.callbacks = callbacks;
    }

    /** Writes {@code value} with a timestamp after every write this replica has seen, so it wins here. */
    public CompletionStage<Written<Bytes>> set(Bytes value) {
        return engine.<LWWRegister, Bytes>write(key, CrdtType.LWW_REGISTER,
                (r, ctx) -> r.set(ctx.replica(), ctx.timestampAfter(r.timestamp()), value),
                (before, after) -> after.value().orElse(null), callbacks);
    }

    public CompletionStage<Written<Bytes>> set(String value) {
        return set(Bytes.of(value));
    }

    public Optional<Bytes> value() {
        return engine.<LWWRegister>viewed(key, CrdtType.LWW_REGISTER).value();
    }

    public Optional<HybridTimestamp> timestamp() {
        return engine.<LWWRegister>viewed(key, CrdtType.LWW_REGISTER).timestamp();
    }
}
