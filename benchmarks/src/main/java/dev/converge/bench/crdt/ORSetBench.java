package dev.converge.bench.crdt;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.Merge;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The ORSet workloads of the crdt-core issue: strings "elem-0".."elem-9999" from three writers. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ORSetBench {

    /** A set of {@code size} elements, and a one-add delta made by another replica that has it too. */
    @State(Scope.Benchmark)
    public static class Sized {
        @Param({"1000", "10000", "100000"})
        int size;

        ORSet set;
        ORSet delta;
        Bytes fresh;

        @Setup(Level.Trial)
        public void setUp() {
            set = Fixtures.set(size);
            fresh = Bytes.of("elem-" + size);
            delta = set.add(Fixtures.A, fresh).delta();
        }
    }

    /** Two 10,000-element sets differing by 100, and the full set's encodings. */
    @State(Scope.Benchmark)
    public static class Pair {
        ORSet left;
        ORSet right;
        ORSet full;
        byte[] fullBytes;
        ORSet delta;
        byte[] deltaBytes;

        @Setup(Level.Trial)
        public void setUp() {
            ORSet[] pair = Fixtures.divergedPair();
            left = pair[0];
            right = pair[1];
            full = Fixtures.set(10_000);
            fullBytes = CrdtCodec.encode(full);
            delta = full.add(Fixtures.B, Bytes.of("elem-10000")).delta();
            deltaBytes = CrdtCodec.encode(delta);
        }
    }

    /** Add of a new element with its delta, into a set of {@code size}. */
    @Benchmark
    public Mutation<ORSet> addWithDelta(Sized s) {
        return s.set.add(Fixtures.B, s.fresh);
    }

    /** Applying a one-add delta (join plus effective delta, as the protocol does) on a replica holding the set. */
    @Benchmark
    public Merge<ORSet> applyOneAddDelta(Sized s) {
        return s.set.merge(s.delta);
    }

    /** The plain join of a one-add delta into the set. */
    @Benchmark
    public ORSet joinOneAddDelta(Sized s) {
        return s.set.join(s.delta);
    }

    @Benchmark
    public ORSet fullJoinOfSetsDifferingBy100(Pair p) {
        return p.left.join(p.right);
    }

    @Benchmark
    public byte[] encodeFullSet(Pair p) {
        return CrdtCodec.encode(p.full);
    }

    @Benchmark
    public Crdt<?> decodeFullSet(Pair p) throws CodecException {
        return CrdtCodec.decode(p.fullBytes);
    }

    @Benchmark
    public byte[] encodeOneAddDelta(Pair p) {
        return CrdtCodec.encode(p.delta);
    }

    @Benchmark
    public Crdt<?> decodeOneAddDelta(Pair p) throws CodecException {
        return CrdtCodec.decode(p.deltaBytes);
    }
}
