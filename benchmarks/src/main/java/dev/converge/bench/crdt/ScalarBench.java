package dev.converge.bench.crdt;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.LWWRegister;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.PNCounter;
import dev.converge.crdt.causal.HybridTimestamp;
import dev.converge.crdt.causal.ReplicaId;
import java.util.concurrent.TimeUnit;
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

/** Counters, registers and a map field update. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class ScalarBench {

    PNCounter counter;
    GCounter g1;
    GCounter g2;
    LWWRegister register;
    LWWRegister newer;
    HybridTimestamp later;
    Bytes value;
    ORMap map;
    Bytes field;

    @Setup(Level.Trial)
    public void setUp() {
        counter = PNCounter.empty();
        for (ReplicaId r : Fixtures.WRITERS) {
            counter = counter.add(r, 10).state();
        }
        g1 = GCounter.empty();
        g2 = GCounter.empty();
        for (int i = 1; i <= 16; i++) {
            ReplicaId r = ReplicaId.of(i * 0x1000_0001L);
            g1 = g1.increment(r, i % 2 == 0 ? 100 + i : 50).state();
            g2 = g2.increment(r, i % 2 == 0 ? 50 : 100 + i).state();
        }
        value = Bytes.of("some register value");
        register = LWWRegister.of(new HybridTimestamp(1_700_000_000_000L, 0, Fixtures.A), Bytes.of("old"));
        later = new HybridTimestamp(1_700_000_000_001L, 0, Fixtures.B);
        newer = register.set(Fixtures.B, later, value).state();
        map = ORMap.empty();
        for (int i = 0; i < 20; i++) {
            map = map.increment(Fixtures.WRITERS.get(i % 3), Bytes.of("counter-" + i), i + 1).state();
            map = map.setRegister(Fixtures.A, new HybridTimestamp(1_700_000_000_000L + i, 0, Fixtures.A),
                    Bytes.of("field-" + i), Bytes.of("v" + i)).state();
        }
        field = Bytes.of("counter-7");
    }

    @Benchmark
    public Mutation<PNCounter> pnCounterIncrementWithDelta() {
        return counter.add(Fixtures.B, 1);
    }

    @Benchmark
    public GCounter gCounterJoin16Replicas() {
        return g1.join(g2);
    }

    @Benchmark
    public Mutation<LWWRegister> lwwRegisterSet() {
        return register.set(Fixtures.B, later, value);
    }

    @Benchmark
    public LWWRegister lwwRegisterJoin() {
        return register.join(newer);
    }

    @Benchmark
    public Mutation<ORMap> orMapCounterFieldUpdate() {
        return map.increment(Fixtures.C, field, 1);
    }
}
