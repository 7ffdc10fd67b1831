package dev.converge.replica;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.causal.HybridTimestamp;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** A last-writer-wins register document, ordered by hybrid logical clock timestamps. */
public final class RegisterHandle {

    private final Engine engine;
    private final Bytes key;

    RegisterHandle(Engine engine, Bytes key) {
        this.engine = engine;
        this.key = key;
    }

    /** Writes {@code value} with a timestamp after every write this replica has seen, so it wins here. */
    public CompletionStage<Written<Bytes>> set(Bytes value) {
        return engine.<LWWRegister, Bytes>write(key, CrdtType.LWW_REGISTER,
                (r, ctx) -> r.set(ctx.replica(), ctx.timestampAfter(r.timestamp()), value),
                (before, after) -> after.value().orElse(null));
    }

    public CompletionStage<Written<Bytes>> set(String value) {
        return set(Bytes.of(value));
    }

    public Optional<Bytes> value() {
        return engine.<LWWRegister>current(key, CrdtType.LWW_REGISTER).value();
    }

    public Optional<HybridTimestamp> timestamp() {
        return engine.<LWWRegister>current(key, CrdtType.LWW_REGISTER).timestamp();
    }
}
