package dev.converge.bench.pekko;

import dev.converge.bench.crdt.Fixtures;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Counters and the last-writer-wins register on crdt-core and on Pekko Distributed Data in one
 * run. Mutators are measured with their delta: Pekko keeps it inside the new state (a
 * {@code PNCounter} builds it on request), so both the state and {@code delta()} are consumed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class ScalarSideBySide {

    private static final long EARLIER = 1_700_000_000_000L;
    private static final long LATER = EARLIER + 1;

    GCounter g;
    PNCounter pn;
    GCounter g1;
    GCounter g2;
    PNCounter pn1;
    PNCounter pn2;
    LWWRegister register;
    LWWRegister newer;
    HybridTimestamp later;
    Bytes value;

    org.apache.pekko.cluster.ddata.GCounter pekkoG;
    org.apache.pekko.cluster.ddata.PNCounter pekkoPn;
    org.apache.pekko.cluster.ddata.GCounter pekkoG1;
    org.apache.pekko.cluster.ddata.GCounter pekkoG2;
    org.apache.pekko.cluster.ddata.PNCounter pekkoPn1;
    org.apache.pekko.cluster.ddata.PNCounter pekkoPn2;
    org.apache.pekko.cluster.ddata.LWWRegister<String> pekkoRegister;
    org.apache.pekko.cluster.ddata.LWWRegister<String> pekkoNewer;
    org.apache.pekko.cluster.ddata.LWWRegister.Clock<String> pekkoLater;
    String pekkoValue;

    @Setup(Level.Trial)
    public void setUp() {
        // Three writers with 10 each, as the crdt-core counter benchmarks.
        g = GCounter.empty();
        pn = PNCounter.empty();
        pekkoG = org.apache.pekko.cluster.ddata.GCounter.create();
        pekkoPn = org.apache.pekko.cluster.ddata.PNCounter.create();
        for (int i = 0; i < 3; i++) {
            g = g.increment(Fixtures.WRITERS.get(i), 10).state();
            pn = pn.increment(Fixtures.WRITERS.get(i), 10).state();
            pekkoG = pekkoG.increment(PekkoFixtures.WRITERS.get(i), 10);
            pekkoPn = pekkoPn.increment(PekkoFixtures.WRITERS.get(i), 10);
        }
        pekkoG = pekkoG.resetDelta();
        pekkoPn = pekkoPn.resetDelta();

        // Two counters of 16 writers each, every entry differing, so the join takes a maximum per entry.
        g1 = GCounter.empty();
        g2 = GCounter.empty();
        pn1 = PNCounter.empty();
        pn2 = PNCounter.empty();
        pekkoG1 = org.apache.pekko.cluster.ddata.GCounter.create();
        pekkoG2 = org.apache.pekko.cluster.ddata.GCounter.create();
        pekkoPn1 = org.apache.pekko.cluster.ddata.PNCounter.create();
        pekkoPn2 = org.apache.pekko.cluster.ddata.PNCounter.create();
        for (int i = 1; i <= 16; i++) {
            ReplicaId r = ReplicaId.of(i * 0x1000_0001L);
            SelfUniqueAddress node = PekkoFixtures.node(100 + i, r);
            long high = 100 + i;
            long first = i % 2 == 0 ? high : 50;
            long second = i % 2 == 0 ? 50 : high;
            g1 = g1.increment(r, first).state();
            g2 = g2.increment(r, second).state();
            pn1 = pn1.increment(r, first).state().decrement(r, second).state();
            pn2 = pn2.increment(r, second).state().decrement(r, first).state();
            pekkoG1 = pekkoG1.increment(node, first);
            pekkoG2 = pekkoG2.increment(node, second);
            pekkoPn1 = pekkoPn1.increment(node, first).decrement(node, second);
            pekkoPn2 = pekkoPn2.increment(node, second).decrement(node, first);
        }
        pekkoG1 = pekkoG1.resetDelta();
        pekkoG2 = pekkoG2.resetDelta();
        pekkoPn1 = pekkoPn1.resetDelta();
        pekkoPn2 = pekkoPn2.resetDelta();

        value = Bytes.of("some register value");
        register = LWWRegister.of(new HybridTimestamp(EARLIER, 0, Fixtures.A), Bytes.of("old"));
        later = new HybridTimestamp(LATER, 0, Fixtures.B);
        newer = register.set(Fixtures.B, later, value).state();
        // Pekko's default clock without the wall-clock read: crdt-core is handed a timestamp too.
        pekkoValue = "some register value";
        pekkoRegister = org.apache.pekko.cluster.ddata.LWWRegister.create(PekkoFixtures.A, "old", (current, v) -> EARLIER);
        pekkoLater = (current, v) -> Math.max(LATER, current + 1);
        pekkoNewer = pekkoRegister.withValue(PekkoFixtures.B, pekkoValue, pekkoLater);

        PekkoFixtures.check(g1.join(g2).value() == pekkoG1.merge(pekkoG2).getValue().longValueExact(), "GCounter join");
        PekkoFixtures.check(pn1.join(pn2).value() == pekkoPn1.merge(pekkoPn2).getValue().longValueExact(), "PNCounter join");
        PekkoFixtures.check(register.join(newer).value().orElseThrow().equals(value)
                && pekkoRegister.merge(pekkoNewer).getValue().equals(pekkoValue), "LWWRegister join");
    }

    @Benchmark
    public Mutation<GCounter> gCounterIncrementConverge() {
        return g.increment(Fixtures.B, 1);
    }

    @Benchmark
    public void gCounterIncrementPekko(Blackhole bh) {
        org.apache.pekko.cluster.ddata.GCounter next = pekkoG.increment(PekkoFixtures.B, 1);
        bh.consume(next);
        bh.consume(next.delta());
    }

    @Benchmark
    public Mutation<PNCounter> pnCounterIncrementConverge() {
        return pn.increment(Fixtures.B, 1);
    }

    @Benchmark
    public void pnCounterIncrementPekko(Blackhole bh) {
        org.apache.pekko.cluster.ddata.PNCounter next = pekkoPn.increment(PekkoFixtures.B, 1);
        bh.consume(next);
        bh.consume(next.delta());
    }

    @Benchmark
    public GCounter gCounterJoin16Converge() {
        return g1.join(g2);
    }

    @Benchmark
    public org.apache.pekko.cluster.ddata.GCounter gCounterJoin16Pekko() {
        return pekkoG1.merge(pekkoG2);
    }

    @Benchmark
    public PNCounter pnCounterJoin16Converge() {
        return pn1.join(pn2);
    }

    @Benchmark
    public org.apache.pekko.cluster.ddata.PNCounter pnCounterJoin16Pekko() {
        return pekkoPn1.merge(pekkoPn2);
    }

    /** Pekko's register is its own delta (it is not a delta type); crdt-core's delta is the new state too. */
    @Benchmark
    public Mutation<LWWRegister> lwwRegisterSetConverge() {
        return register.set(Fixtures.B, later, value);
    }

    @Benchmark
    public org.apache.pekko.cluster.ddata.LWWRegister<String> lwwRegisterSetPekko() {
        return pekkoRegister.withValue(PekkoFixtures.B, pekkoValue, pekkoLater);
    }

    @Benchmark
    public LWWRegister lwwRegisterJoinConverge() {
        return register.join(newer);
    }

    @Benchmark
    public org.apache.pekko.cluster.ddata.LWWRegister<String> lwwRegisterJoinPekko() {
        return pekkoRegister.merge(pekkoNewer);
    }
}
