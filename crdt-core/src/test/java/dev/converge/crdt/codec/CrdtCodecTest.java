package dev.converge.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.converge.crdt.Bytes;
import dev.converge.crdt.CrdtType;
import dev.converge.crdt.GCounter;
import dev.converge.crdt.Mutation;
import dev.converge.crdt.ORMap;
import dev.converge.crdt.ORSet;
import dev.converge.crdt.causal.ReplicaId;
import dev.converge.crdt.codec.proto.Field;
import dev.converge.crdt.codec.proto.MapStore;
import dev.converge.crdt.codec.proto.ORMapState;
import dev.converge.crdt.codec.proto.ORSetState;
import dev.converge.crdt.codec.proto.SetStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-made bad encodings, each refused with a message that says what is wrong. */
class CrdtCodecTest {

    private static final ReplicaId A = ReplicaId.of(1);
    private static final ReplicaId B = ReplicaId.of(2);
    private static final ReplicaId C = ReplicaId.of(3);

    private static byte[] framed(int tag, int version, byte[] payload) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        cos.writeUInt32NoTag(tag);
        cos.writeUInt32NoTag(version);
        cos.writeRawBytes(payload);
        cos.flush();
        return out.toByteArray();
    }

    @Test
    void aNewerVersionIsRefusedNamingBothVersions() throws IOException {
        byte[] bytes = framed(CrdtType.G_COUNTER.tag(), 2, new byte[0]);
        assertThatThrownBy(() -> CrdtCodec.decode(bytes))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("format version 2")
                .hasMessageContaining("version 1 that this release reads");
    }

    @Test
    void unknownTagsEmptyInputAndVersionZeroAreRefused() throws IOException {
        assertThatThrownBy(() -> CrdtCodec.decode(framed(99, 1, new byte[0]))).hasMessageContaining("unknown CRDT type tag 99");
        assertThatThrownBy(() -> CrdtCodec.decode(new byte[0])).hasMessageContaining("truncated header");
        assertThatThrownBy(() -> CrdtCodec.decode(framed(1, 0, new byte[0]))).hasMessageContaining("version 0");
        assertThatThrownBy(() -> CrdtCodec.decodeMessage(framed(5, 1, new byte[0]))).hasMessageContaining("unknown sync message tag 5");
    }

    @Test
    void aHugeDeclaredLengthIsRefusedWithoutAllocatingIt() throws IOException {
        // Field 5 (store), wire type 2, declared length 2^31 - 1 with nothing behind it.
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        CodedOutputStream cos = CodedOutputStream.newInstance(payload);
        cos.writeTag(5, 2);
        cos.writeUInt32NoTag(Integer.MAX_VALUE);
        cos.flush();
        assertThatThrownBy(() -> CrdtCodec.decode(framed(CrdtType.OR_SET.tag(), 1, payload.toByteArray())))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("malformed OR_SET");
    }

    @Test
    void invalidStructureIsRefusedByName() throws IOException {
        // A dot outside the causal context.
        byte[] outside = ORSetState.newBuilder().addReplicas(1)
                .setStore(SetStore.newBuilder().setElements(ByteString.copyFrom(new byte[] {1, 'x'})).addDotCounter(4).setComplete(true))
                .build().toByteArray();
        assertThatThrownBy(() -> CrdtCodec.decode(framed(CrdtType.OR_SET.tag(), 1, outside)))
                .hasMessageContaining("lies outside the causal context");
        // Elements out of order.
        byte[] unordered = ORSetState.newBuilder().addReplicas(1).addVvReplica(0).addVvCounter(2)
                .setStore(SetStore.newBuilder().setElements(ByteString.copyFrom(new byte[] {1, 'y', 1, 'x'}))
                        .addDotCounter(1).addDotCounter(2).setComplete(true))
                .build().toByteArray();
        assertThatThrownBy(() -> CrdtCodec.decode(framed(CrdtType.OR_SET.tag(), 1, unordered)))
                .hasMessageContaining("not strictly ascending");
        // An element length running past the list.
        byte[] overrun = ORSetState.newBuilder().addReplicas(1).addVvReplica(0).addVvCounter(1)
                .setStore(SetStore.newBuilder().setElements(ByteString.copyFrom(new byte[] {100, 'x'})).addDotCounter(1))
                .build().toByteArray();
        assertThatThrownBy(() -> CrdtCodec.decode(framed(CrdtType.OR_SET.tag(), 1, overrun)))
                .hasMessageContaining("overruns");
        // A replica index outside the table.
        byte[] badIndex = ORSetState.newBuilder().addReplicas(1).addVvReplica(7).addVvCounter(1).build().toByteArray();
        assertThatThrownBy(() -> CrdtCodec.decode(framed(CrdtType.OR_SET.tag(), 1, badIndex)))
                .hasMessageContaining("replica index 7 outside a table of 1");
        // Replica id zero.
        byte[] zero = ORSetState.newBuilder().addReplicas(0).build().toByteArray();
        assertThatThrownBy(() -> CrdtCodec.decode(framed(CrdtType.OR_SET.tag(), 1, zero))).hasMessageContaining("reserved");
    }

    /** A state's fields are states: a partial nested store in a complete map would read as a field the join drops. */
    @Test
    void aPartialStoreNestedInACompleteMapIsRefused() throws IOException, CodecException {
        byte[] nested = ORMapState.newBuilder().addReplicas(1).addVvReplica(0).addVvCounter(1)
                .setStore(MapStore.newBuilder().setComplete(true).addFields(Field.newBuilder().setName(ByteString.copyFromUtf8("k"))
                        .setOrSet(SetStore.newBuilder().setElements(ByteString.copyFrom(new byte[] {1, 'e'})).addDotCounter(1)
                                .setComplete(false))))
                .build().toByteArray();
        assertThatThrownBy(() -> CrdtCodec.decode(framed(CrdtType.OR_MAP.tag(), 1, nested)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("field 'k' holds a partial store in a complete map");
        byte[] whole = ORMapState.newBuilder().addReplicas(1).addVvReplica(0).addVvCounter(1)
                .setStore(MapStore.newBuilder().setComplete(true).addFields(Field.newBuilder().setName(ByteString.copyFromUtf8("k"))
                        .setOrSet(SetStore.newBuilder().setElements(ByteString.copyFrom(new byte[] {1, 'e'})).addDotCounter(1)
                                .setComplete(true))))
                .build().toByteArray();
        assertThat(((ORMap) CrdtCodec.decode(framed(CrdtType.OR_MAP.tag(), 1, whole))).set(Bytes.of("k")).orElseThrow()
                .contains(Bytes.of("e"))).isTrue();
    }

    @Test
    void decodingExpectsTheRightType() {
        byte[] counter = CrdtCodec.encode(GCounter.empty().increment(A, 3).state());
        assertThatThrownBy(() -> CrdtCodec.decode(counter, CrdtType.OR_SET))
                .hasMessageContaining("expected a OR_SET but the bytes hold a G_COUNTER");
    }

    @Test
    void mapsNestedBeyondTheLimitAreRefusedOnEncodeAndDecode() throws CodecException {
        ORMap deepest = ORMap.empty().increment(A, Bytes.of("n"), 1).state();
        ORMap map = deepest;
        for (int depth = 1; depth < ORMap.MAX_DEPTH; depth++) {
            ORMap inner = map;
            map = ORMap.empty().join(inner).updateMap(Bytes.of("m"), m -> new Mutation<>(inner, inner)).state();
        }
        ORMap atLimit = map;
        assertThat(CrdtCodec.decode(CrdtCodec.encode(atLimit))).isEqualTo(atLimit);
        ORMap tooDeep = ORMap.empty().join(atLimit).updateMap(Bytes.of("m"), m -> new Mutation<>(atLimit, atLimit)).state();
        assertThatThrownBy(() -> CrdtCodec.encode(tooDeep)).hasMessageContaining("deeper than " + ORMap.MAX_DEPTH);
    }

    /** Deterministic sizes (bytes, not time) of the encodings the benchmarks report. */
    @Test
    void aOneElementDeltaIsSmallAndTheFullSetCompact() {
        List<ReplicaId> writers = List.of(A, B, C);
        ORSet set = ORSet.empty();
        for (int i = 0; i < 10_000; i++) {
            set = set.add(writers.get(i % 3), Bytes.of("elem-" + i)).state();
        }
        Mutation<ORSet> add = set.add(B, Bytes.of("elem-10000"));
        assertThat(CrdtCodec.encode(add.delta()).length).isLessThanOrEqualTo(40);
        assertThat(CrdtCodec.encode(set).length).isLessThanOrEqualTo(150_000);
        List<Bytes> elements = new ArrayList<>(set.elements());
        assertThat(elements).hasSize(10_000);
    }
}
