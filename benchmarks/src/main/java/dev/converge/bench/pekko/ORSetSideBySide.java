package dev.converge.bench.pekko;

import dev.converge.bench.crdt.Fixtures;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.Merge;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.codec.CodecException;
import dev.converge.crdt.codec.CrdtCodec;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.ddata.ORSet.DeltaOp;
import org.apache.pekko.cluster.ddata.protobuf.ReplicatedDataSerializer;
import org.apache.pekko.cluster.ddata.protobuf.msg.ReplicatedDataMessages;
import org.apache.pekko.protobufv3.internal.InvalidProtocolBufferException;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The ORSet workloads on crdt-core and on Pekko Distributed Data in one run: strings
 * "elem-0".."elem-9999" added round-robin by three writers on both sides. Each workload has a
 * {@code ...Converge} and a {@code ...Pekko} method doing the same work; every setup checks that
 * both sides compute the same result.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ORSetSideBySide {

    /** A set of {@code size} elements, and a one-add delta made by another writer that has it too. */
    @State(Scope.Benchmark)
    public static class Sized {
        @Param({"1000", "10000", "100000"})
        int size;

        ORSet set;
        ORSet delta;
        Bytes fresh;
        org.apache.pekko.cluster.ddata.ORSet<String> pekkoSet;
        DeltaOp pekkoDelta;
        String pekkoFresh;

        @Setup(Level.Trial)
        public void setUp() {
            set = Fixtures.set(size);
            fresh = Bytes.of("elem-" + size);
            delta = set.add(Fixtures.A, fresh).delta();
            pekkoSet = PekkoFixtures.set(size);
            pekkoFresh = "elem-" + size;
            pekkoDelta = pekkoSet.add(PekkoFixtures.A, pekkoFresh).delta().get();
            PekkoFixtures.check(set.merge(delta).state().size() == size + 1
                    && pekkoSet.mergeDelta(pekkoDelta).size() == size + 1, "applying a one-add delta");
        }
    }

    /** Two 10,000-element sets after 50 more adds on each side: 100 elements differ. */
    @State(Scope.Benchmark)
    public static class Pair {
        ORSet left;
        ORSet right;
        org.apache.pekko.cluster.ddata.ORSet<String> pekkoLeft;
        org.apache.pekko.cluster.ddata.ORSet<String> pekkoRight;

        @Setup(Level.Trial)
        public void setUp() {
            ORSet[] pair = Fixtures.divergedPair();
            left = pair[0];
            right = pair[1];
            PekkoFixtures.Pair pekkoPair = PekkoFixtures.divergedPair();
            pekkoLeft = pekkoPair.left();
            pekkoRight = pekkoPair.right();
            PekkoFixtures.check(left.join(right).size() == 10_050 && pekkoLeft.merge(pekkoRight).size() == 10_050,
                    "full join");
        }
    }

    /**
     * The full 10,000-element set and a one-add delta with their encodings. Pekko's serializer
     * gzips a full set (never a delta); the {@code Uncompressed} methods measure its protobuf step
     * alone, which is what crdt-core's codec does.
     */
    @State(Scope.Benchmark)
    public static class Codec {
        ORSet full;
        byte[] fullBytes;
        ORSet delta;
        byte[] deltaBytes;

        ExtendedActorSystem system;
        ReplicatedDataSerializer serializer;
        org.apache.pekko.cluster.ddata.ORSet<String> pekkoFull;
        byte[] pekkoFullBytes;
        byte[] pekkoFullUncompressed;
        String fullManifest;
        DeltaOp pekkoDelta;
        byte[] pekkoDeltaBytes;
        String deltaManifest;

        @Setup(Level.Trial)
        public void setUp() throws CodecException, InvalidProtocolBufferException {
            full = Fixtures.set(10_000);
            fullBytes = CrdtCodec.encode(full);
            delta = full.add(Fixtures.B, Bytes.of("elem-10000")).delta();
            deltaBytes = CrdtCodec.encode(delta);

            system = PekkoFixtures.localSystem();
            serializer = new ReplicatedDataSerializer(system);
            pekkoFull = PekkoFixtures.set(10_000);
            pekkoFullBytes = serializer.toBinary(pekkoFull);
            pekkoFullUncompressed = serializer.orsetToProto(pekkoFull).toByteArray();
            fullManifest = serializer.manifest(pekkoFull);
            pekkoDelta = pekkoFull.add(PekkoFixtures.B, "elem-10000").delta().get();
            pekkoDeltaBytes = serializer.toBinary(pekkoDelta);
            deltaManifest = serializer.manifest(pekkoDelta);

            PekkoFixtures.check(CrdtCodec.decode(fullBytes).equals(full)
                    && serializer.fromBinary(pekkoFullBytes, fullManifest).equals(pekkoFull)
                    && serializer.orsetFromProto(ReplicatedDataMessages.ORSet.parseFrom(pekkoFullUncompressed)).equals(pekkoFull),
                    "full set round trip");
            PekkoFixtures.check(CrdtCodec.decode(deltaBytes).equals(delta)
                    && serializer.fromBinary(pekkoDeltaBytes, deltaManifest).equals(pekkoDelta), "delta round trip");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            PekkoFixtures.terminate(system);
        }
    }

    /** Add of a new element with its delta. Pekko keeps the delta inside the new state; both are consumed. */
    @Benchmark
    public Mutation<ORSet> addWithDeltaConverge(Sized s) {
        return s.set.add(Fixtures.B, s.fresh);
    }

    @Benchmark
    public void addWithDeltaPekko(Sized s, Blackhole bh) {
        org.apache.pekko.cluster.ddata.ORSet<String> next = s.pekkoSet.add(PekkoFixtures.B, s.pekkoFresh);
        bh.consume(next);
        bh.consume(next.delta());
    }

    /** What the replication protocol runs on a received delta: the join plus the effective delta (RR). */
    @Benchmark
    public Merge<ORSet> applyOneAddDeltaConverge(Sized s) {
        return s.set.merge(s.delta);
    }

    /** The plain join of the delta, no effective delta: the same output as Pekko's {@code mergeDelta}. */
    @Benchmark
    public ORSet joinOneAddDeltaConverge(Sized s) {
        return s.set.join(s.delta);
    }

    /** What Pekko's replicator runs on a received {@code DeltaPropagation}. */
    @Benchmark
    public org.apache.pekko.cluster.ddata.ORSet<String> applyOneAddDeltaPekko(Sized s) {
        return s.pekkoSet.mergeDelta(s.pekkoDelta);
    }

    @Benchmark
    public ORSet fullJoinConverge(Pair p) {
        return p.left.join(p.right);
    }

    @Benchmark
    public org.apache.pekko.cluster.ddata.ORSet<String> fullJoinPekko(Pair p) {
        return p.pekkoLeft.merge(p.pekkoRight);
    }

    @Benchmark
    public byte[] encodeFullSetConverge(Codec c) {
        return CrdtCodec.encode(c.full);
    }

    /** Pekko's serializer as it runs: protobuf, then gzip. */
    @Benchmark
    public byte[] encodeFullSetPekko(Codec c) {
        return c.serializer.toBinary(c.pekkoFull);
    }

    @Benchmark
    public byte[] encodeFullSetPekkoUncompressed(Codec c) {
        return c.serializer.orsetToProto(c.pekkoFull).toByteArray();
    }

    @Benchmark
    public Crdt<?> decodeFullSetConverge(Codec c) throws CodecException {
        return CrdtCodec.decode(c.fullBytes);
    }

    @Benchmark
    public Object decodeFullSetPekko(Codec c) {
        return c.serializer.fromBinary(c.pekkoFullBytes, c.fullManifest);
    }

    @Benchmark
    public Object decodeFullSetPekkoUncompressed(Codec c) throws InvalidProtocolBufferException {
        return c.serializer.orsetFromProto(ReplicatedDataMessages.ORSet.parseFrom(c.pekkoFullUncompressed));
    }

    @Benchmark
    public byte[] encodeOneAddDeltaConverge(Codec c) {
        return CrdtCodec.encode(c.delta);
    }

    @Benchmark
    public byte[] encodeOneAddDeltaPekko(Codec c) {
        return c.serializer.toBinary(c.pekkoDelta);
    }

    @Benchmark
    public Crdt<?> decodeOneAddDeltaConverge(Codec c) throws CodecException {
        return CrdtCodec.decode(c.deltaBytes);
    }

    @Benchmark
    public Object decodeOneAddDeltaPekko(Codec c) {
        return c.serializer.fromBinary(c.pekkoDeltaBytes, c.deltaManifest);
    }
}
