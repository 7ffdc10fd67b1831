package dev.converge.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.converge.crdt.Bytes;
import dev.converge.crdt.Crdt;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.sync.Ack;
import dev.converge.crdt.sync.DeltaBatch;
import dev.converge.crdt.sync.Document;
import dev.converge.crdt.sync.Heartbeat;
import dev.converge.crdt.sync.Progress;
import dev.converge.crdt.sync.SyncMessage;
import dev.converge.crdt.testkit.Fuzz;
import dev.converge.crdt.testkit.Mutator;
import java.io.ByteArrayOutputStream;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The direct path for the hot sync messages ({@link SyncWire}) against the generated-message path
 * it replaced ({@link GeneratedSyncCodec}): identical bytes and equal decoded values for random
 * messages, and on damaged or hand-made input the same outcome, down to the exception message;
 * both with the canonical fast path for delta batches and without it (the exact path alone).
 */
class SyncWireTest {

    private static final long SEED = Fuzz.seed(0x5D1_2EC7L);
    private static final int EXAMPLES = Math.max(1, Fuzz.inputs(20_000) / 100);
    private static final Mutator MUTATOR = new Mutator(64 << 10, CodecFuzzTest::corruptVarint, CodecFuzzTest::swapTag);

    // ------------------------------------------------------------------ generators

    /** Sequence numbers at the edges of varint lengths, and random ones. */
    private static long seq(long r) {
        long[] edges = {0, 1, 127, 128, 16_383, 16_384, Integer.MAX_VALUE, 1L << 32, (1L << 56) - 1, 1L << 56,
            (1L << 63) - 1};
        int pick = Math.floorMod(r, 24);
        return pick < edges.length ? edges[pick] : r & Long.MAX_VALUE;
    }

