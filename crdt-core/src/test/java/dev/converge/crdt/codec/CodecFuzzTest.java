package dev.converge.crdt.codec;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.protobuf.ByteString;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.proto.CounterStore;
import dev.converge.crdt.codec.proto.Field;
import dev.converge.crdt.codec.proto.MapStore;
import dev.converge.crdt.codec.proto.ORMapState;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.DigestRequest;
import dev.converge.crdt.sync.DigestResponse;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.KeyHashRange;
import dev.converge.crdt.sync.Progress;
import dev.converge.crdt.sync.RangeDigest;
import dev.converge.crdt.sync.StateBatch;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.crdt.testkit.Fuzz;
import dev.converge.crdt.testkit.Generators;
import dev.converge.crdt.testkit.Mutator;
import dev.converge.crdt.testkit.Specs;
import dev.converge.crdt.testkit.TypeSpec;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Fuzzes the decoders a peer reaches: sync messages ({@link CrdtCodec#decodeMessage}) and the
 * states and deltas inside them ({@link CrdtCodec#decode}). Inputs are mostly mutations (see
 * {@link Mutator}, plus varints of the protobuf structure made huge, negative, malformed or off by
 * one, and type tags swapped) of valid encodings of every message kind and CRDT type, generated
 * from random histories; some are hand-made deep nestings and some random bytes.
 *
 * <p>The oracle, for every input: decoding returns a value or throws {@link CodecException} whose
 * causes hold no runtime exception or error (the codec's catch-all for decoder bugs is never
 * taken); a decoded value re-encodes to canonical bytes that decode to the same value and encode
 * to the same bytes again; decoding allocates at most {@value #ALLOCATION_PER_INPUT_BYTE} bytes
 * per input byte plus {@value #ALLOCATION_BASE} (HotSpot's per-thread allocation counter), so a
 * length or count the input does not pay for is never allocated; and no batch of inputs takes
 * longer than {@link #BATCH_TIMEOUT} (a hang fails preemptively).
 *
 * <p>Fixed seeds and counts in the build; {@code -Dfuzz.inputs=N -Dfuzz.seed=S} for the long mode.
 */
class CodecFuzzTest {

    private static final int MESSAGE_INPUTS = Fuzz.inputs(40_000);
    private static final int STATE_INPUTS = Fuzz.inputs(20_000);
    private static final long SEED = Fuzz.seed(0x5EC_C0DECL);
    private static final int INPUTS_PER_EXAMPLE = 100;
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(10);
    private static final long ALLOCATION_PER_INPUT_BYTE = 512;
    private static final long ALLOCATION_BASE = 64 << 10;
    private static final int MAX_INPUT_BYTES = 64 << 10;

    private static final Mutator MUTATOR = new Mutator(MAX_INPUT_BYTES, CodecFuzzTest::corruptVarint, CodecFuzzTest::swapTag);

    /** Hand-made inputs no history produces: maps nested to the limit and past it, nested groups, a huge field. */
    private static final List<byte[]> SEEDS = seeds();

    @Test
    void syncMessagesDecodeOrFailCleanly() {
        int examples = Math.max(1, MESSAGE_INPUTS / INPUTS_PER_EXAMPLE);
        qt().withFixedSeed(SEED).withExamples(examples).withShrinkCycles(10)
            .forAll(messages(), messages(), longs().all())
            .checkAssert((message, donor, seed) -> assertTimeoutPreemptively(BATCH_TIMEOUT, () ->
                    fuzz(CrdtCodec.encode(message), CrdtCodec.encode(donor), seed, CodecFuzzTest::checkMessage)));
    }

    @Test
    void statesAndDeltasDecodeOrFailCleanly() {
        int examples = Math.max(1, STATE_INPUTS / INPUTS_PER_EXAMPLE);
        qt().withFixedSeed(SEED + 1).withExamples(examples).withShrinkCycles(10)
            .forAll(values(), values(), longs().all())
            .checkAssert((value, donor, seed) -> assertTimeoutPreemptively(BATCH_TIMEOUT, () ->
                    fuzz(CrdtCodec.encode(value), CrdtCodec.encode(donor), seed, CodecFuzzTest::checkState)));
    }

    private interface Oracle {
        void check(byte[] input);
    }

    /** {@value #INPUTS_PER_EXAMPLE} inputs from one valid encoding: mutations, seeds and random bytes. */
    private static void fuzz(byte[] valid, byte[] donor, long seed, Oracle oracle) {
        SplittableRandom random = new SplittableRandom(seed);
        oracle.check(valid);
        for (int i = 1; i < INPUTS_PER_EXAMPLE; i++) {
            int kind = random.nextInt(20);
            byte[] input;
            if (kind == 0) {
                input = Mutator.randomBytes(random, random.nextInt(64));
            } else if (kind == 1) {
                // A valid header, then random bytes: past the first two varints.
                byte[] tail = Mutator.randomBytes(random, random.nextInt(128));
                input = Mutator.replace(tail, 0, 0, Arrays.copyOf(valid, Math.min(2, valid.length)));
            } else if (kind == 2) {
                input = MUTATOR.mutate(SEEDS.get(random.nextInt(SEEDS.size())), valid, random);
            } else {
                input = MUTATOR.mutate(valid, donor, random);
            }
            oracle.check(input);
        }
    }

    private static void checkMessage(byte[] input) {
        long before = Fuzz.allocatedBytes();
        SyncMessage decoded;
        try {
            decoded = CrdtCodec.decodeMessage(input);
        } catch (CodecException e) {
            checkAllocation(before, input, () -> CrdtCodec.decodeMessage(input));
            checkCauses(e, input);
            return;
        } catch (Throwable t) {
            throw failure("decodeMessage threw " + t, input, t);
        }
        checkAllocation(before, input, () -> CrdtCodec.decodeMessage(input));
        try {
            byte[] canonical = CrdtCodec.encode(decoded);
            SyncMessage again = CrdtCodec.decodeMessage(canonical);
            if (!again.equals(decoded) || !Arrays.equals(CrdtCodec.encode(again), canonical)) {
                throw failure("re-encoding is not stable: " + decoded + " became " + again, input, null);
            }
        } catch (CodecException | RuntimeException e) {
            throw failure("a decoded message does not re-encode and decode: " + e, input, e);
        }
    }

    private static void checkState(byte[] input) {
        long before = Fuzz.allocatedBytes();
        Crdt<?> decoded;
        try {
            decoded = CrdtCodec.decode(input);
        } catch (CodecException e) {
            checkAllocation(before, input, () -> CrdtCodec.decode(input));
            checkCauses(e, input);
            return;
        } catch (Throwable t) {
            throw failure("decode threw " + t, input, t);
        }
        checkAllocation(before, input, () -> CrdtCodec.decode(input));
        try {
            byte[] canonical = CrdtCodec.encode(decoded);
            Crdt<?> again = CrdtCodec.decode(canonical);
            if (!again.equals(decoded) || !Arrays.equals(CrdtCodec.encode(again), canonical)) {
                throw failure("re-encoding is not stable: " + decoded + " became " + again, input, null);
            }
            if (CrdtCodec.typeOf(input) != decoded.type()) {
                throw failure("typeOf disagrees with decode", input, null);
            }
        } catch (CodecException | RuntimeException e) {
            throw failure("a decoded value does not re-encode and decode: " + e, input, e);
        }
    }

    /** The documented error, never a decoder bug wrapped by the codec's catch-all. */
    private static void checkCauses(CodecException e, byte[] input) {
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof RuntimeException || c instanceof Error) {
                throw failure("CodecException wraps " + c, input, e);
            }
        }
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw failure("CodecException without a message", input, e);
        }
    }

    private interface Decode {
        Object run() throws CodecException;
    }

    /**
     * Fails when decoding {@code input} allocated more than its length pays for. Over the limit,
     * the input is decoded again and measured again: what the first run of a code path allocates
     * once per JVM (a class's static initialiser, a string concatenation's bootstrap) is not the
     * input's doing, and a real over-allocation repeats.
     */
    private static void checkAllocation(long before, byte[] input, Decode again) {
        long allocated = Fuzz.allocatedBytes() - before;
        long limit = ALLOCATION_BASE + ALLOCATION_PER_INPUT_BYTE * input.length;
        if (allocated <= limit) {
            return;
        }
        long repeat = Fuzz.allocatedBytes();
        try {
            again.run();
        } catch (CodecException expected) {
            // measured, not judged, here
        }
        allocated = Fuzz.allocatedBytes() - repeat;
        if (allocated > limit) {
            throw failure("decoding allocated " + allocated + " bytes, over the limit of " + limit, input, null);
        }
    }

    private static AssertionError failure(String what, byte[] input, Throwable cause) {
        return new AssertionError(what + "; input " + Fuzz.hex(input), cause);
    }

    // ------------------------------------------------------------------ generators

    private static <S extends Crdt<S>> Gen<Crdt<?>> of(TypeSpec<S> spec) {
        return Generators.values(spec).map(v -> (Crdt<?>) v);
    }

    @SuppressWarnings("unchecked")
    static Gen<Crdt<?>> values() {
        return Generate.oneOf(of(Specs.gCounter()), of(Specs.pnCounter()), of(Specs.lwwRegister()), of(Specs.mvRegister()),
                of(Specs.orSet()), of(Specs.ewFlag()), of(Specs.orMap()));
    }

    static Gen<SyncMessage> messages() {
        return lists().of(values()).ofSizeBetween(0, 4).zip(longs().between(0, Long.MAX_VALUE), integers().between(0, 5),
                CodecFuzzTest::message);
    }

    private static SyncMessage message(List<Crdt<?>> values, long n, int kind) {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            Bytes key = i == 0 ? Bytes.EMPTY : Bytes.of(("key-" + i + "-" + n).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            docs.add(new Document(key, values.get(i)));
        }
        int bits = (int) (n % 65);
        long prefix = bits == 0 ? 0 : bits == 64 ? n : n & (-1L << (64 - bits));
        KeyHashRange range = new KeyHashRange(prefix, bits);
        return switch (kind) {
            case 0 -> new DeltaBatch(n / 2, n / 2 + docs.size(), docs, n / 3, n % 2 == 1);
            case 1 -> new Ack(n);
            case 2 -> new Heartbeat(n, values.stream().map(v -> new Progress(ReplicaId.of(n | 1), n / 7)).toList());
            case 3 -> new DigestRequest(n, List.of(KeyHashRange.ALL, range));
            case 4 -> new DigestResponse(n, List.of(new RangeDigest(range, n * 31, docs.size()), new RangeDigest(KeyHashRange.ALL, -n, n)));
            default -> new StateBatch(n, range, docs, (int) (n % 5), n % 2 == 0, n % 3 == 0);
        };
    }

    private static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        for (int depth : new int[] {ORMap.MAX_DEPTH, ORMap.MAX_DEPTH + 1, 200}) {
            seeds.add(nestedMap(depth));
        }
        // Start-group tags nested far beyond any recursion limit (unknown fields are skipped recursively).
        byte[] groups = new byte[100_000];
        Arrays.fill(groups, (byte) 0x7B); // field 15, wire type 3
        seeds.add(Mutator.replace(groups, 0, 0, new byte[] {(byte) CrdtType.OR_SET.tag(), 1}));
        seeds.add(Mutator.replace(groups, 0, 0, new byte[] {CrdtCodec.STATE_BATCH, 1}));
        // A length-delimited field declaring 2^31 - 1 bytes with nothing behind it, in a state and in a message.
        byte[] huge = Mutator.replace(Mutator.varint(Integer.MAX_VALUE), 0, 0, new byte[] {0x2A});
        seeds.add(Mutator.replace(huge, 0, 0, new byte[] {(byte) CrdtType.OR_MAP.tag(), 1}));
        seeds.add(Mutator.replace(huge, 0, 0, new byte[] {CrdtCodec.STATE_BATCH, 1}));
        // A packed list declaring more entries than it holds.
        seeds.add(new byte[] {(byte) CrdtType.G_COUNTER.tag(), 1, 0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 1, 2});
        return seeds;
    }

    /** A map whose single field holds a map, {@code depth} levels down to a counter field. */
    private static byte[] nestedMap(int depth) {
        Field leaf = Field.newBuilder().setName(ByteString.copyFromUtf8("n"))
                .setPnCounter(CounterStore.newBuilder().addDotCounter(1).addIncrements(1).addDecrements(0)).build();
        MapStore store = MapStore.newBuilder().addFields(leaf).setComplete(true).build();
        for (int d = 1; d < depth; d++) {
            store = MapStore.newBuilder().addFields(Field.newBuilder().setName(ByteString.copyFromUtf8("m")).setOrMap(store))
                    .setComplete(true).build();
        }
        ORMapState state = ORMapState.newBuilder().addReplicas(7).addVvReplica(0).addVvCounter(1).setStore(store).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(CrdtType.OR_MAP.tag());
        out.write(CrdtCodec.VERSION);
        out.writeBytes(state.toByteArray());
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ format-aware mutations

    /** A varint of the encoding (a tag, a length, a count, a value), made interesting, off by one or malformed. */
    static byte[] corruptVarint(byte[] input, SplittableRandom random) {
        List<long[]> tokens = ProtobufTokens.scan(input);
        if (tokens.isEmpty()) {
            return null;
        }
        long[] t = tokens.get(random.nextInt(tokens.size()));
        int at = (int) t[0];
        int length = (int) t[1];
        long value = t[2];
        byte[] with = switch (random.nextInt(4)) {
            case 0 -> Mutator.varint(value + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(3)));
            case 1 -> Mutator.malformedVarint(value, random);
            default -> Mutator.varint(Mutator.interesting(random));
        };
        return Mutator.replace(input, at, length, with);
    }

    /** Another message kind's or CRDT type's tag in the header: one body read as another. */
    static byte[] swapTag(byte[] input, SplittableRandom random) {
        List<long[]> tokens = ProtobufTokens.scan(input);
        if (tokens.isEmpty()) {
            return null;
        }
        int[] tags = {1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 0, 8, 23};
        // Headers are where a varint is followed by the version 1: the outer one or a nested value's.
        List<long[]> headers = new ArrayList<>();
        for (int i = 0; i + 1 < tokens.size(); i++) {
            if (tokens.get(i + 1)[2] == 1 && tokens.get(i + 1)[0] == tokens.get(i)[0] + tokens.get(i)[1]) {
                headers.add(tokens.get(i));
            }
        }
        if (headers.isEmpty()) {
            return null;
        }
        long[] t = headers.get(random.nextInt(headers.size()));
        return Mutator.replace(input, (int) t[0], (int) t[1], Mutator.varint(tags[random.nextInt(tags.length)]));
    }

    /**
     * The varints of a framed encoding as (offset, length, value): the two header varints, then
     * every tag, length and varint value of the protobuf message, recursing into length-delimited
     * fields that parse as messages or as framed values (a document's value). Tolerant: stops at
     * the first thing it cannot read. Linear: a payload is scanned once per level, as a framed
     * value when it starts like one (a CRDT type tag, then version 1), else as a message.
     */
    static final class ProtobufTokens {
        private static final int MAX_DEPTH = 12;
        private static final int MAX_TOKENS = 4096;

        private ProtobufTokens() {
        }

        static List<long[]> scan(byte[] b) {
            List<long[]> out = new ArrayList<>();
            framed(b, 0, b.length, out, 0);
            return out;
        }

        private static boolean framed(byte[] b, int from, int to, List<long[]> out, int depth) {
            int p = from;
            for (int i = 0; i < 2; i++) {
                long[] v = varintAt(b, p, to);
                if (v == null) {
                    return false;
                }
                out.add(new long[] {p, v[1] - p, v[0]});
                p = (int) v[1];
            }
            return message(b, p, to, out, depth);
        }

        private static boolean looksFramed(byte[] b, int from, int to) {
            long[] tag = varintAt(b, from, to);
            if (tag == null || tag[0] < 1 || tag[0] > 7) {
                return false;
            }
            long[] version = varintAt(b, (int) tag[1], to);
            return version != null && version[0] == CrdtCodec.VERSION;
        }

        /** Scans fields in {@code [from, to)}; returns whether the whole range parsed. */
        private static boolean message(byte[] b, int from, int to, List<long[]> out, int depth) {
            int p = from;
            while (p < to && out.size() < MAX_TOKENS) {
                long[] tag = varintAt(b, p, to);
                if (tag == null || (tag[0] >>> 3) == 0) {
                    return false;
                }
                out.add(new long[] {p, tag[1] - p, tag[0]});
                p = (int) tag[1];
                switch ((int) (tag[0] & 7)) {
                    case 0 -> {
                        long[] v = varintAt(b, p, to);
                        if (v == null) {
                            return false;
                        }
                        out.add(new long[] {p, v[1] - p, v[0]});
                        p = (int) v[1];
                    }
                    case 1 -> p += 8;
                    case 5 -> p += 4;
                    case 2 -> {
                        long[] len = varintAt(b, p, to);
                        if (len == null || len[0] < 0 || len[0] > to - len[1]) {
                            return false;
                        }
                        out.add(new long[] {p, len[1] - p, len[0]});
                        int start = (int) len[1];
                        int end = start + (int) len[0];
                        if (depth < MAX_DEPTH && end > start) {
                            int mark = out.size();
                            boolean ok = looksFramed(b, start, end) ? framed(b, start, end, out, depth + 1)
                                    : message(b, start, end, out, depth + 1);
                            if (!ok) {
                                out.subList(mark, out.size()).clear(); // a plain byte string
                            }
                        }
                        p = end;
                    }
                    default -> {
                        return false;
                    }
                }
            }
            return p == to;
        }

        /** {value, next offset}, or null when no complete varint of at most ten bytes starts at {@code p}. */
        private static long[] varintAt(byte[] b, int p, int to) {
            long value = 0;
            for (int i = 0; i < 10 && p + i < to; i++) {
                value |= (long) (b[p + i] & 0x7F) << (7 * i);
                if ((b[p + i] & 0x80) == 0) {
                    return new long[] {value, p + i + 1};
                }
            }
            return null;
        }
    }
}
