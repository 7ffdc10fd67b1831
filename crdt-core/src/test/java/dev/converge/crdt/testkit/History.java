package dev.converge.crdt.testkit;

import dev.converge.crdt.Crdt;
import dev.converge.crdt.Merge;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.causal.HybridClock;
import dev.converge.crdt.causal.ReplicaId;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A run of generated steps over 1–5 replicas of one type, with every state, delta and mutation
 * it produced, each paired with its model knowledge. After every step the changed replica's
 * observable value is checked against the model (a failure throws {@link AssertionError}).
 */
public final class History<S extends Crdt<S>> {

    /** A CRDT value and what the model says it knows. */
    public record Tracked<S>(S value, Knowledge knowledge) {
    }

    /** A mutator's input, output and delta. */
    public record MutationRecord<S>(S before, S delta, S after) {
    }

    /** Replica ids chosen so they sort differently from their index. */
    private static final long[] IDS = {0x5eedL, 0x17L, 0xC0FFEEL, 0x3L, 0xABCDEF0123L};
    /** Per-replica clock skews in milliseconds, including ones behind the others. */
    private static final long[] SKEW = {0, 40, -25, 7, 90};

    private final TypeSpec<S> spec;
    private final List<ReplicaId> replicas = new ArrayList<>();
    private final List<HybridClock> clocks = new ArrayList<>();
    private final List<Tracked<S>> current = new ArrayList<>();
    private final List<Tracked<S>> snapshots = new ArrayList<>();
    private final List<Tracked<S>> deltas = new ArrayList<>();
    private final List<MutationRecord<S>> mutations = new ArrayList<>();
    /** Per replica, the deltas whose join is its state: its own and the effective parts of merges. */
    private final List<List<Tracked<S>>> buffers = new ArrayList<>();
    private Knowledge everything = Knowledge.NONE;
    private final OpLog ops = new OpLog();
    private final long[] now = {1_000};

    private History(TypeSpec<S> spec, int replicaCount) {
        this.spec = spec;
        for (int i = 0; i < replicaCount; i++) {
            ReplicaId id = ReplicaId.of(IDS[i]);
            long skew = SKEW[i];
            replicas.add(id);
            clocks.add(new HybridClock(id, new InstantSource() {
                @Override
                public Instant instant() {
                    return Instant.ofEpochMilli(millis());
                }

                @Override
                public long millis() {
                    return Math.max(0, now[0] + skew);
                }
            }));
            Tracked<S> bottom = new Tracked<>(spec.bottom(), Knowledge.NONE);
            current.add(bottom);
            snapshots.add(bottom);
            buffers.add(new ArrayList<>());
        }
    }

    /** Runs {@code steps} on {@code replicaCount} (1..5) replicas, checking the model after every step. */
    public static <S extends Crdt<S>> History<S> run(TypeSpec<S> spec, int replicaCount, List<Step> steps) {
        History<S> h = new History<>(spec, Math.max(1, Math.min(5, replicaCount)));
        for (Step s : steps) {
            h.step(s);
        }
        return h;
    }

    private void step(Step s) {
        now[0] += 3;
        int r = Math.floorMod(s.replica(), replicas.size());
        switch (s.kind()) {
            case MUTATE -> mutate(r, s.a(), s.b());
            case DELIVER_DELTA -> {
                if (!deltas.isEmpty()) {
                    merge(r, deltas.get(Math.floorMod(s.a(), deltas.size())));
                }
            }
            case MERGE_STATE -> merge(r, current.get(Math.floorMod(s.a(), replicas.size())));
            case GROUP_DELTAS -> {
                if (!deltas.isEmpty()) {
                    Tracked<S> a = deltas.get(Math.floorMod(s.a(), deltas.size()));
                    Tracked<S> b = deltas.get(Math.floorMod(s.b(), deltas.size()));
                    deltas.add(new Tracked<>(a.value().join(b.value()), a.knowledge().union(b.knowledge())));
                }
            }
        }
    }

    /** Merges {@code d} into replica {@code r}; the effective delta joins the delta pool and r's buffer. */
    private void merge(int r, Tracked<S> d) {
        Tracked<S> x = current.get(r);
        Merge<S> m = x.value().merge(d.value());
        if (!m.state().equals(x.value().join(d.value()))) {
            throw new AssertionError(spec.name() + ": merge state differs from join\n  x: " + x.value() + "\n  d: " + d.value());
        }
        Tracked<S> effective = new Tracked<>(m.effectiveDelta(), spec.effective(x.knowledge(), d.knowledge(), ops));
        deltas.add(effective);
        if (m.changed()) {
            buffers.get(r).add(effective);
        }
        setState(r, new Tracked<>(m.state(), x.knowledge().union(d.knowledge())));
    }

