package dev.converge.sim.check;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.causal.ReplicaId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every client operation of a run with what became of it: submitted where and when, its outcome
 * as the client saw it, and the delta the replica committed for it (recorded at the store, so it
 * is known even when the client never heard back). The oracle judges the final states against it.
 */
public final class History {

    /** What the operation means, for the per-type checks. */
    public enum Effect {
        COUNTER_ADD,
        REGISTER_WRITE,
        MV_WRITE,
        MV_CLEAR,
        SET_ADD,
        SET_REMOVE,
        FLAG_ENABLE,
        FLAG_DISABLE,
        /** An update of one map field (increment, register write, set add). */
        MAP_UPDATE,
        MAP_REMOVE_FIELD,
        /** Replica.delete of the whole document, whatever its type. */
        DELETE;

        /** Whether the operation makes a dot of its own (an add, a write, an enable, a field update). */
        public boolean makesDot() {
            return this == SET_ADD || this == MV_WRITE || this == FLAG_ENABLE || this == MAP_UPDATE;
        }
    }

    /** What the client learned. */
    public enum Outcome {
        /** Not answered yet. */
        PENDING,
        /** The replica said it is durable. */
        ACKNOWLEDGED,
        /** The replica refused it (down, or the write was invalid): it had no effect. */
        FAILED,
        /** The replica died with it in flight: it may or may not have taken effect. */
        UNKNOWN,
        /** Nothing to do (a removal with nothing seen to remove). */
        SKIPPED
    }

    /** One operation. Mutable while the run goes on; read by the oracle after it. */
    public static final class Entry {
        private final int id;
        private final int slot;
        private final ReplicaId replica;
        private final long epoch;
        private final Effect effect;
        private final Bytes key;
        private final CrdtType type;
        private final Bytes field;
        private final Bytes value;
        private final long amount;
        private final long submittedAt;
        private Outcome outcome = Outcome.PENDING;
        private String detail = "";
        private Crdt<?> delta;
        private long seq;
        private boolean mayBeLost;
        private String lostBecause = "";

        Entry(int id, int slot, ReplicaId replica, long epoch, Effect effect, Bytes key, CrdtType type, Bytes field, Bytes value,
              long amount, long submittedAt) {
            this.id = id;
            this.slot = slot;
            this.replica = replica;
            this.epoch = epoch;
            this.effect = effect;
            this.key = key;
            this.type = type;
            this.field = field;
            this.value = value;
            this.amount = amount;
            this.submittedAt = submittedAt;
        }

        /**
         * This operation as seen by one type's part of its document: the same facts, with
         * {@code part} (one type's part of its delta) as its delta.
         */
        Entry withDelta(Crdt<?> part) {
            Entry e = new Entry(id, slot, replica, epoch, effect, key, part.type(), field, value, amount, submittedAt);
            e.outcome = outcome;
            e.detail = detail;
            e.delta = part;
            e.seq = seq;
            e.mayBeLost = mayBeLost;
            e.lostBecause = lostBecause;
            return e;
        }

        public int id() {
            return id;
        }

        public int slot() {
            return slot;
        }

        /** The replica (id of the process in the slot then) that took it. */
        public ReplicaId replica() {
            return replica;
        }

        public long epoch() {
            return epoch;
        }

        public Effect effect() {
            return effect;
        }

        public Bytes key() {
            return key;
        }

        public CrdtType type() {
            return type;
        }

        /** The map field, or null. */
        public Bytes field() {
            return field;
        }

        /** The value written or element added, or null. */
        public Bytes value() {
            return value;
        }

        public long amount() {
            return amount;
        }

        public long submittedAt() {
            return submittedAt;
        }

        public Outcome outcome() {
            return outcome;
        }

        public String detail() {
            return detail;
        }

        /** The delta its replica committed for it, or null when it committed nothing. */
        public Crdt<?> delta() {
            return delta;
        }

        public long seq() {
            return seq;
        }

        /** Whether a later fault (power loss of a buffered log, a wiped disk) may have destroyed it although it was acknowledged. */
        public boolean mayBeLost() {
            return mayBeLost;
        }

        /**
         * Whether its effect must be in the final state: acknowledged, something committed, and
         * no fault since that the durability model lets destroy acknowledged writes.
         */
        public boolean mustSurvive() {
            return outcome == Outcome.ACKNOWLEDGED && delta != null && !mayBeLost;
        }

        /** Whether it may have had an effect: something was committed for it. */
        public boolean mayHaveEffect() {
            return delta != null;
        }

        public void acknowledged(long sequence, String result) {
            outcome = Outcome.ACKNOWLEDGED;
            seq = sequence;
            detail = result;
        }

        public void failed(String why) {
            outcome = Outcome.FAILED;
            detail = why;
        }

        public void skipped(String why) {
            outcome = Outcome.SKIPPED;
            detail = why;
        }

        /** The replica died before answering. */
        public void unknown() {
            if (outcome == Outcome.PENDING) {
                outcome = Outcome.UNKNOWN;
            }
        }

        public void committed(Crdt<?> committedDelta, long sequence) {
            delta = committedDelta;
            seq = sequence;
        }

        public void mayBeLost(String why) {
            mayBeLost = true;
            lostBecause = why;
        }

        /**
         * What its replica committed for it is gone from everywhere: lost in a crash before it was
         * acknowledged or survived, and no other replica ever received it. It had no effect, and
         * the dot it made is free: the restarted replica may issue it again.
         */
        public void vanished(String why) {
            if (mustSurvive()) {
                throw new IllegalStateException(this + " must survive, it cannot have vanished");
            }
            delta = null;
            mayBeLost = true;
            lostBecause = why;
        }

        @Override
        public String toString() {
            return "op#" + id + " " + effect + " " + key + (field != null ? "." + field : "") + (value != null ? "=" + value : "")
                    + (effect == Effect.COUNTER_ADD || amount != 0 ? " " + amount : "") + " at n" + slot + " (" + replica + ", epoch "
                    + epoch + ") -> " + outcome + (detail.isEmpty() ? "" : " " + detail) + (mayBeLost ? " [may be lost: " + lostBecause
                    + "]" : "");
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Records a submitted operation. */
    public Entry submit(int id, int slot, ReplicaId replica, long epoch, Effect effect, Bytes key, CrdtType type, Bytes field,
                        Bytes value, long amount, long at) {
        Entry e = new Entry(id, slot, replica, epoch, effect, key, type, field, value, amount, at);
        entries.add(e);
        return e;
    }

    public List<Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    /**
     * The number of client operations with {@code outcome}: a multi-key call counts once (its
     * first key's entry, which is also the one a skip is recorded on).
     */
    public long count(Outcome outcome) {
        Set<Integer> counted = new HashSet<>();
        return entries.stream().filter(e -> counted.add(e.id) && e.outcome == outcome).count();
    }
}