    /** Keys of every length class: empty, one-byte and two-byte length prefixes, and a three-byte one. */
    private static Bytes key(SplittableRandom random) {
        int length = switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 127;
            case 3 -> 128;
            case 4 -> 16_384 + random.nextInt(64);
            case 5 -> 128 + random.nextInt(4_000);
            default -> 1 + random.nextInt(40);
        };
        return Bytes.wrap(Mutator.randomBytes(random, length));
    }

    private static SyncMessage hot(List<Crdt<?>> values, long r, int kind) {
        SplittableRandom random = new SplittableRandom(r);
        return switch (kind) {
            case 0 -> {
                List<Document> docs = new ArrayList<>();
                for (Crdt<?> v : values) {
                    docs.add(new Document(key(random), v));
                }
                long a = seq(random.nextLong());
                long b = seq(random.nextLong());
                yield new DeltaBatch(Math.min(a, b), Math.max(a, b), docs, seq(random.nextLong()), random.nextBoolean());
            }
            case 1 -> new Ack(seq(r));
            default -> {
                List<Progress> progress = new ArrayList<>();
                for (int i = 0; i < values.size() + random.nextInt(3); i++) {
                    long origin = switch (random.nextInt(4)) {
                        case 0 -> 1;
                        case 1 -> -1; // 2^64 - 1 unsigned
                        default -> random.nextLong() | 1;
                    };
                    progress.add(new Progress(ReplicaId.of(origin), seq(random.nextLong())));
                }
                yield new Heartbeat(seq(random.nextLong()), progress);
            }
        };
    }

    private static Gen<SyncMessage> hotMessages() {
        return lists().of(CodecFuzzTest.values()).ofSizeBetween(0, 4).zip(longs().all(), integers().between(0, 2), SyncWireTest::hot);
    }

    // ------------------------------------------------------------------ properties

    @Test
    void directAndGeneratedPathsWriteTheSameBytesAndReadTheSameValues() {
        qt().withFixedSeed(SEED).withExamples(EXAMPLES).forAll(hotMessages()).checkAssert(message -> {
            byte[] direct = CrdtCodec.encode(message);
            assertThat(direct).isEqualTo(GeneratedSyncCodec.encode(message));
            try {
                assertThat(CrdtCodec.decodeMessage(direct)).isEqualTo(message);
                assertThat(CrdtCodec.decodeMessageExactly(direct)).isEqualTo(message);
                assertThat(GeneratedSyncCodec.decodeMessage(direct)).isEqualTo(message);
            } catch (CodecException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void preparedMessagesWriteTheEncodingIntoAnyBuffer() {
        qt().withFixedSeed(SEED + 2).withExamples(EXAMPLES / 4).forAll(hotMessages().mix(CodecFuzzTest.messages()), integers().between(0, 9))
                .checkAssert((message, at) -> {
                    byte[] expected = CrdtCodec.encode(message);
                    PreparedMessage prepared = CrdtCodec.prepare(message);
                    assertThat(prepared.size()).isEqualTo(expected.length);
                    assertThat(prepared.toByteArray()).isEqualTo(expected);
                    byte[] array = new byte[at + expected.length + 3];
                    assertThat(prepared.writeTo(array, at)).isEqualTo(at + expected.length);
                    assertThat(Arrays.copyOfRange(array, at, at + expected.length)).isEqualTo(expected);
                    int room = at + 2 * expected.length + 5;
                    for (ByteBuffer target : new ByteBuffer[] {ByteBuffer.allocate(room), ByteBuffer.allocateDirect(room),
                        ByteBuffer.wrap(new byte[room + 4], 2, room).slice()}) {
                        target.position(at);
                        prepared.writeTo(target);
                        assertThat(target.position()).isEqualTo(at + expected.length);
                        prepared.writeTo(target); // prepared messages are reusable
                        assertThat(target.position()).isEqualTo(at + 2 * expected.length);
                        byte[] written = new byte[2 * expected.length];
                        target.get(at, written);
                        assertThat(Arrays.copyOf(written, expected.length)).isEqualTo(expected);
                        assertThat(Arrays.copyOfRange(written, expected.length, written.length)).isEqualTo(expected);
                    }
                });
    }

    @Test
    void aPreparedMessageWritesNothingWhereThereIsNoRoomForIt() {
        PreparedMessage prepared = CrdtCodec.prepare(new Ack(1 << 20));
        ByteBuffer small = ByteBuffer.allocateDirect(prepared.size() - 1);
        assertThatThrownBy(() -> prepared.writeTo(small)).isInstanceOf(BufferOverflowException.class);
        assertThat(small.position()).isZero();
        assertThatThrownBy(() -> prepared.writeTo(ByteBuffer.allocate(64).asReadOnlyBuffer())).isInstanceOf(ReadOnlyBufferException.class);
        byte[] array = new byte[prepared.size() + 2];
        assertThatThrownBy(() -> prepared.writeTo(array, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> prepared.writeTo(array, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(array).containsOnly(0);
    }

    @Test
    void aPreparedDeltaBatchHoldsBytesNotTheValuesOrTheirStateMessages() {
        // The transport's queue bound counts encoded bytes; a prepared batch must not keep the
        // values' objects or their state messages (many times the encoded size) alive.
        ORSet set = ORSet.empty().add(ReplicaId.of(1), Bytes.of("element")).state();
        PreparedMessage prepared = CrdtCodec.prepare(new DeltaBatch(1, 2, List.of(new Document(Bytes.of("k"), set)), 0));
        for (java.lang.reflect.Field f : prepared.getClass().getDeclaredFields()) {
            assertThat(f.getType()).as(f.getName()).isIn(long.class, int.class, boolean.class, byte[].class, Bytes[].class);
        }
    }

    @Test
    void theBenchmarkMessagesEncodeAsBefore() {
        for (int keyLength : new int[] {0, 53, 4_085, 70_000}) {
            SplittableRandom random = new SplittableRandom(keyLength);
            DeltaBatch m = new DeltaBatch(1_000_000, 1_000_064,
                    List.of(new Document(Bytes.wrap(Mutator.randomBytes(random, keyLength)), GCounter.empty())), 999_999);
            assertThat(CrdtCodec.encode(m)).isEqualTo(GeneratedSyncCodec.encode(m));
        }
    }

    @Test
    void directAndGeneratedDecodersAgreeOnDamagedInput() {
        qt().withFixedSeed(SEED + 1).withExamples(EXAMPLES).forAll(hotMessages(), hotMessages(), longs().all())
                .checkAssert((message, donor, seed) -> {
                    byte[] valid = CrdtCodec.encode(message);
                    byte[] other = CrdtCodec.encode(donor);
                    SplittableRandom random = new SplittableRandom(seed);
                    for (int i = 0; i < 100; i++) {
                        assertSameOutcome(MUTATOR.mutate(valid, other, random));
                    }
                });
    }

    @Test
    void directAndGeneratedDecodersAgreeOnHandMadeInput() {
        for (byte[] input : handMade()) {
            assertSameOutcome(input);
        }
    }

    /** Direct and reference decoders, from an array, an offset in a larger array and a direct buffer: one outcome. */
    private static void assertSameOutcome(byte[] input) {
        Outcome expected = outcome(() -> GeneratedSyncCodec.decodeMessage(input));
        assertThat(outcome(() -> CrdtCodec.decodeMessage(input))).as("input %s", Fuzz.hex(input)).isEqualTo(expected);
        assertThat(outcome(() -> CrdtCodec.decodeMessageExactly(input))).as("input %s, exact path", Fuzz.hex(input))
                .isEqualTo(expected);
        byte[] padded = new byte[input.length + 7];
        System.arraycopy(input, 0, padded, 5, input.length);
        assertThat(outcome(() -> CrdtCodec.decodeMessage(padded, 5, input.length))).as("input %s at offset 5", Fuzz.hex(input))
                .isEqualTo(expected);
        ByteBuffer direct = ByteBuffer.allocateDirect(input.length).put(input).flip();
        assertThat(outcome(() -> CrdtCodec.decodeMessage(direct))).as("input %s in a direct buffer", Fuzz.hex(input))
                .isEqualTo(expected);
    }

    private interface Decode {
        SyncMessage run() throws CodecException;
    }

    /** A decoded message, or the refusal's message (a runtime exception fails the test outright). */
    private record Outcome(SyncMessage message, String refusal) {
    }

    private static Outcome outcome(Decode decode) {
        try {
            return new Outcome(Objects.requireNonNull(decode.run()), null);
        } catch (CodecException e) {
            return new Outcome(null, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ hand-made inputs

    private static final int FIELD_15_START_GROUP = 15 << 3 | 3;
    private static final int FIELD_15_END_GROUP = 15 << 3 | 4;

    private static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Out varint(long v) {
            bytes.writeBytes(Mutator.varint(v));
            return this;
        }

        Out raw(int... b) {
            for (int x : b) {
                bytes.write(x);
            }
            return this;
        }

        Out raw(byte[] b) {
            bytes.writeBytes(b);
            return this;
        }

        Out delimited(int tag, byte[] body) {
            return varint(tag).varint(body.length).raw(body);
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }
    }

    private static Out header(int tag) {
        return new Out().varint(tag).varint(CrdtCodec.VERSION);
    }

    /** {@code depth} nested start-group tags of field 15, closed again when {@code closed}. */
    private static byte[] groups(int depth, boolean closed) {
        Out o = new Out();
        for (int i = 0; i < depth; i++) {
            o.raw(FIELD_15_START_GROUP);
        }
        if (closed) {
            for (int i = 0; i < depth; i++) {
                o.raw(FIELD_15_END_GROUP);
            }
        }
        return o.toBytes();
    }

    private static List<byte[]> handMade() {
        byte[] counter = CrdtCodec.encode(GCounter.empty().increment(ReplicaId.of(7), 3).delta());
        byte[] document = new Out().delimited(10, new byte[] {'k'}).delimited(18, counter).toBytes();
        byte[] unknownFields = new Out()
                .varint(16 << 3).varint(300) // varint (field 16: 6 is a delta batch's ack_now)
                .varint(7 << 3 | 1).raw(new byte[8]) // fixed64
                .delimited(8 << 3 | 2, new byte[] {1, 2, 3}) // length-delimited
                .varint(9 << 3 | 5).raw(new byte[4]) // fixed32
                .varint(10 << 3 | 3).varint(11 << 3).varint(1).varint(10 << 3 | 4) // a group holding a varint
                .toBytes();
        List<byte[]> inputs = new ArrayList<>();
        for (int tag : new int[] {CrdtCodec.DELTA_BATCH, CrdtCodec.ACK, CrdtCodec.HEARTBEAT}) {
            int nestedField = tag == CrdtCodec.HEARTBEAT ? 2 << 3 | 2 : 4 << 3 | 2;
            byte[] nestedBody = tag == CrdtCodec.HEARTBEAT ? new Out().varint(1 << 3 | 1).raw(new byte[] {9, 0, 0, 0, 0, 0, 0, 0})
                    .varint(2 << 3).varint(5).toBytes() : document;
            inputs.add(header(tag).toBytes());
            // Every field, twice (the last wins), out of order, and unknown fields of every wire type around them.
            inputs.add(header(tag).raw(unknownFields).varint(5 << 3).varint(9).varint(3 << 3).varint(4).varint(2 << 3).varint(1)
                    .varint(1 << 3).varint(8).delimited(nestedField, nestedBody).varint(2 << 3).varint(2).varint(3 << 3).varint(6)
                    .varint(1 << 3).varint(3).raw(unknownFields).delimited(nestedField, nestedBody).toBytes());
            // Known field numbers with the wrong wire type: unknown fields.
            inputs.add(header(tag).varint(2 << 3 | 2).varint(1).raw(0).varint(1 << 3 | 5).raw(new byte[4])
                    .varint(4 << 3).varint(3).varint(2 << 3 | 1).raw(new byte[8]).toBytes());
            // Non-minimal varints for values, tags and lengths.
            inputs.add(header(tag).raw(0x90, 0x80, 0x00, 0x81, 0x80, 0x80, 0x00).raw(0x88, 0x00, 0x85, 0x00)
                    .varint(nestedField).raw(0x80 | nestedBody.length, 0x00).raw(nestedBody).toBytes());
            // An end-group tag at the top level ends the message; what follows is never read.
            inputs.add(header(tag).varint(2 << 3).varint(1).raw(FIELD_15_END_GROUP).raw(0xFF, 0xFF, 0xFF).toBytes());
            // ... but inside a nested message it is an error.
            inputs.add(header(tag).delimited(nestedField, new Out().raw(nestedBody).raw(FIELD_15_END_GROUP).toBytes()).toBytes());
            // A nested message longer than the input, shorter than its fields, or with a negative length.
            inputs.add(header(tag).varint(nestedField).varint(nestedBody.length + 1).raw(nestedBody).toBytes());
            inputs.add(header(tag).varint(nestedField).varint(nestedBody.length - 1).raw(nestedBody).toBytes());
            inputs.add(header(tag).varint(nestedField).varint(-1).raw(nestedBody).toBytes());
            // Invalid wire types, field number 0, a truncated fixed64, a varint of eleven bytes.
            inputs.add(header(tag).varint(3 << 3 | 6).varint(1).toBytes());
            inputs.add(header(tag).varint(3 << 3 | 7).varint(1).toBytes());
            inputs.add(header(tag).varint(0).varint(1).toBytes());
            inputs.add(header(tag).varint(7 << 3 | 1).raw(1, 2, 3).toBytes());
            inputs.add(header(tag).varint(2 << 3).raw(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01).toBytes());
            // Groups nested around the recursion limit, at the top level and inside a nested message.
            for (int depth = CrdtCodec.RECURSION_LIMIT - 3; depth <= CrdtCodec.RECURSION_LIMIT + 2; depth++) {
                for (boolean closed : new boolean[] {true, false}) {
                    inputs.add(header(tag).raw(groups(depth, closed)).toBytes());
                    inputs.add(header(tag).delimited(nestedField, new Out().raw(nestedBody).raw(groups(depth, closed)).toBytes())
                            .toBytes());
                }
            }
            inputs.add(header(tag).raw(groups(100_000, false)).toBytes());
        }
        // Delta batches: an absent key, an absent value, a value that does not decode, a value with trailing bytes,
        // sequences past 2^63 - 1, a backwards interval, and a bad value next to a bad interval (which is reported).
        inputs.add(header(CrdtCodec.DELTA_BATCH).delimited(4 << 3 | 2, new Out().delimited(18, counter).toBytes()).toBytes());
        inputs.add(header(CrdtCodec.DELTA_BATCH).delimited(4 << 3 | 2, new Out().delimited(10, new byte[] {'k'}).toBytes()).toBytes());
        inputs.add(header(CrdtCodec.DELTA_BATCH).delimited(4 << 3 | 2, new Out().delimited(18, new byte[] {1, 1, 0x0A, 5}).toBytes())
                .toBytes());
        inputs.add(header(CrdtCodec.DELTA_BATCH).delimited(4 << 3 | 2,
                new Out().delimited(18, new Out().raw(counter).raw(FIELD_15_END_GROUP, 0xFF).toBytes()).toBytes()).toBytes());
        inputs.add(header(CrdtCodec.DELTA_BATCH).varint(2 << 3).varint(-1).toBytes());
        inputs.add(header(CrdtCodec.DELTA_BATCH).varint(5 << 3).varint(Long.MIN_VALUE).toBytes());
        inputs.add(header(CrdtCodec.DELTA_BATCH).varint(2 << 3).varint(5).varint(3 << 3).varint(4).toBytes());
        inputs.add(header(CrdtCodec.DELTA_BATCH).varint(2 << 3).varint(5).delimited(4 << 3 | 2, new byte[0]).toBytes());
        // ack_now: the encoder's 1, and what only the exact path reads (0, 2, an overlong 1, a ten-byte 1,
        // repeats where the last wins, before other fields, and the wrong wire type).
        byte[] batch = new Out().varint(2 << 3).varint(5).varint(3 << 3).varint(6).delimited(4 << 3 | 2, document)
                .varint(5 << 3).varint(3).toBytes();
        for (byte[] flag : List.of(new byte[] {0x30, 1}, new byte[] {0x30, 0}, new byte[] {0x30, 2}, new byte[] {0x30, (byte) 0x81, 0},
                new byte[] {0x30, (byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                        (byte) 0x80, (byte) 0x80, 0}, new byte[] {0x30, 1, 0x30, 0}, new byte[] {0x30, 0, 0x30, 1},
                new byte[] {0x32, 1, 0})) {
            inputs.add(header(CrdtCodec.DELTA_BATCH).raw(batch).raw(flag).toBytes());
            inputs.add(header(CrdtCodec.DELTA_BATCH).raw(flag).raw(batch).toBytes());
        }
        // Heartbeats: an origin of 0 (reserved), a progress sequence past 2^63 - 1, both in one entry.
        inputs.add(header(CrdtCodec.HEARTBEAT).delimited(2 << 3 | 2, new Out().varint(2 << 3).varint(4).toBytes()).toBytes());
        inputs.add(header(CrdtCodec.HEARTBEAT).delimited(2 << 3 | 2, new Out().varint(1 << 3 | 1).raw(new byte[] {1, 0, 0, 0, 0, 0, 0, 0})
                .varint(2 << 3).varint(-5).toBytes()).toBytes());
        inputs.add(header(CrdtCodec.HEARTBEAT).delimited(2 << 3 | 2, new Out().varint(2 << 3).varint(-5).toBytes()).toBytes());
        inputs.add(header(CrdtCodec.ACK).varint(2 << 3).varint(Long.MIN_VALUE + 1).toBytes());
        // Trailing garbage after a whole message, and a truncated header.
        inputs.add(new Out().raw(CrdtCodec.encode(new Ack(5))).raw(0xFF).toBytes());
        inputs.add(new byte[] {CrdtCodec.DELTA_BATCH});
        inputs.add(Arrays.copyOf(header(CrdtCodec.HEARTBEAT).toBytes(), 1));
        return inputs;
    }
}