    private void mutate(int r, int code, int arg) {
        Tracked<S> x = current.get(r);
        TypeSpec.Performed<S> p = spec.perform(x.value(), new TypeSpec.OpContext(replicas.get(r), clocks.get(r), x.knowledge(), ops), code, arg);
        Mutation<S> m = p.mutation();
        mutations.add(new MutationRecord<>(x.value(), m.delta(), m.state()));
        Tracked<S> delta = new Tracked<>(m.delta(), p.delta());
        deltas.add(delta);
        buffers.get(r).add(delta);
        everything = everything.union(p.delta());
        setState(r, new Tracked<>(m.state(), x.knowledge().union(p.delta())));
    }

    private void setState(int r, Tracked<S> state) {
        current.set(r, state);
        snapshots.add(state);
        Object observed = spec.observe(state.value());
        Object expected = spec.expect(state.knowledge(), ops);
        if (!observed.equals(expected)) {
            throw new AssertionError(spec.name() + " replica " + replicas.get(r) + " observes " + observed
                    + " but the specification gives " + expected + "\n  state: " + state.value());
        }
    }

    // ---- finishing: after the chaotic steps, a reliable exchange that must converge

    /** Every replica joins every other replica's state (one round from a snapshot). */
    public void finishByStates() {
        List<Tracked<S>> before = new ArrayList<>(current);
        for (int r = 0; r < replicas.size(); r++) {
            for (Tracked<S> other : before) {
                merge(r, other);
            }
        }
    }

    /** Every replica merges every mutator delta, in an order and with duplicates drawn from {@code seed}. */
    public void finishByDeltas(long seed) {
        List<Tracked<S>> own = new ArrayList<>();
        for (List<Tracked<S>> buffer : buffers) {
            own.addAll(buffer);
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int r = 0; r < replicas.size(); r++) {
            List<Tracked<S>> order = new ArrayList<>(own);
            for (int i = 0; i < own.size() / 3 + 1 && !own.isEmpty(); i++) {
                order.add(own.get(random.nextInt(own.size())));
            }
            Collections.shuffle(order, new java.util.Random(random.nextLong()));
            for (Tracked<S> d : order) {
                merge(r, d);
            }
        }
    }

    /**
     * Delta forwarding with RR along a ring: each replica sends its successor the deltas in its
     * buffer (its own and the effective parts of what it merged) not sent before, until a whole
     * round sends nothing. Converges only if forwarding effective deltas loses nothing.
     */
    public void finishAlongRing() {
        int n = replicas.size();
        int[] sent = new int[n];
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int r = 0; r < n; r++) {
                List<Tracked<S>> buffer = buffers.get(r);
                int next = (r + 1) % n;
                while (sent[r] < buffer.size()) {
                    Tracked<S> d = buffer.get(sent[r]++);
                    if (next != r) {
                        merge(next, d);
                        progress = true;
                    }
                }
            }
        }
    }

    /** Asserts that all replicas hold byte-identical states whose value is the specification's for all operations. */
    public void assertConverged() {
        S first = current.get(0).value();
        byte[] bytes = dev.converge.crdt.codec.CrdtCodec.encode(first);
        for (Tracked<S> t : current) {
            if (!t.value().equals(first) || !java.util.Arrays.equals(dev.converge.crdt.codec.CrdtCodec.encode(t.value()), bytes)) {
                throw new AssertionError(spec.name() + ": replicas differ after the exchange\n  " + first + "\n  " + t.value());
            }
        }
        Object expected = spec.expect(everything, ops);
        Object observed = spec.observe(first);
        if (!observed.equals(expected)) {
            throw new AssertionError(spec.name() + ": converged value " + observed + " but the specification of all "
                    + ops.size() + " operations gives " + expected);
        }
    }

    public TypeSpec<S> spec() {
        return spec;
    }

    public List<ReplicaId> replicas() {
        return Collections.unmodifiableList(replicas);
    }

    /** The replicas' final states. */
    public List<Tracked<S>> current() {
        return Collections.unmodifiableList(current);
    }

    /** Every state any replica held, in order. */
    public List<Tracked<S>> snapshots() {
        return Collections.unmodifiableList(snapshots);
    }

    /** Every delta: mutator deltas, effective deltas of merges, and joins of deltas. */
    public List<Tracked<S>> deltas() {
        return Collections.unmodifiableList(deltas);
    }

    public List<MutationRecord<S>> mutations() {
        return Collections.unmodifiableList(mutations);
    }

    public OpLog ops() {
        return ops;
    }

    /** States and deltas together: the values the lattice laws quantify over. */
    public List<S> values() {
        List<S> all = new ArrayList<>(snapshots.size() + deltas.size());
        snapshots.forEach(t -> all.add(t.value()));
        deltas.forEach(t -> all.add(t.value()));
        return all;
    }

    /** The value at {@code index} modulo the number of values. */
    public S pick(int index) {
        int states = snapshots.size();
        int i = Math.floorMod(index, states + deltas.size());
        return i < states ? snapshots.get(i).value() : deltas.get(i - states).value();
    }

    @Override
    public String toString() {
        return spec.name() + " history over " + replicas.size() + " replicas, " + mutations.size() + " mutations";
    }
}
